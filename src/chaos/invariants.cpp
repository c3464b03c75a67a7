// The invariant table, run_checks, the final state and the checker; the checks themselves are in
// invariants_seed.cpp, invariants_strong.cpp and invariants_replay.cpp.
#include "dita/chaos/invariants.hpp"

#include <algorithm>
#include <cmath>

#include "invariants_support.hpp"

namespace dita::chaos {

using namespace invariants_detail;

namespace {

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
