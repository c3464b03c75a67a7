#pragma once
// `dita fuzz`: a seeded random chaos campaign (issue 5).
// Exit codes: 0 every seed passes, 1 any failure, 2 bad usage or input.
#include <cstdint>
#include <string>

namespace dita::app {

struct FuzzOptions {
    std::uint64_t seeds = 1000;
    std::uint64_t start = 0;
    std::string shard = "0/1";   // i/n: seeds with (seed - start) % n == i
    double time_limit_seconds = 0.0; // 0: none
    std::string json_out;        // "-": stdout
    std::string save_dir;        // shrunk reproducers as scenario files
    std::string html_out;        // the HTML report: failures by invariant, each reproducer's timeline
    std::string junit_out;       // JUnit XML: the campaign, and one testcase per failing seed
    std::uint64_t replay_every = 1; // replay checks on every k-th seed (and every failure)
    std::size_t steps_max = 24;
    bool large = false; // a quarter of the seeds drawn with up to large_steps_max steps
    std::size_t large_steps_max = 400;
    std::size_t failures_max = 100; // stop after this many failures
    bool no_shrink = false;
    bool no_faults = false;   // the default venue: no fault drawn
    bool no_restarts = false; // no RESTART steps
    // The venue's own moves (wild prices, liquidation, ADL, manual closes, fast funding,
    // one-way accounts) are in every campaign; the two old opt-in flags are accepted, as no-ops.
    bool wild_prices = false;
    bool venue_moves = false;
    bool no_venue_moves = false; // the campaign as it was before them (older reproducers' seeds)
    bool no_liquidation = false; // a venue that never liquidates: capital can go below zero
    bool no_progress = false;
    std::string program = "dita"; // argv[0], for the re-run commands
    std::string command_line;     // the whole invocation, for the reports
};

int run_fuzz_command(const FuzzOptions& options);

} // namespace dita::app
