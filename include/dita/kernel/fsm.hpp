#pragma once
// The slot lifecycle as one flat table: (stage, input) -> stage. A move that is not in the
// table is illegal; the kernel checks every move it makes against it.
#include <array>
#include <cstdint>
#include <optional>
#include <span>

#include "dita/contracts/assert.hpp"
#include "dita/contracts/enums.hpp"

namespace dita {

struct FsmEdge {
    TradeStage from;
    FsmInput input;
    TradeStage to;
};

std::span<const FsmEdge> transition_table();

// The table compiled into a dense (stage x input) array (fsm.cpp): no_edge where the table
// has no move. Visible here so that a step, which the kernel takes for every move, is inlined.
namespace fsm_detail {
inline constexpr std::uint8_t no_edge = 0xff;
using Dense = std::array<std::array<std::uint8_t, enum_count<FsmInput>()>, enum_count<TradeStage>()>;
extern const Dense dense_table;
} // namespace fsm_detail

// O(1): a lookup in the dense table.
inline std::optional<TradeStage> next_stage(TradeStage from, FsmInput input) {
    const auto s = static_cast<std::size_t>(from);
    const auto i = static_cast<std::size_t>(input);
    DITA_ASSERT(s < enum_count<TradeStage>() && i < enum_count<FsmInput>());
    const std::uint8_t to = fsm_detail::dense_table[s][i];
    if (to == fsm_detail::no_edge) return std::nullopt;
    return static_cast<TradeStage>(to);
}

// One checked step: the next stage, or INVALID_TRANSITION with the stage unchanged.
struct FsmStep {
    TradeStage stage;
    KernelDiagnosticCode code;
};
inline FsmStep fsm_step(TradeStage from, FsmInput input) {
    const auto to = next_stage(from, input);
    if (!to) return {from, KernelDiagnosticCode::INVALID_TRANSITION};
    return {*to, KernelDiagnosticCode::OK};
}

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

// What a venue report changed about one of a slot's orders, as far as the FSM cares.
struct OrderChange {
    VenueOrderStatus status = VenueOrderStatus::NEW; // after the report
    bool working = true;       // the order can still fill
    bool acked = false;
    bool has_fills = false;    // cumulative fills after the report are positive
    bool filled_more = false;  // the report added fills
};

// The inputs a report moves the slot by, chosen by a pure function of the slot's stage and
// the change, in the order they are applied. `then` says what the kernel does besides.
struct FsmPlan {
    enum class Then : std::uint8_t {
        NOTHING,
        FINISH_TRADE,     // write the trade's terminal record once every input moved
        ORDER_REJECTED,   // say the venue rejected the order
        LATE_ENTRY_FILL,  // say the entry filled after it was done here
        REOPEN_TRADE,     // the same, and the finished trade is reopened first
    };
    std::array<FsmInput, 3> inputs{};
    std::uint8_t count = 0;
    // Later inputs only after the earlier ones moved (FINISH_TRADE's walk).
    bool stop_on_refusal = false;
    Then then = Then::NOTHING;

    std::span<const FsmInput> steps() const { return {inputs.data(), count}; }
};

// A change to the slot's entry order, outside a reconcile.
FsmPlan plan_entry_change(TradeStage stage, const OrderChange& change);

// A change to one of the slot's exit orders, outside a reconcile. `current` is the slot's
// current exit; `position_left` whether the slot still holds size after the change;
// `exited_before` whether earlier exits filled anything.
struct ExitFacts {
    bool current = true;
    bool position_left = true;
    bool exited_before = false;
};
FsmPlan plan_exit_change(TradeStage stage, const OrderChange& change, const ExitFacts& facts);

} // namespace dita
