#pragma once
// High-level runners, as the seed's run_scenario_and_check and run_scenario_twice_compare, and
// the JSON report of SPEC section 6.
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "dita/chaos/invariants.hpp"
#include "dita/chaos/orchestrator.hpp"
#include "dita/chaos/scenario.hpp"
#include "dita/contracts/json.hpp"

namespace dita::chaos {

struct SuiteOptions {
    StackOptions stack;
    CheckOptions checks;
    VenueFactory venue_factory; // empty: the mock venue
    RunOptions run;
};

struct ScenarioReport {
    std::string name;
    std::size_t steps = 0;
    bool passed = false;
    std::vector<InvariantResult> checks;
    std::vector<TradeSlot> final_slots;
    AccountSnapshot account;
    ChaosRunResult run;
    InputLog log;
    std::optional<std::size_t> threads_at_end; // pass on as the next run's threads_at_start
    std::optional<Error> setup_error;          // the stack could not be built; nothing ran
};

// One scenario run on `stack` and checked: brought to rest and checked for liveness too when
// `at_rest`. The core both the suite's report and the campaign's hot path are built on.
struct CheckedStackRun {
    ChaosRunResult run;
    FinalState state;
    std::vector<InvariantResult> checks;
};
CheckedStackRun run_and_check(ChaosStack& stack, const ChaosScenario& scenario, const RunOptions& run_options,
                              const CheckOptions& check_options, bool at_rest);
// The second half of run_and_check, for a `checked.run` just made on `stack` (unsealed when
// at_rest on virtual time, as quiesce seals it): brought to rest when at_rest, then its final
// state and every check. A sequence of runs keeps one CheckedStackRun this way, its vectors' room
// reused (run_chaos_scenario_reusing).
void check_run(ChaosStack& stack, const CheckOptions& check_options, bool at_rest, CheckedStackRun& checked);
// Whether a run that check_run will bring to rest (or not) is sealed by the run itself.
bool run_seals_itself(ChaosStack& stack, bool at_rest);

// A fresh stack on the scenario's venue settings, the run, every check.
ScenarioReport run_scenario_and_check(const ChaosScenario& scenario, const SuiteOptions& options = {});
// The same on `stack` reset to the scenario's venue settings (created there when empty, dropped
// when they cannot be built), for a sequence of scenarios run with the same options.
ScenarioReport run_scenario_and_check(const ChaosScenario& scenario, const SuiteOptions& options,
                                      std::unique_ptr<ChaosStack>& stack);

struct TwiceResult {
    ChaosRunResult first;
    ChaosRunResult second;
    bool slots_match = false;          // the seed's comparison of the final slot's key fields
    std::uint64_t first_state_hash = 0; // and ours: the whole kernel state
    std::uint64_t second_state_hash = 0;
};
TwiceResult run_scenario_twice_compare(const ChaosScenario& scenario, const SuiteOptions& options = {});

// {"name", "passed", "detail"}: one check as the reports give it.
Json invariant_result_to_json(const InvariantResult& check);
// {"name", "passed", "checks": [{"name", "passed", "detail"}], "final_slots": [...], "account": {...}}
Json scenario_report_to_json(const ScenarioReport& report);
// {"scenarios": [...]}
Json chaos_report_to_json(std::span<const ScenarioReport> reports);

} // namespace dita::chaos
