// Random fuzz-campaign throughput (issue 5's target: >= 20,000 runs/s per core, median), in
// virtual time. One iteration is one seed's whole campaign work: generate the scenario, build
// a fresh stack, run it, quiesce, every invariant plus liveness. Report medians:
//   build/bin/dita-bench-fuzz --benchmark_repetitions=5 --benchmark_report_aggregates_only=true
#include <benchmark/benchmark.h>

#include <cstdint>

#include "dita/chaos/campaign.hpp"
#include "dita/chaos/generator.hpp"

namespace {

using namespace dita::chaos;

// replays: 1 with the two replay checks (what `dita fuzz` does on every seed by default),
// 0 without (what `dita fuzz --replay-every k` does on the seeds between).
void BM_FuzzRunWithAllChecks(benchmark::State& state) {
    CampaignCheckOptions checks;
    checks.replays = state.range(0) != 0;
    const GeneratorOptions generator;
    std::uint64_t seed = 0;
    std::uint64_t failures = 0;
    std::uint64_t steps = 0;
    for (auto _ : state) {
        const ChaosScenario scenario = generate_scenario(seed++, generator);
        const CheckedRun run = run_checked(scenario, checks);
        failures += run.passed ? 0 : 1;
        steps += run.steps;
        benchmark::DoNotOptimize(run);
    }
    // Failures are counted, not fatal: the figure is about throughput; `dita fuzz` and the
    // tests are where failures are judged.
    state.counters["runs_per_s"] = benchmark::Counter(static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
    state.counters["failures"] = static_cast<double>(failures);
    state.counters["steps_per_run"] =
        state.iterations() > 0 ? static_cast<double>(steps) / static_cast<double>(state.iterations()) : 0.0;
}
BENCHMARK(BM_FuzzRunWithAllChecks)->Arg(1)->Arg(0)->ArgName("replays")->Unit(benchmark::kMicrosecond);

// Only the generator, to tell its share of the cost.
void BM_GenerateOnly(benchmark::State& state) {
    std::uint64_t seed = 0;
    for (auto _ : state) {
        ChaosScenario scenario = generate_scenario(seed++);
        benchmark::DoNotOptimize(scenario);
    }
    state.counters["per_s"] = benchmark::Counter(static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_GenerateOnly)->Unit(benchmark::kMicrosecond);

} // namespace

BENCHMARK_MAIN();
