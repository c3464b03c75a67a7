#include <gtest/gtest.h>

#include "kernel/harness.hpp"

namespace dita::test {
namespace {

std::vector<TradeStage> path_of(const KernelOutcome& outcome) {
    std::vector<TradeStage> out;
    for (const Transition& t : outcome.transitions) out.push_back(t.to);
    return out;
}

TEST(KernelLifecycle, EnterFillsAndOpensAPosition) {
    Harness h;
    const KernelOutcome out = h.enter(0, 0.01, 100.0);
    EXPECT_EQ(out.diagnostic_code, KernelDiagnosticCode::OK) << out.details;
    EXPECT_EQ(out.emitted_events.size(), 2u); // ack + fill
    const std::vector<TradeStage> expected{TradeStage::DECISION_CREATED, TradeStage::INTENT_CREATED,
                                           TradeStage::ORDER_REQUESTED,  TradeStage::ORDER_SENT,
                                           TradeStage::ORDER_ACKED,      TradeStage::ENTRY_WORKING,
                                           TradeStage::POSITION_OPENED,  TradeStage::POSITION_OPEN};
    EXPECT_EQ(path_of(out), expected);
    const TradeSlot& slot = h.kernel.slot(0);
    EXPECT_EQ(slot.size, dec("0.01"));
    EXPECT_EQ(slot.entry_price, dec("100"));
    EXPECT_EQ(slot.fees, dec("0.0005")); // 1.0 notional * 0.0005
    EXPECT_TRUE(h.money_identity_holds());
}

TEST(KernelLifecycle, ExitClosesAndWritesTheTerminalRecord) {
    Harness h;
    h.enter(0, 0.01, 100.0, TradeSide::LONG);
    const KernelOutcome out = h.exit(0, 0.0, 110.0);
    EXPECT_EQ(out.diagnostic_code, KernelDiagnosticCode::OK) << out.details;
    const TradeSlot& slot = h.kernel.slot(0);
    EXPECT_EQ(slot.fsm_state, TradeStage::TRADE_TERMINAL_WRITTEN);
    EXPECT_TRUE(slot.closed);
    EXPECT_EQ(slot.size, Decimal());
    EXPECT_EQ(slot.realized_pnl, dec("0.1"));        // (110 - 100) * 0.01
    EXPECT_EQ(slot.fees, dec("0.00105"));            // 0.0005 + 1.1 * 0.0005
    ASSERT_EQ(h.zinc.terminal_records().size(), 1u);
    EXPECT_EQ(h.zinc.terminal_records()[0].realized_pnl, dec("0.1"));
    const AccountSnapshot a = h.kernel.account();
    EXPECT_EQ(a.capital, dec("10000.09895"));
    EXPECT_TRUE(h.money_identity_holds());
}

TEST(KernelLifecycle, ShortTradeProfitsWhenPriceFalls) {
    Harness h;
    h.enter(0, 0.02, 200.0, TradeSide::SHORT);
    h.exit(0, 0.0, 150.0);
    EXPECT_EQ(h.kernel.slot(0).realized_pnl, dec("1"));
    EXPECT_TRUE(h.money_identity_holds());
}

TEST(KernelLifecycle, ExitLegsCloseByRatioThenTheRest) {
    Harness h;
    h.enter(0, 0.01, 100.0, TradeSide::LONG, {0.3, 0.6, 1.0});
    h.exit(0);
    EXPECT_EQ(h.kernel.slot(0).size, dec("0.007"));
    EXPECT_EQ(h.kernel.slot(0).fsm_state, TradeStage::POSITION_PARTIALLY_CLOSED);
    EXPECT_EQ(h.kernel.slot(0).active_leg_index, 1);
    h.exit(0);
    EXPECT_EQ(h.kernel.slot(0).size, dec("0.004"));
    EXPECT_EQ(h.kernel.slot(0).active_leg_index, 2);
    h.exit(0);
    EXPECT_EQ(h.kernel.slot(0).size, Decimal());
    EXPECT_EQ(h.kernel.slot(0).fsm_state, TradeStage::TRADE_TERMINAL_WRITTEN);
    EXPECT_EQ(h.kernel.slot(0).active_leg_index, 3);
}

TEST(KernelLifecycle, ExitTargetSizeNeverExceedsWhatIsOpen) {
    Harness h;
    h.enter(0, 0.01);
    const KernelOutcome out = h.exit(0, 5.0);
    EXPECT_EQ(out.diagnostic_code, KernelDiagnosticCode::OK);
    EXPECT_EQ(h.kernel.slot(0).fsm_state, TradeStage::TRADE_TERMINAL_WRITTEN);
    EXPECT_EQ(h.kernel.slot(0).exit_filled, dec("0.01"));
}

TEST(KernelLifecycle, SlotIsReusableAfterTerminal) {
    Harness h;
    for (int i = 0; i < 10; ++i) {
        ASSERT_EQ(h.enter(0).diagnostic_code, KernelDiagnosticCode::OK);
        ASSERT_EQ(h.exit(0).diagnostic_code, KernelDiagnosticCode::OK);
    }
    EXPECT_EQ(h.kernel.slot(0).trades_completed, 10u);
    EXPECT_EQ(h.zinc.terminal_records().size(), 10u);
    EXPECT_TRUE(h.money_identity_holds());
}

TEST(KernelLifecycle, PartialEntryThenCancelKeepsTheFilledPart) {
    MockVenueScenario scenario;
    scenario.partial_fill_ratio = 0.5;
    Harness h(scenario);
    h.enter(0, 0.01);
    EXPECT_EQ(h.kernel.slot(0).fsm_state, TradeStage::PARTIAL_FILL);
    EXPECT_EQ(h.kernel.slot(0).size, dec("0.005"));
    const KernelOutcome out = h.cancel(0);
    EXPECT_EQ(out.diagnostic_code, KernelDiagnosticCode::OK) << out.details;
    EXPECT_EQ(h.kernel.slot(0).fsm_state, TradeStage::POSITION_OPEN);
    EXPECT_EQ(h.kernel.slot(0).size, dec("0.005"));
    EXPECT_TRUE(h.kernel.working_orders().empty());
}

TEST(KernelLifecycle, CancelOfUnfilledEntryEndsTheTrade) {
    MockVenueScenario scenario;
    scenario.partial_fill_ratio = 0.0;
    Harness h(scenario);
    h.enter(0, 0.01);
    EXPECT_EQ(h.kernel.slot(0).fsm_state, TradeStage::ENTRY_WORKING);
    h.cancel(0);
    EXPECT_EQ(h.kernel.slot(0).fsm_state, TradeStage::TRADE_TERMINAL_WRITTEN);
    EXPECT_EQ(h.kernel.slot(0).size, Decimal());
    EXPECT_EQ(h.zinc.terminal_records().size(), 1u);
    EXPECT_EQ(h.enter(0).diagnostic_code, KernelDiagnosticCode::OK);
}

TEST(KernelLifecycle, ExitWhileEntryWorksCancelsTheRemainderThenExitsTheFilledPart) {
    MockVenueScenario scenario;
    scenario.partial_fill_ratio = 0.5;
    Harness h(scenario);
    h.enter(0, 0.01);
    // The exit itself fills only half: it works on.
    const KernelOutcome out = h.exit(0);
    EXPECT_EQ(out.diagnostic_code, KernelDiagnosticCode::OK) << out.details;
    const TradeSlot& slot = h.kernel.slot(0);
    EXPECT_EQ(slot.entry_filled, dec("0.005"));
    EXPECT_EQ(slot.exit_filled, dec("0.002"));
    EXPECT_EQ(slot.fsm_state, TradeStage::EXIT_WORKING);
    EXPECT_EQ(h.kernel.order(slot.entry_order_id.view())->status, VenueOrderStatus::CANCELED);
}

TEST(KernelLifecycle, ExitWhileUnfilledEntryWorksEndsTheTradeWithNothingToExit) {
    MockVenueScenario scenario;
    scenario.partial_fill_ratio = 0.0;
    Harness h(scenario);
    h.enter(0, 0.01);
    h.exit(0);
    EXPECT_EQ(h.kernel.slot(0).fsm_state, TradeStage::TRADE_TERMINAL_WRITTEN);
    EXPECT_TRUE(h.kernel.working_orders().empty());
    // The next ENTER starts clean.
    EXPECT_EQ(h.enter(0).diagnostic_code, KernelDiagnosticCode::OK);
    EXPECT_FALSE(h.kernel.slot(0).pending_exit);
}

TEST(KernelLifecycle, RejectedEntryLeavesTheSlotFree) {
    MockVenueScenario scenario;
    scenario.reject_entries = true;
    Harness h(scenario);
    const KernelOutcome out = h.enter(0);
    EXPECT_EQ(out.diagnostic_code, KernelDiagnosticCode::ORDER_REJECTED);
    EXPECT_EQ(h.kernel.slot(0).fsm_state, TradeStage::ORDER_REJECTED);
    EXPECT_EQ(h.kernel.slot(0).size, Decimal());
    EXPECT_TRUE(h.money_identity_holds());
}

TEST(KernelLifecycle, RejectedExitKeepsThePosition) {
    MockVenueScenario scenario;
    scenario.reject_exits = true;
    Harness h(scenario);
    h.enter(0);
    const KernelOutcome out = h.exit(0);
    EXPECT_EQ(out.diagnostic_code, KernelDiagnosticCode::ORDER_REJECTED);
    EXPECT_EQ(h.kernel.slot(0).fsm_state, TradeStage::POSITION_OPEN);
    EXPECT_EQ(h.kernel.slot(0).size, dec("0.01"));
}

TEST(KernelLifecycle, CancelRejectLeavesTheOrderWorking) {
    MockVenueScenario scenario;
    scenario.partial_fill_ratio = 0.5;
    scenario.cancel_reject = true;
    Harness h(scenario);
    h.enter(0);
    const KernelOutcome out = h.cancel(0);
    EXPECT_EQ(out.diagnostic_code, KernelDiagnosticCode::CANCEL_REJECTED);
    EXPECT_EQ(h.kernel.slot(0).fsm_state, TradeStage::PARTIAL_FILL);
    EXPECT_EQ(h.kernel.working_orders().size(), 1u);
}

TEST(KernelLifecycle, CancelWithNothingWorkingIsAnIdempotentNoOp) {
    Harness h;
    h.enter(0);
    const auto before = h.kernel.state_hash();
    for (int i = 0; i < 3; ++i) {
        const KernelOutcome out = h.cancel(0);
        EXPECT_EQ(out.diagnostic_code, KernelDiagnosticCode::NOTHING_TO_CANCEL);
        EXPECT_EQ(out.severity, KernelSeverity::INFO);
    }
    EXPECT_EQ(h.kernel.state_hash(), before);
}

TEST(KernelLifecycle, MarkPriceMovesEquityNotTheFsm) {
    Harness h;
    h.enter(0, 0.01, 100.0);
    const TradeStage stage = h.kernel.slot(0).fsm_state;
    const KernelOutcome out = h.mark(0, 99.5);
    EXPECT_EQ(out.diagnostic_code, KernelDiagnosticCode::OK);
    EXPECT_TRUE(out.transitions.empty());
    EXPECT_EQ(h.kernel.slot(0).fsm_state, stage);
    const AccountSnapshot a = h.kernel.account();
    EXPECT_EQ(a.unrealized_pnl, dec("-0.005"));
    EXPECT_EQ(a.equity, a.capital + dec("-0.005"));
    EXPECT_EQ(a.used_margin, dec("0.995"));
}

TEST(KernelLifecycle, ModesGateNewOrders) {
    Harness h;
    h.control.update(ControlUpdate{.mode = KernelMode::HALTED});
    EXPECT_EQ(h.enter(0).diagnostic_code, KernelDiagnosticCode::KERNEL_HALTED);
    EXPECT_EQ(h.kernel.slot(0).fsm_state, TradeStage::IDLE);
    h.control.update(ControlUpdate{.mode = KernelMode::NORMAL});
    h.enter(0);
    h.control.update(ControlUpdate{.mode = KernelMode::REDUCE_ONLY});
    EXPECT_EQ(h.enter(1).diagnostic_code, KernelDiagnosticCode::REDUCE_ONLY);
    EXPECT_EQ(h.exit(0).diagnostic_code, KernelDiagnosticCode::OK);
    EXPECT_EQ(h.kernel.slot(0).fsm_state, TradeStage::TRADE_TERMINAL_WRITTEN);
}

TEST(KernelLifecycle, RiskLimitsRefuseOversizedEntries) {
    Harness h;
    h.control.update(ControlUpdate{.max_position_size = dec("0.005")});
    EXPECT_EQ(h.enter(0, 0.01).diagnostic_code, KernelDiagnosticCode::RISK_LIMIT);
    h.control.update(ControlUpdate{.max_position_size = Decimal(), .max_notional = dec("0.5")});
    EXPECT_EQ(h.enter(0, 0.01, 100.0).diagnostic_code, KernelDiagnosticCode::RISK_LIMIT);
    h.control.update(ControlUpdate{.max_notional = Decimal(), .max_leverage = dec("3")});
    KernelIntent intent = h.make(KernelCommandType::ENTER, 0);
    intent.leverage = 5.0;
    EXPECT_EQ(h.kernel.process_intent(intent).diagnostic_code, KernelDiagnosticCode::RISK_LIMIT);
    EXPECT_EQ(h.kernel.slot(0).fsm_state, TradeStage::IDLE);
}

TEST(KernelLifecycle, MarginBeyondEquityIsRefused) {
    Harness h;
    // 10 BTC at 10,000 with leverage 1 needs 100,000 of margin against 10,000 of capital.
    EXPECT_EQ(h.enter(0, 10.0, 10000.0).diagnostic_code, KernelDiagnosticCode::RISK_LIMIT);
}

TEST(KernelLifecycle, DuplicateIntentIdNeverMakesASecondOrder) {
    Harness h;
    KernelIntent intent = h.make(KernelCommandType::ENTER, 0);
    ASSERT_EQ(h.kernel.process_intent(intent).diagnostic_code, KernelDiagnosticCode::OK);
    KernelIntent exit = h.make(KernelCommandType::EXIT, 0);
    h.kernel.process_intent(exit);
    intent.slot_id = 1;
    const KernelOutcome again = h.kernel.process_intent(intent);
    EXPECT_EQ(again.diagnostic_code, KernelDiagnosticCode::DUPLICATE_INTENT);
    EXPECT_EQ(h.venue.counters().orders_submitted, 2u);
    EXPECT_EQ(h.kernel.slot(1).fsm_state, TradeStage::IDLE);
}

TEST(KernelLifecycle, ReconcileIntentResolvesFromVenueTruth) {
    MockVenueScenario scenario;
    scenario.partial_fill_ratio = 0.5;
    Harness h(scenario);
    h.enter(0);
    const KernelOutcome out = h.kernel.process_intent(h.make(KernelCommandType::RECONCILE, 0));
    EXPECT_EQ(out.diagnostic_code, KernelDiagnosticCode::RECONCILED) << out.details;
    EXPECT_EQ(h.kernel.slot(0).fsm_state, TradeStage::PARTIAL_FILL);
    bool passed_stale = false;
    for (const Transition& t : out.transitions) passed_stale |= t.to == TradeStage::STALE_STATE_RECONCILING;
    EXPECT_TRUE(passed_stale);
}

TEST(KernelLifecycle, ReconcileFromSnapshotsRebuildsACrashedKernel) {
    MockVenueScenario scenario;
    scenario.partial_fill_ratio = 0.5;
    Harness h(scenario);
    h.enter(0);
    const SlotSnapshot saved = h.kernel.slot_snapshot(0);
    // The venue fills the rest while the kernel is down.
    ASSERT_TRUE(h.venue.fill_working(saved.slot.entry_order_id.view(), dec("0.005"), dec("101")));
    InMemoryZincPlane zinc2;
    ExecutionKernel fresh(KernelConfig{.max_slots = 2}, h.control, h.venue, zinc2, h.clock);
    // Events queued while down are for orders the fresh kernel does not know yet.
    const KernelOutcome pumped = fresh.pump_venue();
    EXPECT_EQ(pumped.diagnostic_code, KernelDiagnosticCode::UNKNOWN_ORDER);
    const KernelOutcome out = fresh.reconcile_from_slots(std::span(&saved, 1));
    EXPECT_EQ(out.diagnostic_code, KernelDiagnosticCode::RECONCILED) << out.details;
    EXPECT_EQ(fresh.slot(0).fsm_state, TradeStage::POSITION_OPEN);
    EXPECT_EQ(fresh.slot(0).size, dec("0.01"));
    EXPECT_EQ(fresh.slot(0).entry_price, dec("100.5"));
}

TEST(KernelLifecycle, RestoreFromTheJournalThenReconcile) {
    Harness h;
    h.enter(0);
    h.exit(0);
    h.enter(1, 0.02);
    const auto recovered = h.zinc.recover();
    ASSERT_TRUE(recovered.has_value());
    InMemoryZincPlane zinc2;
    ExecutionKernel fresh(KernelConfig{.max_slots = 2}, h.control, h.venue, zinc2, h.clock);
    const KernelOutcome out = fresh.restore(*recovered);
    EXPECT_EQ(out.diagnostic_code, KernelDiagnosticCode::RECONCILED) << out.details;
    EXPECT_EQ(fresh.account(), h.kernel.account());
    EXPECT_EQ(fresh.slot(1).fsm_state, TradeStage::POSITION_OPEN);
    EXPECT_EQ(fresh.slot(0).fsm_state, TradeStage::TRADE_TERMINAL_WRITTEN);
    KernelIntent exit = h.make(KernelCommandType::EXIT, 1);
    exit.target_size = 0.0; // the whole position: its only leg
    EXPECT_EQ(fresh.process_intent(exit).diagnostic_code, KernelDiagnosticCode::OK);
    EXPECT_EQ(fresh.slot(1).fsm_state, TradeStage::TRADE_TERMINAL_WRITTEN);
}

} // namespace
} // namespace dita::test
