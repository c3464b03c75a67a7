#include "fuzz_cli.hpp"
#include "cli_io.hpp"

#include <fmt/format.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "chaos_cli.hpp"
#include "dita/chaos/campaign.hpp"
#include "dita/chaos/scenario_io.hpp"

namespace dita::app {

namespace {

using SteadyClock = std::chrono::steady_clock;

struct Shard {
    std::uint64_t index = 0;
    std::uint64_t count = 1;
};

std::optional<Shard> parse_shard(const std::string& text) {
    const auto slash = text.find('/');
    if (slash == std::string::npos || slash == 0 || slash + 1 >= text.size()) return std::nullopt;
    Shard shard;
    try {
        std::size_t used = 0;
        shard.index = std::stoull(text.substr(0, slash), &used);
        if (used != slash) return std::nullopt;
        const std::string count = text.substr(slash + 1);
        shard.count = std::stoull(count, &used);
        if (used != count.size()) return std::nullopt;
    } catch (const std::exception&) {
        return std::nullopt; // not a number: bad usage, reported by the caller
    }
    if (shard.count == 0 || shard.index >= shard.count || text[0] == '-') return std::nullopt;
    return shard;
}


} // namespace

int run_fuzz_command(const FuzzOptions& options) {
    const std::optional<Shard> shard = parse_shard(options.shard);
    if (!shard) {
        fmt::print(stderr, "dita fuzz: --shard expects i/n with 0 <= i < n, got '{}'\n", options.shard);
        return exit_bad_input;
    }
    if (!(options.time_limit_seconds >= 0.0)) {
        fmt::print(stderr, "dita fuzz: --time-limit must not be negative\n");
        return exit_bad_input;
    }
    if (!options.save_dir.empty()) {
        std::error_code error;
        std::filesystem::create_directories(options.save_dir, error);
        if (error || !std::filesystem::is_directory(options.save_dir)) {
            fmt::print(stderr, "dita fuzz: cannot create --save-dir {}: {}\n", options.save_dir, error.message());
            return exit_bad_input;
        }
    }
    if (!options.json_out.empty() && options.json_out != "-") {
        // Refused before anything runs, as dita chaos does.
        std::ofstream probe(options.json_out, std::ios::binary | std::ios::app);
        if (!probe) {
            fmt::print(stderr, "dita fuzz: cannot write --json {}\n", options.json_out);
            return exit_bad_input;
        }
    }

    chaos::CampaignOptions campaign;
    campaign.start = options.start;
    campaign.seeds = options.seeds;
    campaign.shard_index = shard->index;
    campaign.shard_count = shard->count;
    campaign.replay_every = options.replay_every;
    campaign.shrink = !options.no_shrink;
    campaign.failures_max = options.failures_max;
    campaign.generator.steps_max = options.steps_max;
    campaign.generator.faults = !options.no_faults;
    campaign.generator.restarts = !options.no_restarts;
    campaign.generator.wild_prices = true; // --wild-prices folded into every campaign
    campaign.generator.liquidations = !options.no_liquidation;
    campaign.generator.venue_moves = !options.no_venue_moves;

    const bool tty = !options.no_progress && isatty(STDERR_FILENO) == 1;
    const auto started = SteadyClock::now();
    auto last_draw = started;
    const auto seconds_since = [](SteadyClock::time_point since) {
        return std::chrono::duration<double>(SteadyClock::now() - since).count();
    };
    campaign.on_run = [&](std::uint64_t runs, std::size_t failures) {
        // Checked every 64 runs: reading the clock per run would cost more than some runs.
        if (runs % 64 != 0) return true;
        const auto now = SteadyClock::now();
        if (tty && std::chrono::duration<double>(now - last_draw).count() >= 0.2) {
            last_draw = now;
            const double elapsed = seconds_since(started);
            fmt::print(stderr, "\r  runs {}  ({:.0f} runs/s)  failures {}   ", runs,
                       elapsed > 0 ? static_cast<double>(runs) / elapsed : 0.0, failures);
            std::fflush(stderr);
        }
        return options.time_limit_seconds <= 0.0 || seconds_since(started) < options.time_limit_seconds;
    };

    chaos::CampaignReport report = chaos::run_campaign(campaign);
    const double elapsed = seconds_since(started);
    if (tty) fmt::print(stderr, "\r{:60}\r", "");

    nlohmann::json failures = nlohmann::json::array();
    bool save_problem = false;
    for (chaos::CampaignFailure& failure : report.failures) {
        if (!options.save_dir.empty()) {
            const std::string path =
                (std::filesystem::path(options.save_dir) / ("seed-" + std::to_string(failure.seed) + ".json")).string();
            if (auto problem = write_text(path, chaos::scenario_to_json(failure.reproducer).dump(2) + "\n")) {
                fmt::print(stderr, "dita fuzz: {}\n", *problem);
                save_problem = true;
            } else {
                failure.reproducer_path = path;
            }
        }
        fmt::print("FAIL seed {}: {} ({} steps, shrunk to {}): {}{}\n", failure.seed, failure.invariant, failure.steps,
                   failure.shrunk_steps, failure.detail,
                   failure.reproducer_path.empty() ? "" : "\n  reproducer: " + failure.reproducer_path);
        nlohmann::json one;
        one["seed"] = failure.seed;
        one["invariant"] = failure.invariant;
        one["detail"] = failure.detail;
        one["steps"] = failure.steps;
        one["shrunk_steps"] = failure.shrunk_steps;
        one["reproducer"] = failure.reproducer_path;
        one["scenario"] = chaos::scenario_to_json(failure.reproducer);
        failures.push_back(std::move(one));
    }
    const double rate = elapsed > 0 ? static_cast<double>(report.runs) / elapsed : 0.0;
    fmt::print("dita fuzz: {} run(s) of seeds {}..{} (shard {}/{}), {} with replay checks, {} failure(s), "
               "{:.2f} s, {:.0f} runs/s{}\n",
               report.runs, options.start, options.start + (options.seeds == 0 ? 0 : options.seeds - 1), shard->index,
               shard->count, report.replayed_runs, report.failures.size(), elapsed, rate,
               report.stopped_early ? " (stopped early)" : "");

    if (!options.json_out.empty()) {
        nlohmann::json out;
        out["start"] = options.start;
        out["seeds"] = options.seeds;
        out["shard"] = options.shard;
        out["runs"] = report.runs;
        out["replayed_runs"] = report.replayed_runs;
        out["stopped_early"] = report.stopped_early;
        out["seconds"] = elapsed;
        out["passed"] = report.failures.empty();
        out["failures"] = std::move(failures);
        if (auto problem = write_text(options.json_out, out.dump(2) + "\n")) {
            fmt::print(stderr, "dita fuzz: {}\n", *problem);
            return exit_bad_input;
        }
    }
    if (!report.failures.empty()) return exit_invariant_failed;
    return save_problem ? exit_bad_input : exit_ok;
}

} // namespace dita::app
