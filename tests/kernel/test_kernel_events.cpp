#include <gtest/gtest.h>

#include <algorithm>

#include "kernel/harness.hpp"
#include "kernel/holding_venue.hpp"

namespace dita::test {
namespace {

VenueEvent fill_event(const TradeSlot& slot, const char* cum, const char* price, KernelEventKind kind) {
    VenueEvent e;
    e.kind = kind;
    e.client_order_id = slot.entry_order_id;
    e.slot_id = slot.slot_id;
    e.trade_id = slot.trade_id;
    e.asset = slot.asset;
    e.order_qty = slot.target_size;
    e.cum_filled_qty = dec(cum);
    e.avg_fill_price = dec(price);
    e.cum_fee = dec(cum).mul(dec(price)).mul(dec("0.0005"));
    return e;
}

TEST(KernelEvents, DuplicateEventsChangeNothing) {
    Held h;
    h.intent(KernelCommandType::ENTER, 0);
    const auto events = h.venue.release();
    ASSERT_EQ(events.size(), 2u);
    for (const VenueEvent& e : events) h.kernel.on_venue_event(e);
    const std::uint64_t settled = h.kernel.state_hash();
    const AccountSnapshot account = h.kernel.account();
    for (const VenueEvent& e : events) {
        const KernelOutcome again = h.kernel.on_venue_event(e);
        EXPECT_TRUE(again.diagnostic_code == KernelDiagnosticCode::DUPLICATE_EVENT ||
                    again.diagnostic_code == KernelDiagnosticCode::STALE_EVENT)
            << again.details;
        EXPECT_EQ(again.severity, KernelSeverity::INFO);
    }
    EXPECT_EQ(h.kernel.state_hash(), settled);
    EXPECT_EQ(h.kernel.account(), account);
}

TEST(KernelEvents, FillBeforeAckOpensThePositionAndTheLateAckIsStale) {
    Held h;
    h.intent(KernelCommandType::ENTER, 0);
    auto events = h.venue.release();
    std::reverse(events.begin(), events.end()); // fill first, then ack
    EXPECT_EQ(h.kernel.on_venue_event(events[0]).diagnostic_code, KernelDiagnosticCode::OK);
    EXPECT_EQ(h.kernel.slot(0).fsm_state, TradeStage::POSITION_OPEN);
    const KernelOutcome late = h.kernel.on_venue_event(events[1]);
    EXPECT_EQ(late.diagnostic_code, KernelDiagnosticCode::STALE_EVENT);
    EXPECT_EQ(h.kernel.slot(0).fsm_state, TradeStage::POSITION_OPEN);
}

TEST(KernelEvents, OlderPartialAfterFullFillNeverRollsBack) {
    Held h;
    h.intent(KernelCommandType::ENTER, 0);
    h.venue.release();
    const TradeSlot& slot = h.kernel.slot(0);
    h.kernel.on_venue_event(fill_event(slot, "0.01", "100", KernelEventKind::FILL));
    const KernelOutcome stale = h.kernel.on_venue_event(fill_event(slot, "0.004", "100", KernelEventKind::PARTIAL_FILL));
    EXPECT_EQ(stale.diagnostic_code, KernelDiagnosticCode::STALE_EVENT);
    EXPECT_EQ(h.kernel.slot(0).size, dec("0.01"));
}

TEST(KernelEvents, FillAfterCancelAckWins) {
    Held h(MockVenueScenario{.partial_fill_ratio = 0.0});
    h.intent(KernelCommandType::ENTER, 0);
    for (const auto& e : h.venue.release()) h.kernel.on_venue_event(e);
    h.intent(KernelCommandType::CANCEL, 0);
    const auto cancel_events = h.venue.release();
    ASSERT_EQ(cancel_events.size(), 1u);
    // The venue raced: the order filled 0.004 before the cancel took effect, but the fill report
    // arrives after the cancel ack that already said cum 0.
    h.kernel.on_venue_event(cancel_events[0]);
    EXPECT_EQ(h.kernel.slot(0).fsm_state, TradeStage::TRADE_TERMINAL_WRITTEN);
    VenueEvent late = fill_event(h.kernel.slot(0), "0.004", "100", KernelEventKind::PARTIAL_FILL);
    const KernelOutcome out = h.kernel.on_venue_event(late);
    EXPECT_EQ(out.severity, KernelSeverity::WARNING) << out.details;
    EXPECT_EQ(h.kernel.slot(0).fsm_state, TradeStage::POSITION_OPEN);
    EXPECT_EQ(h.kernel.slot(0).size, dec("0.004"));
    EXPECT_FALSE(h.kernel.slot(0).closed);
}

TEST(KernelEvents, OverfillIsAcceptedAndFlaggedNeverNegative) {
    // The overfill is a report only (the mock's book holds 0.01): exits must not be capped by it.
    MockVenueScenario unchecked;
    unchecked.reduce_only_exits = false;
    Held h(unchecked);
    h.intent(KernelCommandType::ENTER, 0);
    h.venue.release();
    const KernelOutcome out = h.kernel.on_venue_event(fill_event(h.kernel.slot(0), "0.012", "100", KernelEventKind::FILL));
    EXPECT_EQ(out.diagnostic_code, KernelDiagnosticCode::OVERFILL);
    EXPECT_EQ(out.severity, KernelSeverity::ERROR);
    EXPECT_EQ(h.kernel.slot(0).size, dec("0.012"));
    h.intent(KernelCommandType::EXIT, 0);
    for (const auto& e : h.venue.release()) h.kernel.on_venue_event(e);
    EXPECT_EQ(h.kernel.slot(0).size, Decimal());
    EXPECT_EQ(h.kernel.slot(0).fsm_state, TradeStage::TRADE_TERMINAL_WRITTEN);
}

TEST(KernelEvents, AnOverfillDiagnosticCarriesTheOrderAndBothSizesAsFields) {
    MockVenueScenario unchecked;
    unchecked.reduce_only_exits = false;
    Held h(unchecked);
    h.intent(KernelCommandType::ENTER, 0);
    h.venue.release();
    const TradeSlot slot = h.kernel.slot(0);
    const KernelOutcome out = h.kernel.on_venue_event(fill_event(slot, "0.012", "100", KernelEventKind::FILL));
    const KernelDiagnostic* result = out.result();
    ASSERT_NE(result, nullptr);
    EXPECT_EQ(result->code, KernelDiagnosticCode::OVERFILL);
    EXPECT_EQ(result->severity, out.severity);
    EXPECT_EQ(result->detail, out.details);
    EXPECT_EQ(result->client_order_id, slot.entry_order_id);
    EXPECT_EQ(result->trade_id, slot.trade_id);
    EXPECT_EQ(result->asset, slot.asset);
    EXPECT_EQ(result->slot_id, 0);
    EXPECT_EQ(result->size, dec("0.012"));
    EXPECT_EQ(result->limit, dec("0.01"));
    // The journal holds the same diagnostics, fields and all.
    ASSERT_FALSE(h.zinc.outcomes().empty());
    EXPECT_EQ(h.zinc.outcomes().back().diagnostics, out.diagnostics);
}

TEST(KernelEvents, EveryDiagnosticOfAnInputIsKeptNotOnlyTheMostSevere) {
    MockVenueScenario unchecked;
    unchecked.reduce_only_exits = false;
    Held h(unchecked);
    h.intent(KernelCommandType::ENTER, 0);
    h.venue.release();
    // An ENTER refused on a busy slot is a WARNING; the overfill later is an ERROR: both inputs
    // keep their own, and a progress note is never a diagnostic.
    const KernelOutcome busy = h.intent(KernelCommandType::ENTER, 0);
    ASSERT_EQ(busy.diagnostics.size(), 1u);
    EXPECT_EQ(busy.diagnostics[0].code, KernelDiagnosticCode::SLOT_BUSY);
    EXPECT_EQ(busy.result_index, 0);
    const KernelOutcome filled = h.kernel.on_venue_event(fill_event(h.kernel.slot(0), "0.01", "100", KernelEventKind::FILL));
    EXPECT_TRUE(filled.ok());
    EXPECT_TRUE(filled.diagnostics.empty());
    EXPECT_EQ(filled.result(), nullptr);
    // The exit's fills beyond the open size: the order's overfill (the result, with the order and
    // both sizes) and the excess the kernel holds as its own opposite position (with its sizes).
    h.intent(KernelCommandType::EXIT, 0);
    h.venue.release();
    VenueEvent over = fill_event(h.kernel.slot(0), "0.013", "100", KernelEventKind::FILL);
    over.client_order_id = h.kernel.slot(0).exit_order_id;
    const KernelOutcome out = h.kernel.on_venue_event(over);
    ASSERT_GE(out.diagnostics.size(), 2u);
    EXPECT_EQ(out.diagnostics[0].code, KernelDiagnosticCode::OVERFILL);
    EXPECT_EQ(out.diagnostics[0].size, dec("0.013")); // filled
    EXPECT_EQ(out.diagnostics[0].limit, dec("0.01"));  // ordered
    const KernelDiagnostic& excess = out.diagnostics.back();
    EXPECT_EQ(excess.client_order_id, over.client_order_id);
    EXPECT_EQ(excess.size, dec("0.003")); // beyond the open size
    EXPECT_EQ(excess.limit, dec("0.01")); // the open size
    EXPECT_EQ(out.result_index, 0);
}

TEST(KernelEvents, FilledBelowQuantityIsTakenAsDone) {
    Held h;
    h.intent(KernelCommandType::ENTER, 0);
    h.venue.release();
    VenueEvent e = fill_event(h.kernel.slot(0), "0.007", "100", KernelEventKind::FILL);
    h.kernel.on_venue_event(e);
    EXPECT_EQ(h.kernel.slot(0).fsm_state, TradeStage::POSITION_OPEN);
    EXPECT_EQ(h.kernel.slot(0).size, dec("0.007"));
    EXPECT_TRUE(h.kernel.working_orders().empty());
}

TEST(KernelEvents, UnknownOrderEventsAreKeptForReconciliation) {
    Held h;
    VenueEvent e;
    e.kind = KernelEventKind::FILL;
    e.client_order_id = Id("ghost");
    e.cum_filled_qty = dec("0.01");
    e.avg_fill_price = dec("100");
    e.slot_id = 99; // an out-of-range slot in a foreign event is not the kernel's slot id
    const KernelOutcome out = h.kernel.on_venue_event(e);
    EXPECT_EQ(out.diagnostic_code, KernelDiagnosticCode::UNKNOWN_ORDER);
    EXPECT_EQ(out.severity, KernelSeverity::WARNING);
    ASSERT_EQ(h.kernel.unmatched_events().size(), 1u);
    EXPECT_EQ(h.kernel.unmatched_events()[0], e);
}

TEST(KernelEvents, OutcomeUnknownSubmitWaitsForVenueTruth) {
    class SilentVenue final : public ForwardingVenue {
    public:
        VenueCallResult submit_order(const OrderRequest& r) override {
            mock.submit_order(r);
            return {VenueCallStatus::UNKNOWN, Id(), "timeout"};
        }
        void drain_events(EventSink&) override {} // the answer and the events are lost
    };
    VirtualClock clock;
    InMemoryControlPlane control;
    SilentVenue venue;
    InMemoryZincPlane zinc;
    ExecutionKernel kernel(KernelConfig{}, control, venue, zinc, clock);
    KernelIntent i;
    i.intent_id = "u1";
    i.trade_id = "t1";
    i.target_size = 0.01;
    i.reference_price = 100.0;
    const KernelOutcome out = kernel.process_intent(i);
    EXPECT_EQ(out.diagnostic_code, KernelDiagnosticCode::OUTCOME_UNKNOWN);
    EXPECT_EQ(kernel.slot(0).fsm_state, TradeStage::ORDER_SENT); // neither filled nor canceled
    EXPECT_TRUE(kernel.order("u1")->outcome_unknown);
    const SlotSnapshot snap = kernel.slot_snapshot(0);
    const KernelOutcome rec = kernel.reconcile_from_slots(std::span(&snap, 1));
    EXPECT_EQ(rec.diagnostic_code, KernelDiagnosticCode::RECONCILED) << rec.details;
    EXPECT_EQ(kernel.slot(0).fsm_state, TradeStage::POSITION_OPEN);
    EXPECT_FALSE(kernel.order("u1")->outcome_unknown);
}

TEST(KernelEvents, ReconcileAdoptsAPositionNoKernelOrderMade) {
    Held h;
    h.intent(KernelCommandType::ENTER, 0);
    for (const auto& e : h.venue.release()) h.kernel.on_venue_event(e);
    // Someone else trades the account: the venue now holds 0.003 more than the kernel.
    h.venue.inner().inject_foreign_fill("BTCUSDT", TradeSide::LONG, dec("0.003"), dec("99"));
    std::vector<SlotSnapshot> snaps{h.kernel.slot_snapshot(0), h.kernel.slot_snapshot(1)};
    const KernelOutcome out = h.kernel.reconcile_from_slots(snaps);
    EXPECT_EQ(out.diagnostic_code, KernelDiagnosticCode::RECONCILE_MISMATCH) << out.details;
    EXPECT_EQ(out.severity, KernelSeverity::WARNING);
    EXPECT_EQ(h.kernel.slot(0).size, dec("0.01")); // the kernel's own trade is untouched
    const TradeSlot& adopted = h.kernel.slot(1);
    EXPECT_EQ(adopted.fsm_state, TradeStage::POSITION_OPEN);
    EXPECT_EQ(adopted.side, TradeSide::LONG);
    EXPECT_EQ(adopted.size, dec("0.003"));
    // The venue reports one net position; its average entry is the best price there is.
    EXPECT_EQ(adopted.entry_price, h.venue.inner().positions("BTCUSDT").value.at(0).entry_price);
    EXPECT_LT(adopted.entry_price, dec("100"));
    EXPECT_TRUE(h.kernel.mismatched_assets().empty());
    // The adopted position is a trade like any other: it can be exited.
    EXPECT_EQ(h.intent(KernelCommandType::EXIT, 1).diagnostic_code, KernelDiagnosticCode::OK);
    for (const auto& e : h.venue.release()) h.kernel.on_venue_event(e);
    EXPECT_EQ(h.kernel.slot(1).fsm_state, TradeStage::TRADE_TERMINAL_WRITTEN);
    EXPECT_EQ(h.venue.inner().positions("BTCUSDT").value.at(0).size, dec("0.01"));
}

TEST(KernelEvents, ReconcileFailsClosedWhenItCannotAdopt) {
    VirtualClock clock;
    InMemoryControlPlane control;
    HoldingVenue venue;
    InMemoryZincPlane zinc;
    ExecutionKernel kernel(KernelConfig{.max_slots = 2, .adopt_unknown_positions = false}, control, venue, zinc, clock);
    KernelIntent enter;
    enter.intent_id = "a1";
    enter.trade_id = "t1";
    enter.target_size = 0.01;
    enter.reference_price = 100.0;
    kernel.process_intent(enter);
    for (const auto& e : venue.release()) kernel.on_venue_event(e);
    venue.inner().inject_foreign_fill("BTCUSDT", TradeSide::LONG, dec("0.003"), dec("100"));
    std::vector<SlotSnapshot> snaps{kernel.slot_snapshot(0), kernel.slot_snapshot(1)};
    KernelOutcome out = kernel.reconcile_from_slots(snaps);
    EXPECT_EQ(out.diagnostic_code, KernelDiagnosticCode::RECONCILE_MISMATCH) << out.details;
    EXPECT_EQ(out.severity, KernelSeverity::ERROR);
    EXPECT_EQ(kernel.slot(0).size, dec("0.01")); // never silently rewritten
    EXPECT_EQ(kernel.slot(1).fsm_state, TradeStage::IDLE);
    // Fails closed: no new entry on the asset while the venue holds what the kernel cannot explain.
    enter.intent_id = "a2";
    enter.slot_id = 1;
    const KernelOutcome refused = kernel.process_intent(enter);
    EXPECT_EQ(refused.diagnostic_code, KernelDiagnosticCode::RECONCILE_MISMATCH) << refused.details;
    EXPECT_EQ(kernel.slot(1).fsm_state, TradeStage::IDLE);
    // Once the foreign position is gone a reconcile reopens entries.
    venue.inner().inject_foreign_fill("BTCUSDT", TradeSide::SHORT, dec("0.003"), dec("100"));
    snaps = {kernel.slot_snapshot(0)};
    EXPECT_EQ(kernel.reconcile_from_slots(snaps).diagnostic_code, KernelDiagnosticCode::RECONCILED);
    EXPECT_TRUE(kernel.mismatched_assets().empty());
    enter.intent_id = "a3";
    EXPECT_EQ(kernel.process_intent(enter).diagnostic_code, KernelDiagnosticCode::OK);
}

TEST(KernelEvents, APositionTheVenueLacksIsNeverExplainedAway) {
    Held h;
    h.intent(KernelCommandType::ENTER, 0);
    for (const auto& e : h.venue.release()) h.kernel.on_venue_event(e);
    // The venue's book shrank under the kernel (liquidation, manual close): no "missing report
    // means flat", and no adoption of the opposite side either.
    h.venue.inner().inject_foreign_fill("BTCUSDT", TradeSide::SHORT, dec("0.004"), dec("100"));
    std::vector<SlotSnapshot> snaps{h.kernel.slot_snapshot(0), h.kernel.slot_snapshot(1)};
    const KernelOutcome out = h.kernel.reconcile_from_slots(snaps);
    EXPECT_EQ(out.diagnostic_code, KernelDiagnosticCode::RECONCILE_MISMATCH) << out.details;
    EXPECT_EQ(out.severity, KernelSeverity::ERROR);
    EXPECT_EQ(h.kernel.slot(0).size, dec("0.01"));
    EXPECT_EQ(h.kernel.slot(1).fsm_state, TradeStage::IDLE);
    EXPECT_EQ(h.kernel.mismatched_assets().at(AssetName("BTCUSDT")), dec("-0.004"));
}

TEST(KernelEvents, VenueDownDuringReconcileKeepsTheSlotReconcilingUntilTruthArrives) {
    class FlakyVenue final : public ForwardingVenue {
    public:
        VenueQuery<std::optional<VenueOrder>> query_order(std::string_view a, std::string_view i) override {
            if (down) return {VenueCallStatus::UNAVAILABLE, std::nullopt, "connection refused"};
            return mock.query_order(a, i);
        }
        bool down = true;
    };
    VirtualClock clock;
    InMemoryControlPlane control;
    FlakyVenue venue;
    InMemoryZincPlane zinc;
    ExecutionKernel kernel(KernelConfig{}, control, venue, zinc, clock);
    KernelIntent i;
    i.intent_id = "f1";
    i.trade_id = "t1";
    i.target_size = 0.01;
    i.reference_price = 100.0;
    kernel.process_intent(i);
    const SlotSnapshot snap = kernel.slot_snapshot(0);
    KernelOutcome out = kernel.reconcile_from_slots(std::span(&snap, 1));
    EXPECT_EQ(out.diagnostic_code, KernelDiagnosticCode::VENUE_UNAVAILABLE);
    EXPECT_EQ(kernel.slot(0).fsm_state, TradeStage::STALE_STATE_RECONCILING);
    i.intent_id = "f2";
    EXPECT_EQ(kernel.process_intent(i).diagnostic_code, KernelDiagnosticCode::SLOT_RECONCILING);
    venue.down = false;
    const SlotSnapshot again = kernel.slot_snapshot(0);
    out = kernel.reconcile_from_slots(std::span(&again, 1));
    EXPECT_EQ(out.diagnostic_code, KernelDiagnosticCode::RECONCILED) << out.details;
    EXPECT_EQ(kernel.slot(0).fsm_state, TradeStage::POSITION_OPEN);
}

TEST(KernelEvents, MarkEventsApplyInSequenceOrder) {
    Held h;
    VenueEvent mark;
    mark.kind = KernelEventKind::MARK_PRICE;
    mark.asset = AssetName("BTCUSDT");
    mark.price = dec("101");
    mark.venue_sequence = 5;
    EXPECT_EQ(h.kernel.on_venue_event(mark).diagnostic_code, KernelDiagnosticCode::OK);
    mark.price = dec("99");
    mark.venue_sequence = 4;
    EXPECT_EQ(h.kernel.on_venue_event(mark).diagnostic_code, KernelDiagnosticCode::STALE_EVENT);
    EXPECT_EQ(*h.kernel.mark_price("BTCUSDT"), dec("101"));
}

} // namespace
} // namespace dita::test

namespace dita::test {
namespace {

TEST(KernelEvents, AFillReplayedAfterARestartIsNotCountedTwice) {
    Harness h;
    const KernelOutcome entered = h.enter(0, 0.01, 100.0);
    ASSERT_EQ(entered.emitted_events.size(), 2u);
    const auto recovered = h.zinc.recover();
    ASSERT_TRUE(recovered);
    InMemoryZincPlane zinc2;
    ExecutionKernel restarted(KernelConfig{.max_slots = 2}, h.control, h.venue, zinc2, h.clock);
    ASSERT_EQ(restarted.restore(*recovered).diagnostic_code, KernelDiagnosticCode::RECONCILED);
    const AccountSnapshot before = restarted.account();
    // The venue's stream replays the trade's events after the reconnect (same trade id twice).
    for (const VenueEvent& e : entered.emitted_events) {
        const KernelOutcome out = restarted.on_venue_event(e);
        EXPECT_TRUE(out.diagnostic_code == KernelDiagnosticCode::DUPLICATE_EVENT ||
                    out.diagnostic_code == KernelDiagnosticCode::STALE_EVENT)
            << out.details;
    }
    EXPECT_EQ(restarted.slot(0).size, dec("0.01"));
    EXPECT_EQ(restarted.account(), before);
    // A second ENTER reusing the trade's intent id cannot open a second position either.
    KernelIntent again;
    again.intent_id = "t1-ENTER";
    again.trade_id = "trade-1";
    again.slot_id = 1;
    again.target_size = 0.01;
    again.reference_price = 100.0;
    EXPECT_EQ(restarted.process_intent(again).diagnostic_code, KernelDiagnosticCode::DUPLICATE_INTENT);
}

} // namespace
} // namespace dita::test

namespace dita::test {
namespace {

TEST(KernelEvents, RefusedAndUnsentOrdersSayWhichAndWhy) {
    class Refusing final : public ForwardingVenue {
    public:
        VenueCallResult submit_order(const OrderRequest&) override { return {status, Id(), "code 101204: margin"}; }
        VenueCallStatus status = VenueCallStatus::REJECTED;
    };
    VirtualClock clock;
    InMemoryControlPlane control;
    Refusing venue;
    InMemoryZincPlane zinc;
    ExecutionKernel kernel(KernelConfig{}, control, venue, zinc, clock);
    KernelIntent i;
    i.intent_id = "r1";
    i.trade_id = "t1";
    i.target_size = 0.01;
    i.reference_price = 100.0;
    KernelOutcome out = kernel.process_intent(i);
    EXPECT_EQ(out.diagnostic_code, KernelDiagnosticCode::ORDER_REJECTED);
    EXPECT_NE(out.details.find("code 101204"), std::string::npos) << out.details;
    EXPECT_EQ(kernel.slot(0).fsm_state, TradeStage::ORDER_REJECTED);
    venue.status = VenueCallStatus::UNAVAILABLE;
    i.intent_id = "r2";
    out = kernel.process_intent(i);
    EXPECT_EQ(out.diagnostic_code, KernelDiagnosticCode::VENUE_UNAVAILABLE);
    EXPECT_NE(out.details.find("not sent"), std::string::npos) << out.details;
    EXPECT_EQ(kernel.slot(0).fsm_state, TradeStage::ORDER_REJECTED);
    EXPECT_TRUE(kernel.working_orders().empty());
}

} // namespace
} // namespace dita::test

namespace dita::test {
namespace {

TEST(KernelEvents, ALateEntryFillAfterTheSlotMovedOnReopensTheOldTradeInAFreeSlot) {
    Held h(MockVenueScenario{.partial_fill_ratio = 0.0});
    h.intent(KernelCommandType::ENTER, 0, 0.002); // trade 1: nothing fills
    for (const auto& e : h.venue.release()) h.kernel.on_venue_event(e);
    const Id old_order = h.kernel.slot(0).entry_order_id;
    h.intent(KernelCommandType::CANCEL, 0);
    for (const auto& e : h.venue.release()) h.kernel.on_venue_event(e);
    ASSERT_EQ(h.kernel.slot(0).fsm_state, TradeStage::TRADE_TERMINAL_WRITTEN);
    h.intent(KernelCommandType::ENTER, 0, 0.01); // slot 0 moves on to trade 3
    for (const auto& e : h.venue.release()) h.kernel.on_venue_event(e);
    // The venue's race, late: trade 1's entry had filled 0.001 after all.
    VenueEvent late;
    late.kind = KernelEventKind::PARTIAL_FILL;
    late.client_order_id = old_order;
    late.asset = AssetName("BTCUSDT");
    late.order_qty = dec("0.002");
    late.cum_filled_qty = dec("0.001");
    late.avg_fill_price = dec("100");
    const KernelOutcome out = h.kernel.on_venue_event(late);
    EXPECT_EQ(out.severity, KernelSeverity::WARNING) << out.details;
    EXPECT_TRUE(h.kernel.unmatched_events().empty());
    const TradeSlot& reopened = h.kernel.slot(1);
    EXPECT_EQ(reopened.trade_id, Id("trade-1"));
    EXPECT_EQ(reopened.fsm_state, TradeStage::POSITION_OPEN);
    EXPECT_EQ(reopened.size, dec("0.001"));
    EXPECT_EQ(h.kernel.slot(0).trade_id, Id("trade-3"));
    // The same report again changes nothing.
    const std::uint64_t hash = h.kernel.state_hash();
    const KernelOutcome again = h.kernel.on_venue_event(late);
    EXPECT_TRUE(again.diagnostic_code == KernelDiagnosticCode::DUPLICATE_EVENT ||
                again.diagnostic_code == KernelDiagnosticCode::STALE_EVENT)
        << again.details;
    EXPECT_EQ(h.kernel.state_hash(), hash);
}

} // namespace
} // namespace dita::test
