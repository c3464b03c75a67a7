#include <CLI/CLI.hpp>

#include "chaos_cli.hpp"
#include "demo.hpp"
#include "fuzz_cli.hpp"

int main(int argc, char** argv) {
    CLI::App app{"dita: deterministic execution kernel for perpetual futures, with chaos testing"};
    app.require_subcommand(1);

    dita::app::DemoOptions demo;
    CLI::App* demo_cmd = app.add_subcommand("demo", "trade a few lifecycles on the mock venue and print them");
    demo_cmd->add_option("--cycles", demo.cycles, "number of trades")->check(CLI::Range(1, 1000));
    demo_cmd->add_option("--partial-fill-ratio", demo.partial_fill_ratio, "mock venue fill share")
        ->check(CLI::Range(0.0, 1.0));
    bool quiet = false;
    demo_cmd->add_flag("--quiet", quiet, "hide transitions");

    dita::app::ChaosOptions chaos;
    CLI::App* chaos_cmd = app.add_subcommand(
        "chaos", "run chaos scenarios on kernel + mock venue and check every invariant (default: the ten built-ins)");
    chaos_cmd->add_option("--scenario", chaos.scenarios, "a built-in scenario by name (repeatable; see `dita scenarios`)");
    chaos_cmd->add_option("--scenario-file", chaos.scenario_files, "a JSON scenario file (repeatable)");
    chaos_cmd->add_option("--group", chaos.group, "a seed group: all (ALL_SCENARIOS), edge, reject, builtin; or field (named failures from the field)")
        ->check(CLI::IsMember({"all", "edge", "reject", "builtin", "field"}));
    chaos_cmd->add_option("--json", chaos.json_out, "write the JSON report to this file ('-': stdout)");
    chaos_cmd->add_option("--venue", chaos.venue,
                          "mock (default), bingx-sim (a local BingX simulator per run, faults on, through the real "
                          "adapter), or bingx (the adapter on --bingx-url; a real host needs --live and caps)")
        ->check(CLI::IsMember({"mock", "bingx-sim", "bingx"}));
    chaos_cmd->add_option("--bingx-url", chaos.bingx_url, "BingX REST base URL for --venue bingx");
    chaos_cmd->add_flag("--live", chaos.live, "allow --venue bingx to trade on a real BingX host");
    chaos_cmd->add_option("--max-order-qty", chaos.max_order_qty, "live runs: the largest order size sent");
    chaos_cmd->add_option("--max-order-notional", chaos.max_order_notional, "live runs: the largest order notional sent");
    chaos_cmd->add_option("--capture", chaos.capture_dir,
                          "write each scenario's input log and event stream (JSON lines) to this directory");
    chaos_cmd->add_option("--repeat", chaos.repeat, "run everything this many times, with fresh shuffle seeds")
        ->check(CLI::Range(1, 1'000'000));
    chaos_cmd->add_option("--reorders", chaos.reorders,
                          "replays per scenario run, each delivering every event twice: the first reverses every "
                          "event batch, the others shuffle them (seeded); 0: one replay in recorded order")
        ->check(CLI::Range(0, 10'000));
    chaos_cmd->add_option("--seed", chaos.seed, "seed of the shuffled replays");
    chaos_cmd->add_flag("--no-replay", chaos.no_replay, "skip the replay checks (duplicates, convergence)");
    chaos_cmd->add_flag("--wall-clock", chaos.wall_clock, "sleep through delays instead of advancing virtual time");
    chaos_cmd->add_flag("--verbose,-v", chaos.verbose, "show every check's detail");
    chaos_cmd->add_flag("--no-progress", chaos.no_progress, "never draw a progress bar");

    dita::app::ReplayOptions replay;
    CLI::App* replay_cmd = app.add_subcommand(
        "replay", "replay a captured input log or event stream (JSON lines) and compare the final states");
    replay_cmd->add_option("file", replay.file, "an input log or event stream written by `dita chaos --capture`")
        ->required();
    CLI::Option* shuffle = replay_cmd->add_flag("--shuffle", replay.shuffle, "replay once in a seeded shuffled order");
    CLI::Option* exhaustive = replay_cmd->add_flag(
        "--exhaustive", replay.exhaustive, "replay in every order (up to 8 events / 40320 batch orders), else --samples");
    shuffle->excludes(exhaustive);
    replay_cmd->add_option("--seed", replay.seed, "shuffle seed");
    replay_cmd->add_option("--samples", replay.samples, "orders sampled when there are too many to enumerate")
        ->check(CLI::Range(1, 1'000'000));
    replay_cmd->add_option("--json", replay.json_out, "write a JSON summary to this file ('-': stdout)");
    replay_cmd->add_flag("--no-progress", replay.no_progress, "never draw a progress bar");

    dita::app::ScenariosOptions scenarios;
    CLI::App* scenarios_cmd = app.add_subcommand("scenarios", "list the built-in chaos scenarios");
    scenarios_cmd->add_option("--export", scenarios.export_dir, "write each built-in as a scenario file to this directory");
    scenarios_cmd->add_flag("--json", scenarios.json, "print them as one scenario file");

    dita::app::FuzzOptions fuzz;
    CLI::App* fuzz_cmd = app.add_subcommand(
        "fuzz", "random chaos campaign: seeded scenarios with venue faults, every invariant plus liveness, "
                "failures shrunk to minimal scenario files");
    fuzz_cmd->add_option("--seeds", fuzz.seeds, "number of seeds (start .. start+N-1)")->check(CLI::Range(0ULL, 1ULL << 40));
    fuzz_cmd->add_option("--start", fuzz.start, "first seed");
    fuzz_cmd->add_option("--shard", fuzz.shard, "i/n: only seeds with (seed - start) % n == i (no overlap across shards)");
    fuzz_cmd->add_option("--time-limit", fuzz.time_limit_seconds, "stop after this many seconds (0: none)");
    fuzz_cmd->add_option("--json", fuzz.json_out, "write the JSON report to this file ('-': stdout)");
    fuzz_cmd->add_option("--save-dir", fuzz.save_dir, "save each shrunk reproducer as a scenario file here");
    fuzz_cmd->add_option("--replay-every", fuzz.replay_every,
                         "replay checks on every k-th seed (and every failure); 1: every seed")
        ->check(CLI::Range(1ULL, 1ULL << 40));
    fuzz_cmd->add_option("--steps-max", fuzz.steps_max, "most steps of a generated scenario")->check(CLI::Range(1, 1000));
    fuzz_cmd->add_option("--failures-max", fuzz.failures_max, "stop after this many failures")
        ->check(CLI::Range(std::size_t{1}, std::size_t{1} << 40));
    fuzz_cmd->add_flag("--no-faults", fuzz.no_faults, "a venue without faults (sizes, prices, storms, restarts only)");
    fuzz_cmd->add_flag("--no-restarts", fuzz.no_restarts, "no RESTART steps");
    fuzz_cmd->add_flag("--wild-prices", fuzz.wild_prices,
                       "kept for old scripts: every campaign draws valid prices far out (650x) now");
    fuzz_cmd->add_flag("--no-liquidation", fuzz.no_liquidation,
                       "a venue that never liquidates: with wild prices capital can go below zero");
    fuzz_cmd->add_flag("--no-venue-moves", fuzz.no_venue_moves,
                       "draw no ADL, manual closes, fast funding or one-way accounts");
    fuzz_cmd->add_flag("--no-shrink", fuzz.no_shrink, "report failures as generated");
    fuzz_cmd->add_flag("--no-progress", fuzz.no_progress, "never draw the progress line");

    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& error) {
        const int code = app.exit(error);
        return code == 0 ? dita::app::exit_ok : dita::app::exit_bad_input;
    }
    if (*demo_cmd) {
        demo.show_transitions = !quiet;
        return dita::app::run_demo(demo);
    }
    if (*chaos_cmd) return dita::app::run_chaos_command(chaos);
    if (*replay_cmd) return dita::app::run_replay_command(replay);
    if (*fuzz_cmd) return dita::app::run_fuzz_command(fuzz);
    if (*scenarios_cmd) return dita::app::run_scenarios_command(scenarios);
    return dita::app::exit_bad_input;
}
