#pragma once
// The chaos subcommands of the dita CLI: chaos, replay, scenarios.
// Exit codes: 0 every invariant holds, 1 an invariant fails, 2 bad usage or input.
#include <cstdint>
#include <string>
#include <vector>

namespace dita::app {

inline constexpr int exit_ok = 0;
inline constexpr int exit_invariant_failed = 1;
inline constexpr int exit_bad_input = 2;

struct ChaosOptions {
    std::vector<std::string> scenarios;      // built-in names
    std::vector<std::string> scenario_files; // JSON scenario files
    std::string group;                       // all | edge | reject | builtin
    std::string json_out;                    // report path; "-" for stdout
    std::string capture_dir;                 // input logs and event streams per scenario
    std::string html_out;                    // the HTML report (timelines)
    std::string junit_out;                   // JUnit XML: one testcase per scenario
    int repeat = 1;
    int reorders = 1; // reordered replays per run: batches reversed, then seeded shuffles
    std::uint64_t seed = 42;
    bool no_replay = false;
    bool wall_clock = false;
    bool verbose = false;
    bool no_progress = false;
    // The venue: mock (default), bingx-sim (a local BingX simulator per run, faults on), or
    // bingx (the adapter on bingx_url: a real host needs --live and both caps).
    std::string venue = "mock";
    std::string bingx_url;
    std::string bingx_ws_url; // empty: derived from bingx_url for BingX's own hosts
    std::string bingx_sim_state; // bingx-sim: one persistent account file for every run
    std::string log_level = "warn"; // the BingX adapter's and simulator's logs (stderr)
    bool live = false;
    double max_order_qty = 0.0;
    double max_order_notional = 0.0;
    std::string program = "dita"; // argv[0], for the re-run commands
    std::string command_line;     // the whole invocation, for the reports
};

struct ReplayOptions {
    std::string file;
    bool shuffle = false;
    bool exhaustive = false;
    std::uint64_t seed = 42;
    int samples = 256;
    std::string json_out;
    std::string html_out;
    bool no_progress = false;
    std::string program = "dita";
    std::string command_line;
};

struct ScenariosOptions {
    std::string export_dir;
    bool json = false;
};

int run_chaos_command(const ChaosOptions& options);
int run_replay_command(const ReplayOptions& options);
int run_scenarios_command(const ScenariosOptions& options);

} // namespace dita::app
