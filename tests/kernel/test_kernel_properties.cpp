#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <algorithm>
#include <limits>
#include <numeric>

#include "kernel/harness.hpp"
#include "kernel/holding_venue.hpp"

namespace dita::test {
namespace {

void check_slot_invariants(const ExecutionKernel& kernel) {
    for (int i = 0; i < kernel.max_slots(); ++i) {
        const TradeSlot& slot = kernel.slot(i);
        RC_ASSERT(!slot.size.is_negative());
        RC_ASSERT(slot.size == slot.entry_filled - slot.exit_filled);
        RC_ASSERT(slot.entry_filled <= slot.target_size);
    }
    const AccountSnapshot a = kernel.account();
    RC_ASSERT(a.capital == a.initial_capital + a.realized_pnl - a.fees_paid);
    RC_ASSERT(a.equity == a.capital + a.unrealized_pnl);
}

// Overfills are venue truth: a slot may then hold more than its target.
void check_slot_invariants_loose(const ExecutionKernel& kernel) {
    for (int i = 0; i < kernel.max_slots(); ++i) {
        const TradeSlot& slot = kernel.slot(i);
        RC_ASSERT(!slot.size.is_negative());
        RC_ASSERT(slot.size == slot.entry_filled - slot.exit_filled);
    }
    const AccountSnapshot a = kernel.account();
    RC_ASSERT(a.capital == a.initial_capital + a.realized_pnl - a.fees_paid);
    RC_ASSERT(a.equity == a.capital + a.unrealized_pnl);
}

KernelIntent random_intent(int n, int slots) {
    const auto action = *rc::gen::element(KernelCommandType::ENTER, KernelCommandType::EXIT, KernelCommandType::CANCEL,
                                          KernelCommandType::MARK_PRICE, KernelCommandType::RECONCILE);
    KernelIntent intent;
    intent.intent_id = "p" + std::to_string(n);
    intent.trade_id = "trade-" + std::to_string(n);
    intent.slot_id = *rc::gen::inRange(-1, slots + 1);
    intent.action = action;
    intent.side = *rc::gen::element(TradeSide::LONG, TradeSide::SHORT);
    intent.target_size = *rc::gen::element(0.0, 0.001, 0.002, 0.005, 0.01, 0.0105, -0.01, 0.1);
    intent.reference_price = *rc::gen::element(100.0, 99.5, 101.0, 0.0, -1.0, 65000.0);
    intent.leverage = *rc::gen::element(1.0, 2.0, 0.0, 200.0);
    intent.exit_leg_ratios = *rc::gen::element(std::vector<double>{1.0}, std::vector<double>{0.5, 1.0},
                                               std::vector<double>{0.3, 0.6, 1.0}, std::vector<double>{0.7, 0.2},
                                               std::vector<double>{});
    return intent;
}

MockVenueScenario random_venue() {
    MockVenueScenario s;
    s.partial_fill_ratio = *rc::gen::element(1.0, 0.5, 0.3, 0.0);
    s.reject_entries = *rc::gen::weightedElement<bool>({{5, false}, {1, true}});
    s.reject_exits = *rc::gen::weightedElement<bool>({{5, false}, {1, true}});
    s.cancel_reject = *rc::gen::weightedElement<bool>({{5, false}, {1, true}});
    return s;
}

RC_GTEST_PROP(KernelProperty, RandomIntentsKeepEveryInvariant, ()) {
    Harness h(random_venue(), 2, true);
    const int steps = *rc::gen::inRange(1, 40);
    for (int n = 0; n < steps; ++n) {
        const KernelOutcome out = h.kernel.process_intent(random_intent(n, 2));
        RC_ASSERT(out.diagnostic_code != KernelDiagnosticCode::INVALID_TRANSITION);
        RC_ASSERT(out.severity != KernelSeverity::CRITICAL);
        RC_ASSERT(!out.details.empty());
        for (const Transition& t : out.transitions) RC_ASSERT(next_stage(t.from, t.input) == t.to);
        check_slot_invariants(h.kernel);
    }
}

// Any double at all, finite or not, tiny or astronomically large: a diagnostic, never a crash.
RC_GTEST_PROP(KernelProperty, AnyNumbersAtAllNeverCrash, ()) {
    Harness h(random_venue(), 2, false);
    const auto number = [] {
        return *rc::gen::oneOf(rc::gen::arbitrary<double>(),
                               rc::gen::element(0.001, 0.01, 1.0, 100.0, 1e6, 1e7, 1e9, 1e10, 1e12, 1e300, -1e300,
                                                5e-324, std::numeric_limits<double>::quiet_NaN(),
                                                std::numeric_limits<double>::infinity()));
    };
    const int steps = *rc::gen::inRange(1, 30);
    for (int n = 0; n < steps; ++n) {
        KernelIntent intent = random_intent(n, 2);
        intent.target_size = number();
        intent.reference_price = number();
        intent.leverage = *rc::gen::element(1.0, number());
        const KernelOutcome out = h.kernel.process_intent(intent);
        RC_ASSERT(out.severity != KernelSeverity::CRITICAL);
        check_slot_invariants(h.kernel);
    }
}

RC_GTEST_PROP(KernelProperty, ReapplyingAnyAppliedEventChangesNothing, ()) {
    Harness h(random_venue(), 2, false);
    std::vector<VenueEvent> applied;
    const KernelOutcome first = h.enter(0, 0.01, 100.0);
    applied.insert(applied.end(), first.emitted_events.begin(), first.emitted_events.end());
    const int steps = *rc::gen::inRange(1, 25);
    for (int n = 0; n < steps; ++n) {
        const KernelOutcome out = h.kernel.process_intent(random_intent(n, 2));
        applied.insert(applied.end(), out.emitted_events.begin(), out.emitted_events.end());
    }
    const std::uint64_t before = h.kernel.state_hash();
    const AccountSnapshot account = h.kernel.account();
    const auto picks = *rc::gen::container<std::vector<std::size_t>>(rc::gen::inRange<std::size_t>(0, applied.size()));
    for (const std::size_t i : picks) {
        const KernelOutcome out = h.kernel.on_venue_event(applied[i]);
        RC_ASSERT(out.diagnostic_code != KernelDiagnosticCode::INVALID_TRANSITION);
        RC_ASSERT(h.kernel.state_hash() == before);
    }
    RC_ASSERT(h.kernel.account() == account);
}

// Delivers events in a random order with random duplicates, then every event once more.
void deliver_shuffled(ExecutionKernel& kernel, const std::vector<VenueEvent>& events) {
    std::vector<std::size_t> order(events.size());
    std::iota(order.begin(), order.end(), 0);
    const auto keys = *rc::gen::container<std::vector<int>>(events.size(), rc::gen::arbitrary<int>());
    std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return keys[a] < keys[b]; });
    const auto extra = *rc::gen::container<std::vector<std::size_t>>(rc::gen::inRange<std::size_t>(0, events.size()));
    order.insert(order.end(), extra.begin(), extra.end());
    for (const std::size_t i : order) {
        const KernelOutcome out = kernel.on_venue_event(events[i]);
        RC_ASSERT(out.diagnostic_code != KernelDiagnosticCode::INVALID_TRANSITION);
        RC_ASSERT(out.severity != KernelSeverity::CRITICAL);
    }
}

struct TradeEvents {
    std::vector<VenueEvent> entry;
    std::vector<VenueEvent> exit;
};

// One trade with an entry and an exit, each acked, partly filled, then filled at a second price.
struct TradeRun {
    explicit TradeRun(TradeSide side, bool reorder) {
        KernelIntent enter;
        enter.intent_id = "e1";
        enter.trade_id = "t1";
        enter.side = side;
        enter.target_size = 0.01;
        enter.reference_price = 100.0;
        kernel.process_intent(enter);
        events.entry = venue.release();
        venue.inner().fill_working("e1", *Decimal::parse("0.005"), *Decimal::parse("102"));
        auto more = venue.release();
        events.entry.insert(events.entry.end(), more.begin(), more.end());
        if (reorder) {
            deliver_shuffled(kernel, events.entry);
        } else {
            for (const auto& e : events.entry) kernel.on_venue_event(e);
        }
        KernelIntent exit = enter;
        exit.intent_id = "x1";
        exit.action = KernelCommandType::EXIT;
        exit.target_size = 0.0;
        exit.reference_price = 105.0;
        kernel.process_intent(exit);
        events.exit = venue.release();
        venue.inner().fill_working("x1", *Decimal::parse("0.005"), *Decimal::parse("95"));
        more = venue.release();
        events.exit.insert(events.exit.end(), more.begin(), more.end());
        if (reorder) {
            deliver_shuffled(kernel, events.exit);
        } else {
            for (const auto& e : events.exit) kernel.on_venue_event(e);
        }
    }
    VirtualClock clock;
    InMemoryControlPlane control;
    HoldingVenue venue{MockVenueScenario{.partial_fill_ratio = 0.5}};
    InMemoryZincPlane zinc;
    ExecutionKernel kernel{KernelConfig{.max_slots = 1}, control, venue, zinc, clock};
    TradeEvents events;
};

RC_GTEST_PROP(KernelProperty, ATradesEventsInAnyOrderGiveTheSameFinalState, ()) {
    const TradeSide side = *rc::gen::element(TradeSide::LONG, TradeSide::SHORT);
    TradeRun ordered(side, false);
    TradeRun shuffled(side, true);
    RC_ASSERT(ordered.events.entry.size() == 3u);
    RC_ASSERT(ordered.events.exit.size() == 3u);
    RC_ASSERT(ordered.kernel.slot(0).fsm_state == TradeStage::TRADE_TERMINAL_WRITTEN);
    RC_ASSERT(shuffled.kernel.slot(0).fsm_state == TradeStage::TRADE_TERMINAL_WRITTEN);
    RC_ASSERT(shuffled.kernel.state_hash() == ordered.kernel.state_hash());
    RC_ASSERT(shuffled.kernel.account() == ordered.kernel.account());
    RC_ASSERT(shuffled.zinc.terminal_records().size() == 1u);
}

} // namespace
} // namespace dita::test

namespace dita::test {
namespace {

MockVenueScenario faulty_venue() {
    MockVenueScenario s;
    s.seed = *rc::gen::arbitrary<std::uint64_t>();
    s.partial_fill_ratio = *rc::gen::element(1.0, 0.5, 0.0);
    s.random_partial_fills = *rc::gen::arbitrary<bool>();
    s.latency_ns = *rc::gen::element<std::int64_t>(0, 1'000'000, 50'000'000);
    s.duplicate_probability = *rc::gen::element(0.0, 0.1, 0.5);
    s.reorder_probability = *rc::gen::element(0.0, 0.2, 0.5);
    s.drop_probability = *rc::gen::element(0.0, 0.05, 0.2);
    s.delay_probability = *rc::gen::element(0.0, 0.2);
    s.delay_ns_max = 200'000'000;
    s.submit_unknown_probability = *rc::gen::element(0.0, 0.1);
    s.cancel_unknown_probability = *rc::gen::element(0.0, 0.1);
    s.random_reject_probability = *rc::gen::element(0.0, 0.1);
    s.random_cancel_reject_probability = *rc::gen::element(0.0, 0.1);
    s.late_fill_on_cancel_probability = *rc::gen::element(0.0, 0.3);
    s.short_fill_probability = *rc::gen::element(0.0, 0.1);
    s.overfill_probability = *rc::gen::element(0.0, 0.05);
    return s;
}

Decimal venue_net(MockVenueAdapter& venue) {
    Decimal net;
    for (const VenuePosition& p : venue.positions("BTCUSDT").value) net += p.side == TradeSide::LONG ? p.size : -p.size;
    return net;
}

Decimal kernel_net(const ExecutionKernel& kernel) {
    Decimal net;
    for (int i = 0; i < kernel.max_slots(); ++i) {
        const TradeSlot& s = kernel.slot(i);
        net += s.side == TradeSide::LONG ? s.size : -s.size;
    }
    return net;
}

// Whatever the venue does, once it is quiet and a reconcile has run, no slot reconciles, the
// kernel's working orders are the venue's open orders and the positions agree.
RC_GTEST_PROP(KernelFaults, FaultyVenueKeepsInvariantsAndReconcileConverges, ()) {
    Harness h(faulty_venue(), 3, true);
    const int steps = *rc::gen::inRange(1, 30);
    // Sometimes someone trades the account by hand in the middle of the run.
    const int foreign_at = *rc::gen::inRange(-steps, steps);
    for (int n = 0; n < steps; ++n) {
        if (n == foreign_at) {
            h.venue.inject_foreign_fill("BTCUSDT", *rc::gen::element(TradeSide::LONG, TradeSide::SHORT),
                                        *Decimal::parse("0.003"), *Decimal::parse("100"));
        }
        KernelIntent intent = random_intent(n, 3);
        intent.slot_id = *rc::gen::inRange(0, 3);
        const KernelOutcome out = h.kernel.process_intent(intent);
        RC_LOG() << n << " " << to_string(intent.action) << " slot " << intent.slot_id << ": "
                 << to_string(out.diagnostic_code) << " " << out.details << "\n";
        RC_ASSERT(out.diagnostic_code != KernelDiagnosticCode::INVALID_TRANSITION);
        RC_ASSERT(out.severity != KernelSeverity::CRITICAL);
        h.clock.advance_ns(*rc::gen::element<std::int64_t>(0, 1'000'000, 100'000'000));
        const KernelOutcome pumped = h.kernel.pump_venue();
        RC_LOG() << "  pump: " << to_string(pumped.diagnostic_code) << " " << pumped.details << " ("
                 << pumped.emitted_events.size() << " events)\n";
        RC_ASSERT(pumped.diagnostic_code != KernelDiagnosticCode::INVALID_TRANSITION);
        RC_ASSERT(pumped.severity != KernelSeverity::CRITICAL);
        check_slot_invariants_loose(h.kernel);
    }
    // Quiesce: cancel what works, let every held event arrive, then reconcile every slot.
    for (int round = 0; round < 3; ++round) {
        for (int slot = 0; slot < 3; ++slot) h.kernel.process_intent(h.make(KernelCommandType::CANCEL, slot));
        h.clock.advance_ns(1'000'000'000);
        h.kernel.pump_venue();
    }
    std::vector<SlotSnapshot> snaps;
    for (int slot = 0; slot < 3; ++slot) snaps.push_back(h.kernel.slot_snapshot(slot));
    const KernelOutcome reconciled = h.kernel.reconcile_from_slots(snaps);
    RC_ASSERT(reconciled.severity != KernelSeverity::CRITICAL);
    for (int slot = 0; slot < 3; ++slot) {
        RC_ASSERT(h.kernel.slot(slot).fsm_state != TradeStage::STALE_STATE_RECONCILING);
    }
    check_slot_invariants_loose(h.kernel);
    std::vector<std::string> kernel_open;
    for (const OrderRecord& o : h.kernel.working_orders()) kernel_open.push_back(o.client_order_id.str());
    std::vector<std::string> venue_open;
    for (const VenueOrder& o : h.venue.open_orders("BTCUSDT").value) venue_open.push_back(o.client_order_id.str());
    RC_ASSERT(kernel_open == venue_open);
    const Decimal gap = venue_net(h.venue) - kernel_net(h.kernel);
    if (foreign_at >= 0 && !gap.is_zero()) {
        // A hand trade the kernel cannot adopt (it cuts into the kernel's own exposure): the
        // kernel must say so and fail closed, with the exact gap.
        const auto& mismatched = h.kernel.mismatched_assets();
        RC_ASSERT(mismatched.contains(AssetName("BTCUSDT")));
        RC_ASSERT(mismatched.at(AssetName("BTCUSDT")) == gap);
        return;
    }
    if (!gap.is_zero()) {
        RC_LOG() << "reconcile: " << to_string(reconciled.diagnostic_code) << " " << reconciled.details << "\n";
        for (int slot = 0; slot < 3; ++slot) {
            const TradeSlot& s = h.kernel.slot(slot);
            RC_LOG() << "slot " << slot << " " << to_string(s.fsm_state) << " " << to_string(s.side) << " size "
                     << s.size.to_string() << " entry " << s.entry_filled.to_string() << " exit "
                     << s.exit_filled.to_string() << "\n";
        }
        RC_LOG() << "venue net " << venue_net(h.venue).to_string() << "\n";
    }
    RC_ASSERT(kernel_net(h.kernel) == venue_net(h.venue));
}

} // namespace
} // namespace dita::test
