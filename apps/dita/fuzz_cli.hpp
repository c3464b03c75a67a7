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
    std::uint64_t replay_every = 1; // replay checks on every k-th seed (and every failure)
    std::size_t steps_max = 24;
    std::size_t failures_max = 100; // stop after this many failures
    bool no_shrink = false;
    bool no_faults = false;   // the default venue: no fault drawn
    bool no_restarts = false; // no RESTART steps
    bool wild_prices = false;   // accepted for old scripts: wild prices are in every campaign now
    bool no_liquidation = false; // a venue that never liquidates: capital can go below zero
    bool no_venue_moves = false; // no ADL, manual closes, fast funding or one-way accounts drawn
    bool no_progress = false;
};

int run_fuzz_command(const FuzzOptions& options);

} // namespace dita::app
