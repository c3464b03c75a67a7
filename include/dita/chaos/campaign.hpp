#pragma once
// Random chaos campaigns (issue 5): seeded scenarios run on kernel + mock venue, brought to
// rest (quiesce), checked by every invariant plus liveness; failures shrunk to a minimal
// scenario that still fails the same invariant.
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "dita/chaos/generator.hpp"
#include "dita/chaos/invariants.hpp"
#include "dita/chaos/orchestrator.hpp"
#include "dita/chaos/scenario.hpp"

namespace dita::chaos {

struct CheckedRun {
    bool passed = true;
    std::string invariant; // the first failing check (report order, liveness last)
    std::string detail;
    std::vector<InvariantResult> checks;
    std::size_t steps = 0;
};

struct CampaignCheckOptions {
    bool replays = true; // the two replay checks (the costly part)
    std::uint64_t replay_seed = 42;
};

// One scenario: a fresh stack, the run, quiesce, every check and liveness.
CheckedRun run_checked(const ChaosScenario& scenario, const CampaignCheckOptions& options = {});
// The same on `stack` reset to the scenario's venue (created there when empty, dropped when
// the scenario's venue cannot be built): what a sequence of runs uses instead of a new stack each.
CheckedRun run_checked(const ChaosScenario& scenario, const CampaignCheckOptions& options,
                       std::unique_ptr<ChaosStack>& stack);

struct ShrinkOptions {
    std::size_t attempts_max = 600; // runs tried while shrinking (bounded, deterministic)
    CampaignCheckOptions checks;
};

struct ShrinkResult {
    ChaosScenario scenario; // the smallest scenario found that still fails `invariant`
    std::string invariant;
    std::string detail;
    std::size_t attempts = 0;
};

// Reduces a failing scenario: fewer steps (delta debugging over chunks), simpler values (sizes
// 0.01, prices 100, legs [1.0], slots 0, delays 0, leverage 1), fewer faults (each probability
// 0, latency 0, fixed knobs off). A candidate is kept only when it fails the same invariant.
ShrinkResult shrink_failure(const ChaosScenario& failing, const std::string& invariant, const ShrinkOptions& options = {});

struct CampaignFailure {
    std::uint64_t seed = 0;
    std::string invariant;
    std::string detail;
    std::size_t steps = 0;        // of the generated scenario
    std::size_t shrunk_steps = 0; // of the reproducer
    std::string reproducer_path;  // empty when not saved
    ChaosScenario reproducer;
};

struct CampaignOptions {
    std::uint64_t start = 0;
    std::uint64_t seeds = 1000;
    std::uint64_t shard_index = 0;
    std::uint64_t shard_count = 1;
    // Replay checks on every k-th seed of the shard (1: every seed) and on every failure.
    std::uint64_t replay_every = 1;
    bool shrink = true;
    std::size_t failures_max = 100; // stop after this many failures (bounded report)
    GeneratorOptions generator;
    ShrinkOptions shrink_options;
    // Called after every run with runs done and failures so far; returns false to stop early
    // (a time limit). Wall time stays with the caller: the campaign itself is deterministic.
    std::function<bool(std::uint64_t runs, std::size_t failures)> on_run;
};

struct CampaignReport {
    std::uint64_t runs = 0;
    std::uint64_t replayed_runs = 0;
    bool stopped_early = false;
    std::vector<CampaignFailure> failures;
};

// Seeds start..start+seeds-1 whose (seed - start) % shard_count == shard_index, in order.
CampaignReport run_campaign(const CampaignOptions& options);

} // namespace dita::chaos
