// Kernel hot paths: one venue fill applied to a slot, and one whole trade lifecycle on the
// mock venue (ENTER filled, EXIT filled, terminal record; tracing off; in-memory zinc plane).
#include <benchmark/benchmark.h>

#include <string>
#include <vector>

#include "fill_bench.hpp"

namespace dita {
namespace {

using bench::bench_intent;
using bench::FillBench;

void BM_ApplyVenueFill(benchmark::State& state) {
    FillBench bench;
    std::int64_t fills = 0;
    for (auto _ : state) {
        if (bench.order_full()) {
            state.PauseTiming();
            bench.next_order();
            state.ResumeTiming();
        }
        const KernelOutcome outcome = bench.fill_one_lot();
        benchmark::DoNotOptimize(outcome.diagnostic_code);
        ++fills;
    }
    if (bench.kernel.slot(0).size.is_negative()) state.SkipWithError("negative size");
    state.SetItemsProcessed(fills);
}
BENCHMARK(BM_ApplyVenueFill);

void BM_WholeLifecycle(benchmark::State& state) {
    VirtualClock clock;
    InMemoryControlPlane control;
    MockVenueAdapter venue(MockVenueScenario{}, &clock);
    InMemoryZincPlane zinc(1024);
    ExecutionKernel kernel(KernelConfig{.max_slots = 2}, control, venue, zinc, clock);
    // Intent ids are prepared up front; far more of them than the kernel retains.
    constexpr std::size_t id_count = 1 << 14;
    std::vector<KernelIntent> enters;
    std::vector<KernelIntent> exits;
    for (std::size_t i = 0; i < id_count; ++i) {
        enters.push_back(bench_intent(KernelCommandType::ENTER, "e" + std::to_string(i), 0, 0.01, 100.0));
        exits.push_back(bench_intent(KernelCommandType::EXIT, "x" + std::to_string(i), 0, 0.0, 101.0));
    }
    std::size_t i = 0;
    std::int64_t lifecycles = 0;
    for (auto _ : state) {
        const KernelOutcome entered = kernel.process_intent(enters[i]);
        const KernelOutcome exited = kernel.process_intent(exits[i]);
        benchmark::DoNotOptimize(entered.diagnostic_code);
        benchmark::DoNotOptimize(exited.diagnostic_code);
        i = (i + 1) % id_count;
        ++lifecycles;
    }
    if (kernel.slot(0).fsm_state != TradeStage::TRADE_TERMINAL_WRITTEN) state.SkipWithError("lifecycle did not complete");
    state.SetItemsProcessed(lifecycles);
}
BENCHMARK(BM_WholeLifecycle);

} // namespace
} // namespace dita

BENCHMARK_MAIN();
