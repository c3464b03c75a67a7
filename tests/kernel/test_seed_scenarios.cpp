// The seed's ten scenarios, driven straight into the kernel as the seed's run_chaos_scenario
// does (virtual time instead of sleeps), with their final states, sizes and money checked.
#include <gtest/gtest.h>

#include "kernel/harness.hpp"

namespace dita::test {
namespace {

struct Step {
    const char* action; // ENTER EXIT CANCEL MARK_PRICE RECONCILE
    double target_size = 0.01;
    double reference_price = 100.0;
    std::vector<double> legs{1.0};
};

struct SeedRun {
    explicit SeedRun(MockVenueScenario scenario) : h(std::move(scenario), 2, true) {
        h.control.update(ControlUpdate{.mode = KernelMode::DEBUG, .trace_transitions = true});
    }
    void run(const std::vector<Step>& steps) {
        int trade_seq = 0;
        for (const Step& step : steps) {
            h.clock.advance_ns(10'000'000);
            const std::string action = step.action;
            KernelOutcome out;
            if (action == "RECONCILE") {
                std::vector<SlotSnapshot> snaps;
                for (int i = 0; i < h.kernel.max_slots(); ++i) snaps.push_back(h.kernel.slot_snapshot(i));
                out = h.kernel.reconcile_from_slots(snaps);
            } else {
                ++trade_seq;
                std::string lower = action;
                for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
                KernelIntent intent;
                intent.intent_id = "chaos-" + std::to_string(trade_seq) + "-" + lower;
                intent.trade_id = "chaos-trade-" + std::to_string(trade_seq);
                intent.slot_id = 0;
                intent.asset = "BTCUSDT";
                intent.side = TradeSide::SHORT;
                intent.action = *enum_from_string<KernelCommandType>(action);
                intent.reference_price = step.reference_price;
                intent.target_size = step.target_size;
                intent.leverage = 1.0;
                intent.exit_leg_ratios = step.legs;
                out = h.kernel.process_intent(intent);
            }
            outcomes.push_back(out);
            for (const Transition& t : out.transitions) {
                EXPECT_TRUE(next_stage(t.from, t.input) == t.to) << to_string(t.from) << " " << to_string(t.input);
            }
            EXPECT_NE(out.severity, KernelSeverity::CRITICAL) << out.details;
            EXPECT_NE(out.diagnostic_code, KernelDiagnosticCode::INVALID_TRANSITION) << out.details;
            EXPECT_TRUE(h.money_identity_holds());
            const TradeSlot& slot = h.kernel.slot(0);
            EXPECT_FALSE(slot.size.is_negative());
            EXPECT_EQ(slot.size, slot.entry_filled - slot.exit_filled);
        }
    }
    const TradeSlot& slot() const { return h.kernel.slot(0); }
    Harness h;
    std::vector<KernelOutcome> outcomes;
};

MockVenueScenario venue(double partial = 1.0, bool reject_entries = false, bool cancel_reject = false) {
    MockVenueScenario s;
    s.partial_fill_ratio = partial;
    s.reject_entries = reject_entries;
    s.cancel_reject = cancel_reject;
    return s;
}

TEST(SeedScenario, RapidEntryExit) {
    SeedRun r(venue());
    r.run({{"ENTER"}, {"EXIT"}});
    EXPECT_EQ(r.slot().fsm_state, TradeStage::TRADE_TERMINAL_WRITTEN);
    EXPECT_TRUE(r.slot().closed);
    EXPECT_EQ(r.slot().size, Decimal());
    EXPECT_EQ(r.h.kernel.account().capital, dec("9999.999"));
    EXPECT_EQ(r.outcomes.back().diagnostic_code, KernelDiagnosticCode::OK);
}

TEST(SeedScenario, TwoLegRapid) {
    SeedRun r(venue());
    r.run({{"ENTER", 0.01, 100.0, {0.5, 1.0}}, {"EXIT", 0.005}, {"EXIT", 0.005}});
    EXPECT_EQ(r.outcomes[1].diagnostic_code, KernelDiagnosticCode::OK);
    EXPECT_EQ(r.slot().fsm_state, TradeStage::TRADE_TERMINAL_WRITTEN);
    EXPECT_EQ(r.slot().exit_filled, dec("0.01"));
    EXPECT_EQ(r.slot().active_leg_index, 2);
}

TEST(SeedScenario, CompetingCancelWithPartialFill) {
    SeedRun r(venue(0.5));
    r.run({{"ENTER"}, {"CANCEL"}});
    EXPECT_EQ(r.slot().fsm_state, TradeStage::POSITION_OPEN);
    EXPECT_EQ(r.slot().size, dec("0.005"));
    EXPECT_TRUE(r.h.kernel.working_orders().empty());
}

TEST(SeedScenario, CompetingCancelWithRejectedEntry) {
    SeedRun r(venue(1.0, true));
    r.run({{"ENTER"}, {"CANCEL"}});
    EXPECT_EQ(r.outcomes[0].diagnostic_code, KernelDiagnosticCode::ORDER_REJECTED);
    EXPECT_EQ(r.outcomes[1].diagnostic_code, KernelDiagnosticCode::NOTHING_TO_CANCEL);
    EXPECT_EQ(r.slot().fsm_state, TradeStage::ORDER_REJECTED);
    EXPECT_EQ(r.h.kernel.account().capital, dec("10000"));
}

TEST(SeedScenario, CancelAfterFill) {
    SeedRun r(venue());
    r.run({{"ENTER"}, {"CANCEL"}, {"EXIT"}});
    EXPECT_EQ(r.outcomes[1].diagnostic_code, KernelDiagnosticCode::NOTHING_TO_CANCEL);
    EXPECT_EQ(r.slot().fsm_state, TradeStage::TRADE_TERMINAL_WRITTEN);
}

TEST(SeedScenario, CancelAfterFillWithCancelReject) {
    SeedRun r(venue(1.0, false, true));
    r.run({{"ENTER"}, {"CANCEL"}, {"EXIT"}});
    EXPECT_EQ(r.slot().fsm_state, TradeStage::TRADE_TERMINAL_WRITTEN);
}

TEST(SeedScenario, CancelAfterPartialFillThenExit) {
    SeedRun r(venue(0.5));
    r.run({{"ENTER"}, {"CANCEL"}, {"EXIT"}});
    EXPECT_EQ(r.slot().entry_filled, dec("0.005"));
    EXPECT_EQ(r.slot().exit_filled, dec("0.002")); // the exit also fills half, floored to the lot
    EXPECT_EQ(r.slot().fsm_state, TradeStage::EXIT_WORKING);
}

TEST(SeedScenario, EntryThenMark) {
    SeedRun r(venue());
    r.run({{"ENTER"}, {"MARK_PRICE", 0.01, 99.5}});
    const AccountSnapshot a = r.h.kernel.account();
    EXPECT_EQ(a.unrealized_pnl, dec("0.005")); // short 0.01 from 100 to 99.5
    EXPECT_EQ(a.equity, a.capital + dec("0.005"));
    EXPECT_EQ(r.slot().fsm_state, TradeStage::POSITION_OPEN);
}

TEST(SeedScenario, EntryReconcileExit) {
    SeedRun r(venue());
    r.run({{"ENTER"}, {"RECONCILE"}, {"EXIT"}});
    EXPECT_EQ(r.outcomes[1].diagnostic_code, KernelDiagnosticCode::RECONCILED);
    EXPECT_EQ(r.slot().fsm_state, TradeStage::TRADE_TERMINAL_WRITTEN);
}

TEST(SeedScenario, EntryReconcileExitWithPartialFill) {
    SeedRun r(venue(0.5));
    r.run({{"ENTER"}, {"RECONCILE"}, {"EXIT"}});
    EXPECT_EQ(r.outcomes[1].diagnostic_code, KernelDiagnosticCode::RECONCILED);
    EXPECT_NE(r.slot().fsm_state, TradeStage::STALE_STATE_RECONCILING);
    EXPECT_EQ(r.slot().entry_filled, dec("0.005"));
    EXPECT_EQ(r.slot().fsm_state, TradeStage::EXIT_WORKING);
}

TEST(SeedScenario, SizeAtLotBoundary) {
    SeedRun r(venue());
    r.run({{"ENTER", 0.001}, {"EXIT", 0.001}});
    EXPECT_EQ(r.slot().fsm_state, TradeStage::TRADE_TERMINAL_WRITTEN);
    EXPECT_EQ(r.slot().entry_filled, dec("0.001"));
    EXPECT_EQ(r.h.kernel.account().fees_paid, dec("0.0001"));
}

TEST(SeedScenario, ZeroSizeEntry) {
    SeedRun r(venue());
    r.run({{"ENTER", 0.0}});
    EXPECT_EQ(r.outcomes[0].diagnostic_code, KernelDiagnosticCode::INVALID_SIZE);
    EXPECT_EQ(r.slot().fsm_state, TradeStage::IDLE);
}

TEST(SeedScenario, NegativePriceEntry) {
    SeedRun r(venue());
    r.run({{"ENTER", 0.01, -1.0}});
    EXPECT_EQ(r.outcomes[0].diagnostic_code, KernelDiagnosticCode::INVALID_PRICE);
    EXPECT_EQ(r.slot().fsm_state, TradeStage::IDLE);
}

TEST(SeedScenario, EntryExitTenTimes) {
    SeedRun r(venue());
    std::vector<Step> steps;
    for (int i = 0; i < 20; ++i) steps.push_back({i % 2 == 0 ? "ENTER" : "EXIT"});
    r.run(steps);
    for (const KernelOutcome& out : r.outcomes) EXPECT_EQ(out.diagnostic_code, KernelDiagnosticCode::OK) << out.details;
    EXPECT_EQ(r.slot().trades_completed, 10u);
    EXPECT_EQ(r.h.zinc.terminal_records().size(), 10u);
    EXPECT_EQ(r.h.kernel.account().capital, dec("9999.99"));
}

} // namespace
} // namespace dita::test
