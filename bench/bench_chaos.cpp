// Chaos layer throughput in virtual time. Report medians:
//   build/bin/dita-bench-chaos --benchmark_repetitions=10 --benchmark_report_aggregates_only=true
#include <benchmark/benchmark.h>

#include <algorithm>

#include "dita/chaos/scenario.hpp"
#include "dita/chaos/suite.hpp"

namespace {

using namespace dita::chaos;

// One built-in scenario: fresh stack, run, every invariant (ordered + 2 shuffled replays,
// duplicate replay and re-application).
void BM_ScenarioWithAllChecks(benchmark::State& state, const char* name) {
    const ChaosScenario& scenario = *find_scenario(name);
    for (auto _ : state) {
        ScenarioReport report = run_scenario_and_check(scenario);
        if (!report.passed) state.SkipWithError("an invariant failed");
        benchmark::DoNotOptimize(report);
    }
    state.counters["steps"] = static_cast<double>(scenario.steps.size());
}
BENCHMARK_CAPTURE(BM_ScenarioWithAllChecks, rapid_entry_exit, "rapid_entry_exit")->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(BM_ScenarioWithAllChecks, entry_reconcile_exit, "entry_reconcile_exit")->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(BM_ScenarioWithAllChecks, entry_exit_10x, "entry_exit_10x")->Unit(benchmark::kMicrosecond);

// The whole built-in suite (what `dita chaos` runs), every invariant and replay.
void BM_BuiltinSuite(benchmark::State& state) {
    SuiteOptions options;
    options.checks.replays = state.range(0) >= 0;
    options.checks.reordered_replays = static_cast<int>(std::max<std::int64_t>(state.range(0), 0));
    for (auto _ : state) {
        bool passed = true;
        for (const ChaosScenario& scenario : builtin_scenarios()) {
            ScenarioReport report = run_scenario_and_check(scenario, options);
            options.run.threads_at_start = report.threads_at_end; // as `dita chaos` chains them
            passed = passed && report.passed;
            benchmark::DoNotOptimize(report);
        }
        if (!passed) state.SkipWithError("an invariant failed");
    }
    state.counters["suites_per_s"] = benchmark::Counter(static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
}
// reorders: -1 no replays at all; 0 one replay in recorded order (events doubled); n the
// default design with n reordered replays (2 is what `dita chaos` runs).
BENCHMARK(BM_BuiltinSuite)->Arg(2)->Arg(1)->Arg(0)->Arg(-1)->ArgName("reorders")->Unit(benchmark::kMicrosecond);

// Only the runs: stack + scenario, no checks.
void BM_BuiltinSuiteRunsOnly(benchmark::State& state) {
    for (auto _ : state) {
        for (const ChaosScenario& scenario : builtin_scenarios()) {
            const auto stack = build_test_kernel(scenario.venue);
            ChaosRunResult run = run_chaos_scenario(*stack, scenario);
            benchmark::DoNotOptimize(run);
        }
    }
    state.counters["suites_per_s"] = benchmark::Counter(static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_BuiltinSuiteRunsOnly)->Unit(benchmark::kMicrosecond);

} // namespace

BENCHMARK_MAIN();
