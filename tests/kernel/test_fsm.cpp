#include <gtest/gtest.h>

#include <deque>
#include <set>

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

} // namespace
} // namespace dita
