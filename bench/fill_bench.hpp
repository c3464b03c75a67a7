#pragma once
// What the kernel benchmarks share: bench_kernel.cpp times this work, instruction_units.cpp
// counts its instructions, so both must do exactly the same.
#include <string>

#include "dita/contracts/clock.hpp"
#include "dita/kernel/kernel.hpp"
#include "dita/venues/mock/mock_venue.hpp"

namespace dita::bench {

inline KernelIntent bench_intent(KernelCommandType action, std::string intent_id, int slot_id, double size,
                                 double price) {
    KernelIntent intent;
    intent.intent_id = std::move(intent_id);
    intent.trade_id = "bench-trade";
    intent.slot_id = slot_id;
    intent.action = action;
    intent.side = TradeSide::LONG;
    intent.target_size = size;
    intent.reference_price = price;
    return intent;
}

// A resting entry of 10,000 BTC that the venue fills one lot per event (BM_ApplyVenueFill's).
struct FillBench {
    static constexpr Decimal lot = Decimal::from_raw(100'000);
    static constexpr Decimal fee_per_lot = Decimal::from_raw(500); // 100 * 0.001 * 0.0005

    FillBench()
        : venue(MockVenueScenario{.partial_fill_ratio = 0.0}, &clock),
          kernel(KernelConfig{.max_slots = 4, .initial_capital = Decimal::from_units(5'000'000)}, control, venue,
                 zinc, clock) {
        open_order();
    }
    // The order has room for no further lot: next_order() (set-up, not a fill) comes first.
    bool order_full() const { return event.cum_filled_qty + lot >= event.order_qty; }
    // Cancels the order, exits what it filled and opens the next one.
    void next_order() {
        kernel.process_intent(bench_intent(KernelCommandType::CANCEL, "cancel", 0, 0.0, 100.0));
        kernel.process_intent(bench_intent(KernelCommandType::EXIT, "exit-" + std::to_string(rounds), 0, 0.0, 100.0));
        venue.fill_working(kernel.slot(0).exit_order_id.view(), Decimal::from_units(10'000), Decimal::from_units(100));
        kernel.pump_venue();
        ++rounds;
        open_order();
    }
    // One more lot filled, reported cumulatively as the venue does.
    KernelOutcome fill_one_lot() {
        event.cum_filled_qty += lot;
        event.cum_fee += fee_per_lot;
        event.venue_sequence += 1;
        return kernel.on_venue_event(event);
    }

    VirtualClock clock;
    InMemoryControlPlane control;
    MockVenueAdapter venue;
    InMemoryZincPlane zinc{1024};
    ExecutionKernel kernel;
    VenueEvent event;
    int rounds = 0;

private:
    void open_order() {
        kernel.process_intent(
            bench_intent(KernelCommandType::ENTER, "fill-" + std::to_string(rounds), 0, 10'000.0, 100.0));
        event = VenueEvent{};
        event.kind = KernelEventKind::PARTIAL_FILL;
        event.status = VenueEventStatus::PARTIALLY_FILLED;
        event.client_order_id = kernel.slot(0).entry_order_id;
        event.slot_id = 0;
        event.asset = AssetName("BTCUSDT");
        event.order_qty = Decimal::from_units(10'000);
        event.avg_fill_price = Decimal::from_units(100);
    }
};

} // namespace dita::bench
