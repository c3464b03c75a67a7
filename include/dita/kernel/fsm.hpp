#pragma once
// The slot lifecycle as one flat table: (stage, input) -> stage. A move that is not in the
// table is illegal; the kernel checks every move it makes against it.
#include <optional>
#include <span>

#include "dita/contracts/enums.hpp"

namespace dita {

struct FsmEdge {
    TradeStage from;
    FsmInput input;
    TradeStage to;
};

std::span<const FsmEdge> transition_table();

// O(1): the table compiled into a dense (stage x input) array.
std::optional<TradeStage> next_stage(TradeStage from, FsmInput input);

// One checked step: the next stage, or INVALID_TRANSITION with the stage unchanged.
struct FsmStep {
    TradeStage stage;
    KernelDiagnosticCode code;
};
FsmStep fsm_step(TradeStage from, FsmInput input);

// A slot in one of these stages holds no live trade and accepts ENTER.
constexpr bool is_free_stage(TradeStage stage) {
    return stage == TradeStage::IDLE || stage == TradeStage::ORDER_REJECTED ||
           stage == TradeStage::TRADE_TERMINAL_WRITTEN;
}

constexpr bool is_entry_working_stage(TradeStage stage) {
    return stage == TradeStage::ORDER_SENT || stage == TradeStage::ORDER_ACKED ||
           stage == TradeStage::ENTRY_WORKING || stage == TradeStage::PARTIAL_FILL;
}

constexpr bool is_exit_working_stage(TradeStage stage) {
    return stage == TradeStage::EXIT_SENT || stage == TradeStage::EXIT_ACKED ||
           stage == TradeStage::EXIT_WORKING;
}

constexpr bool is_position_resting_stage(TradeStage stage) {
    return stage == TradeStage::POSITION_OPEN || stage == TradeStage::POSITION_PARTIALLY_CLOSED;
}

} // namespace dita
