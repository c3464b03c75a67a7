// The seed's six invariants.
#include "dita/chaos/invariants.hpp"

#include <algorithm>
#include <array>
#include <cmath>

#include "invariants_support.hpp"

namespace dita::chaos {

using namespace invariants_detail;

// ---------------------------------------------------------------------------------------
// The seed's six

InvariantResult check_slot_not_stuck(const CheckContext& context) {
    constexpr std::string_view name = "slot_not_stuck";
    for (const SlotSnapshot& snapshot : context.final_state.slots) {
        if (snapshot.slot.fsm_state == TradeStage::STALE_STATE_RECONCILING) {
            return fail(name, "Slot " + std::to_string(snapshot.slot.slot_id) + " stuck in STALE_STATE_RECONCILING",
                        snapshot.slot.slot_id);
        }
    }
    return pass(context, name, [&] {
        return std::to_string(context.final_state.slots.size()) + " slots, none reconciling";
    });
}

InvariantResult check_capital_non_negative(const CheckContext& context) {
    constexpr std::string_view name = "capital_non_negative";
    std::optional<Decimal> lowest;
    for (std::size_t i = 0; i < context.run.account_snapshots.size(); ++i) {
        const Decimal capital = context.run.account_snapshots[i].capital;
        if (capital.is_negative()) {
            return fail(name, "Capital went negative after " + where_step(context.run, i) + ": " + dec(capital));
        }
        if (!lowest || capital < *lowest) lowest = capital;
    }
    if (context.final_state.account.capital.is_negative()) {
        return fail(name, "Capital is negative at rest: " + dec(context.final_state.account.capital));
    }
    return pass(context, name, [&] {
        return std::to_string(context.run.account_snapshots.size()) + " snapshots, lowest capital "
               + dec(lowest.value_or(context.final_state.account.capital));
    });
}

InvariantResult check_no_unexpected_diagnostics(const CheckContext& context) {
    constexpr std::string_view name = "no_unexpected_diagnostics";
    const VenueReports reports(context);
    // Counts per code, reported in code order.
    std::array<std::size_t, enum_count<KernelDiagnosticCode>()> seen{};
    std::map<KernelDiagnosticCode, std::size_t> unknown; // codes past the table (a corrupted outcome)
    for (std::size_t i = 0; i < context.run.outcomes.size(); ++i) {
        const KernelOutcome& outcome = context.run.outcomes[i];
        if (is_unexpected_diagnostic(outcome.diagnostic_code) && is_unexpected_outcome(outcome, reports.all()) &&
            !fails_closed_on_foreign(outcome, context.final_state)) {
            return fail(name,
                        "Unexpected diagnostic at " + where_outcome(context.run, i) + ": " +
                            std::string(to_string(outcome.diagnostic_code)) + " (severity=" +
                            std::string(to_string(outcome.severity)) + "): " + outcome.details,
                        outcome.slot_id < 0 ? 0 : outcome.slot_id);
        }
        if (outcome.severity == KernelSeverity::CRITICAL) {
            return fail(name,
                        "CRITICAL severity at " + where_outcome(context.run, i) + ": " +
                            std::string(to_string(outcome.diagnostic_code)) + ": " + outcome.details,
                        outcome.slot_id < 0 ? 0 : outcome.slot_id);
        }
        const auto code = static_cast<std::size_t>(outcome.diagnostic_code);
        if (code < seen.size()) {
            ++seen[code];
        } else {
            ++unknown[outcome.diagnostic_code];
        }
    }
    return pass(context, name, [&] {
        std::string summary;
        for (std::size_t code = 0; code < seen.size(); ++code) {
            if (seen[code] == 0) continue;
            if (!summary.empty()) summary += ", ";
            summary.append(to_string(static_cast<KernelDiagnosticCode>(code))).append(" x").append(std::to_string(seen[code]));
        }
        for (const auto& [code, count] : unknown) {
            if (!summary.empty()) summary += ", ";
            summary.append(to_string(code)).append(" x").append(std::to_string(count));
        }
        return std::to_string(context.run.outcomes.size()) + " outcomes" + (summary.empty() ? std::string() : ": " + summary);
    });
}

InvariantResult check_fsm_consistent(const CheckContext& context) {
    constexpr std::string_view name = "fsm_consistent";
    const ChaosRunResult& run = context.run;
    // Follow every slot's traced transitions: each must start where the previous one ended,
    // and after each step the scenario's slot must be where its transitions led.
    std::map<int, TradeStage> current;
    std::size_t transitions = 0;
    std::size_t step_cursor = 0;
    for (std::size_t i = 0; i < run.outcomes.size(); ++i) {
        for (const Transition& t : run.outcomes[i].transitions) {
            ++transitions;
            if (!valid_stage(t.from) || !valid_stage(t.to)) {
                return fail(name, "Unknown FSM state in a transition at " + where_outcome(run, i) + ": " +
                                      stage_name(t.from) + " -> " + stage_name(t.to), t.slot_id);
            }
            const auto known = current.find(t.slot_id);
            if (known != current.end() && known->second != t.from) {
                return fail(name, "Transitions do not chain at " + where_outcome(run, i) + ": slot " +
                                      std::to_string(t.slot_id) + " was in " + stage_name(known->second) +
                                      " but moved from " + stage_name(t.from),
                            t.slot_id);
            }
            current[t.slot_id] = t.to;
        }
        while (step_cursor < run.steps.size() && run.steps[step_cursor].outcomes_end == i + 1) {
            const TradeSlot& slot = run.slot_states[step_cursor];
            const auto known = current.find(run.slot_id);
            if (known != current.end() && valid_stage(slot.fsm_state) && known->second != slot.fsm_state) {
                return fail(name, "After " + where_step(run, step_cursor) + " slot " + std::to_string(run.slot_id) +
                                      " is in " + stage_name(slot.fsm_state) + " but its transitions led to " +
                                      stage_name(known->second),
                            run.slot_id);
            }
            ++step_cursor;
        }
    }
    for (const SlotSnapshot& snapshot : context.final_state.slots) {
        const auto known = current.find(snapshot.slot.slot_id);
        if (known != current.end() && valid_stage(snapshot.slot.fsm_state) && known->second != snapshot.slot.fsm_state) {
            return fail(name, "At rest slot " + std::to_string(snapshot.slot.slot_id) + " is in " +
                                  stage_name(snapshot.slot.fsm_state) + " but its transitions led to " +
                                  stage_name(known->second),
                        snapshot.slot.slot_id);
        }
    }
    const std::size_t history = run.slot_states.size();
    auto problem = visit_slots(context, [&](const TradeSlot& slot, std::size_t at) -> std::optional<InvariantResult> {
        if (!valid_stage(slot.fsm_state)) {
            return fail(name, "Unknown FSM state " + when_of(run, at, history) + ": " + stage_name(slot.fsm_state),
                        slot.slot_id);
        }
        if (auto shape = slot_shape_problem(slot)) return fail(name, *shape + " " + when_of(run, at, history), slot.slot_id);
        return std::nullopt;
    });
    if (problem) return *problem;
    return pass(context, name, [&] {
        return std::to_string(run.slot_states.size()) + " step snapshots and " + std::to_string(transitions)
               + " transitions consistent";
    });
}

InvariantResult check_equity_consistent(const CheckContext& context) {
    constexpr std::string_view name = "equity_consistent";
    const std::size_t history = context.run.account_snapshots.size();
    auto problem = visit_accounts(context, [&](const AccountSnapshot& a, std::size_t at) -> std::optional<InvariantResult> {
        if (!std::isfinite(a.equity.to_double())) return fail(name, "Non-finite equity " + when_of(context.run, at, history));
        if (a.equity.is_negative()) {
            return fail(name, "Equity went negative " + when_of(context.run, at, history) + ": " + dec(a.equity));
        }
        return std::nullopt;
    });
    if (problem) return *problem;
    return pass(context, name, [&] {
        return "equity finite and not negative in " + std::to_string(history + 1) + " snapshots";
    });
}

InvariantResult check_no_leaked_futures(const CheckContext& context) {
    constexpr std::string_view name = "no_leaked_futures";
    const FinalState& state = context.final_state;
    const auto& start = context.run.threads_at_start;
    if (start && state.threads && *state.threads > *start) {
        return fail(name, "threads grew from " + std::to_string(*start) + " to " + std::to_string(*state.threads) +
                              " during the run (a worker was left running)");
    }
    if (state.venue_pending_events && *state.venue_pending_events > 0) {
        return fail(name, "the venue still holds " + std::to_string(*state.venue_pending_events) +
                              " event(s) the kernel never drained");
    }
    // Late fills the kernel has counted into a fail-closed gap wait for a free slot: accounted,
    // not leaked.
    const std::size_t unmatched = state.unmatched_events - state.unmatched_unplaced_events;
    if (unmatched > context.run.unmatched_events_at_start) {
        return fail(name, "the kernel holds " + std::to_string(unmatched - context.run.unmatched_events_at_start) +
                              " event(s) it could not apply (unknown or finished orders), pending reconciliation");
    }
    return pass(context, name, [&] {
        std::string detail = "threads ";
        detail += start ? std::to_string(*start) : std::string("?");
        detail += " -> ";
        detail += state.threads ? std::to_string(*state.threads) : std::string("?");
        detail += ", venue pending ";
        detail += state.venue_pending_events ? std::to_string(*state.venue_pending_events) : std::string("?");
        detail += ", kernel unmatched " + std::to_string(state.unmatched_events);
        return detail;
    });
}

} // namespace dita::chaos
