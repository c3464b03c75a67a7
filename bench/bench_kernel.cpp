// Kernel hot paths: one venue fill applied to a slot, and one whole trade lifecycle on the
// mock venue (ENTER filled, EXIT filled, terminal record; tracing off; in-memory zinc plane).
#include <benchmark/benchmark.h>

#include <string>
#include <vector>

#include "dita/contracts/clock.hpp"
#include "dita/kernel/kernel.hpp"
#include "dita/venues/mock/mock_venue.hpp"

namespace dita {
namespace {

KernelIntent make_intent(KernelCommandType action, std::string intent_id, double size, double price) {
    KernelIntent intent;
    intent.intent_id = std::move(intent_id);
    intent.trade_id = "bench-trade";
    intent.slot_id = 0;
    intent.action = action;
    intent.side = TradeSide::LONG;
    intent.target_size = size;
    intent.reference_price = price;
    return intent;
}

// A resting entry of 10,000 BTC that the venue fills one lot per event.
struct FillBench {
    FillBench()
        : venue(MockVenueScenario{.partial_fill_ratio = 0.0}, &clock),
          kernel(KernelConfig{.max_slots = 4, .initial_capital = Decimal::from_units(5'000'000)}, control, venue,
                 zinc, clock) {}
    void open_order(int round) {
        kernel.process_intent(make_intent(KernelCommandType::ENTER, "fill-" + std::to_string(round), 10'000.0, 100.0));
        event = VenueEvent{};
        event.kind = KernelEventKind::PARTIAL_FILL;
        event.status = VenueEventStatus::PARTIALLY_FILLED;
        event.client_order_id = kernel.slot(0).entry_order_id;
        event.slot_id = 0;
        event.asset = AssetName("BTCUSDT");
        event.order_qty = Decimal::from_units(10'000);
        event.avg_fill_price = Decimal::from_units(100);
    }
    void cancel_order() {
        kernel.process_intent(make_intent(KernelCommandType::CANCEL, "cancel", 0.0, 100.0));
        kernel.process_intent(make_intent(KernelCommandType::EXIT, "exit-" + std::to_string(rounds++), 0.0, 100.0));
        venue.fill_working(kernel.slot(0).exit_order_id.view(), Decimal::from_units(10'000), Decimal::from_units(100));
        kernel.pump_venue();
    }
    VirtualClock clock;
    InMemoryControlPlane control;
    MockVenueAdapter venue;
    InMemoryZincPlane zinc{1024};
    ExecutionKernel kernel;
    VenueEvent event;
    int rounds = 0;
};

void BM_ApplyVenueFill(benchmark::State& state) {
    FillBench bench;
    int round = 0;
    bench.open_order(round);
    const Decimal lot = Decimal::from_raw(100'000);
    const Decimal fee_per_lot = Decimal::from_raw(500); // 100 * 0.001 * 0.0005
    std::int64_t fills = 0;
    for (auto _ : state) {
        if (bench.event.cum_filled_qty + lot >= bench.event.order_qty) {
            state.PauseTiming();
            bench.cancel_order();
            bench.open_order(++round);
            state.ResumeTiming();
        }
        bench.event.cum_filled_qty += lot;
        bench.event.cum_fee += fee_per_lot;
        bench.event.venue_sequence += 1;
        const KernelOutcome outcome = bench.kernel.on_venue_event(bench.event);
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
        enters.push_back(make_intent(KernelCommandType::ENTER, "e" + std::to_string(i), 0.01, 100.0));
        exits.push_back(make_intent(KernelCommandType::EXIT, "x" + std::to_string(i), 0.0, 101.0));
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
