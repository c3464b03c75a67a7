#include <CLI/CLI.hpp>

#include <cmath>
#include <cstdint>

#include "chaos_cli.hpp"
#include "demo.hpp"
#include "fuzz_cli.hpp"
#include "run_cli.hpp"
#include "reports.hpp"
#include "version.hpp"

namespace {

constexpr const char* exit_codes_footer =
    "Exit codes: 0 every invariant holds (or the command did what it was asked), 1 an invariant "
    "fails, 2 bad usage or input (nothing ran).";

std::string footer(const char* examples) { return std::string(exit_codes_footer) + "\n\nExamples:\n" + examples; }

} // namespace

namespace {

// CLI::Range lets NaN through (every comparison with it is false) and CLI11 2.1 reads "-1"
// into an unsigned option as 2^64-1: every numeric flag also passes one of these.
CLI::Validator finite_number() {
    return CLI::Validator(
        [](const std::string& text) -> std::string {
            double value = 0.0;
            if (!CLI::detail::lexical_cast(text, value) || !std::isfinite(value)) {
                return "expected a finite number, got '" + text + "'";
            }
            return {};
        },
        "FINITE");
}

CLI::Validator unsigned_number() {
    return CLI::Validator(
        [](const std::string& text) -> std::string {
            if (text.empty() || text.size() > 20 || text.find_first_not_of("0123456789") != std::string::npos) {
                return "expected a non-negative integer below 2^64, got '" + text + "'";
            }
            // Plain digits compare as numbers when their lengths are equal; CLI11 2.1 saturates
            // at 2^64-1 instead of refusing.
            if (text.size() == 20 && text > "18446744073709551615") {
                return "expected an integer below 2^64, got '" + text + "'";
            }
            return {};
        },
        "UINT");
}

CLI::App* add_demo_command(CLI::App& app, dita::app::DemoOptions& demo, bool& quiet) {
    CLI::App* demo_cmd = app.add_subcommand("demo", "trade a few lifecycles on the mock venue and print them");
    demo_cmd->add_option("--cycles", demo.cycles, "number of trades")->check(CLI::Range(1, 1000));
    demo_cmd->add_option("--partial-fill-ratio", demo.partial_fill_ratio, "mock venue fill share")
        ->check(finite_number())
        ->check(CLI::Range(0.0, 1.0));
    demo_cmd->add_flag("--quiet", quiet, "hide transitions");
    demo_cmd->footer(footer("  dita demo\n  dita demo --cycles 10 --partial-fill-ratio 0.5 --quiet"));
    return demo_cmd;
}

CLI::App* add_chaos_command(CLI::App& app, dita::app::ChaosOptions& chaos) {
    CLI::App* chaos_cmd = app.add_subcommand(
        "chaos", "run chaos scenarios on kernel + mock venue and check every invariant (default: the ten built-ins)");
    chaos_cmd->add_option("--scenario", chaos.scenarios, "a built-in scenario by name (repeatable; see `dita scenarios`)");
    chaos_cmd->add_option("--scenario-file", chaos.scenario_files, "a JSON scenario file (repeatable)");
    chaos_cmd->add_option("--group", chaos.group, "a seed group: all (ALL_SCENARIOS), edge, reject, builtin; or field (named failures from the field)")
        ->check(CLI::IsMember({"all", "edge", "reject", "builtin", "field"}));
    chaos_cmd->add_option("--json", chaos.json_out, "write the JSON report to this file ('-': stdout)");
    chaos_cmd->add_option("--html", chaos.html_out,
                          "write an HTML report: per scenario a timeline (slots, intents, venue events, diagnostics, "
                          "capital), the failing invariant marked");
    chaos_cmd->add_option("--junit", chaos.junit_out, "write JUnit XML for CI: one testcase per scenario");
    chaos_cmd->footer(footer("  dita chaos --group field --html field.html\n"
                             "  dita chaos --scenario-file scenarios/fill_before_ack.json --reorders 20 --seed 7 --junit chaos.xml"));
    chaos_cmd->add_option("--venue", chaos.venue,
                          "mock (default), bingx-sim (a local BingX simulator per run, faults on, through the real "
                          "adapter), or bingx (the adapter on --bingx-url; a real host needs --live and caps)")
        ->check(CLI::IsMember({"mock", "bingx-sim", "bingx"}));
    chaos_cmd->add_option("--bingx-url", chaos.bingx_url, "BingX REST base URL for --venue bingx");
    chaos_cmd->add_option("--bingx-ws-url", chaos.bingx_ws_url,
                          "BingX user-stream URL for --venue bingx (default: the stream host paired with --bingx-url "
                          "for open-api.bingx.com and open-api-vst.bingx.com, the same host and port on loopback; "
                          "any other host needs this)");
    chaos_cmd->add_option("--log-level", chaos.log_level,
                          "BingX adapter and simulator logs to stderr from this level (connects, reconnects, retries, "
                          "clock resyncs, rate limits, catch-ups; never keys or signatures)")
        ->check(CLI::IsMember({"trace", "debug", "info", "warn", "error", "critical", "off"}));
    chaos_cmd->add_option("--bingx-sim-state", chaos.bingx_sim_state,
                          "--venue bingx-sim: keep the simulated account in this file, shared by every scenario and "
                          "later runs (as a real account is)");
    chaos_cmd->add_flag("--live", chaos.live, "allow --venue bingx to trade on a real BingX host");
    chaos_cmd->add_option("--max-order-qty", chaos.max_order_qty, "live runs: the largest order size sent")
        ->check(finite_number())
        ->check(CLI::NonNegativeNumber);
    chaos_cmd->add_option("--max-order-notional", chaos.max_order_notional, "live runs: the largest order notional sent")
        ->check(finite_number())
        ->check(CLI::NonNegativeNumber);
    chaos_cmd->add_option("--capture", chaos.capture_dir,
                          "write each scenario's input log and event stream (JSON lines) to this directory");
    chaos_cmd->add_option("--repeat", chaos.repeat, "run everything this many times, with fresh shuffle seeds")
        ->check(CLI::Range(1, 1'000'000));
    chaos_cmd->add_option("--reorders", chaos.reorders,
                          "replays per scenario run, each delivering every event twice: the first reverses every "
                          "event batch, the others shuffle them (seeded); 0: one replay in recorded order")
        ->check(CLI::Range(0, 10'000));
    chaos_cmd->add_option("--seed", chaos.seed, "seed of the shuffled replays")->check(unsigned_number());
    chaos_cmd->add_flag("--no-replay", chaos.no_replay, "skip the replay checks (duplicates, convergence)");
    chaos_cmd->add_flag("--wall-clock", chaos.wall_clock, "sleep through delays instead of advancing virtual time");
    chaos_cmd->add_flag("--verbose,-v", chaos.verbose, "show every check's detail");
    chaos_cmd->add_flag("--no-progress", chaos.no_progress, "never draw a progress bar");
    return chaos_cmd;
}

CLI::App* add_replay_command(CLI::App& app, dita::app::ReplayOptions& replay) {
    CLI::App* replay_cmd = app.add_subcommand(
        "replay", "replay a captured input log or event stream (JSON lines) and compare the final states");
    replay_cmd->add_option("file", replay.file, "an input log or event stream written by `dita chaos --capture`")
        ->required();
    CLI::Option* shuffle = replay_cmd->add_flag("--shuffle", replay.shuffle, "replay once in a seeded shuffled order");
    CLI::Option* exhaustive = replay_cmd->add_flag(
        "--exhaustive", replay.exhaustive, "replay in every order (up to 8 events / 40320 batch orders), else --samples");
    shuffle->excludes(exhaustive);
    replay_cmd->add_option("--seed", replay.seed, "shuffle seed")->check(unsigned_number());
    replay_cmd->add_option("--samples", replay.samples, "orders sampled when there are too many to enumerate")
        ->check(CLI::Range(1, 1'000'000));
    replay_cmd->add_option("--json", replay.json_out, "write a JSON summary to this file ('-': stdout)");
    replay_cmd->add_option("--html", replay.html_out, "write an HTML report: the log's timeline, replayed input by input");
    replay_cmd->footer(footer("  dita chaos --scenario fill_before_ack --capture cap && dita replay cap/fill_before_ack.inputs.jsonl --exhaustive\n"
                              "  dita replay cap/fill_before_ack.inputs.jsonl --html replay.html"));
    replay_cmd->add_flag("--no-progress", replay.no_progress, "never draw a progress bar");
    return replay_cmd;
}

CLI::App* add_scenarios_command(CLI::App& app, dita::app::ScenariosOptions& scenarios) {
    CLI::App* scenarios_cmd = app.add_subcommand("scenarios", "list the built-in chaos scenarios");
    scenarios_cmd->add_option("--export", scenarios.export_dir, "write each built-in as a scenario file to this directory");
    scenarios_cmd->add_flag("--json", scenarios.json, "print them as one scenario file");
    scenarios_cmd->footer(footer("  dita scenarios\n  dita scenarios --export my-scenarios"));
    return scenarios_cmd;
}

CLI::App* add_fuzz_command(CLI::App& app, dita::app::FuzzOptions& fuzz) {
    CLI::App* fuzz_cmd = app.add_subcommand(
        "fuzz", "random chaos campaign: seeded scenarios with venue faults, every invariant plus liveness, "
                "failures shrunk to minimal scenario files");
    fuzz_cmd->add_option("--seeds", fuzz.seeds, "number of seeds (start .. start+N-1)")
        ->check(unsigned_number())
        ->check(CLI::Range(0ULL, 1ULL << 40));
    fuzz_cmd->add_option("--start", fuzz.start, "first seed (start + seeds must not pass 2^64)")->check(unsigned_number());
    fuzz_cmd->add_option("--shard", fuzz.shard, "i/n: only seeds with (seed - start) % n == i (no overlap across shards)");
    fuzz_cmd->add_option("--time-limit", fuzz.time_limit_seconds, "stop after this many seconds (0: none)")
        ->check(finite_number())
        ->check(CLI::NonNegativeNumber);
    fuzz_cmd->add_option("--json", fuzz.json_out, "write the JSON report to this file ('-': stdout)");
    fuzz_cmd->add_option("--html", fuzz.html_out,
                         "write an HTML report: failures by invariant, each shrunk reproducer's timeline and re-run command");
    fuzz_cmd->add_option("--junit", fuzz.junit_out, "write JUnit XML for CI: the campaign, and one testcase per failing seed");
    fuzz_cmd->footer(footer("  dita fuzz --seeds 100000 --shard 0/2 --save-dir repro\n"
                            "  dita fuzz --start 4242 --seeds 1 --html seed.html"));
    fuzz_cmd->add_option("--save-dir", fuzz.save_dir, "save each shrunk reproducer as a scenario file here");
    fuzz_cmd->add_option("--replay-every", fuzz.replay_every,
                         "replay checks on every k-th seed (and every failure); 1: every seed")
        ->check(unsigned_number())
        ->check(CLI::Range(1ULL, 1ULL << 40));
    fuzz_cmd->add_option("--steps-max", fuzz.steps_max, "most steps of a generated scenario")->check(CLI::Range(1, 1000));
    fuzz_cmd->add_flag("--large", fuzz.large,
                       "a quarter of the seeds (picked by a draw of their own) get up to --large-steps-max steps; "
                       "without it every seed's scenario is unchanged");
    fuzz_cmd->add_option("--large-steps-max", fuzz.large_steps_max, "most steps of a large scenario")
        ->check(CLI::Range(1, 1000));
    fuzz_cmd->add_option("--failures-max", fuzz.failures_max, "stop after this many failures")
        ->check(unsigned_number())
        ->check(CLI::Range(std::size_t{1}, std::size_t{1} << 40));
    fuzz_cmd->add_flag("--no-faults", fuzz.no_faults, "a venue without faults (sizes, prices, storms, restarts only)");
    fuzz_cmd->add_flag("--no-restarts", fuzz.no_restarts, "no RESTART steps");
    CLI::Option* wild = fuzz_cmd->add_flag("--wild-prices", fuzz.wild_prices,
                                           "accepted for older commands: wild prices are in every campaign");
    CLI::Option* venue_moves = fuzz_cmd->add_flag(
        "--venue-moves", fuzz.venue_moves,
        "accepted for older commands: the venue's own moves are in every campaign");
    fuzz_cmd->add_flag("--no-venue-moves", fuzz.no_venue_moves,
                       "the campaign before the venue's own moves: usual prices, no liquidation, ADL, manual "
                       "closes, fast funding or one-way accounts (the seeds of older reproducers)")
        ->excludes(wild)
        ->excludes(venue_moves);
    fuzz_cmd->add_flag("--no-liquidation", fuzz.no_liquidation,
                       "a venue that never liquidates, so wild prices take capital below zero (a known-failing "
                       "shape, for testing the tooling)");
    fuzz_cmd->add_flag("--no-shrink", fuzz.no_shrink, "report failures as generated");
    fuzz_cmd->add_flag("--no-progress", fuzz.no_progress, "never draw the progress line");
    return fuzz_cmd;
}

} // namespace

int main(int argc, char** argv) {
    CLI::App app{"dita: deterministic execution kernel for perpetual futures, with chaos testing"};
    app.require_subcommand(1);
    app.set_version_flag("--version", "dita " + dita::app::version_text(), "print the version (and git revision) and exit");
    // Every option's default is shown in --help (subcommands inherit this).
    app.option_defaults()->always_capture_default();
    app.footer(footer("  dita chaos --html report.html         the ten built-ins, a timeline per scenario\n"
                      "  dita fuzz --seeds 10000 --junit f.xml  a random campaign, JUnit for CI"));
    std::vector<std::string> invocation(argv, argv + argc);
    const std::string program = argc > 0 ? argv[0] : "dita";
    const std::string command_line = dita::app::shell_command(invocation);

    dita::app::DemoOptions demo;
    bool quiet = false;
    CLI::App* demo_cmd = add_demo_command(app, demo, quiet);
    dita::app::ChaosOptions chaos;
    CLI::App* chaos_cmd = add_chaos_command(app, chaos);
    dita::app::ReplayOptions replay;
    CLI::App* replay_cmd = add_replay_command(app, replay);
    dita::app::ScenariosOptions scenarios;
    CLI::App* scenarios_cmd = add_scenarios_command(app, scenarios);
    dita::app::FuzzOptions fuzz;
    CLI::App* fuzz_cmd = add_fuzz_command(app, fuzz);

    dita::app::RunOptions run;
    CLI::App* run_cmd = dita::app::add_run_command(app, run);
    dita::app::CtlOptions ctl;
    CLI::App* ctl_cmd = dita::app::add_ctl_command(app, ctl);
    // These two have exit codes of their own (run_cli.cpp, ctl_cli.cpp).
    run_cmd->footer("Exit codes: 0 stopped cleanly (SIGTERM/SIGINT), or --check: the config is usable; 1 the service "
                    "failed; 2 bad usage or a refused config (nothing started).\n\nExamples:\n"
                    "  dita run --config examples/sim.toml --check\n  dita run --config examples/sim.toml");
    ctl_cmd->footer("Exit codes: 0 done; 1 the kernel refused (the outcome's code is not OK); 2 bad usage or a "
                    "request the service refused (4xx); 3 the service is unreachable or failed (5xx).\n\nExamples:\n"
                    "  dita ctl status\n  dita ctl --url http://127.0.0.1:8080 flatten");

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
    chaos.program = replay.program = fuzz.program = program;
    chaos.command_line = replay.command_line = fuzz.command_line = command_line;
    if (*chaos_cmd) return dita::app::run_chaos_command(chaos);
    if (*replay_cmd) return dita::app::run_replay_command(replay);
    if (*fuzz_cmd) return dita::app::run_fuzz_command(fuzz);
    if (*scenarios_cmd) return dita::app::run_scenarios_command(scenarios);
    if (*run_cmd) return dita::app::run_run_command(run);
    if (*ctl_cmd) return dita::app::run_ctl_command(ctl);
    return dita::app::exit_bad_input;
}
