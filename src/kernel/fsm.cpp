#include "dita/kernel/fsm.hpp"

#include <array>

#include "dita/contracts/assert.hpp"

namespace dita {

namespace {

using S = TradeStage;
using I = FsmInput;

constexpr FsmEdge table[] = {
    // Entry: decision -> order -> venue answer.
    {S::IDLE, I::DECIDE, S::DECISION_CREATED},
    {S::ORDER_REJECTED, I::DECIDE, S::DECISION_CREATED},
    {S::TRADE_TERMINAL_WRITTEN, I::DECIDE, S::DECISION_CREATED},
    {S::DECISION_CREATED, I::CREATE_INTENT, S::INTENT_CREATED},
    {S::INTENT_CREATED, I::REQUEST_ORDER, S::ORDER_REQUESTED},
    {S::ORDER_REQUESTED, I::SEND_ORDER, S::ORDER_SENT},
    {S::ORDER_SENT, I::ENTRY_ACKED, S::ORDER_ACKED},
    {S::ORDER_ACKED, I::ENTRY_WORKS, S::ENTRY_WORKING},
    {S::ORDER_SENT, I::ENTRY_REJECTED, S::ORDER_REJECTED},
    {S::ORDER_ACKED, I::ENTRY_REJECTED, S::ORDER_REJECTED},
    {S::ENTRY_WORKING, I::ENTRY_REJECTED, S::ORDER_REJECTED},
    {S::ORDER_SENT, I::ENTRY_PARTIAL, S::PARTIAL_FILL},
    {S::ORDER_ACKED, I::ENTRY_PARTIAL, S::PARTIAL_FILL},
    {S::ENTRY_WORKING, I::ENTRY_PARTIAL, S::PARTIAL_FILL},
    {S::PARTIAL_FILL, I::ENTRY_PARTIAL, S::PARTIAL_FILL},
    {S::ORDER_SENT, I::ENTRY_FILLED, S::POSITION_OPENED},
    {S::ORDER_ACKED, I::ENTRY_FILLED, S::POSITION_OPENED},
    {S::ENTRY_WORKING, I::ENTRY_FILLED, S::POSITION_OPENED},
    {S::PARTIAL_FILL, I::ENTRY_FILLED, S::POSITION_OPENED},
    // A canceled or expired entry keeps what it filled; with nothing filled the trade ends.
    {S::PARTIAL_FILL, I::ENTRY_CANCELED, S::POSITION_OPENED},
    {S::ORDER_SENT, I::ENTRY_CANCELED, S::CLOSED},
    {S::ORDER_ACKED, I::ENTRY_CANCELED, S::CLOSED},
    {S::ENTRY_WORKING, I::ENTRY_CANCELED, S::CLOSED},
    {S::POSITION_OPENED, I::POSITION_SETTLED, S::POSITION_OPEN},
    // The venue's race: an entry fill after the entry was done (cancel ack, then fill).
    {S::POSITION_OPEN, I::LATE_ENTRY_FILL, S::POSITION_OPEN},
    {S::POSITION_PARTIALLY_CLOSED, I::LATE_ENTRY_FILL, S::POSITION_PARTIALLY_CLOSED},
    {S::EXIT_SENT, I::LATE_ENTRY_FILL, S::EXIT_SENT},
    {S::EXIT_ACKED, I::LATE_ENTRY_FILL, S::EXIT_ACKED},
    {S::EXIT_WORKING, I::LATE_ENTRY_FILL, S::EXIT_WORKING},
    {S::CLOSED, I::LATE_ENTRY_FILL, S::POSITION_OPENED},
    {S::TRADE_TERMINAL_WRITTEN, I::LATE_ENTRY_FILL, S::POSITION_OPENED},
    // Exit legs.
    {S::POSITION_OPEN, I::EXIT_REQUEST, S::EXIT_REQUESTED},
    {S::POSITION_PARTIALLY_CLOSED, I::EXIT_REQUEST, S::EXIT_REQUESTED},
    {S::EXIT_REQUESTED, I::EXIT_SEND, S::EXIT_SENT},
    {S::EXIT_SENT, I::EXIT_ACK, S::EXIT_ACKED},
    {S::EXIT_ACKED, I::EXIT_WORKS, S::EXIT_WORKING},
    {S::EXIT_SENT, I::EXIT_PARTIAL, S::EXIT_WORKING},
    {S::EXIT_ACKED, I::EXIT_PARTIAL, S::EXIT_WORKING},
    {S::EXIT_WORKING, I::EXIT_PARTIAL, S::EXIT_WORKING},
    {S::EXIT_SENT, I::EXIT_LEG_DONE, S::POSITION_PARTIALLY_CLOSED},
    {S::EXIT_ACKED, I::EXIT_LEG_DONE, S::POSITION_PARTIALLY_CLOSED},
    {S::EXIT_WORKING, I::EXIT_LEG_DONE, S::POSITION_PARTIALLY_CLOSED},
    {S::EXIT_SENT, I::EXIT_ALL_DONE, S::POSITION_CLOSED},
    {S::EXIT_ACKED, I::EXIT_ALL_DONE, S::POSITION_CLOSED},
    {S::EXIT_WORKING, I::EXIT_ALL_DONE, S::POSITION_CLOSED},
    // A late fill of an earlier exit order, after that exit was canceled.
    {S::POSITION_OPEN, I::EXIT_LEG_DONE, S::POSITION_PARTIALLY_CLOSED},
    {S::POSITION_PARTIALLY_CLOSED, I::EXIT_LEG_DONE, S::POSITION_PARTIALLY_CLOSED},
    {S::POSITION_OPEN, I::EXIT_ALL_DONE, S::POSITION_CLOSED},
    {S::POSITION_PARTIALLY_CLOSED, I::EXIT_ALL_DONE, S::POSITION_CLOSED},
    {S::EXIT_SENT, I::EXIT_REJECT, S::EXIT_REJECTED},
    {S::EXIT_ACKED, I::EXIT_REJECT, S::EXIT_REJECTED},
    {S::EXIT_WORKING, I::EXIT_REJECT, S::EXIT_REJECTED},
    {S::EXIT_REJECTED, I::EXIT_RESUME, S::POSITION_OPEN},
    {S::EXIT_REJECTED, I::EXIT_RESUME_REDUCED, S::POSITION_PARTIALLY_CLOSED},
    {S::EXIT_SENT, I::EXIT_CANCELED, S::POSITION_OPEN},
    {S::EXIT_ACKED, I::EXIT_CANCELED, S::POSITION_OPEN},
    {S::EXIT_WORKING, I::EXIT_CANCELED, S::POSITION_OPEN},
    {S::EXIT_SENT, I::EXIT_CANCELED_REDUCED, S::POSITION_PARTIALLY_CLOSED},
    {S::EXIT_ACKED, I::EXIT_CANCELED_REDUCED, S::POSITION_PARTIALLY_CLOSED},
    {S::EXIT_WORKING, I::EXIT_CANCELED_REDUCED, S::POSITION_PARTIALLY_CLOSED},
    {S::POSITION_CLOSED, I::CLOSE_TRADE, S::CLOSED},
    {S::CLOSED, I::WRITE_TERMINAL, S::TRADE_TERMINAL_WRITTEN},
    // Reconciliation: any stage may be re-derived from venue truth, and every way out of
    // STALE_STATE_RECONCILING is listed, so a slot can always leave it.
#define DITA_BEGIN_RECONCILE_FROM(name) {S::name, I::BEGIN_RECONCILE, S::STALE_STATE_RECONCILING},
    DITA_TRADE_STAGE(DITA_BEGIN_RECONCILE_FROM)
#undef DITA_BEGIN_RECONCILE_FROM
    {S::STALE_STATE_RECONCILING, I::RESOLVE_IDLE, S::IDLE},
    {S::STALE_STATE_RECONCILING, I::RESOLVE_ENTRY_WORKING, S::ENTRY_WORKING},
    {S::STALE_STATE_RECONCILING, I::RESOLVE_PARTIAL_FILL, S::PARTIAL_FILL},
    {S::STALE_STATE_RECONCILING, I::RESOLVE_POSITION_OPEN, S::POSITION_OPEN},
    {S::STALE_STATE_RECONCILING, I::RESOLVE_PARTIALLY_CLOSED, S::POSITION_PARTIALLY_CLOSED},
    {S::STALE_STATE_RECONCILING, I::RESOLVE_EXIT_WORKING, S::EXIT_WORKING},
    {S::STALE_STATE_RECONCILING, I::RESOLVE_REJECTED, S::ORDER_REJECTED},
    {S::STALE_STATE_RECONCILING, I::RESOLVE_CLOSED, S::CLOSED},
    {S::STALE_STATE_RECONCILING, I::RESOLVE_TERMINAL, S::TRADE_TERMINAL_WRITTEN},
};

using fsm_detail::Dense;
using fsm_detail::no_edge;

constexpr Dense compile_table() {
    Dense dense{};
    for (auto& row : dense) row.fill(no_edge);
    for (const FsmEdge& edge : table) {
        auto& cell = dense[static_cast<std::size_t>(edge.from)][static_cast<std::size_t>(edge.input)];
        // A (stage, input) pair may appear once: the table is a function.
        if (cell != no_edge) throw "duplicate (stage, input) pair in the transition table";
        cell = static_cast<std::uint8_t>(edge.to);
    }
    return dense;
}

} // namespace

namespace fsm_detail {
// Declared extern in fsm.hpp: one table for every inlined lookup.
constexpr Dense dense_table = compile_table();
} // namespace fsm_detail

std::span<const FsmEdge> transition_table() { return table; }

namespace {

FsmPlan plan_of(std::initializer_list<FsmInput> inputs, FsmPlan::Then then = FsmPlan::Then::NOTHING,
                bool stop_on_refusal = false) {
    FsmPlan plan;
    DITA_ASSERT(inputs.size() <= plan.inputs.size());
    for (const FsmInput input : inputs) plan.inputs[plan.count++] = input;
    plan.then = then;
    plan.stop_on_refusal = stop_on_refusal;
    return plan;
}

FsmPlan plan_working_entry(TradeStage stage, const OrderChange& change) {
    if (change.status == VenueOrderStatus::FILLED) return plan_of({I::ENTRY_FILLED, I::POSITION_SETTLED});
    if (!change.working) {
        if (change.has_fills) {
            if (stage == S::PARTIAL_FILL) return plan_of({I::ENTRY_CANCELED, I::POSITION_SETTLED});
            return plan_of({I::ENTRY_PARTIAL, I::ENTRY_CANCELED, I::POSITION_SETTLED});
        }
        if (change.status == VenueOrderStatus::REJECTED) return plan_of({I::ENTRY_REJECTED}, FsmPlan::Then::ORDER_REJECTED);
        return plan_of({I::ENTRY_CANCELED}, FsmPlan::Then::FINISH_TRADE, true);
    }
    if (change.has_fills) {
        if (change.filled_more || stage != S::PARTIAL_FILL) return plan_of({I::ENTRY_PARTIAL});
        return {};
    }
    if (change.acked && stage == S::ORDER_SENT) return plan_of({I::ENTRY_ACKED, I::ENTRY_WORKS});
    return {};
}

FsmPlan plan_working_exit(TradeStage stage, const OrderChange& change, const ExitFacts& facts) {
    if (!change.working) {
        if (!facts.position_left) return plan_of({I::EXIT_ALL_DONE, I::CLOSE_TRADE}, FsmPlan::Then::FINISH_TRADE, true);
        if (change.status == VenueOrderStatus::FILLED) return plan_of({I::EXIT_LEG_DONE});
        if (change.status == VenueOrderStatus::REJECTED && !change.has_fills) {
            return plan_of({I::EXIT_REJECT, facts.exited_before ? I::EXIT_RESUME_REDUCED : I::EXIT_RESUME},
                           FsmPlan::Then::ORDER_REJECTED);
        }
        return plan_of({facts.exited_before ? I::EXIT_CANCELED_REDUCED : I::EXIT_CANCELED});
    }
    if (change.has_fills) {
        if (change.filled_more || stage != S::EXIT_WORKING) return plan_of({I::EXIT_PARTIAL});
        return {};
    }
    if (change.acked && stage == S::EXIT_SENT) return plan_of({I::EXIT_ACK, I::EXIT_WORKS});
    return {};
}

} // namespace

FsmPlan plan_entry_change(TradeStage stage, const OrderChange& change) {
    if (is_entry_working_stage(stage)) return plan_working_entry(stage, change);
    if (!change.filled_more) return {};
    // The venue's race: the entry filled after it was done here (fill after cancel ack).
    if (stage == S::CLOSED || stage == S::TRADE_TERMINAL_WRITTEN) {
        return plan_of({I::LATE_ENTRY_FILL, I::POSITION_SETTLED}, FsmPlan::Then::REOPEN_TRADE);
    }
    if (stage == S::STALE_STATE_RECONCILING) return plan_of({}, FsmPlan::Then::LATE_ENTRY_FILL);
    return plan_of({I::LATE_ENTRY_FILL}, FsmPlan::Then::LATE_ENTRY_FILL);
}

FsmPlan plan_exit_change(TradeStage stage, const OrderChange& change, const ExitFacts& facts) {
    if (facts.current && is_exit_working_stage(stage)) return plan_working_exit(stage, change, facts);
    if (!change.filled_more) return {};
    // A fill of an earlier exit order that arrived after that exit was finished here.
    if (is_position_resting_stage(stage)) {
        if (!facts.position_left) return plan_of({I::EXIT_ALL_DONE, I::CLOSE_TRADE}, FsmPlan::Then::FINISH_TRADE, true);
        return plan_of({I::EXIT_LEG_DONE});
    }
    if (stage == S::EXIT_WORKING) return plan_of({I::EXIT_PARTIAL});
    return {};
}

} // namespace dita
