#include <gtest/gtest.h>

#include <deque>
#include <set>
#include <vector>

#include "dita/kernel/fsm.hpp"

namespace dita {
namespace {

TEST(Fsm, EveryStageInputPairMovesAsTheTableSaysOrIsRefused) {
    std::size_t legal = 0;
    std::size_t illegal = 0;
    for (const TradeStage from : enum_values<TradeStage>()) {
        for (const FsmInput input : enum_values<FsmInput>()) {
            const FsmEdge* listed = nullptr;
            for (const FsmEdge& edge : transition_table()) {
                if (edge.from == from && edge.input == input) {
                    ASSERT_EQ(listed, nullptr) << "pair listed twice: " << to_string(from) << "/" << to_string(input);
                    listed = &edge;
                }
            }
            const FsmStep step = fsm_step(from, input);
            if (listed != nullptr) {
                ++legal;
                EXPECT_EQ(step.code, KernelDiagnosticCode::OK);
                EXPECT_EQ(step.stage, listed->to) << to_string(from) << " + " << to_string(input);
            } else {
                ++illegal;
                EXPECT_EQ(step.code, KernelDiagnosticCode::INVALID_TRANSITION)
                    << to_string(from) << " + " << to_string(input);
                EXPECT_EQ(step.stage, from) << "an illegal move must leave the stage unchanged";
            }
        }
    }
    EXPECT_EQ(legal, transition_table().size());
    EXPECT_EQ(legal + illegal, enum_count<TradeStage>() * enum_count<FsmInput>());
}

std::set<TradeStage> reachable_from(TradeStage start) {
    std::set<TradeStage> seen{start};
    std::deque<TradeStage> queue{start};
    while (!queue.empty()) {
        const TradeStage at = queue.front();
        queue.pop_front();
        for (const FsmEdge& edge : transition_table()) {
            if (edge.from == at && seen.insert(edge.to).second) queue.push_back(edge.to);
        }
    }
    return seen;
}

TEST(Fsm, EveryStageIsReachableFromIdle) {
    EXPECT_EQ(reachable_from(TradeStage::IDLE).size(), enum_count<TradeStage>());
}

TEST(Fsm, NoStageIsADeadEndAndReconcilingCanAlwaysBeLeft) {
    for (const TradeStage stage : enum_values<TradeStage>()) {
        const auto reach = reachable_from(stage);
        const bool reaches_free = reach.contains(TradeStage::IDLE) || reach.contains(TradeStage::TRADE_TERMINAL_WRITTEN) ||
                                  reach.contains(TradeStage::ORDER_REJECTED);
        EXPECT_TRUE(reaches_free) << to_string(stage) << " can never free its slot";
        EXPECT_TRUE(next_stage(stage, FsmInput::BEGIN_RECONCILE).has_value()) << to_string(stage);
    }
    int exits = 0;
    for (const FsmEdge& edge : transition_table()) {
        if (edge.from == TradeStage::STALE_STATE_RECONCILING && edge.to != TradeStage::STALE_STATE_RECONCILING) ++exits;
    }
    EXPECT_GE(exits, 9);
}

TEST(Fsm, FreeStagesAcceptANewDecisionOnly) {
    for (const TradeStage stage : enum_values<TradeStage>()) {
        EXPECT_EQ(next_stage(stage, FsmInput::DECIDE).has_value(), is_free_stage(stage)) << to_string(stage);
    }
}

// ---------------------------------------------------------------------------------------
// The FSM input a report moves a slot by: a pure function of the stage and the change.

OrderChange working(bool acked, bool has_fills, bool filled_more) {
    return OrderChange{VenueOrderStatus::NEW, true, acked, has_fills, filled_more};
}
OrderChange ended(VenueOrderStatus status, bool has_fills, bool filled_more) {
    return OrderChange{status, false, true, has_fills, filled_more};
}
std::vector<FsmInput> steps(const FsmPlan& plan) { return {plan.steps().begin(), plan.steps().end()}; }

TEST(FsmPlan, AnEntryWalksAckedWorkingPartialFilledSettled) {
    EXPECT_EQ(steps(plan_entry_change(TradeStage::ORDER_SENT, working(true, false, false))),
              (std::vector{FsmInput::ENTRY_ACKED, FsmInput::ENTRY_WORKS}));
    EXPECT_EQ(steps(plan_entry_change(TradeStage::ENTRY_WORKING, working(true, true, true))),
              (std::vector{FsmInput::ENTRY_PARTIAL}));
    // A repeated partial that adds nothing moves nothing once the slot is in PARTIAL_FILL.
    EXPECT_TRUE(steps(plan_entry_change(TradeStage::PARTIAL_FILL, working(true, true, false))).empty());
    const FsmPlan filled = plan_entry_change(TradeStage::PARTIAL_FILL, ended(VenueOrderStatus::FILLED, true, true));
    EXPECT_EQ(steps(filled), (std::vector{FsmInput::ENTRY_FILLED, FsmInput::POSITION_SETTLED}));
    EXPECT_EQ(filled.then, FsmPlan::Then::NOTHING);
}

TEST(FsmPlan, AnEntryThatEndsSaysHowItEnded) {
    const FsmPlan canceled_part =
        plan_entry_change(TradeStage::ENTRY_WORKING, ended(VenueOrderStatus::CANCELED, true, true));
    EXPECT_EQ(steps(canceled_part),
              (std::vector{FsmInput::ENTRY_PARTIAL, FsmInput::ENTRY_CANCELED, FsmInput::POSITION_SETTLED}));
    const FsmPlan rejected = plan_entry_change(TradeStage::ORDER_SENT, ended(VenueOrderStatus::REJECTED, false, false));
    EXPECT_EQ(steps(rejected), (std::vector{FsmInput::ENTRY_REJECTED}));
    EXPECT_EQ(rejected.then, FsmPlan::Then::ORDER_REJECTED);
    const FsmPlan canceled = plan_entry_change(TradeStage::ORDER_ACKED, ended(VenueOrderStatus::CANCELED, false, false));
    EXPECT_EQ(steps(canceled), (std::vector{FsmInput::ENTRY_CANCELED}));
    EXPECT_EQ(canceled.then, FsmPlan::Then::FINISH_TRADE);
    EXPECT_TRUE(canceled.stop_on_refusal);
}

TEST(FsmPlan, ALateEntryFillReopensAFinishedTradeAndIsSaidEverywhere) {
    const OrderChange late = ended(VenueOrderStatus::CANCELED, true, true);
    const FsmPlan reopened = plan_entry_change(TradeStage::TRADE_TERMINAL_WRITTEN, late);
    EXPECT_EQ(steps(reopened), (std::vector{FsmInput::LATE_ENTRY_FILL, FsmInput::POSITION_SETTLED}));
    EXPECT_EQ(reopened.then, FsmPlan::Then::REOPEN_TRADE);
    const FsmPlan open = plan_entry_change(TradeStage::POSITION_OPEN, late);
    EXPECT_EQ(steps(open), (std::vector{FsmInput::LATE_ENTRY_FILL}));
    EXPECT_EQ(open.then, FsmPlan::Then::LATE_ENTRY_FILL);
    const FsmPlan reconciling = plan_entry_change(TradeStage::STALE_STATE_RECONCILING, late);
    EXPECT_TRUE(steps(reconciling).empty());
    EXPECT_EQ(reconciling.then, FsmPlan::Then::LATE_ENTRY_FILL);
    // A late report that adds no fill changes nothing.
    EXPECT_EQ(plan_entry_change(TradeStage::POSITION_OPEN, ended(VenueOrderStatus::CANCELED, true, false)).then,
              FsmPlan::Then::NOTHING);
}

TEST(FsmPlan, AnExitClosesTheTradeOnlyWhenNothingIsLeft) {
    const ExitFacts all_gone{.current = true, .position_left = false, .exited_before = true};
    const FsmPlan closed = plan_exit_change(TradeStage::EXIT_WORKING, ended(VenueOrderStatus::FILLED, true, true), all_gone);
    EXPECT_EQ(steps(closed), (std::vector{FsmInput::EXIT_ALL_DONE, FsmInput::CLOSE_TRADE}));
    EXPECT_EQ(closed.then, FsmPlan::Then::FINISH_TRADE);
    EXPECT_TRUE(closed.stop_on_refusal);
    const ExitFacts leg{.current = true, .position_left = true, .exited_before = true};
    EXPECT_EQ(steps(plan_exit_change(TradeStage::EXIT_WORKING, ended(VenueOrderStatus::FILLED, true, true), leg)),
              (std::vector{FsmInput::EXIT_LEG_DONE}));
    EXPECT_EQ(steps(plan_exit_change(TradeStage::EXIT_SENT, working(true, false, false), leg)),
              (std::vector{FsmInput::EXIT_ACK, FsmInput::EXIT_WORKS}));
}

TEST(FsmPlan, ARejectedOrCanceledExitResumesTheRightRestingStage) {
    const ExitFacts first{.current = true, .position_left = true, .exited_before = false};
    const ExitFacts later{.current = true, .position_left = true, .exited_before = true};
    const OrderChange rejected = ended(VenueOrderStatus::REJECTED, false, false);
    EXPECT_EQ(steps(plan_exit_change(TradeStage::EXIT_SENT, rejected, first)),
              (std::vector{FsmInput::EXIT_REJECT, FsmInput::EXIT_RESUME}));
    EXPECT_EQ(steps(plan_exit_change(TradeStage::EXIT_SENT, rejected, later)),
              (std::vector{FsmInput::EXIT_REJECT, FsmInput::EXIT_RESUME_REDUCED}));
    EXPECT_EQ(plan_exit_change(TradeStage::EXIT_SENT, rejected, first).then, FsmPlan::Then::ORDER_REJECTED);
    const OrderChange canceled = ended(VenueOrderStatus::CANCELED, false, false);
    EXPECT_EQ(steps(plan_exit_change(TradeStage::EXIT_ACKED, canceled, first)), (std::vector{FsmInput::EXIT_CANCELED}));
    EXPECT_EQ(steps(plan_exit_change(TradeStage::EXIT_ACKED, canceled, later)),
              (std::vector{FsmInput::EXIT_CANCELED_REDUCED}));
}

TEST(FsmPlan, ALateFillOfAnEarlierExitMovesTheRestingSlot) {
    const ExitFacts earlier{.current = false, .position_left = true, .exited_before = true};
    const OrderChange late = ended(VenueOrderStatus::CANCELED, true, true);
    EXPECT_EQ(steps(plan_exit_change(TradeStage::POSITION_PARTIALLY_CLOSED, late, earlier)),
              (std::vector{FsmInput::EXIT_LEG_DONE}));
    EXPECT_EQ(steps(plan_exit_change(TradeStage::EXIT_WORKING, late, earlier)), (std::vector{FsmInput::EXIT_PARTIAL}));
    const ExitFacts emptied{.current = false, .position_left = false, .exited_before = true};
    EXPECT_EQ(plan_exit_change(TradeStage::POSITION_PARTIALLY_CLOSED, late, emptied).then, FsmPlan::Then::FINISH_TRADE);
    EXPECT_TRUE(steps(plan_exit_change(TradeStage::CLOSED, late, earlier)).empty());
}

// Every plan, for every stage and change, only names inputs the table accepts from that stage
// in sequence (or the kernel would report INVALID_TRANSITION on a correct report).
TEST(FsmPlan, EveryPlannedWalkIsLegalFromTheStageItWasPlannedFor) {
    int walks = 0;
    for (const TradeStage stage : enum_values<TradeStage>()) {
        for (const VenueOrderStatus status : enum_values<VenueOrderStatus>()) {
            for (int bits = 0; bits < 16; ++bits) {
                const bool has_fills = (bits & 4) != 0;
                const bool filled_more = (bits & 8) != 0 && has_fills;
                const OrderChange change{status, !is_terminal(status), (bits & 1) != 0, has_fills, filled_more};
                const auto walk_ok = [&](const FsmPlan& plan) {
                    TradeStage at = stage;
                    for (const FsmInput input : plan.steps()) {
                        const auto next = next_stage(at, input);
                        if (!next) return false;
                        at = *next;
                    }
                    ++walks;
                    return true;
                };
                if (is_entry_working_stage(stage) ||
                    (filled_more && (is_position_resting_stage(stage) || stage == TradeStage::CLOSED ||
                                     stage == TradeStage::TRADE_TERMINAL_WRITTEN))) {
                    if (status == VenueOrderStatus::FILLED && !has_fills) continue; // FILLED always has fills
                    // Fills never shrink (the merge keeps the maximum): a partly filled entry has fills.
                    if (stage == TradeStage::PARTIAL_FILL && !has_fills) continue;
                    EXPECT_TRUE(walk_ok(plan_entry_change(stage, change)))
                        << to_string(stage) << " " << to_string(status) << " bits " << bits;
                }
                for (const bool left : {false, true}) {
                    const ExitFacts facts{.current = true, .position_left = left, .exited_before = (bits & 2) != 0};
                    if (!is_exit_working_stage(stage) && !is_position_resting_stage(stage)) continue;
                    if (status == VenueOrderStatus::FILLED && !has_fills) continue;
                    if (is_position_resting_stage(stage) && !left && !filled_more) continue;
                    EXPECT_TRUE(walk_ok(plan_exit_change(stage, change, facts)))
                        << to_string(stage) << " " << to_string(status) << " bits " << bits << " left " << left;
                }
            }
        }
    }
    EXPECT_GT(walks, 100);
}

} // namespace
} // namespace dita
