#include "dita/chaos/invariants.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <set>

#include "dita/kernel/fsm.hpp"

namespace dita::chaos {

namespace {

InvariantResult pass(std::string_view name, std::string detail) {
    return InvariantResult{std::string(name), true, std::move(detail), 0};
}

InvariantResult fail(std::string_view name, std::string detail, int slot_id = 0) {
    return InvariantResult{std::string(name), false, std::move(detail), slot_id};
}

std::string dec(Decimal value) { return value.to_string(); }

std::string stage_name(TradeStage stage) {
    const auto index = static_cast<std::size_t>(stage);
    return index < enum_count<TradeStage>() ? std::string(to_string(stage))
                                            : "unknown stage #" + std::to_string(index);
}

bool valid_stage(TradeStage stage) { return static_cast<std::size_t>(stage) < enum_count<TradeStage>(); }

// "step 2 (EXIT)" for the step whose outcomes include this index.
std::string where_outcome(const ChaosRunResult& run, std::size_t outcome_index) {
    for (const StepTrace& step : run.steps) {
        if (outcome_index >= step.outcomes_begin && outcome_index < step.outcomes_end) {
            const bool own = outcome_index == step.outcomes_begin;
            return "step " + std::to_string(step.step_index) + " (" + std::string(to_string(step.action)) +
                   (own ? "" : ", venue pump") + ")";
        }
    }
    if (!run.steps.empty() && outcome_index >= run.steps.back().outcomes_end) return "settling at rest";
    return "outcome " + std::to_string(outcome_index);
}

std::string where_step(const ChaosRunResult& run, std::size_t snapshot_index) {
    if (snapshot_index < run.steps.size()) {
        const StepTrace& step = run.steps[snapshot_index];
        return "step " + std::to_string(step.step_index) + " (" + std::string(to_string(step.action)) + ")";
    }
    return "snapshot " + std::to_string(snapshot_index);
}

std::string describe_event(const VenueEvent& event) {
    return std::string(to_string(event.kind)) + " " + event.client_order_id.str() + " cum " +
           dec(event.cum_filled_qty) + " seq " + std::to_string(event.venue_sequence);
}

// A structural problem with one slot, if any: what its stage says must agree with its fields.
std::optional<std::string> slot_shape_problem(const TradeSlot& slot) {
    if (!valid_stage(slot.fsm_state)) return "slot " + std::to_string(slot.slot_id) + " is in " + stage_name(slot.fsm_state);
    const auto where = [&] { return "slot " + std::to_string(slot.slot_id) + " in " + stage_name(slot.fsm_state); };
    if (is_free_stage(slot.fsm_state)) {
        if (slot.size.is_positive()) return where() + " holds an open size of " + dec(slot.size);
        if (!slot.working_order_id.empty()) return where() + " still has working order " + slot.working_order_id.str();
    }
    if (is_position_resting_stage(slot.fsm_state) && !slot.size.is_positive()) {
        return where() + " has no open size";
    }
    if ((is_entry_working_stage(slot.fsm_state) || is_exit_working_stage(slot.fsm_state)) &&
        slot.working_order_id.empty()) {
        return where() + " has no working order";
    }
    if (slot.closed != (slot.fsm_state == TradeStage::TRADE_TERMINAL_WRITTEN)) {
        return where() + (slot.closed ? " is flagged closed" : " is not flagged closed");
    }
    return std::nullopt;
}

// "after step 2 (EXIT)" for history snapshot i; "at rest" past the history. Built only for
// a failure's detail.
std::string when_of(const ChaosRunResult& run, std::size_t index, std::size_t history_size) {
    return index < history_size ? "after " + where_step(run, index) : std::string("at rest");
}

// Everything the run saw, slot by slot: the history snapshots, then the final slots. The
// visitor gets the slot and its position (for when_of).
template <typename Visit>
std::optional<InvariantResult> visit_slots(const CheckContext& context, Visit visit) {
    const std::size_t history = context.run.slot_states.size();
    for (std::size_t i = 0; i < history; ++i) {
        if (auto problem = visit(context.run.slot_states[i], i)) return problem;
    }
    for (const SlotSnapshot& snapshot : context.final_state.slots) {
        if (auto problem = visit(snapshot.slot, history)) return problem;
    }
    return std::nullopt;
}

// The account after each step, then at rest, without copying them.
template <typename Visit>
std::optional<InvariantResult> visit_accounts(const CheckContext& context, Visit visit) {
    const auto& history = context.run.account_snapshots;
    for (std::size_t i = 0; i < history.size(); ++i) {
        if (auto problem = visit(history[i], i)) return problem;
    }
    return visit(context.final_state.account, history.size());
}

std::set<std::string> all_assets(const FinalState& state) {
    std::set<std::string> assets;
    for (const SlotSnapshot& snapshot : state.slots) {
        if (!snapshot.slot.asset.empty()) assets.insert(snapshot.slot.asset.str());
    }
    for (const VenueOrder& order : state.venue_open_orders) assets.insert(order.asset.str());
    for (const VenuePosition& position : state.venue_positions) assets.insert(position.asset.str());
    return assets;
}

// What the venue reported about orders: every event the kernel received, plus the overfilled
// order records it answered queries with. Copies only when there are such answers.
class VenueReports {
public:
    explicit VenueReports(const CheckContext& context) : view_(context.run.events) {
        if (context.log == nullptr) return;
        std::vector<VenueEvent> local;
        if (context.query_overfills == nullptr) local = query_overfills(*context.log);
        const std::vector<VenueEvent>& overfills = context.query_overfills != nullptr ? *context.query_overfills : local;
        if (overfills.empty()) return;
        combined_.assign(view_.begin(), view_.end());
        combined_.insert(combined_.end(), overfills.begin(), overfills.end());
        view_ = combined_;
    }
    std::span<const VenueEvent> all() const { return view_; }

private:
    std::vector<VenueEvent> combined_;
    std::span<const VenueEvent> view_;
};

std::optional<std::string> replay_problem(const ReplayRun& replay, std::uint64_t expected,
                                          std::span<const VenueEvent> venue_reports, const std::string& label) {
    if (replay.divergence) return label + " diverged: " + *replay.divergence;
    for (std::size_t i = 0; i < replay.outcomes.size(); ++i) {
        const KernelOutcome& outcome = replay.outcomes[i];
        if (is_unexpected_outcome(outcome, venue_reports)) {
            const std::size_t input = i < replay.outcome_inputs.size() ? replay.outcome_inputs[i] : i;
            return label + ": input " + std::to_string(input) + " gave " + std::string(to_string(outcome.diagnostic_code)) +
                   " (" + outcome.details + ")";
        }
    }
    if (replay.final_state_hash != expected) {
        char buffer[80];
        std::snprintf(buffer, sizeof buffer, "state hash %016llx, recorded %016llx",
                      static_cast<unsigned long long>(replay.final_state_hash),
                      static_cast<unsigned long long>(expected));
        return label + " ended in a different state: " + buffer;
    }
    return std::nullopt;
}

std::optional<InvariantResult> log_unusable(std::string_view name, const CheckContext& context) {
    if (context.log == nullptr) return fail(name, "no input log: the run cannot be replayed to verify this");
    if (context.log->truncated) {
        return fail(name, "the input log stopped at " + std::to_string(context.log->inputs.size()) +
                              " inputs; the run cannot be replayed to verify this");
    }
    return std::nullopt;
}

constexpr InvariantDef checks_table[] = {
    {"slot_not_stuck", "no slot is left in STALE_STATE_RECONCILING", &check_slot_not_stuck, false},
    {"capital_non_negative", "capital never goes negative", &check_capital_non_negative, false},
    {"no_unexpected_diagnostics", "no CRITICAL outcome and none of the seed's unexpected codes",
     &check_no_unexpected_diagnostics, false},
    {"fsm_consistent", "every state is known, transitions chain, each stage agrees with its slot's fields",
     &check_fsm_consistent, false},
    {"equity_consistent", "equity is finite and never negative", &check_equity_consistent, false},
    {"no_leaked_futures", "no thread, venue event or unapplied kernel event is left over",
     &check_no_leaked_futures, false},
    {"transitions_legal", "every transition is an edge of the FSM table", &check_transitions_legal, false},
    {"size_conservation", "open size = entry fills - exit fills, never negative, never above target",
     &check_size_conservation, false},
    {"money_identity", "capital == initial + realized - fees + funding exactly; fees and funding == venue-reported",
     &check_money_identity, false},
    {"equity_identity", "equity == capital + unrealized; unrealized and margin recomputed from slots and marks",
     &check_equity_identity, false},
    {"orders_match_venue", "at rest, kernel working orders and positions equal the venue's",
     &check_orders_match_venue, false},
    {"duplicate_events_noop", "receiving every event twice, and all of them again at rest, changes nothing",
     &check_duplicate_events_noop, true},
    {"replay_converges", "the input log replayed with reversed (and shuffled) event batches reaches the recorded state",
     &check_replay_converges, true},
};

} // namespace

std::span<const InvariantDef> invariant_checks() { return checks_table; }

bool is_unexpected_diagnostic(KernelDiagnosticCode code) {
    switch (code) {
    // The seed's list.
    case KernelDiagnosticCode::INVALID_SLOT_ID:
    case KernelDiagnosticCode::UNSUPPORTED_INTENT:
    case KernelDiagnosticCode::UNKNOWN_EVENT_KIND:
    case KernelDiagnosticCode::INVALID_TRANSITION:
    case KernelDiagnosticCode::TERMINAL_STATE:
    // The kernel's own alarms: its DEBUG self-check, venue truth it cannot reconcile, fills
    // beyond the order.
    case KernelDiagnosticCode::INVARIANT_BROKEN:
    case KernelDiagnosticCode::RECONCILE_MISMATCH:
    case KernelDiagnosticCode::OVERFILL: return true;
    default: return false;
    }
}

std::vector<VenueEvent> query_overfills(const InputLog& log) {
    std::vector<VenueEvent> out;
    for (const LoggedInput& input : log.inputs) {
        for (const VenueCall& call : input.calls) {
            if (call.kind != VenueCallKind::QUERY_ORDER && call.kind != VenueCallKind::OPEN_ORDERS) continue;
            for (const VenueOrder& order : call.orders) {
                if (order.cum_filled_qty > order.qty) out.push_back(event_stating(order, event_kind_of(order.status)));
            }
        }
    }
    return out;
}

bool is_unexpected_outcome(const KernelOutcome& outcome, std::span<const VenueEvent> venue_reports) {
    if (outcome.severity == KernelSeverity::CRITICAL) return true;
    if (!is_unexpected_diagnostic(outcome.diagnostic_code)) return false;
    switch (outcome.diagnostic_code) {
    case KernelDiagnosticCode::RECONCILE_MISMATCH:
        // WARNING: the kernel adopted the venue's truth (a position it did not know). ERROR and
        // above: it failed closed, which a chaos run on a mock venue must never need.
        return outcome.severity > KernelSeverity::WARNING;
    case KernelDiagnosticCode::OVERFILL:
        // The kernel's loud, correct reaction when the venue itself reported an order filled
        // beyond its quantity; anywhere else the kernel's own accounting made one up.
        if (const KernelDiagnostic* result = outcome.result()) {
            for (const VenueEvent& report : venue_reports) {
                if (report.cum_filled_qty > report.order_qty && report.client_order_id == result->client_order_id) {
                    return false;
                }
            }
        }
        return true;
    default: return true;
    }
}

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
    return pass(name, std::to_string(context.final_state.slots.size()) + " slots, none reconciling");
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
    return pass(name, std::to_string(context.run.account_snapshots.size()) + " snapshots, lowest capital " +
                          dec(lowest.value_or(context.final_state.account.capital)));
}

namespace {

// A stranger's position against the kernel's, netted at the venue before the kernel ever
// reconciled, leaves the venue holding less than the kernel's trades: the kernel rightly fails
// closed. Whether its own accounting stayed exact is checked at rest (orders_match_venue).
bool fails_closed_on_foreign(const KernelOutcome& outcome, const FinalState& state) {
    const KernelDiagnostic* result = outcome.result();
    if (outcome.diagnostic_code != KernelDiagnosticCode::RECONCILE_MISMATCH || result == nullptr) return false;
    const auto foreign = state.foreign_net.find(result->asset.str());
    return foreign != state.foreign_net.end() && !foreign->second.is_zero();
}

// Net positions at rest (long positive), as the kernel's slots and the venue's positions say.
Decimal kernel_net_at_rest(const FinalState& state, const std::string& asset) {
    Decimal net;
    for (const SlotSnapshot& snapshot : state.slots) {
        if (snapshot.slot.asset.view() != asset) continue;
        net += side_sign(snapshot.slot.side) > 0 ? snapshot.slot.size : -snapshot.slot.size;
    }
    return net;
}

Decimal venue_net_at_rest(const FinalState& state, const std::string& asset) {
    Decimal net;
    for (const VenuePosition& position : state.venue_positions) {
        if (position.asset.view() != asset) continue;
        net += side_sign(position.side) > 0 ? position.size : -position.size;
    }
    return net;
}

// At rest the kernel's net may differ from the venue's only by what it knows and has said:
// late fills no slot could take, or a stranger's position it failed closed on.
bool gap_explained(const FinalState& state, const std::string& asset, Decimal kernel_net, Decimal venue_net) {
    const auto unplaced = state.unplaced_fills.find(asset);
    if (unplaced != state.unplaced_fills.end() && kernel_net + unplaced->second == venue_net) return true;
    const auto recorded = state.mismatched_assets.find(asset);
    const auto foreign = state.foreign_net.find(asset);
    return recorded != state.mismatched_assets.end() && recorded->second == venue_net - kernel_net &&
           foreign != state.foreign_net.end() && kernel_net + foreign->second == venue_net;
}

} // namespace

InvariantResult check_no_unexpected_diagnostics(const CheckContext& context) {
    constexpr std::string_view name = "no_unexpected_diagnostics";
    const VenueReports reports(context);
    std::map<KernelDiagnosticCode, int> seen;
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
        ++seen[outcome.diagnostic_code];
    }
    std::string summary;
    for (const auto& [code, count] : seen) {
        summary += (summary.empty() ? "" : ", ") + std::string(to_string(code)) + " x" + std::to_string(count);
    }
    return pass(name, std::to_string(context.run.outcomes.size()) + " outcomes" +
                          (summary.empty() ? std::string() : ": " + summary));
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
    return pass(name, std::to_string(run.slot_states.size()) + " step snapshots and " +
                          std::to_string(transitions) + " transitions consistent");
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
    return pass(name, "equity finite and not negative in " + std::to_string(history + 1) + " snapshots");
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
    std::string detail = "threads ";
    detail += start ? std::to_string(*start) : std::string("?");
    detail += " -> ";
    detail += state.threads ? std::to_string(*state.threads) : std::string("?");
    detail += ", venue pending ";
    detail += state.venue_pending_events ? std::to_string(*state.venue_pending_events) : std::string("?");
    detail += ", kernel unmatched " + std::to_string(state.unmatched_events);
    return pass(name, detail);
}

// ---------------------------------------------------------------------------------------
// Stronger checks

InvariantResult check_transitions_legal(const CheckContext& context) {
    constexpr std::string_view name = "transitions_legal";
    std::size_t count = 0;
    for (std::size_t i = 0; i < context.run.outcomes.size(); ++i) {
        for (const Transition& t : context.run.outcomes[i].transitions) {
            ++count;
            const bool known = valid_stage(t.from) && valid_stage(t.to) &&
                               static_cast<std::size_t>(t.input) < enum_count<FsmInput>();
            const auto to = known ? next_stage(t.from, t.input) : std::nullopt;
            if (!to || *to != t.to) {
                const std::string input = static_cast<std::size_t>(t.input) < enum_count<FsmInput>()
                                              ? std::string(to_string(t.input))
                                              : "input #" + std::to_string(static_cast<int>(t.input));
                return fail(name,
                            "Illegal transition at " + where_outcome(context.run, i) + ": slot " +
                                std::to_string(t.slot_id) + " " + stage_name(t.from) + " --" + input + "--> " +
                                stage_name(t.to) + " (the table says " + (to ? stage_name(*to) : "no such edge") + ")",
                            t.slot_id);
            }
        }
    }
    return pass(name, std::to_string(count) + " transitions, all in the table");
}

namespace {

// How far the venue itself reported this trade's orders filled beyond their quantities (the
// venue's truth, which the kernel accepts and flags OVERFILL): each order's largest excess.
Decimal venue_overfill_of(std::span<const VenueEvent> reports, const TradeSlot& slot) {
    std::map<Id, Decimal> excess;
    for (const VenueEvent& report : reports) {
        if (report.cum_filled_qty <= report.order_qty || report.trade_id != slot.trade_id) continue;
        Decimal& most = excess[report.client_order_id];
        most = std::max(most, report.cum_filled_qty - report.order_qty);
    }
    Decimal total;
    for (const auto& [id, one] : excess) total += one;
    return total;
}

} // namespace

InvariantResult check_size_conservation(const CheckContext& context) {
    constexpr std::string_view name = "size_conservation";
    const std::size_t history = context.run.slot_states.size();
    const VenueReports reports(context);
    auto problem = visit_slots(context, [&](const TradeSlot& slot, std::size_t at) -> std::optional<InvariantResult> {
        const auto who = [&] { return "slot " + std::to_string(slot.slot_id) + " " + when_of(context.run, at, history); };
        if (slot.size.is_negative()) return fail(name, who() + ": negative open size " + dec(slot.size), slot.slot_id);
        if (slot.size != slot.entry_filled - slot.exit_filled) {
            return fail(name, who() + ": open size " + dec(slot.size) + " != entry fills " + dec(slot.entry_filled) +
                                  " - exit fills " + dec(slot.exit_filled), slot.slot_id);
        }
        if (slot.entry_filled > slot.target_size + venue_overfill_of(reports.all(), slot)) {
            return fail(name, who() + ": entry fills " + dec(slot.entry_filled) + " above the target " +
                                  dec(slot.target_size), slot.slot_id);
        }
        return std::nullopt;
    });
    if (problem) return *problem;
    // At rest the slot's fills must be what its orders say.
    for (const SlotSnapshot& snapshot : context.final_state.slots) {
        const TradeSlot& slot = snapshot.slot;
        for (const OrderRecord& order : snapshot.orders) {
            // A trade reopened in place holds all its entry fills; one reopened in another slot
            // (rehomed) only those after its finished life.
            const auto earlier = context.final_state.finished_entry_fills.find(slot.trade_id.str());
            // A reopened trade that finished again is among those records itself.
            const bool rehomed = earlier != context.final_state.finished_entry_fills.end() &&
                                 (order.cum_filled_qty - earlier->second == slot.entry_filled ||
                                  (slot.closed && order.cum_filled_qty == earlier->second));
            if (order.client_order_id == slot.entry_order_id && order.cum_filled_qty != slot.entry_filled && !rehomed) {
                return fail(name, "slot " + std::to_string(slot.slot_id) + " at rest: entry fills " +
                                      dec(slot.entry_filled) + " but its entry order " + order.client_order_id.str() +
                                      " reports " + dec(order.cum_filled_qty), slot.slot_id);
            }
            if (order.client_order_id == slot.exit_order_id && order.cum_filled_qty > slot.exit_filled) {
                return fail(name, "slot " + std::to_string(slot.slot_id) + " at rest: exit fills " +
                                      dec(slot.exit_filled) + " below its exit order " + order.client_order_id.str() +
                                      "'s " + dec(order.cum_filled_qty), slot.slot_id);
            }
        }
    }
    return pass(name, "open size = entry - exit fills in " +
                          std::to_string(context.run.slot_states.size() + context.final_state.slots.size()) +
                          " slot snapshots");
}

InvariantResult check_money_identity(const CheckContext& context) {
    constexpr std::string_view name = "money_identity";
    const std::size_t history = context.run.account_snapshots.size();
    auto problem = visit_accounts(context, [&](const AccountSnapshot& a, std::size_t at) -> std::optional<InvariantResult> {
        const Decimal expected = a.initial_capital + a.realized_pnl - a.fees_paid + a.funding;
        if (a.capital != expected) {
            return fail(name, "capital " + dec(a.capital) + " != initial " + dec(a.initial_capital) + " + realized " +
                                  dec(a.realized_pnl) + " - fees " + dec(a.fees_paid) + " + funding " + dec(a.funding) +
                                  " = " + dec(expected) + " " + when_of(context.run, at, history));
        }
        if (a.fees_paid.is_negative()) {
            return fail(name, "negative fees paid " + dec(a.fees_paid) + " " + when_of(context.run, at, history));
        }
        return std::nullopt;
    });
    if (problem) return *problem;
    const std::size_t snapshots = history + 1;
    // Fees the account paid in this run == the venue's cumulative fee of each order it reported.
    if (context.final_state.unmatched_events > context.run.unmatched_events_at_start) {
        return pass(name, "capital identity exact in " + std::to_string(snapshots) +
                              " snapshots (fee cross-check skipped: unapplied events)");
    }
    // What the venue reported: its events, and the orders a reconcile asked it about (the
    // input log has those answers; a dropped fill reaches the kernel only that way). The
    // venue's own orders (liquidations, ADL, manual closes) are named by their venue id;
    // funding settlements are counted once each.
    std::map<std::string, Decimal> fee_by_order;
    std::map<std::string, Decimal> funding_by_settlement;
    const auto take = [&](const VenueEvent& event) {
        if (event.kind == KernelEventKind::MARK_PRICE) return;
        if (event.kind == KernelEventKind::FUNDING) {
            funding_by_settlement[event.venue_order_id.str()] = event.cum_fee;
            return;
        }
        const bool venue_own = is_venue_reduction(event.kind);
        Decimal& fee = fee_by_order[venue_own ? "~" + event.venue_order_id.str() : event.client_order_id.str()];
        fee = max(fee, event.cum_fee);
    };
    for (const VenueEvent& event : context.run.events) take(event);
    if (context.log != nullptr) {
        for (const LoggedInput& input : context.log->inputs) {
            for (const VenueCall& call : input.calls) {
                if (call.kind == VenueCallKind::VENUE_MOVES) {
                    for (const VenueEvent& event : call.events) take(event);
                }
                if (call.kind != VenueCallKind::QUERY_ORDER) continue;
                for (const VenueOrder& order : call.orders) {
                    Decimal& fee = fee_by_order[order.client_order_id.str()];
                    fee = max(fee, order.cum_fee);
                }
            }
        }
    }
    Decimal venue_fees;
    for (const auto& [order, fee] : fee_by_order) venue_fees += fee;
    const Decimal paid = context.final_state.account.fees_paid - context.run.account_at_start.fees_paid;
    if (paid != venue_fees) {
        return fail(name, "the account paid " + dec(paid) + " in fees but the venue reported " + dec(venue_fees) +
                              " over " + std::to_string(fee_by_order.size()) + " orders");
    }
    Decimal venue_funding;
    for (const auto& [settlement, charged] : funding_by_settlement) venue_funding -= charged;
    const Decimal funded = context.final_state.account.funding - context.run.account_at_start.funding;
    if (funded != venue_funding) {
        return fail(name, "the account booked " + dec(funded) + " of funding but the venue reported " +
                              dec(venue_funding) + " over " + std::to_string(funding_by_settlement.size()) +
                              " settlements");
    }
    return pass(name, "capital identity exact in " + std::to_string(snapshots) + " snapshots; fees " +
                          dec(paid) + " == venue-reported; funding " + dec(funded) + " == venue-reported");
}

InvariantResult check_equity_identity(const CheckContext& context) {
    constexpr std::string_view name = "equity_identity";
    const std::size_t history = context.run.account_snapshots.size();
    auto problem = visit_accounts(context, [&](const AccountSnapshot& a, std::size_t at) -> std::optional<InvariantResult> {
        if (a.equity != a.capital + a.unrealized_pnl) {
            return fail(name, "equity " + dec(a.equity) + " != capital " + dec(a.capital) + " + unrealized " +
                                  dec(a.unrealized_pnl) + " " + when_of(context.run, at, history));
        }
        return std::nullopt;
    });
    if (problem) return *problem;
    // Recompute at rest from the slots and marks (a linear USDT-margined contract).
    Decimal unrealized;
    Decimal margin;
    for (const SlotSnapshot& snapshot : context.final_state.slots) {
        const TradeSlot& slot = snapshot.slot;
        if (!slot.size.is_positive()) continue;
        const auto mark = context.final_state.marks.find(slot.asset.str());
        const Decimal price = mark != context.final_state.marks.end() ? mark->second : slot.entry_price;
        const Decimal move = price.mul(slot.size) - slot.entry_price.mul(slot.size);
        Decimal pnl = side_sign(slot.side) > 0 ? move : -move;
        // Isolated margin: no position loses more than its margin (entry notional / leverage).
        if (slot.leverage.is_positive()) pnl = max(pnl, -slot.entry_price.mul(slot.size).div(slot.leverage));
        unrealized += pnl;
        if (slot.leverage.is_positive()) margin += price.mul(slot.size).div(slot.leverage);
    }
    const AccountSnapshot& at_rest = context.final_state.account;
    if (unrealized != at_rest.unrealized_pnl) {
        return fail(name, "unrealized PnL " + dec(at_rest.unrealized_pnl) + " at rest, but the open slots at their marks give " +
                              dec(unrealized));
    }
    if (margin != at_rest.used_margin) {
        return fail(name, "used margin " + dec(at_rest.used_margin) + " at rest, but notional / leverage of the open slots is " +
                              dec(margin));
    }
    return pass(name, "equity == capital + unrealized in " + std::to_string(history + 1) +
                          " snapshots; unrealized " + dec(unrealized) + " recomputed");
}

InvariantResult check_liveness(const CheckContext& context) {
    constexpr std::string_view name = liveness_check_name;
    if (!context.run.quiesced) return pass(name, "not applicable: the run was not brought to rest (quiesce)");
    const FinalState& state = context.final_state;
    if (!state.venue_error.empty()) return fail(name, "venue truth could not be read at rest: " + state.venue_error);
    for (const SlotSnapshot& snapshot : state.slots) {
        const TradeSlot& slot = snapshot.slot;
        if (slot.fsm_state == TradeStage::STALE_STATE_RECONCILING) {
            return fail(name, "after quiesce slot " + std::to_string(slot.slot_id) + " is still reconciling", slot.slot_id);
        }
        if (!slot.working_order_id.empty()) {
            return fail(name, "after quiesce slot " + std::to_string(slot.slot_id) + " still works order " +
                                  slot.working_order_id.str() + " in " + std::string(to_string(slot.fsm_state)),
                        slot.slot_id);
        }
    }
    std::set<std::string> kernel_orders;
    for (const OrderRecord& order : state.kernel_working_orders) kernel_orders.insert(order.client_order_id.str());
    std::set<std::string> venue_orders;
    for (const VenueOrder& order : state.venue_open_orders) venue_orders.insert(order.client_order_id.str());
    if (kernel_orders != venue_orders) {
        return fail(name, "after quiesce the kernel works " + std::to_string(kernel_orders.size()) +
                              " order(s), the venue holds " + std::to_string(venue_orders.size()) + " open");
    }
    for (const std::string& asset : all_assets(state)) {
        const Decimal kernel_net = kernel_net_at_rest(state, asset);
        const Decimal venue_net = venue_net_at_rest(state, asset);
        if (kernel_net == venue_net) continue;
        const auto gap = state.mismatched_assets.find(asset);
        const bool slot_free = std::any_of(state.slots.begin(), state.slots.end(), [](const SlotSnapshot& s) {
            return is_free_stage(s.slot.fsm_state) && !s.slot.pending_exit;
        });
        if (slot_free && state.unplaced_fills.contains(asset)) {
            return fail(name, "after quiesce a slot is free, yet late fills of " + asset + " (" +
                                  dec(state.unplaced_fills.at(asset)) + ") stay unplaced");
        }
        if (gap_explained(state, asset, kernel_net, venue_net)) continue; // failed closed, and why is known
        return fail(name, "after quiesce net position " + asset + ": kernel " + dec(kernel_net) + ", venue " +
                              dec(venue_net) + (gap == state.mismatched_assets.end()
                                                    ? ", and the kernel did not fail closed"
                                                    : ", the kernel's recorded gap is " + dec(gap->second)));
    }
    return pass(name, "at rest: no slot working or reconciling, " + std::to_string(kernel_orders.size()) +
                          " working order(s) and net positions match the venue");
}

InvariantResult check_orders_match_venue(const CheckContext& context) {
    constexpr std::string_view name = "orders_match_venue";
    const FinalState& state = context.final_state;
    if (!state.venue_error.empty()) return fail(name, "venue truth could not be read at rest: " + state.venue_error);
    std::map<std::string, const OrderRecord*> kernel_orders;
    for (const OrderRecord& order : state.kernel_working_orders) kernel_orders[order.client_order_id.str()] = &order;
    std::map<std::string, const VenueOrder*> venue_orders;
    for (const VenueOrder& order : state.venue_open_orders) venue_orders[order.client_order_id.str()] = &order;
    for (const auto& [id, order] : kernel_orders) {
        const auto found = venue_orders.find(id);
        if (found == venue_orders.end()) {
            return fail(name, "the kernel believes order " + id + " is working (" + std::string(to_string(order->status)) +
                                  ") but the venue has no such open order");
        }
        if (found->second->cum_filled_qty != order->cum_filled_qty) {
            return fail(name, "order " + id + ": the kernel knows " + dec(order->cum_filled_qty) + " filled, the venue " +
                                  dec(found->second->cum_filled_qty));
        }
    }
    for (const auto& [id, order] : venue_orders) {
        if (!kernel_orders.contains(id)) {
            return fail(name, "the venue has open order " + id + " (" + std::string(to_string(order->status)) +
                                  ") the kernel does not consider working");
        }
    }
    for (const std::string& asset : all_assets(state)) {
        const Decimal kernel_net = kernel_net_at_rest(state, asset);
        const Decimal venue_net = venue_net_at_rest(state, asset);
        if (kernel_net != venue_net && !gap_explained(state, asset, kernel_net, venue_net)) {
            return fail(name, "net position " + asset + ": kernel " + dec(kernel_net) + ", venue " + dec(venue_net));
        }
    }
    return pass(name, std::to_string(kernel_orders.size()) + " working order(s) and net positions match the venue");
}

namespace {

struct Reapplied {
    std::uint64_t hash_after = 0;
    std::optional<std::string> problem;
};

// Every captured event once more into a kernel that has replayed the whole log.
Reapplied reapply_all(LogReplayer& replayer, std::span<const VenueEvent> events) {
    Reapplied out;
    for (const VenueEvent& event : events) {
        const KernelOutcome outcome = replayer.kernel().on_venue_event(event);
        if (replayer.divergence()) {
            out.problem = "re-applying " + describe_event(event) + ": " + *replayer.divergence();
            break;
        }
        // No excuse here: an event applied once more at rest is a duplicate, so even a real
        // venue overfill must not be flagged (or counted) again.
        if (outcome.severity >= KernelSeverity::ERROR || is_unexpected_diagnostic(outcome.diagnostic_code)) {
            out.problem = "re-applying " + describe_event(event) + " gave " +
                          std::string(to_string(outcome.diagnostic_code)) + ": " + outcome.details;
            break;
        }
    }
    out.hash_after = replayer.kernel().state_hash();
    return out;
}

} // namespace

ReplayEvidence gather_replays(const InputLog& log, std::span<const VenueEvent> events, const CheckOptions& options) {
    ReplayEvidence evidence;
    const int reorders = std::max(options.reordered_replays, 0);
    const auto reordering = [&](int i) -> std::pair<std::string, BatchTransform> {
        if (i == 0) return {"the replay with every batch reversed", reverse_batches()};
        const std::uint64_t seed = options.seed + static_cast<std::uint64_t>(i - 1);
        return {"the replay shuffled with seed " + std::to_string(seed), shuffle_batches(seed)};
    };
    const auto missed = [&](const ReplayRun& run) {
        return run.divergence.has_value() || run.final_state_hash != log.final_state_hash;
    };
    std::optional<std::uint64_t> reapplied_on; // the state the re-application started from
    {
        // The copy run: the first replay, then (when it reached the recorded state) every
        // captured event once more.
        LogReplayer copy(log, reorders > 0 ? reverse_and_duplicate_batches() : duplicate_events());
        const std::string label = reorders > 0 ? "the replay with every batch reversed and every event twice"
                                               : "the replay with every event delivered twice";
        evidence.combined.push_back({label, copy.run()});
        if (!missed(evidence.combined.front().run)) {
            const Reapplied again = reapply_all(copy, events);
            evidence.reapply_problem = again.problem;
            evidence.hash_after_reapply = again.hash_after;
            reapplied_on = evidence.combined.front().run.final_state_hash;
        }
    }
    for (int i = 1; i < reorders; ++i) {
        auto [label, transform] = reordering(i);
        // Duplicates first, then the shuffle: a late copy of an old event lands anywhere.
        evidence.combined.push_back({label + " (every event twice)", replay_log(log, compose(duplicate_events(), std::move(transform)))});
    }
    bool any_missed = false;
    for (const LabeledReplay& one : evidence.combined) any_missed = any_missed || missed(one.run);
    if (any_missed) {
        evidence.ordered = replay_log(log);
        if (reorders > 0) {
            // Duplicates alone, in recorded order; when they reach the recorded state, the
            // re-application at rest starts from there instead of a reordered replay's miss.
            LogReplayer doubled(log, duplicate_events());
            evidence.doubled = doubled.run();
            if (!reapplied_on && !missed(*evidence.doubled)) {
                const Reapplied again = reapply_all(doubled, events);
                evidence.reapply_problem = again.problem;
                evidence.hash_after_reapply = again.hash_after;
                reapplied_on = evidence.doubled->final_state_hash;
            }
        } else {
            evidence.doubled = evidence.combined.front().run;
        }
        for (std::size_t i = 0; i < evidence.combined.size() && reorders > 0; ++i) {
            if (!missed(evidence.combined[i].run)) continue;
            auto [label, transform] = reordering(static_cast<int>(i));
            evidence.reordered_only.emplace(i, LabeledReplay{label, replay_log(log, std::move(transform))});
        }
    }
    evidence.reapplied = reapplied_on.has_value();
    evidence.reapplied_from = reapplied_on.value_or(0);
    if (reapplied_on && !evidence.reapply_problem && evidence.hash_after_reapply != *reapplied_on) {
        // Find the first event that changed the state, for the report (only when one did).
        LogReplayer again(log);
        again.run();
        for (std::size_t i = 0; i < events.size(); ++i) {
            const std::uint64_t before = again.kernel().state_hash();
            (void)again.kernel().on_venue_event(events[i]);
            if (again.kernel().state_hash() != before) {
                evidence.reapply_changed = i;
                break;
            }
        }
    }
    return evidence;
}

namespace {

// The context's shared replays, or ones made here when a caller (a test) gave none.
class Replays {
public:
    explicit Replays(const CheckContext& context) {
        if (context.replays != nullptr) {
            evidence_ = context.replays;
        } else {
            local_ = gather_replays(*context.log, context.run.events, context.options);
            evidence_ = &*local_;
        }
    }
    const ReplayEvidence& operator*() const { return *evidence_; }
    const ReplayEvidence* operator->() const { return evidence_; }

private:
    std::optional<ReplayEvidence> local_;
    const ReplayEvidence* evidence_ = nullptr;
};

} // namespace

InvariantResult check_duplicate_events_noop(const CheckContext& context) {
    constexpr std::string_view name = "duplicate_events_noop";
    if (auto unusable = log_unusable(name, context)) return *unusable;
    const InputLog& log = *context.log;
    const Replays replays(context);
    const VenueReports reports(context);
    // A log that cannot reproduce the run cannot tell about duplicates.
    if (replays->ordered) {
        if (auto problem = replay_problem(*replays->ordered, log.final_state_hash, reports.all(), "the copy run")) return fail(name, *problem);
    }
    // 1. Every event delivered twice in a row while the run is replayed (in recorded order
    //    when a reordered replay missed, so order and duplicates are told apart).
    if (replays->doubled) {
        if (auto problem = replay_problem(*replays->doubled, log.final_state_hash, reports.all(), "the replay with every event delivered twice")) {
            return fail(name, *problem);
        }
    }
    // 2. Then every captured event applied once more, at rest (on a replay that reached the
    //    recorded state; when none did, the checks above have failed already).
    const LabeledReplay& copy = replays->combined.front();
    if (replays->reapply_problem) return fail(name, *replays->reapply_problem);
    const std::vector<VenueEvent>& events = context.run.events;
    if (!replays->reapplied) {
        return fail(name, "no replay reached the recorded state, so the events could not be re-applied at rest");
    }
    if (replays->hash_after_reapply != replays->reapplied_from) {
        if (replays->reapply_changed && *replays->reapply_changed < events.size()) {
            const VenueEvent& event = events[*replays->reapply_changed];
            return fail(name, "re-applying event " + std::to_string(*replays->reapply_changed) + " (" +
                                  describe_event(event) + ") changed the state",
                        event.slot_id < 0 ? 0 : event.slot_id);
        }
        return fail(name, "re-applying the " + std::to_string(events.size()) + " events changed the state");
    }
    return pass(name, std::to_string(copy.run.events_delivered / 2) + " events delivered twice in " +
                          std::to_string(replays->combined.size()) + " replay(s), " + std::to_string(events.size()) +
                          " re-applied at rest: no change");
}

InvariantResult check_replay_converges(const CheckContext& context) {
    constexpr std::string_view name = "replay_converges";
    if (auto unusable = log_unusable(name, context)) return *unusable;
    const InputLog& log = *context.log;
    if (log.final_state_hash != context.final_state.state_hash) {
        return fail(name, "the log was sealed at a different state than the kernel's at rest");
    }
    const Replays replays(context);
    const VenueReports reports(context);
    if (replays->ordered) {
        if (auto problem = replay_problem(*replays->ordered, log.final_state_hash, reports.all(), "the ordered replay")) {
            return fail(name, *problem);
        }
    }
    bool duplicates_blamed = false;
    for (std::size_t i = 0; i < replays->combined.size(); ++i) {
        const LabeledReplay& combined = replays->combined[i];
        const auto problem = replay_problem(combined.run, log.final_state_hash, reports.all(), combined.label);
        if (!problem) continue;
        // Name the reordering alone when it is the cause. When it converges and duplicates alone
        // miss too, the duplicates are the cause (duplicate_events_noop reports them); only a
        // miss that neither explains is the combination's.
        const auto alone = replays->reordered_only.find(i);
        if (alone != replays->reordered_only.end()) {
            if (auto own = replay_problem(alone->second.run, log.final_state_hash, reports.all(), alone->second.label)) {
                return fail(name, *own);
            }
            if (replays->doubled && replay_problem(*replays->doubled, log.final_state_hash, reports.all(), "")) {
                duplicates_blamed = true;
                continue;
            }
            return fail(name, *problem + " (" + alone->second.label.substr(4) +
                                  " alone converges, and so do duplicates alone: together they do not)");
        }
        return fail(name, *problem);
    }
    if (duplicates_blamed) {
        return pass(name, "every reordering alone reaches the recorded state; the misses come from duplicated "
                          "events (see duplicate_events_noop)");
    }
    std::size_t batches = 0;
    for (const LoggedInput& input : log.inputs) {
        for (const VenueCall& call : input.calls) batches += call.kind == VenueCallKind::DRAIN && !call.events.empty() ? 1 : 0;
    }
    return pass(name, std::to_string(replays->combined.size()) + " replay(s) of " + std::to_string(log.inputs.size()) +
                          " inputs (" + std::to_string(batches) +
                          " event batches) reach the recorded state: " + replays->combined.front().label.substr(4) +
                          (replays->combined.size() > 1 ? "; seeded shuffles" : ""));
}

// ---------------------------------------------------------------------------------------

std::vector<InvariantResult> run_checks(const CheckContext& context) {
    // The replays are made once for every check that reads them.
    std::optional<ReplayEvidence> replays;
    CheckContext shared = context;
    if (context.options.replays && context.replays == nullptr && context.log != nullptr && !context.log->truncated) {
        replays = gather_replays(*context.log, context.run.events, context.options);
        shared.replays = &*replays;
    }
    // So are the venue's overfilled query answers, which several checks read.
    std::vector<VenueEvent> overfills;
    if (context.query_overfills == nullptr && context.log != nullptr) {
        overfills = query_overfills(*context.log);
        shared.query_overfills = &overfills;
    }
    std::vector<InvariantResult> out;
    out.reserve(std::size(checks_table));
    for (const InvariantDef& def : checks_table) {
        if (def.needs_replay && !shared.options.replays) continue;
        out.push_back(def.check(shared));
    }
    return out;
}

FinalState capture_final_state(ChaosStack& stack) {
    FinalState state;
    const ExecutionKernel& kernel = stack.kernel();
    state.slots = stack.own_snapshots();
    state.account = kernel.account();
    state.kernel_working_orders = kernel.working_orders();
    std::set<std::string> assets(stack.venue_settings().assets.begin(), stack.venue_settings().assets.end());
    for (const SlotSnapshot& snapshot : state.slots) {
        if (!snapshot.slot.asset.empty()) assets.insert(snapshot.slot.asset.str());
    }
    VenueAdapter& venue = stack.venue();
    for (const std::string& asset : assets) {
        if (const auto mark = kernel.mark_price(asset)) state.marks[asset] = *mark;
        const auto open = venue.open_orders(asset);
        if (open.ok()) {
            state.venue_open_orders.insert(state.venue_open_orders.end(), open.value.begin(), open.value.end());
        } else if (state.venue_error.empty()) {
            state.venue_error = "open orders of " + asset + ": " + open.detail;
        }
        const auto positions = venue.positions(asset);
        if (positions.ok()) {
            state.venue_positions.insert(state.venue_positions.end(), positions.value.begin(), positions.value.end());
        } else if (state.venue_error.empty()) {
            state.venue_error = "positions of " + asset + ": " + positions.detail;
        }
    }
    state.venue_pending_events = stack.pending_venue_events();
    state.threads = count_process_threads();
    state.state_hash = stack.state_hash();
    capture_kernel_gaps(state, kernel);
    const VenueSettings& settings = stack.venue_settings();
    if (settings.initial_foreign_position != 0.0 && !settings.assets.empty()) {
        if (const auto foreign = Decimal::from_double(settings.initial_foreign_position)) {
            state.foreign_net[settings.assets.front()] = *foreign;
        }
    }
    for (const TradeRecord& record : stack.zinc().terminal_records()) {
        state.finished_entry_fills[record.trade_id.str()] += record.entry_filled;
    }
    return state;
}

void capture_kernel_gaps(FinalState& state, const ExecutionKernel& kernel) {
    state.unmatched_events = kernel.unmatched_events().size();
    for (const auto& [asset, gap] : kernel.mismatched_assets()) state.mismatched_assets[asset.str()] = gap;
    for (const auto& [asset, gap] : kernel.unplaced_fills()) state.unplaced_fills[asset.str()] = gap;
    for (const VenueEvent& event : kernel.unmatched_events()) {
        if (kernel.unplaced_fills().contains(event.asset)) ++state.unmatched_unplaced_events;
    }
}

StateInvariantChecker::StateInvariantChecker(ChaosStack& stack, CheckOptions options)
    : stack_(stack), options_(options) {}

std::vector<InvariantResult> StateInvariantChecker::check_all(const ChaosRunResult& result) {
    const FinalState state = capture_final_state(stack_);
    const CheckContext context{result, state, &stack_.log(), options_};
    return run_checks(context);
}

bool StateInvariantChecker::all_pass(const ChaosRunResult& result) {
    for (const InvariantResult& one : check_all(result)) {
        if (!one.passed) return false;
    }
    return true;
}

} // namespace dita::chaos
