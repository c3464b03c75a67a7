// Issue 13: position mode, and what the venue does by itself (liquidation, ADL, manual closes,
// funding) settled into slots and the account.
#include <gtest/gtest.h>

#include <string>

#include "kernel/harness.hpp"

namespace dita::test {
namespace {

constexpr std::int64_t hour_ns = 3'600'000'000'000;

KernelOutcome enter_leveraged(Harness& h, int slot, TradeSide side, double leverage, double size = 0.01,
                              double price = 100.0) {
    KernelIntent intent = h.make(KernelCommandType::ENTER, slot);
    intent.side = side;
    intent.leverage = leverage;
    intent.target_size = size;
    intent.reference_price = price;
    return h.kernel.process_intent(intent);
}

bool all_free(const Harness& h) {
    for (int i = 0; i < h.kernel.max_slots(); ++i) {
        if (!is_free_stage(h.kernel.slot(i).fsm_state) || h.kernel.slot(i).size.is_positive()) return false;
    }
    return true;
}

// The defect found by a new user: 32 slots entering alternately LONG and SHORT on one asset.
TEST(PositionMode, ThirtyTwoAlternatingSlotsOnTheDefaultHedgeMockAllExit) {
    Harness h({}, 32);
    EXPECT_EQ(h.venue.position_mode(), PositionMode::HEDGE);
    for (int i = 0; i < 32; ++i) {
        const KernelOutcome out = h.enter(i, 0.01, 100.0, i % 2 == 0 ? TradeSide::LONG : TradeSide::SHORT);
        ASSERT_TRUE(out.ok()) << i << ": " << out.details;
    }
    for (int i = 0; i < 32; ++i) {
        const KernelOutcome out = h.exit(i);
        ASSERT_TRUE(out.ok()) << i << ": " << out.details;
        EXPECT_EQ(h.kernel.slot(i).fsm_state, TradeStage::TRADE_TERMINAL_WRITTEN) << i;
    }
    EXPECT_TRUE(all_free(h));
    EXPECT_TRUE(h.venue.positions("BTCUSDT").value.empty());
    EXPECT_TRUE(h.money_identity_holds());
}

TEST(PositionMode, OneWayRefusesAnOpposingEntryBeforeSendingAndEveryAcceptedOneExits) {
    Harness h(MockVenueScenario{.position_mode = PositionMode::ONE_WAY}, 32);
    int accepted = 0;
    for (int i = 0; i < 32; ++i) {
        const std::uint64_t before = h.kernel.state_hash();
        const std::uint64_t submitted = h.venue.counters().orders_submitted;
        const KernelOutcome out = h.enter(i, 0.01, 100.0, i % 2 == 0 ? TradeSide::LONG : TradeSide::SHORT);
        if (i % 2 == 0) {
            ASSERT_TRUE(out.ok()) << i << ": " << out.details;
            ++accepted;
            continue;
        }
        EXPECT_EQ(out.diagnostic_code, KernelDiagnosticCode::POSITION_MODE_CONFLICT) << out.details;
        EXPECT_EQ(out.severity, KernelSeverity::WARNING);
        EXPECT_NE(out.details.find("one-way"), std::string::npos) << out.details;
        EXPECT_EQ(h.kernel.state_hash(), before) << "a refused ENTER changes nothing";
        EXPECT_EQ(h.venue.counters().orders_submitted, submitted) << "nothing is sent";
    }
    EXPECT_EQ(accepted, 16);
    for (int i = 0; i < 32; i += 2) {
        const KernelOutcome out = h.exit(i);
        ASSERT_TRUE(out.ok()) << i << ": " << out.details;
        EXPECT_EQ(h.kernel.slot(i).fsm_state, TradeStage::TRADE_TERMINAL_WRITTEN) << i;
    }
    EXPECT_TRUE(all_free(h));
    // Flat again: the other side may enter now.
    EXPECT_TRUE(h.enter(1, 0.01, 100.0, TradeSide::SHORT).ok());
    EXPECT_TRUE(h.exit(1).ok());
}

TEST(VenueMoves, LiquidationSettlesTheSlotAtTheVenuePriceAndNamesTheCause) {
    Harness h;
    ASSERT_TRUE(enter_leveraged(h, 0, TradeSide::LONG, 10.0).ok());
    // Isolated margin 0.1 on a 1.0 notional: liquidated at (1 - 0.1) / (0.01 * (1 - 0.004)).
    const auto price = h.venue.liquidation_price("BTCUSDT", TradeSide::LONG);
    ASSERT_TRUE(price.has_value());
    EXPECT_EQ(*price, dec("0.9").div(dec("0.00996")));
    h.venue.set_mark("BTCUSDT", dec("95"));
    EXPECT_TRUE(h.kernel.pump_venue().venue_moves.empty()) << "above the liquidation price nothing happens";
    h.venue.set_mark("BTCUSDT", dec("80"));
    const KernelOutcome out = h.kernel.pump_venue();
    EXPECT_EQ(out.diagnostic_code, KernelDiagnosticCode::VENUE_LIQUIDATION) << out.details;
    EXPECT_EQ(out.severity, KernelSeverity::ERROR);
    ASSERT_EQ(out.venue_moves.size(), 1u);
    EXPECT_EQ(out.venue_moves[0].cause, KernelEventKind::LIQUIDATION);
    EXPECT_EQ(out.venue_moves[0].asset, AssetName("BTCUSDT"));
    EXPECT_EQ(out.venue_moves[0].slot_id, 0);
    EXPECT_EQ(out.venue_moves[0].size, dec("0.01"));
    EXPECT_EQ(out.venue_moves[0].price, *price);
    const TradeSlot& slot = h.kernel.slot(0);
    EXPECT_EQ(slot.fsm_state, TradeStage::TRADE_TERMINAL_WRITTEN);
    EXPECT_TRUE(slot.size.is_zero());
    // The loss is the margin less the maintenance margin, the fee within what is left.
    EXPECT_EQ(slot.realized_pnl, price->mul(dec("0.01")) - dec("1"));
    EXPECT_GE(h.kernel.account().capital, dec("10000") - dec("0.1") - dec("0.0005"));
    const auto records = h.zinc.terminal_records();
    ASSERT_FALSE(records.empty());
    EXPECT_NE(records.back().reason.find("liquidation"), std::string::npos) << records.back().reason;
    EXPECT_TRUE(h.money_identity_holds());
    // Never a second closing order: an EXIT now has nothing to close.
    const std::uint64_t submitted = h.venue.counters().orders_submitted;
    EXPECT_EQ(h.exit(0).diagnostic_code, KernelDiagnosticCode::NOTHING_TO_EXIT);
    EXPECT_EQ(h.venue.counters().orders_submitted, submitted);
}

// Fuzz seeds 21657 and 52783 (--venue-moves): the kernel's mark crossed a 1x short's
// liquidation price before the venue's report arrived, and its equity went to -54835. An
// isolated position loses its margin at most: the unrealized loss stops there.
TEST(VenueMoves, PastTheLiquidationPriceTheUnrealizedLossIsTheMarginUntilTheReportArrives) {
    Harness h;
    ASSERT_TRUE(enter_leveraged(h, 0, TradeSide::SHORT, 1.0, 0.999).ok());
    ASSERT_TRUE(h.mark(0, 65000.0).ok()); // the kernel's feed; the venue has not moved yet
    const AccountSnapshot account = h.kernel.account();
    EXPECT_EQ(account.unrealized_pnl, -dec("99.9"));
    EXPECT_EQ(account.equity, account.capital - dec("99.9"));
    EXPECT_FALSE(account.equity.is_negative());
    h.venue.set_mark("BTCUSDT", dec("65000"));
    EXPECT_EQ(h.kernel.pump_venue().diagnostic_code, KernelDiagnosticCode::VENUE_LIQUIDATION);
    EXPECT_TRUE(h.kernel.account().unrealized_pnl.is_zero());
    EXPECT_GE(h.kernel.account().capital, dec("10000") - dec("99.9") - dec("0.05"));
    EXPECT_TRUE(h.money_identity_holds());
    // A 10x long half way down keeps its plain loss: only past the margin does the floor act.
    Harness g;
    ASSERT_TRUE(enter_leveraged(g, 0, TradeSide::LONG, 10.0).ok());
    ASSERT_TRUE(g.mark(0, 95.0).ok());
    EXPECT_EQ(g.kernel.account().unrealized_pnl, -dec("0.05"));
}

TEST(VenueMoves, PartialAdlReducesTheSlotAtWarningAndTheRestExits) {
    Harness h;
    ASSERT_TRUE(h.enter(0).ok());
    h.venue.set_mark("BTCUSDT", dec("110"));
    ASSERT_TRUE(h.venue.auto_deleverage("BTCUSDT", TradeSide::LONG, dec("0.004")));
    const KernelOutcome out = h.kernel.pump_venue();
    EXPECT_EQ(out.diagnostic_code, KernelDiagnosticCode::VENUE_ADL) << out.details;
    EXPECT_EQ(out.severity, KernelSeverity::WARNING);
    EXPECT_EQ(h.kernel.slot(0).size, dec("0.006"));
    EXPECT_EQ(h.kernel.slot(0).realized_pnl, dec("0.04"));
    EXPECT_EQ(h.kernel.slot(0).fsm_state, TradeStage::POSITION_PARTIALLY_CLOSED);
    // A duplicate report changes nothing.
    const std::uint64_t settled = h.kernel.state_hash();
    for (const VenueEvent& e : out.emitted_events) h.kernel.on_venue_event(e);
    EXPECT_EQ(h.kernel.state_hash(), settled);
    const KernelOutcome exit = h.exit(0, 0.0, 110.0);
    ASSERT_TRUE(exit.ok()) << exit.details;
    EXPECT_EQ(h.kernel.slot(0).fsm_state, TradeStage::TRADE_TERMINAL_WRITTEN);
    EXPECT_TRUE(h.venue.positions("BTCUSDT").value.empty());
    EXPECT_TRUE(h.money_identity_holds());
}

TEST(VenueMoves, ManualCloseOnTheWebsiteCancelsTheWorkingExitAndClosesTheTrade) {
    Harness h(MockVenueScenario{.partial_fill_ratio = 0.0});
    ASSERT_TRUE(h.enter(0).ok());
    ASSERT_TRUE(h.venue.fill_working(h.kernel.slot(0).entry_order_id.view(), dec("0.01"), dec("100")));
    h.kernel.pump_venue();
    ASSERT_EQ(h.kernel.slot(0).fsm_state, TradeStage::POSITION_OPEN);
    ASSERT_TRUE(h.exit(0).ok());
    ASSERT_EQ(h.kernel.slot(0).fsm_state, TradeStage::EXIT_WORKING);
    ASSERT_TRUE(h.venue.manual_close("BTCUSDT", TradeSide::LONG, dec("0.01")));
    const KernelOutcome out = h.kernel.pump_venue();
    EXPECT_EQ(out.diagnostic_code, KernelDiagnosticCode::VENUE_MANUAL_CLOSE) << out.details;
    EXPECT_EQ(out.severity, KernelSeverity::WARNING);
    // The exit that can no longer close anything was canceled; the trade ended with the cause.
    EXPECT_TRUE(h.kernel.working_orders().empty());
    EXPECT_TRUE(h.venue.open_orders("BTCUSDT").value.empty());
    EXPECT_EQ(h.kernel.slot(0).fsm_state, TradeStage::TRADE_TERMINAL_WRITTEN);
    EXPECT_NE(h.zinc.terminal_records().back().reason.find("manual_close"), std::string::npos);
    EXPECT_TRUE(h.money_identity_holds());
}

TEST(VenueMoves, AReductionIsSharedInSlotOrderSkippingWhatAWorkingExitClaims) {
    Harness h(MockVenueScenario{}, 3);
    ASSERT_TRUE(h.enter(0).ok());
    ASSERT_TRUE(h.enter(1).ok());
    ASSERT_TRUE(h.enter(2).ok());
    h.venue.set_mark("BTCUSDT", dec("105"));
    ASSERT_TRUE(h.venue.auto_deleverage("BTCUSDT", TradeSide::LONG, dec("0.015")));
    h.kernel.pump_venue();
    EXPECT_TRUE(h.kernel.slot(0).size.is_zero());
    EXPECT_EQ(h.kernel.slot(1).size, dec("0.005"));
    EXPECT_EQ(h.kernel.slot(2).size, dec("0.01"));
    EXPECT_EQ(h.kernel.slot(0).fsm_state, TradeStage::TRADE_TERMINAL_WRITTEN);
    for (int i = 1; i < 3; ++i) EXPECT_TRUE(h.exit(i, 0.0, 105.0).ok());
    EXPECT_TRUE(all_free(h));
    EXPECT_TRUE(h.venue.positions("BTCUSDT").value.empty());
}

TEST(VenueMoves, ALostReportIsRecoveredByTheNextReconcile) {
    Harness h;
    ASSERT_TRUE(h.enter(0).ok());
    ASSERT_TRUE(h.venue.manual_close("BTCUSDT", TradeSide::LONG, dec("0.004")));
    // The report has not arrived; a reconcile asks the venue for its own moves.
    const KernelOutcome out = h.kernel.process_intent(h.make(KernelCommandType::RECONCILE, 0));
    EXPECT_EQ(h.kernel.slot(0).size, dec("0.006")) << out.details;
    EXPECT_TRUE(h.kernel.mismatched_assets().empty());
    const std::uint64_t settled = h.kernel.state_hash();
    h.kernel.pump_venue(); // the report arrives after all: nothing more
    EXPECT_EQ(h.kernel.state_hash(), settled);
}

TEST(VenueMoves, FundingEveryEightHoursIsBookedExactly) {
    Harness h;
    ASSERT_TRUE(h.enter(0).ok());                                  // long 0.01 at 100
    ASSERT_TRUE(h.enter(1, 0.02, 100.0, TradeSide::SHORT).ok()); // short 0.02
    h.clock.advance_ns(72 * hour_ns);                              // three days: 9 settlements
    const KernelOutcome out = h.kernel.pump_venue();
    EXPECT_EQ(out.venue_moves.size(), 18u);
    // Longs pay 0.01 * 100 * 0.0001 each time; shorts receive 0.02 * 100 * 0.0001.
    EXPECT_EQ(h.kernel.account().funding, dec("9").mul(dec("0.0002") - dec("0.0001")));
    EXPECT_EQ(h.kernel.account().funding, -h.venue.funding_charged());
    EXPECT_TRUE(h.money_identity_holds());
    const std::uint64_t settled = h.kernel.state_hash();
    for (const VenueEvent& e : out.emitted_events) h.kernel.on_venue_event(e);
    EXPECT_EQ(h.kernel.state_hash(), settled) << "a funding settlement is booked once";
}

TEST(VenueMoves, ARestartedKernelNeverBooksAMoveTwice) {
    Harness h;
    ASSERT_TRUE(h.enter(0).ok());
    h.venue.set_mark("BTCUSDT", dec("101"));
    ASSERT_TRUE(h.venue.auto_deleverage("BTCUSDT", TradeSide::LONG, dec("0.003")));
    const KernelOutcome out = h.kernel.pump_venue();
    h.clock.advance_ns(8 * hour_ns);
    const KernelOutcome funded = h.kernel.pump_venue();
    ASSERT_EQ(funded.venue_moves.size(), 1u);
    const AccountSnapshot before = h.kernel.account();
    ExecutionKernel restarted(KernelConfig{.max_slots = 2}, h.control, h.venue, h.zinc, h.clock);
    const auto recovered = h.zinc.recover();
    ASSERT_TRUE(recovered.has_value());
    restarted.restore(*recovered);
    for (const VenueEvent& e : out.emitted_events) restarted.on_venue_event(e);
    for (const VenueEvent& e : funded.emitted_events) restarted.on_venue_event(e);
    EXPECT_EQ(restarted.account().realized_pnl, before.realized_pnl);
    EXPECT_EQ(restarted.account().fees_paid, before.fees_paid);
    EXPECT_EQ(restarted.account().funding, before.funding);
    EXPECT_EQ(restarted.slot(0).size, dec("0.007"));
}

TEST(VenueMoves, BadVenueMovesAreRefusedAndChangeNothing) {
    Harness h;
    ASSERT_TRUE(h.enter(0).ok());
    const std::uint64_t before = h.kernel.state_hash();
    VenueEvent no_id;
    no_id.kind = KernelEventKind::LIQUIDATION;
    no_id.asset = AssetName("BTCUSDT");
    no_id.cum_filled_qty = dec("0.01");
    no_id.avg_fill_price = dec("90");
    EXPECT_EQ(h.kernel.on_venue_event(no_id).diagnostic_code, KernelDiagnosticCode::INVALID_EVENT);
    VenueEvent negative_fee = no_id;
    negative_fee.venue_order_id = Id("L9");
    negative_fee.cum_fee = dec("-1");
    EXPECT_EQ(h.kernel.on_venue_event(negative_fee).diagnostic_code, KernelDiagnosticCode::INVALID_EVENT);
    VenueEvent unknown_asset = no_id;
    unknown_asset.venue_order_id = Id("L9");
    unknown_asset.asset = AssetName("NOPEUSDT");
    EXPECT_EQ(h.kernel.on_venue_event(unknown_asset).diagnostic_code, KernelDiagnosticCode::INVALID_EVENT);
    VenueEvent no_price = no_id;
    no_price.venue_order_id = Id("L9");
    no_price.avg_fill_price = Decimal();
    EXPECT_EQ(h.kernel.on_venue_event(no_price).diagnostic_code, KernelDiagnosticCode::INVALID_EVENT);
    EXPECT_EQ(h.kernel.state_hash(), before);
}

} // namespace
} // namespace dita::test
