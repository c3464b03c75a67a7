// The kernel's inputs: each one opens a Ctx, is handled by its part (intents, venue events,
// reconciliation, journal) and is journaled once. Also the bookkeeping every part shares.
#include "kernel_context.hpp"

#include <algorithm>
#include <stdexcept>

namespace dita {

using detail::cat;
using detail::fmt_dec;
using detail::severity_rank;

ExecutionKernel::ExecutionKernel(KernelConfig config, ControlPlane& control, VenueAdapter& venue,
                                 ZincPlane& zinc, const Clock& clock)
    : config_(config), control_(control), venue_(venue), zinc_(zinc), clock_(clock) {
    if (config_.max_slots <= 0 || config_.max_slots > config_.slots_max) {
        throw std::invalid_argument("max_slots must be between 1 and " + std::to_string(config_.slots_max));
    }
    bounds_ = detail::Bounds::for_slots(config_.max_slots);
    if (config_.initial_capital.is_negative() || config_.initial_capital > bounds_.capital_max) {
        throw std::invalid_argument("initial_capital must be from 0 to " + bounds_.capital_max.to_string());
    }
    if (config_.client_order_id_max > Id::capacity) {
        throw std::invalid_argument("client_order_id_max must be at most " + std::to_string(Id::capacity));
    }
    if (config_.orders_per_trade_max < 2) throw std::invalid_argument("orders_per_trade_max must be at least 2");
    if (!valid_client_order_id_prefix(config_.client_order_id_prefix) ||
        (!config_.client_order_id_prefix.empty() &&
         config_.client_order_id_prefix.size() + 20 > config_.client_order_id_max)) {
        throw std::invalid_argument("client_order_id_prefix must be at most 20 characters of [a-z0-9.], leaving room "
                                    "for a hashed intent id within client_order_id_max");
    }
    slots_.resize(static_cast<std::size_t>(config_.max_slots));
    slot_values_.resize(static_cast<std::size_t>(config_.max_slots));
    trade_orders_.resize(static_cast<std::size_t>(config_.max_slots));
    for (int i = 0; i < config_.max_slots; ++i) slots_[static_cast<std::size_t>(i)].slot_id = i;
    // The order table grows to the retained orders' count once, then stays: reserving that here
    // would cost every short-lived kernel (a replay, a restart) more than the growth does.
    trade_records_.reserve(4); // grows to a long trade's order count once, then stays
    totals_.initial_capital = config_.initial_capital;
    for (const std::string& asset : config_.watched_assets) instrument(asset);
    touched_.reserve(8);
    touched_flags_.assign(slots_.size(), 0);
    emptied_slots_.reserve(slots_.size());
    emptied_walk_.reserve(slots_.size());
}

const DiagnosticFields ExecutionKernel::no_fields_{};

// ---------------------------------------------------------------------------------------
// Inputs

ExecutionKernel::Ctx ExecutionKernel::begin_input(KernelOutcome& out, int slot_id) {
    Ctx ctx(out);
    // An input that threw part-way (a venue adapter's exception) left its marks behind.
    emptied_slots_.clear();
    finished_journaled_.clear();
    ++input_sequence_;
    ctx.outcome.input_sequence = input_sequence_;
    ctx.outcome.timestamp_ns = clock_.now_ns();
    ctx.outcome.slot_id = slot_id;
    ctx.tracing = control_.state().trace_transitions || control_.state().mode == KernelMode::DEBUG;
    return ctx;
}

KernelOutcome ExecutionKernel::process_intent(const KernelIntent& intent) {
    KernelOutcome out;
    Ctx ctx = begin_input(out, intent.slot_id);
    ctx.event_override_min = KernelSeverity::WARNING;

    if (!valid_slot(intent.slot_id)) {
        set_result(ctx, KernelDiagnosticCode::INVALID_SLOT_ID, KernelSeverity::ERROR,
                   "slot_id " + std::to_string(intent.slot_id) + " is outside 0.." +
                       std::to_string(max_slots() - 1),
                   {.slot_id = intent.slot_id});
    } else {
        switch (intent.action) {
        case KernelCommandType::ENTER: handle_enter(ctx, intent); break;
        case KernelCommandType::EXIT: handle_exit(ctx, intent); break;
        case KernelCommandType::CANCEL: handle_cancel(ctx, intent); break;
        case KernelCommandType::MARK_PRICE: handle_mark(ctx, intent); break;
        case KernelCommandType::RECONCILE: {
            const SlotSnapshot snapshot = slot_snapshot(intent.slot_id);
            const std::span<const SlotSnapshot> one(&snapshot, 1);
            if (snapshots_valid(ctx, one)) reconcile_slots(ctx, one, false);
            break;
        }
        default:
            set_result(ctx, KernelDiagnosticCode::UNSUPPORTED_INTENT, KernelSeverity::ERROR,
                       "intent action " + std::to_string(static_cast<int>(intent.action)) +
                           " is not supported",
                       {.slot_id = intent.slot_id});
        }
    }
    journal(ctx, intent.intent_id);
    return out;
}

KernelOutcome ExecutionKernel::on_venue_event(const VenueEvent& event) {
    KernelOutcome out;
    Ctx ctx = begin_input(out, event.slot_id);
    apply_event(ctx, event, false);
    apply_late_entries(ctx);
    apply_venue_moves(ctx);
    close_emptied_slots(ctx);
    // An event may release a pending exit, whose own events arrive through the venue.
    run_pending_exits(ctx);
    ctx.event_override_min = KernelSeverity::WARNING;
    drain(ctx);
    journal(ctx, event.client_order_id.view());
    return out;
}

KernelOutcome ExecutionKernel::pump_venue() {
    KernelOutcome out;
    Ctx ctx = begin_input(out, -1);
    drain(ctx);
    journal(ctx, "pump");
    return out;
}

KernelOutcome ExecutionKernel::reconcile_from_slots(std::span<const SlotSnapshot> snapshots) {
    KernelOutcome out;
    Ctx ctx = begin_input(out, -1);
    if (snapshots_valid(ctx, snapshots) && totals_stay_bounded(ctx, snapshots)) reconcile_slots(ctx, snapshots, false);
    journal(ctx, "reconcile");
    return out;
}

// ---------------------------------------------------------------------------------------
// Bookkeeping

bool ExecutionKernel::move(Ctx& ctx, TradeSlot& slot, FsmInput input) {
    const FsmStep step = fsm_step(slot.fsm_state, input);
    if (step.code != KernelDiagnosticCode::OK) {
        set_result(ctx, step.code, KernelSeverity::ERROR,
                   "slot " + std::to_string(slot.slot_id) + ": " + std::string(to_string(input)) +
                       " is not allowed in " + std::string(to_string(slot.fsm_state)),
                   {.slot_id = slot.slot_id, .trade_id = slot.trade_id, .asset = slot.asset});
        return false;
    }
    const Transition transition{slot.slot_id, slot.fsm_state, step.stage, input, ctx.outcome.timestamp_ns};
    slot.fsm_state = step.stage;
    touch(ctx, slot.slot_id);
    if (ctx.tracing) {
        // An input walks several stages: one allocation for all of them.
        if (ctx.outcome.transitions.empty()) ctx.outcome.transitions.reserve(12);
        ctx.outcome.transitions.push_back(transition);
        zinc_.record_transition(transition);
    }
    return true;
}

void ExecutionKernel::set_result(Ctx& ctx, KernelDiagnosticCode code, KernelSeverity severity, const DetailText& detail,
                                 const DiagnosticFields& fields) {
    KernelOutcome& out = ctx.outcome;
    // A benign note about a drained event (duplicate, stale) does not hide the intent's result.
    if (ctx.from_event && code != KernelDiagnosticCode::OK && severity < ctx.event_override_min) return;
    const bool progress = code == KernelDiagnosticCode::OK && severity == KernelSeverity::INFO;
    bool is_result = true;
    if (ctx.have_result) {
        const int current = severity_rank(out.diagnostic_code, out.severity);
        const int incoming = severity_rank(code, severity);
        // The most severe result wins; among equals the first problem stands, while OK progress
        // notes are replaced by the newest, which describes the state best.
        is_result = incoming > current || (incoming == current && code == KernelDiagnosticCode::OK);
    }
    // Progress notes are the input's story, not diagnostics: only the newest is kept.
    if (progress && !is_result) return;
    if (!progress) record_diagnostic(ctx, code, severity, detail, fields, is_result);
    if (!is_result) return;
    out.diagnostic_code = code;
    out.severity = severity;
    out.details = detail;
    if (progress) out.result_index = -1;
    ctx.have_result = true;
}

void ExecutionKernel::record_diagnostic(Ctx& ctx, KernelDiagnosticCode code, KernelSeverity severity,
                                        const DetailText& detail, const DiagnosticFields& fields, bool is_result) {
    std::vector<KernelDiagnostic>& list = ctx.outcome.diagnostics;
    if (list.size() >= kernel_diagnostics_max) {
        ++ctx.outcome.diagnostics_dropped;
        // The input's result is always among its diagnostics: it takes the last place.
        if (!is_result) return;
        list.pop_back();
    }
    list.emplace_back(fields, code, severity, detail); // built in place: no 440-byte move
    if (is_result) ctx.outcome.result_index = static_cast<int>(list.size()) - 1;
    DITA_ASSERT(list.size() <= kernel_diagnostics_max);
}

Id ExecutionKernel::make_client_order_id(std::string_view intent_id) const {
    return detail::client_order_id_for(intent_id, config_.client_order_id_max, config_.client_order_id_prefix);
}

ExecutionKernel::OrderEntry& ExecutionKernel::remember_order(const OrderEntry& entry) {
    return orders_.insert_or_assign(entry.record.client_order_id, entry)->second;
}

void ExecutionKernel::add_trade_order(int slot_id, const Id& client_order_id) {
    std::vector<Id>& ids = trade_orders_[static_cast<std::size_t>(slot_id)];
    if (std::find(ids.begin(), ids.end(), client_order_id) != ids.end()) return;
    // Room for an entry and a few exits once, when the slot first trades: a short-lived kernel
    // (a replay) pays only for the slots it uses.
    if (ids.capacity() == 0) ids.reserve(4);
    if (ids.size() >= config_.orders_per_trade_max) {
        // The entry (first) stays; the oldest exit goes, as the order map would evict it anyway.
        ids.erase(ids.begin() + 1);
    }
    ids.push_back(client_order_id);
}

void ExecutionKernel::retire_order(const Id& client_order_id) {
    retired_.push_back(client_order_id);
    while (retired_.size() > config_.orders_retained_max) {
        const Id oldest = retired_.front();
        retired_.pop_front();
        const auto found = orders_.find(oldest);
        // An order that came back to life (reopened trade) is not evicted while working.
        if (found != orders_.end() && !found->second.record.working()) orders_.erase(found);
    }
}

void ExecutionKernel::update_leg_index(TradeSlot& slot) const {
    const auto found = instruments_.find(slot.asset);
    const Decimal lot = found != instruments_.end() ? found->second.lot_step : Decimal::from_raw(1);
    slot.active_leg_index = detail::leg_index(slot, lot);
}

} // namespace dita
