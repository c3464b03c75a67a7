#include "dita/kernel/kernel.hpp"

#include <algorithm>
#include <set>
#include <stdexcept>

#include "dita/kernel/fsm.hpp"
#include "kernel_support.hpp"

namespace dita {

using detail::merge_event;
using detail::pnl_of;
using detail::Bounds;
using detail::cat;
using detail::severity_rank;

struct ExecutionKernel::Ctx {
    KernelOutcome outcome;
    bool tracing = false;
    bool have_result = false;
    bool from_event = false; // set while a drained venue event is applied during an intent
    // While an intent is handled, venue events only override its result when they are
    // at least this severe; a lone venue event's result is its own.
    KernelSeverity event_override_min = KernelSeverity::INFO;
    // Late entry fills of finished trades wait for the end of their delivery: which slot is
    // free to reopen them in must not depend on the order the delivery came in.
    bool defer_late_entries = true;
    std::vector<VenueEvent> late_entries;
};

// While venue truth is re-applied, notes below `min` (other than progress) are not the input's
// result: the reconcile's own conclusion is.
class ExecutionKernel::QuietScope {
public:
    QuietScope(Ctx& ctx, KernelSeverity min)
        : ctx_(ctx), from_event_(ctx.from_event), min_(ctx.event_override_min) {
        ctx_.from_event = true;
        ctx_.event_override_min = min;
    }
    ~QuietScope() {
        ctx_.from_event = from_event_;
        ctx_.event_override_min = min_;
    }
    QuietScope(const QuietScope&) = delete;
    QuietScope& operator=(const QuietScope&) = delete;

private:
    Ctx& ctx_;
    bool from_event_;
    KernelSeverity min_;
};

namespace {

// Collects what the venue delivers during drain_events, on the kernel's thread.
class InboxSink final : public EventSink {
public:
    explicit InboxSink(std::vector<VenueEvent>& inbox) : inbox_(inbox) {}
    void deliver(const VenueEvent& event) override { inbox_.push_back(event); }

private:
    std::vector<VenueEvent>& inbox_;
};

constexpr int drain_rounds_max = 64;
constexpr std::size_t intent_id_max = 96;

std::string fmt_dec(Decimal value) { return value.to_string(); }

} // namespace

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
    if (config_.orders_per_trade_max < 2) throw std::invalid_argument("orders_per_trade_max must be at least 2");
    if (!valid_client_order_id_prefix(config_.client_order_id_prefix) ||
        (!config_.client_order_id_prefix.empty() &&
         config_.client_order_id_prefix.size() + 20 > config_.client_order_id_max)) {
        throw std::invalid_argument("client_order_id_prefix must be at most 20 characters of [a-z0-9.], leaving room "
                                    "for a hashed intent id within client_order_id_max");
    }
    slots_.resize(static_cast<std::size_t>(config_.max_slots));
    trade_orders_.resize(static_cast<std::size_t>(config_.max_slots));
    for (int i = 0; i < config_.max_slots; ++i) {
        slots_[static_cast<std::size_t>(i)].slot_id = i;
        trade_orders_[static_cast<std::size_t>(i)].reserve(4);
    }
    trade_records_.reserve(4); // grows to a long trade's order count once, then stays
    totals_.initial_capital = config_.initial_capital;
    for (const std::string& asset : config_.watched_assets) instrument(asset);
    inbox_.reserve(64);
    touched_.reserve(8);
}

// ---------------------------------------------------------------------------------------
// Inputs

KernelOutcome ExecutionKernel::process_intent(const KernelIntent& intent) {
    Ctx ctx;
    ++input_sequence_;
    ctx.outcome.input_sequence = input_sequence_;
    ctx.outcome.timestamp_ns = clock_.now_ns();
    ctx.outcome.slot_id = intent.slot_id;
    ctx.tracing = control_.state().trace_transitions || control_.state().mode == KernelMode::DEBUG;
    ctx.event_override_min = KernelSeverity::WARNING;

    if (!valid_slot(intent.slot_id)) {
        set_result(ctx, KernelDiagnosticCode::INVALID_SLOT_ID, KernelSeverity::ERROR,
                   "slot_id " + std::to_string(intent.slot_id) + " is outside 0.." +
                       std::to_string(max_slots() - 1));
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
                           " is not supported");
        }
    }
    journal(ctx, intent.intent_id);
    return std::move(ctx.outcome);
}

KernelOutcome ExecutionKernel::on_venue_event(const VenueEvent& event) {
    Ctx ctx;
    ++input_sequence_;
    ctx.outcome.input_sequence = input_sequence_;
    ctx.outcome.timestamp_ns = clock_.now_ns();
    ctx.outcome.slot_id = event.slot_id;
    ctx.tracing = control_.state().trace_transitions || control_.state().mode == KernelMode::DEBUG;
    apply_event(ctx, event, false);
    apply_late_entries(ctx);
    // An event may release a pending exit, whose own events arrive through the venue.
    run_pending_exits(ctx);
    ctx.event_override_min = KernelSeverity::WARNING;
    drain(ctx);
    journal(ctx, event.client_order_id.view());
    return std::move(ctx.outcome);
}

KernelOutcome ExecutionKernel::pump_venue() {
    Ctx ctx;
    ++input_sequence_;
    ctx.outcome.input_sequence = input_sequence_;
    ctx.outcome.timestamp_ns = clock_.now_ns();
    ctx.tracing = control_.state().trace_transitions || control_.state().mode == KernelMode::DEBUG;
    drain(ctx);
    journal(ctx, "pump");
    return std::move(ctx.outcome);
}

KernelOutcome ExecutionKernel::reconcile_from_slots(std::span<const SlotSnapshot> snapshots) {
    Ctx ctx;
    ++input_sequence_;
    ctx.outcome.input_sequence = input_sequence_;
    ctx.outcome.timestamp_ns = clock_.now_ns();
    ctx.tracing = control_.state().trace_transitions || control_.state().mode == KernelMode::DEBUG;
    if (snapshots_valid(ctx, snapshots)) reconcile_slots(ctx, snapshots, false);
    journal(ctx, "reconcile");
    return std::move(ctx.outcome);
}

KernelOutcome ExecutionKernel::restore(const RecoveredState& recovered) {
    Ctx ctx;
    ++input_sequence_;
    ctx.outcome.input_sequence = input_sequence_;
    ctx.outcome.timestamp_ns = clock_.now_ns();
    ctx.tracing = control_.state().trace_transitions || control_.state().mode == KernelMode::DEBUG;
    if (recovered.totals.initial_capital.is_negative() || recovered.totals.fees_paid.is_negative()) {
        set_result(ctx, KernelDiagnosticCode::INVALID_SNAPSHOT, KernelSeverity::ERROR,
                   "recovered account totals are negative");
    } else if (finished_orders_valid(ctx, recovered.finished_orders) && snapshots_valid(ctx, recovered.slots)) {
        totals_ = recovered.totals;
        // Before the slots: a slot's own record of an order (a reopened trade) is newer.
        for (const FinishedOrder& finished : recovered.finished_orders) {
            OrderEntry entry;
            entry.record = finished.record;
            entry.slot_id = finished.slot_id;
            entry.trade_id = finished.trade_id;
            entry.asset = finished.asset;
            remember_order(entry);
            retire_order(entry.record.client_order_id);
        }
        reconcile_slots(ctx, recovered.slots, true);
    }
    journal(ctx, "restore");
    return std::move(ctx.outcome);
}

bool ExecutionKernel::finished_orders_valid(Ctx& ctx, std::span<const FinishedOrder> orders) {
    if (orders.size() > finished_orders_recovered_max) {
        set_result(ctx, KernelDiagnosticCode::INVALID_SNAPSHOT, KernelSeverity::ERROR,
                   cat(static_cast<std::uint64_t>(orders.size()), " finished orders, at most ",
                       static_cast<std::uint64_t>(finished_orders_recovered_max), "; nothing restored"));
        return false;
    }
    for (const FinishedOrder& order : orders) {
        std::optional<std::string> problem;
        if (!valid_slot(order.slot_id)) {
            problem = cat("slot ", order.slot_id, " is outside 0..", max_slots() - 1);
        } else if (order.trade_id.empty()) {
            problem = std::string("no trade id");
        } else if (!instrument(order.asset.view())) {
            problem = cat("asset '", order.asset, "' is unknown");
        } else {
            problem = detail::check_order_record(order.record, config_.client_order_id_max);
        }
        if (problem) {
            set_result(ctx, KernelDiagnosticCode::INVALID_SNAPSHOT, KernelSeverity::ERROR,
                       cat("finished order '", order.record.client_order_id, "': ", *problem, "; nothing restored"));
            return false;
        }
    }
    return true;
}

// ---------------------------------------------------------------------------------------
// Intents

void ExecutionKernel::handle_enter(Ctx& ctx, const KernelIntent& intent) {
    const auto validated =
        detail::validate_enter(intent, config_.client_order_id_max, intent_id_max, control_.state().risk_limits,
                               instrument(intent.asset), bounds_, mark_or_zero(intent.asset));
    if (!validated.ok) {
        set_result(ctx, validated.code, KernelSeverity::ERROR, validated.detail);
        return;
    }
    TradeSlot& slot = slots_[static_cast<std::size_t>(intent.slot_id)];
    if (slot.fsm_state == TradeStage::STALE_STATE_RECONCILING) {
        set_result(ctx, KernelDiagnosticCode::SLOT_RECONCILING, KernelSeverity::WARNING,
                   "slot " + std::to_string(slot.slot_id) + " is reconciling; ENTER refused");
        return;
    }
    if (!is_free_stage(slot.fsm_state)) {
        set_result(ctx, KernelDiagnosticCode::SLOT_BUSY, KernelSeverity::WARNING,
                   "slot " + std::to_string(slot.slot_id) + " holds trade " + slot.trade_id.str() + " in " +
                       std::string(to_string(slot.fsm_state)));
        return;
    }
    const KernelMode mode = control_.state().mode;
    if (mode == KernelMode::HALTED) {
        set_result(ctx, KernelDiagnosticCode::KERNEL_HALTED, KernelSeverity::WARNING,
                   "kernel is HALTED: no new orders");
        return;
    }
    if (mode == KernelMode::REDUCE_ONLY) {
        set_result(ctx, KernelDiagnosticCode::REDUCE_ONLY, KernelSeverity::WARNING,
                   "kernel is REDUCE_ONLY: ENTER refused");
        return;
    }
    if (const auto gap = mismatched_assets_.find(AssetName(intent.asset)); gap != mismatched_assets_.end()) {
        set_result(ctx, KernelDiagnosticCode::RECONCILE_MISMATCH, KernelSeverity::WARNING,
                   cat("venue holds ", gap->second, " ", intent.asset,
                       " the kernel cannot account for; ENTER refused until a reconcile agrees"));
        return;
    }
    const std::string coid = make_client_order_id(intent.intent_id);
    if (orders_.contains(Id(coid))) {
        set_result(ctx, KernelDiagnosticCode::DUPLICATE_INTENT, KernelSeverity::WARNING,
                   "intent " + intent.intent_id + " already produced order " + coid);
        return;
    }
    // Margin: the new position's margin must fit in what equity leaves free.
    const Decimal notional = validated.size.mul(validated.price);
    const Decimal margin = notional.div(validated.leverage);
    const AccountSnapshot acct = account();
    if (margin > acct.equity - acct.used_margin) {
        set_result(ctx, KernelDiagnosticCode::RISK_LIMIT, KernelSeverity::WARNING,
                   "margin " + fmt_dec(margin) + " exceeds free equity " + fmt_dec(acct.equity - acct.used_margin));
        return;
    }

    const std::uint64_t trades_completed = slot.trades_completed;
    const TradeStage previous = slot.fsm_state;
    slot = TradeSlot{};
    slot.slot_id = intent.slot_id;
    slot.trades_completed = trades_completed;
    slot.fsm_state = TradeStage::IDLE;
    slot.trade_id = Id(intent.trade_id);
    slot.side = intent.side;
    slot.asset = AssetName(intent.asset);
    slot.target_size = validated.size;
    slot.leverage = validated.leverage;
    slot.exit_legs = validated.legs;
    touch(ctx, slot.slot_id);
    // A free slot that last ended in ORDER_REJECTED or TRADE_TERMINAL_WRITTEN starts its walk there.
    slot.fsm_state = previous;
    move(ctx, slot, FsmInput::DECIDE);
    move(ctx, slot, FsmInput::CREATE_INTENT);
    move(ctx, slot, FsmInput::REQUEST_ORDER);

    OrderEntry entry;
    entry.record.client_order_id = Id(coid);
    entry.record.purpose = OrderPurpose::ENTRY;
    entry.record.side = intent.side;
    entry.record.qty = validated.size;
    entry.slot_id = slot.slot_id;
    entry.trade_id = slot.trade_id;
    entry.asset = slot.asset;
    remember_order(entry);
    trade_orders_[static_cast<std::size_t>(slot.slot_id)].clear();
    add_trade_order(slot.slot_id, entry.record.client_order_id);
    slot.entry_order_id = entry.record.client_order_id;
    slot.working_order_id = entry.record.client_order_id;
    move(ctx, slot, FsmInput::SEND_ORDER);

    OrderRequest request;
    request.client_order_id = entry.record.client_order_id;
    request.asset = slot.asset;
    request.side = slot.side;
    request.purpose = OrderPurpose::ENTRY;
    request.qty = validated.size;
    request.reference_price = validated.price;
    request.leverage = validated.leverage;
    request.slot_id = slot.slot_id;
    request.trade_id = slot.trade_id;
    request.timestamp_ns = ctx.outcome.timestamp_ns;
    set_result(ctx, KernelDiagnosticCode::OK, KernelSeverity::INFO,
               "entry " + coid + " sent: " + std::string(to_string(slot.side)) + " " + fmt_dec(validated.size) +
                   " " + slot.asset.str() + " @ " + fmt_dec(validated.price));
    const VenueCallResult sent = venue_.submit_order(request);
    OrderEntry& stored = orders_.at(entry.record.client_order_id);
    switch (sent.status) {
    case VenueCallStatus::ACCEPTED:
        if (!sent.venue_order_id.empty()) stored.record.venue_order_id = sent.venue_order_id;
        break;
    case VenueCallStatus::UNKNOWN:
        stored.record.outcome_unknown = true;
        set_result(ctx, KernelDiagnosticCode::OUTCOME_UNKNOWN, KernelSeverity::WARNING,
                   "entry " + coid + ": no answer from the venue (" + sent.detail +
                       "); the order's fate is decided by the venue, not assumed");
        break;
    case VenueCallStatus::REJECTED:
    case VenueCallStatus::UNAVAILABLE:
        refuse_order(ctx, slot, stored.record, sent);
        return;
    }
    drain(ctx);
}

void ExecutionKernel::handle_exit(Ctx& ctx, const KernelIntent& intent) {
    const auto validated = detail::validate_exit(intent, config_.client_order_id_max, intent_id_max, bounds_);
    if (!validated.ok) {
        set_result(ctx, validated.code, KernelSeverity::ERROR, validated.detail);
        return;
    }
    TradeSlot& slot = slots_[static_cast<std::size_t>(intent.slot_id)];
    const TradeStage stage = slot.fsm_state;
    if (stage == TradeStage::STALE_STATE_RECONCILING) {
        set_result(ctx, KernelDiagnosticCode::SLOT_RECONCILING, KernelSeverity::WARNING,
                   "slot " + std::to_string(slot.slot_id) + " is reconciling; EXIT refused");
        return;
    }
    if (control_.state().mode == KernelMode::HALTED) {
        set_result(ctx, KernelDiagnosticCode::KERNEL_HALTED, KernelSeverity::WARNING,
                   "kernel is HALTED: no new orders");
        return;
    }
    if (!slot.asset.empty()) {
        const auto spec = instrument(slot.asset.view());
        if (spec && validated.price < spec->tick_size) {
            set_result(ctx, KernelDiagnosticCode::INVALID_PRICE, KernelSeverity::ERROR,
                       cat("exit reference_price ", validated.price, " is below the tick ", spec->tick_size));
            return;
        }
    }
    if (validated.size.is_positive() && !slot.asset.empty()) {
        const auto spec = instrument(slot.asset.view());
        if (spec && !validated.size.is_multiple_of(spec->lot_step)) {
            set_result(ctx, KernelDiagnosticCode::INVALID_SIZE, KernelSeverity::ERROR,
                       "exit size " + fmt_dec(validated.size) + " is not a multiple of the lot step " +
                           fmt_dec(spec->lot_step));
            return;
        }
    }
    if (is_exit_working_stage(stage)) {
        set_result(ctx, KernelDiagnosticCode::SLOT_BUSY, KernelSeverity::WARNING,
                   "slot " + std::to_string(slot.slot_id) + ": exit " + slot.exit_order_id.str() +
                       " is still working");
        return;
    }
    const std::string coid = make_client_order_id(intent.intent_id);
    if (orders_.contains(Id(coid)) || (slot.pending_exit && slot.pending_exit_order_id == Id(coid))) {
        set_result(ctx, KernelDiagnosticCode::DUPLICATE_INTENT, KernelSeverity::WARNING,
                   "intent " + intent.intent_id + " already produced order " + coid);
        return;
    }
    if (is_entry_working_stage(stage)) {
        if (slot.pending_exit) {
            set_result(ctx, KernelDiagnosticCode::SLOT_BUSY, KernelSeverity::WARNING,
                       "slot " + std::to_string(slot.slot_id) + ": an exit already waits for the entry cancel");
            return;
        }
        touch(ctx, slot.slot_id);
        slot.pending_exit = true;
        slot.pending_exit_size = validated.size;
        slot.pending_exit_price = validated.price;
        slot.pending_exit_order_id = Id(coid);
        set_result(ctx, KernelDiagnosticCode::OK, KernelSeverity::INFO,
                   "exit waits for the entry remainder of " + slot.entry_order_id.str() + " to be canceled");
        request_cancel(ctx, slot, orders_.at(slot.entry_order_id));
        drain(ctx);
        return;
    }
    if (!is_position_resting_stage(stage) || !slot.size.is_positive()) {
        set_result(ctx, KernelDiagnosticCode::NOTHING_TO_EXIT, KernelSeverity::INFO,
                   "slot " + std::to_string(slot.slot_id) + " has no open position (" +
                       std::string(to_string(stage)) + ")");
        return;
    }
    touch(ctx, slot.slot_id);
    send_exit(ctx, slot, validated.size, coid, validated.price);
    drain(ctx);
}

void ExecutionKernel::send_exit(Ctx& ctx, TradeSlot& slot, Decimal requested, std::string_view coid,
                                Decimal reference_price) {
    const auto spec = instrument(slot.asset.view());
    DITA_ASSERT(spec.has_value());
    const Decimal qty = detail::exit_quantity(slot, requested, spec->lot_step);
    DITA_ASSERT(qty.is_positive() && qty <= slot.size);
    move(ctx, slot, FsmInput::EXIT_REQUEST);
    OrderEntry entry;
    entry.record.client_order_id = Id(coid);
    entry.record.purpose = OrderPurpose::EXIT;
    entry.record.side = slot.side;
    entry.record.qty = qty;
    entry.slot_id = slot.slot_id;
    entry.trade_id = slot.trade_id;
    entry.asset = slot.asset;
    remember_order(entry);
    add_trade_order(slot.slot_id, entry.record.client_order_id);
    slot.exit_order_id = entry.record.client_order_id;
    slot.working_order_id = entry.record.client_order_id;
    move(ctx, slot, FsmInput::EXIT_SEND);

    OrderRequest request;
    request.client_order_id = entry.record.client_order_id;
    request.asset = slot.asset;
    request.side = slot.side;
    request.purpose = OrderPurpose::EXIT;
    request.qty = qty;
    request.reference_price = reference_price;
    request.leverage = slot.leverage;
    request.slot_id = slot.slot_id;
    request.trade_id = slot.trade_id;
    request.timestamp_ns = ctx.outcome.timestamp_ns;
    set_result(ctx, KernelDiagnosticCode::OK, KernelSeverity::INFO,
               "exit " + std::string(coid) + " sent: " + fmt_dec(qty) + " of " + fmt_dec(slot.size) + " " +
                   slot.asset.str());
    const VenueCallResult sent = venue_.submit_order(request);
    OrderEntry& stored = orders_.at(entry.record.client_order_id);
    if (sent.status == VenueCallStatus::ACCEPTED) {
        if (!sent.venue_order_id.empty()) stored.record.venue_order_id = sent.venue_order_id;
    } else if (sent.status == VenueCallStatus::UNKNOWN) {
        stored.record.outcome_unknown = true;
        set_result(ctx, KernelDiagnosticCode::OUTCOME_UNKNOWN, KernelSeverity::WARNING,
                   "exit " + std::string(coid) + ": no answer from the venue (" + sent.detail + ")");
    } else {
        refuse_order(ctx, slot, stored.record, sent);
    }
}

void ExecutionKernel::refuse_order(Ctx& ctx, TradeSlot& slot, const OrderRecord& record, const VenueCallResult& sent) {
    // The result goes first: among equally severe results the first stands, and this one
    // carries the venue's reason and whether the order was refused or never sent at all.
    const char* what = record.purpose == OrderPurpose::ENTRY ? "entry " : "exit ";
    if (sent.status == VenueCallStatus::REJECTED) {
        set_result(ctx, KernelDiagnosticCode::ORDER_REJECTED, KernelSeverity::WARNING,
                   cat(what, record.client_order_id, " rejected by the venue: ", sent.detail));
    } else {
        set_result(ctx, KernelDiagnosticCode::VENUE_UNAVAILABLE, KernelSeverity::WARNING,
                   cat(what, record.client_order_id, " not sent, venue unavailable: ", sent.detail));
    }
    apply_event(ctx, detail::synthetic_end(record, slot), false);
}

void ExecutionKernel::handle_cancel(Ctx& ctx, const KernelIntent& intent) {
    TradeSlot& slot = slots_[static_cast<std::size_t>(intent.slot_id)];
    if (slot.fsm_state == TradeStage::STALE_STATE_RECONCILING) {
        set_result(ctx, KernelDiagnosticCode::SLOT_RECONCILING, KernelSeverity::WARNING,
                   "slot " + std::to_string(slot.slot_id) + " is reconciling; CANCEL refused");
        return;
    }
    const auto found = slot.working_order_id.empty() ? orders_.end() : orders_.find(slot.working_order_id);
    if (found == orders_.end() || !found->second.record.working()) {
        set_result(ctx, KernelDiagnosticCode::NOTHING_TO_CANCEL, KernelSeverity::INFO,
                   "slot " + std::to_string(slot.slot_id) + " has no working order (" +
                       std::string(to_string(slot.fsm_state)) + ")");
        return;
    }
    touch(ctx, slot.slot_id);
    request_cancel(ctx, slot, found->second);
    drain(ctx);
}

void ExecutionKernel::request_cancel(Ctx& ctx, TradeSlot& slot, OrderEntry& entry) {
    OrderRecord& record = entry.record;
    if (record.cancel_requested) {
        set_result(ctx, KernelDiagnosticCode::CANCEL_PENDING, KernelSeverity::INFO,
                   "cancel of " + record.client_order_id.str() + " already requested");
        return;
    }
    CancelRequest request;
    request.client_order_id = record.client_order_id;
    request.venue_order_id = record.venue_order_id;
    request.asset = entry.asset;
    request.slot_id = slot.slot_id;
    const std::string coid = record.client_order_id.str();
    const VenueCallResult answer = venue_.cancel_order(request);
    // The venue may have delivered events during the call; re-find the record afterwards.
    OrderRecord& after = orders_.at(Id(coid)).record;
    switch (answer.status) {
    case VenueCallStatus::ACCEPTED:
        after.cancel_requested = true;
        set_result(ctx, KernelDiagnosticCode::OK, KernelSeverity::INFO, "cancel of " + coid + " requested");
        break;
    case VenueCallStatus::UNKNOWN:
        after.cancel_requested = true;
        set_result(ctx, KernelDiagnosticCode::OUTCOME_UNKNOWN, KernelSeverity::WARNING,
                   "cancel of " + coid + ": no answer from the venue (" + answer.detail + ")");
        break;
    case VenueCallStatus::REJECTED:
        set_result(ctx, KernelDiagnosticCode::CANCEL_REJECTED, KernelSeverity::WARNING,
                   "venue refused to cancel " + coid + " (" + answer.detail + "); the order stays working");
        break;
    case VenueCallStatus::UNAVAILABLE:
        set_result(ctx, KernelDiagnosticCode::VENUE_UNAVAILABLE, KernelSeverity::WARNING,
                   "cancel of " + coid + " not sent: " + answer.detail);
        break;
    }
}

void ExecutionKernel::handle_mark(Ctx& ctx, const KernelIntent& intent) {
    const auto price = Decimal::from_double(intent.reference_price);
    if (!price || !price->is_positive()) {
        set_result(ctx, KernelDiagnosticCode::INVALID_PRICE, KernelSeverity::ERROR,
                   "mark price must be a finite positive number, got " + detail::fmt_double(intent.reference_price));
        return;
    }
    const auto spec = instrument(intent.asset);
    if (!spec) {
        set_result(ctx, KernelDiagnosticCode::UNKNOWN_ASSET, KernelSeverity::ERROR,
                   "asset '" + intent.asset + "' is not traded on venue " + std::string(venue_.name()));
        return;
    }
    if (*price < spec->tick_size) {
        set_result(ctx, KernelDiagnosticCode::INVALID_PRICE, KernelSeverity::ERROR,
                   cat("mark ", *price, " is below the tick ", spec->tick_size, " of ", intent.asset));
        return;
    }
    if (const auto problem = mark_out_of_bounds(AssetName(intent.asset), *price)) {
        set_result(ctx, KernelDiagnosticCode::INVALID_PRICE, KernelSeverity::ERROR, *problem);
        return;
    }
    marks_[AssetName(intent.asset)] = *price;
    set_result(ctx, KernelDiagnosticCode::OK, KernelSeverity::INFO,
               "mark " + intent.asset + " = " + fmt_dec(*price));
}

void ExecutionKernel::apply_late_entries(Ctx& ctx) {
    if (ctx.late_entries.empty()) return;
    std::vector<VenueEvent> late;
    late.swap(ctx.late_entries);
    std::sort(late.begin(), late.end(), [](const VenueEvent& a, const VenueEvent& b) {
        if (a.client_order_id != b.client_order_id) return a.client_order_id < b.client_order_id;
        return a.cum_filled_qty < b.cum_filled_qty;
    });
    const bool from_event = ctx.from_event;
    ctx.from_event = true;
    ctx.defer_late_entries = false;
    for (const VenueEvent& event : late) apply_event(ctx, event, false);
    ctx.defer_late_entries = true;
    ctx.from_event = from_event;
}

void ExecutionKernel::run_pending_exits(Ctx& ctx) {
    // In slot order, not in the order events touched the slots: the exits a delivery releases
    // must go out in the same order whatever order the delivery came in.
    std::array<int, 16> small{};
    std::vector<int> large;
    std::span<int> ids;
    if (touched_.size() <= small.size()) {
        std::copy(touched_.begin(), touched_.end(), small.begin());
        ids = std::span<int>(small.data(), touched_.size());
    } else {
        large = touched_;
        ids = large;
    }
    std::sort(ids.begin(), ids.end());
    for (const int id : ids) run_pending_exit(ctx, slots_[static_cast<std::size_t>(id)]);
}

void ExecutionKernel::run_pending_exit(Ctx& ctx, TradeSlot& slot) {
    if (!slot.pending_exit || !is_position_resting_stage(slot.fsm_state) || !slot.size.is_positive()) return;
    slot.pending_exit = false;
    const Id coid = slot.pending_exit_order_id;
    const Decimal size = slot.pending_exit_size;
    const Decimal price = slot.pending_exit_price;
    slot.pending_exit_order_id = Id();
    slot.pending_exit_size = Decimal();
    slot.pending_exit_price = Decimal();
    send_exit(ctx, slot, size, coid.view(), price);
}

// ---------------------------------------------------------------------------------------
// Venue events

void ExecutionKernel::drain(Ctx& ctx) {
    std::vector<VenueEvent> batch;
    for (int round = 0; round < drain_rounds_max; ++round) {
        inbox_.clear();
        InboxSink sink(inbox_);
        venue_.drain_events(sink);
        if (inbox_.empty()) return;
        batch.swap(inbox_);
        // One allocation for the outcome's events rather than one per doubling.
        if (ctx.outcome.emitted_events.empty()) ctx.outcome.emitted_events.reserve(std::max<std::size_t>(batch.size(), 4));
        for (const VenueEvent& event : batch) {
            ctx.outcome.emitted_events.push_back(event);
            ctx.from_event = true;
            apply_event(ctx, event, false);
            ctx.from_event = false;
        }
        batch.clear();
        batch.swap(inbox_); // the inbox keeps its capacity for the next drain
        // Only now, with everything this delivery said applied, may a late entry take a free
        // slot and a pending exit be sized.
        apply_late_entries(ctx);
        run_pending_exits(ctx);
    }
    set_result(ctx, KernelDiagnosticCode::INVARIANT_BROKEN, KernelSeverity::CRITICAL,
               "venue kept delivering events for " + std::to_string(drain_rounds_max) + " rounds");
}

void ExecutionKernel::apply_event(Ctx& ctx, const VenueEvent& event, bool in_reconcile) {
    if (static_cast<std::size_t>(event.kind) >= enum_count<KernelEventKind>()) {
        set_result(ctx, KernelDiagnosticCode::UNKNOWN_EVENT_KIND, KernelSeverity::ERROR,
                   "event kind " + std::to_string(static_cast<int>(event.kind)) + " is unknown");
        return;
    }
    if (event.kind == KernelEventKind::MARK_PRICE) {
        if (!event.price.is_positive() || !instrument(event.asset.view())) {
            set_result(ctx, KernelDiagnosticCode::INVALID_EVENT, KernelSeverity::ERROR,
                       "MARK_PRICE event needs a known asset and a positive price");
            return;
        }
        if (const auto problem = mark_out_of_bounds(event.asset, event.price)) {
            set_result(ctx, KernelDiagnosticCode::INVALID_EVENT, KernelSeverity::ERROR, *problem);
            return;
        }
        auto& last_sequence = mark_sequences_[event.asset];
        if (event.venue_sequence != 0 && event.venue_sequence < last_sequence) {
            set_result(ctx, KernelDiagnosticCode::STALE_EVENT, KernelSeverity::INFO,
                       "mark of sequence " + std::to_string(event.venue_sequence) + " is older than " +
                           std::to_string(last_sequence));
            return;
        }
        last_sequence = event.venue_sequence;
        marks_[event.asset] = event.price;
        set_result(ctx, KernelDiagnosticCode::OK, KernelSeverity::INFO,
                   "mark " + event.asset.str() + " = " + fmt_dec(event.price));
        return;
    }
    if (const auto problem = detail::check_order_event(event, bounds_, mark_or_zero(event.asset.view()))) {
        set_result(ctx, KernelDiagnosticCode::INVALID_EVENT, KernelSeverity::ERROR, *problem);
        return;
    }
    const auto found = orders_.find(event.client_order_id);
    if (found == orders_.end()) {
        keep_unmatched(event);
        set_result(ctx, KernelDiagnosticCode::UNKNOWN_ORDER, KernelSeverity::WARNING,
                   "event " + std::string(to_string(event.kind)) + " for unknown order '" +
                       event.client_order_id.str() + "' kept for reconciliation");
        return;
    }
    OrderEntry& entry = found->second;
    TradeSlot& slot = slots_[static_cast<std::size_t>(entry.slot_id)];
    if (event.kind == KernelEventKind::CANCEL_REJECT) {
        if (entry.record.cancel_requested) {
            entry.record.cancel_requested = false;
            touch(ctx, slot.slot_id);
        }
        set_result(ctx, KernelDiagnosticCode::CANCEL_REJECTED, KernelSeverity::WARNING,
                   "venue refused to cancel " + entry.record.client_order_id.str() + "; the order stays working");
        return;
    }
    const OrderRecord before = entry.record;
    OrderRecord after = merge_event(before, event);
#if defined(DITA_PLANTED_BUG_DUPLICATE_FILL)
    // PLANTED BUG (test builds only, -DDITA_PLANT_BUG=duplicate_fill): a repeated fill report
    // is counted again, as a kernel that sums fill deltas instead of merging cumulatives would.
    if (after == before && event.kind == KernelEventKind::FILL && event.cum_filled_qty.is_positive()) {
        OrderRecord shrunk = before;
        shrunk.cum_filled_qty = Decimal();
        shrunk.cum_fee = Decimal();
        entry.record = after;
        touch(ctx, slot.slot_id);
        if (after.purpose == OrderPurpose::ENTRY) {
            apply_entry_change(ctx, slot, shrunk, after, in_reconcile);
        } else {
            apply_exit_change(ctx, slot, shrunk, after, in_reconcile);
        }
        return;
    }
#endif
    if (detail::same_facts(after, before)) {
        entry.record.last_venue_sequence = after.last_venue_sequence;
        // While an intent drains the venue, this note would be dropped by set_result: do not
        // format it (replays deliver duplicates by the hundred).
        if (ctx.from_event && KernelSeverity::INFO < ctx.event_override_min) return;
        const bool same = detail::event_matches(before, event);
        set_result(ctx, same ? KernelDiagnosticCode::DUPLICATE_EVENT : KernelDiagnosticCode::STALE_EVENT,
                   KernelSeverity::INFO,
                   std::string(same ? "duplicate " : "stale ") + std::string(to_string(event.kind)) + " for " +
                       before.client_order_id.str() + " (cum " + fmt_dec(event.cum_filled_qty) + ", known " +
                       fmt_dec(before.cum_filled_qty) + "): no change");
        return;
    }
    if (entry.trade_id != slot.trade_id) {
        if (after.cum_filled_qty == before.cum_filled_qty) {
            // Nothing filled: a late fee or status report of a finished trade.
            update_finished_order(ctx, entry, after);
            return;
        }
        if (!in_reconcile && after.purpose == OrderPurpose::ENTRY && ctx.defer_late_entries) {
            ctx.late_entries.push_back(event);
            return;
        }
        if (!in_reconcile && rehome_late_entry(ctx, entry, before, after)) return;
        keep_unmatched(event);
        set_result(ctx, KernelDiagnosticCode::UNKNOWN_ORDER, KernelSeverity::WARNING,
                   "event for order " + before.client_order_id.str() + " of finished trade " +
                       entry.trade_id.str() + " kept for reconciliation");
        return;
    }
    entry.record = after;
    touch(ctx, slot.slot_id);
    set_result(ctx, KernelDiagnosticCode::OK, KernelSeverity::INFO,
               detail::cat(event.kind, " ", after.client_order_id, ": filled ", after.cum_filled_qty, "/", after.qty,
                           " ", after.status));
    if (after.cum_filled_qty > after.qty) {
        set_result(ctx, KernelDiagnosticCode::OVERFILL, KernelSeverity::ERROR,
                   "venue reports " + fmt_dec(after.cum_filled_qty) + " filled of " + fmt_dec(after.qty) +
                       " ordered on " + after.client_order_id.str() + "; accepted as venue truth");
    }
    if (after.purpose == OrderPurpose::ENTRY) {
        apply_entry_change(ctx, slot, before, after, in_reconcile);
    } else {
        apply_exit_change(ctx, slot, before, after, in_reconcile);
    }
}

void ExecutionKernel::apply_entry_change(Ctx& ctx, TradeSlot& slot, const OrderRecord& before,
                                         const OrderRecord& after, bool in_reconcile) {
    const Decimal filled = after.cum_filled_qty - before.cum_filled_qty;
    const Decimal fee = after.cum_fee - before.cum_fee;
    slot.entry_filled += filled;
    slot.size += filled;
    if (after.avg_fill_price.is_positive()) slot.entry_price = after.avg_fill_price;
    slot.fees += fee;
    totals_.fees_paid += fee;
    if (!after.working() && slot.working_order_id == after.client_order_id) slot.working_order_id = Id();
    if (in_reconcile) return;

    const TradeStage stage = slot.fsm_state;
    if (is_entry_working_stage(stage)) {
        if (after.status == VenueOrderStatus::FILLED) {
            move(ctx, slot, FsmInput::ENTRY_FILLED);
            move(ctx, slot, FsmInput::POSITION_SETTLED);
        } else if (!after.working()) {
            if (after.cum_filled_qty.is_positive()) {
#if defined(DITA_PLANTED_BUG_CANCEL_FORGETS_FILL)
                // PLANTED BUG (test builds only, -DDITA_PLANT_BUG=cancel_forgets_fill): the
                // canceled entry's filled part is dropped from the slot.
                slot.size -= after.cum_filled_qty;
#endif
                if (slot.fsm_state != TradeStage::PARTIAL_FILL) move(ctx, slot, FsmInput::ENTRY_PARTIAL);
                move(ctx, slot, FsmInput::ENTRY_CANCELED);
                move(ctx, slot, FsmInput::POSITION_SETTLED);
            } else if (after.status == VenueOrderStatus::REJECTED) {
                move(ctx, slot, FsmInput::ENTRY_REJECTED);
                slot.pending_exit = false;
                set_result(ctx, KernelDiagnosticCode::ORDER_REJECTED, KernelSeverity::WARNING,
                           "entry " + after.client_order_id.str() + " rejected by the venue");
            } else if (move(ctx, slot, FsmInput::ENTRY_CANCELED)) {
                finish_trade(ctx, slot);
            }
        } else if (after.cum_filled_qty.is_positive()) {
            if (filled.is_positive() || slot.fsm_state != TradeStage::PARTIAL_FILL) {
                move(ctx, slot, FsmInput::ENTRY_PARTIAL);
            }
        } else if (after.acked && slot.fsm_state == TradeStage::ORDER_SENT) {
            move(ctx, slot, FsmInput::ENTRY_ACKED);
            move(ctx, slot, FsmInput::ENTRY_WORKS);
        }
        // A pending exit waits for the whole delivery (run_pending_exits): a later event of the
        // same batch may still change what the entry filled.
        return;
    }
    if (!filled.is_positive()) return;
    // The venue's race: the entry filled after it was done here (fill after cancel ack).
    set_result(ctx, KernelDiagnosticCode::OK, KernelSeverity::WARNING,
               "late entry fill of " + fmt_dec(filled) + " on " + after.client_order_id.str() +
                   " accepted as venue truth; position now " + fmt_dec(slot.size));
    if (stage == TradeStage::CLOSED || stage == TradeStage::TRADE_TERMINAL_WRITTEN) {
        // The trade was not complete after all; the state is as if the fill had come first.
        slot.closed = false;
        if (stage == TradeStage::TRADE_TERMINAL_WRITTEN && slot.trades_completed > 0) --slot.trades_completed;
        move(ctx, slot, FsmInput::LATE_ENTRY_FILL);
        move(ctx, slot, FsmInput::POSITION_SETTLED);
    } else if (stage != TradeStage::STALE_STATE_RECONCILING) {
        move(ctx, slot, FsmInput::LATE_ENTRY_FILL);
    }
}

void ExecutionKernel::apply_exit_change(Ctx& ctx, TradeSlot& slot, const OrderRecord& before,
                                        const OrderRecord& after, bool in_reconcile) {
    const Decimal filled = after.cum_filled_qty - before.cum_filled_qty;
    const Decimal fee = after.cum_fee - before.cum_fee;
    const int direction = side_sign(slot.side);
    const Decimal pnl = pnl_of(after, slot.entry_price, direction) - pnl_of(before, slot.entry_price, direction);
    // An exit never takes the slot below zero: fills beyond the open size are the venue's
    // position, not this trade's, and are left for reconciliation to find.
    const Decimal accounted = min(filled, slot.size);
    if (accounted < filled) {
        set_result(ctx, KernelDiagnosticCode::OVERFILL, KernelSeverity::ERROR,
                   cat("exit fills of ", filled, " exceed the open ", slot.size, " on ", after.client_order_id,
                       "; the excess is left to reconciliation"));
    }
    slot.exit_filled += accounted;
    slot.size -= accounted;
    slot.exit_notional += after.avg_fill_price.mul(after.cum_filled_qty) -
                          before.avg_fill_price.mul(before.cum_filled_qty);
    slot.realized_pnl += pnl;
    totals_.realized_pnl += pnl;
    slot.fees += fee;
    totals_.fees_paid += fee;
    update_leg_index(slot);
    if (!after.working() && slot.working_order_id == after.client_order_id) slot.working_order_id = Id();
    if (in_reconcile) return;

    const TradeStage stage = slot.fsm_state;
    const bool current = slot.exit_order_id == after.client_order_id;
    if (current && is_exit_working_stage(stage)) {
        if (!after.working()) {
            if (!slot.size.is_positive()) {
                if (move(ctx, slot, FsmInput::EXIT_ALL_DONE) && move(ctx, slot, FsmInput::CLOSE_TRADE)) {
                    finish_trade(ctx, slot);
                }
            } else if (after.status == VenueOrderStatus::FILLED) {
                move(ctx, slot, FsmInput::EXIT_LEG_DONE);
            } else if (after.status == VenueOrderStatus::REJECTED && !after.cum_filled_qty.is_positive()) {
                move(ctx, slot, FsmInput::EXIT_REJECT);
                set_result(ctx, KernelDiagnosticCode::ORDER_REJECTED, KernelSeverity::WARNING,
                           "exit " + after.client_order_id.str() + " rejected by the venue; position kept");
                move(ctx, slot, slot.exit_filled.is_positive() ? FsmInput::EXIT_RESUME_REDUCED : FsmInput::EXIT_RESUME);
            } else {
                move(ctx, slot,
                     slot.exit_filled.is_positive() ? FsmInput::EXIT_CANCELED_REDUCED : FsmInput::EXIT_CANCELED);
            }
        } else if (after.cum_filled_qty.is_positive()) {
            if (filled.is_positive() || stage != TradeStage::EXIT_WORKING) move(ctx, slot, FsmInput::EXIT_PARTIAL);
        } else if (after.acked && stage == TradeStage::EXIT_SENT) {
            move(ctx, slot, FsmInput::EXIT_ACK);
            move(ctx, slot, FsmInput::EXIT_WORKS);
        }
        return;
    }
    if (!filled.is_positive()) return;
    // A fill of an earlier exit order that arrived after that exit was finished here.
    if (is_position_resting_stage(stage)) {
        if (!slot.size.is_positive()) {
            if (move(ctx, slot, FsmInput::EXIT_ALL_DONE) && move(ctx, slot, FsmInput::CLOSE_TRADE)) {
                finish_trade(ctx, slot);
            }
        } else {
            move(ctx, slot, FsmInput::EXIT_LEG_DONE);
        }
    } else if (stage == TradeStage::EXIT_WORKING) {
        move(ctx, slot, FsmInput::EXIT_PARTIAL);
    }
}

bool ExecutionKernel::rehome_late_entry(Ctx& ctx, OrderEntry& entry, const OrderRecord& before,
                                        const OrderRecord& after) {
    // The venue's race, late: an entry filled after its trade was finished and its slot has
    // moved on to another trade. The fill is this kernel's own position; it goes to a free slot
    // as the old trade, reopened, rather than waiting unexplained.
    if (after.purpose != OrderPurpose::ENTRY || !(after.cum_filled_qty > before.cum_filled_qty)) return false;
    TradeSlot* const claimed = claim_free_slot(ctx, entry.trade_id, after.side, entry.asset);
    if (claimed == nullptr) return false;
    TradeSlot& slot = *claimed;
    slot.target_size = after.qty;
    slot.entry_order_id = after.client_order_id;
    if (!move(ctx, slot, FsmInput::DECIDE) || !move(ctx, slot, FsmInput::CREATE_INTENT) ||
        !move(ctx, slot, FsmInput::REQUEST_ORDER) || !move(ctx, slot, FsmInput::SEND_ORDER)) {
        return false;
    }
    entry.slot_id = slot.slot_id;
    entry.record = after;
    add_trade_order(slot.slot_id, after.client_order_id);
    // Only the fills the old trade never counted belong to the reopened one.
    apply_entry_change(ctx, slot, before, after, false);
    set_result(ctx, KernelDiagnosticCode::OK, KernelSeverity::WARNING,
               cat("late fill of ", after.cum_filled_qty - before.cum_filled_qty, " on ", after.client_order_id,
                   " of finished trade ", entry.trade_id, " reopened in slot ", slot.slot_id));
    return true;
}

void ExecutionKernel::finish_trade(Ctx& ctx, TradeSlot& slot) {
    DITA_ASSERT(slot.fsm_state == TradeStage::CLOSED);
    TradeRecord record;
    record.slot_id = slot.slot_id;
    record.trade_id = slot.trade_id;
    record.side = slot.side;
    record.asset = slot.asset;
    record.target_size = slot.target_size;
    record.entry_filled = slot.entry_filled;
    record.entry_price = slot.entry_price;
    record.exit_filled = slot.exit_filled;
    record.exit_price = slot.exit_price();
    record.realized_pnl = slot.realized_pnl;
    record.fees = slot.fees;
    record.closed_at_ns = ctx.outcome.timestamp_ns;
    record.reason = slot.entry_filled.is_positive() ? "closed" : "entry canceled before any fill";
    zinc_.write_terminal(record);
    slot.closed = true;
    // A pending exit outlives a trade that ended with nothing filled: should a late fill reopen
    // it (the venue's race), the exit the user asked for still happens, in any delivery order.
    slot.working_order_id = Id();
    ++slot.trades_completed;
    move(ctx, slot, FsmInput::WRITE_TERMINAL);
    for (const Id& coid : trade_orders_[static_cast<std::size_t>(slot.slot_id)]) {
        const auto found = orders_.find(coid);
        if (found == orders_.end() || found->second.slot_id != slot.slot_id) continue;
        retire_order(coid);
        journal_finished(found->second);
    }
}

void ExecutionKernel::journal_finished(const OrderEntry& entry) {
    zinc_.record_finished_order(FinishedOrder{entry.record, entry.slot_id, entry.trade_id, entry.asset});
}

void ExecutionKernel::keep_unmatched(const VenueEvent& event) {
    // A reconcile that asks a finished order again keeps the same answer again: once is enough.
    if (std::find(unmatched_.begin(), unmatched_.end(), event) != unmatched_.end()) return;
    if (unmatched_.size() == config_.unmatched_events_max) unmatched_.pop_front();
    unmatched_.push_back(event);
}

// ---------------------------------------------------------------------------------------
// Reconciliation

bool ExecutionKernel::snapshots_valid(Ctx& ctx, std::span<const SlotSnapshot> snapshots) {
    std::vector<bool> seen(slots_.size(), false);
    for (const SlotSnapshot& snapshot : snapshots) {
        const int id = snapshot.slot.slot_id;
        if (!valid_slot(id)) {
            set_result(ctx, KernelDiagnosticCode::INVALID_SLOT_ID, KernelSeverity::ERROR,
                       "snapshot for slot " + std::to_string(id) + ": slot is outside 0.." +
                           std::to_string(max_slots() - 1) + "; nothing reconciled");
            return false;
        }
        if (seen[static_cast<std::size_t>(id)]) {
            set_result(ctx, KernelDiagnosticCode::INVALID_SNAPSHOT, KernelSeverity::ERROR,
                       "two snapshots for slot " + std::to_string(id) + "; nothing reconciled");
            return false;
        }
        seen[static_cast<std::size_t>(id)] = true;
        if (snapshot.orders.size() > config_.orders_per_trade_max) {
            set_result(ctx, KernelDiagnosticCode::INVALID_SNAPSHOT, KernelSeverity::ERROR,
                       cat("snapshot for slot ", id, ": ", static_cast<std::uint64_t>(snapshot.orders.size()),
                           " orders, at most ", static_cast<std::uint64_t>(config_.orders_per_trade_max),
                           "; nothing reconciled"));
            return false;
        }
        if (const auto problem = detail::check_snapshot(snapshot, config_.client_order_id_max, bounds_,
                                                        mark_or_zero(snapshot.slot.asset.view()))) {
            set_result(ctx, KernelDiagnosticCode::INVALID_SNAPSHOT, KernelSeverity::ERROR,
                       "snapshot for slot " + std::to_string(id) + ": " + *problem + "; nothing reconciled");
            return false;
        }
        if (!snapshot.slot.asset.empty() && !instrument(snapshot.slot.asset.view())) {
            set_result(ctx, KernelDiagnosticCode::UNKNOWN_ASSET, KernelSeverity::ERROR,
                       "snapshot for slot " + std::to_string(id) + ": asset '" + snapshot.slot.asset.str() +
                           "' is unknown; nothing reconciled");
            return false;
        }
    }
    return true;
}

void ExecutionKernel::reconcile_slots(Ctx& ctx, std::span<const SlotSnapshot> snapshots, bool account_included) {
    DITA_ASSERT(snapshots.size() <= slots_.size()); // snapshots_valid() passed them
    std::vector<bool> seen(slots_.size(), false);
    for (const SlotSnapshot& snapshot : snapshots) seen[static_cast<std::size_t>(snapshot.slot.slot_id)] = true;
    for (const SlotSnapshot& snapshot : snapshots) {
        TradeSlot& slot = slots_[static_cast<std::size_t>(snapshot.slot.slot_id)];
        if (!account_included) {
            totals_.realized_pnl += snapshot.slot.realized_pnl - slot.realized_pnl;
            totals_.fees_paid += snapshot.slot.fees - slot.fees;
        }
        slot = snapshot.slot;
        trade_orders_[static_cast<std::size_t>(slot.slot_id)].clear();
        for (const OrderRecord& record : snapshot.orders) {
            OrderEntry entry;
            entry.record = record;
            entry.slot_id = slot.slot_id;
            entry.trade_id = slot.trade_id;
            entry.asset = slot.asset;
            remember_order(entry);
            add_trade_order(slot.slot_id, record.client_order_id);
        }
        touch(ctx, slot.slot_id);
        move(ctx, slot, FsmInput::BEGIN_RECONCILE);
    }
    int resolved = 0;
    int stuck = 0;
    for (const SlotSnapshot& snapshot : snapshots) {
        TradeSlot& slot = slots_[static_cast<std::size_t>(snapshot.slot.slot_id)];
        if (resolve_with_venue(ctx, slot)) {
            ++resolved;
        } else {
            ++stuck;
        }
    }
    if (stuck > 0) return; // resolve_with_venue said why; those slots wait for the next reconcile
    set_result(ctx, KernelDiagnosticCode::RECONCILED, KernelSeverity::INFO,
               "reconciled " + std::to_string(resolved) + " slot(s) with venue truth");
    check_venue_positions(ctx, seen);
}

bool ExecutionKernel::resolve_with_venue(Ctx& ctx, TradeSlot& slot) {
    // Venue truth re-applied here is mostly known already; only real problems may speak.
    const QuietScope quiet(ctx, KernelSeverity::WARNING);
    // Every order of the trade is asked, finished ones too: a late fill of an earlier exit may
    // be the very event that was lost.
    std::vector<Id> trade_orders;
    for (const auto& [id, entry] : orders_) {
        if (entry.slot_id == slot.slot_id && entry.trade_id == slot.trade_id && !slot.trade_id.empty()) {
            trade_orders.push_back(id);
        }
    }
    for (const Id& coid : trade_orders) {
        const auto found = orders_.find(coid);
        if (found == orders_.end()) continue;
        const auto truth = venue_.query_order(slot.asset.view(), coid.view());
        if (!truth.ok()) {
            set_result(ctx, KernelDiagnosticCode::VENUE_UNAVAILABLE, KernelSeverity::ERROR,
                       "slot " + std::to_string(slot.slot_id) + " stays reconciling: order " + coid.str() +
                           " could not be queried (" + truth.detail + ")");
            return false;
        }
        if (truth.value) {
            apply_event(ctx, detail::event_from_order(*truth.value, slot), true);
        } else if (found->second.record.working()) {
            // The venue has no such order: it never arrived there. Its known fills stand.
            apply_event(ctx, detail::synthetic_end(found->second.record, slot), true);
        }
    }
    // Events that arrived before their order was known can now be applied.
    std::deque<VenueEvent> waiting;
    waiting.swap(unmatched_);
    for (const VenueEvent& event : waiting) {
        if (orders_.contains(event.client_order_id)) {
            apply_event(ctx, event, true);
        } else {
            unmatched_.push_back(event);
        }
    }
    const FsmInput resolution = detail::resolution_for(slot, order(slot.entry_order_id.view()),
                                                       order(slot.exit_order_id.view()));
    if (slot.closed && resolution != FsmInput::RESOLVE_TERMINAL) {
        // Venue truth reopened a trade the kernel had finished (a fill it never heard of).
        slot.closed = false;
        if (slot.trades_completed > 0) --slot.trades_completed;
    }
    if (move(ctx, slot, resolution) && resolution == FsmInput::RESOLVE_CLOSED) finish_trade(ctx, slot);
    slot.pending_exit = false;
    update_leg_index(slot);
    return true;
}

void ExecutionKernel::check_venue_positions(Ctx& ctx, const std::vector<bool>& refreshed) {
    // Every asset the kernel has dealt in, traded now or not: a flat kernel must still see a
    // position the venue holds.
    std::set<AssetName> assets;
    for (const auto& [asset, gap] : mismatched_assets_) assets.insert(asset);
    for (const auto& [asset, spec] : instruments_) assets.insert(asset);
    for (const TradeSlot& slot : slots_) {
        if (!slot.asset.empty()) assets.insert(slot.asset);
    }
    for (const AssetName& asset : assets) {
        const auto truth = venue_.positions(asset.view());
        if (!truth.ok()) {
            set_result(ctx, KernelDiagnosticCode::VENUE_UNAVAILABLE, KernelSeverity::WARNING,
                       cat("positions for ", asset, " could not be read (", truth.detail, "); not assumed flat"));
            continue;
        }
        Decimal venue_net;
        Decimal venue_entry;
        for (const VenuePosition& position : truth.value) {
            if (position.asset != asset) continue;
            venue_net += side_sign(position.side) > 0 ? position.size : -position.size;
            venue_entry = position.entry_price;
        }
        const bool live_refreshed = live_trades_refreshed(asset, refreshed);
        Decimal net = kernel_net(asset);
        bool all_refreshed = live_refreshed;
        if (live_refreshed && venue_net != net) {
            // A gap may be the kernel's own: a late fill of a finished order whose report was
            // lost. Only when every order it remembers agrees with the venue is the rest foreign.
            all_refreshed = refresh_finished_orders(ctx, asset, refreshed);
            net = kernel_net(asset);
        }
        if (venue_net == net) {
            mismatched_assets_.erase(asset);
            unplaced_fills_.erase(asset);
            if (live_refreshed) settle_unmatched(ctx, asset);
            continue;
        }
        const Decimal gap = venue_net - net;
        if (live_refreshed && adopt_position(ctx, asset, gap, venue_entry)) {
            mismatched_assets_.erase(asset);
            unplaced_fills_.erase(asset);
            settle_unmatched(ctx, asset);
            continue;
        }
        // Fail closed: no new entries on this asset until kernel and venue agree again.
        mismatched_assets_[asset] = gap;
        const LateFills late = kept_late_fills(asset);
        if (all_refreshed && late.net == gap) {
            unplaced_fills_[asset] = gap;
            set_result(ctx, KernelDiagnosticCode::RECONCILE_MISMATCH, KernelSeverity::WARNING,
                       cat("venue holds ", gap, " ", asset, " more than the slots: late fills of finished orders ",
                           late.orders, " and no free slot to take them; new entries on ", asset,
                           " refused until a reconcile places them"));
            continue;
        }
        unplaced_fills_.erase(asset);
        set_result(ctx, KernelDiagnosticCode::RECONCILE_MISMATCH, KernelSeverity::ERROR,
                   cat("net position ", asset, ": kernel ", net, ", venue ", venue_net, "; new entries on ", asset,
                       " refused until a reconcile agrees"));
    }
}

bool ExecutionKernel::live_trades_refreshed(const AssetName& asset, const std::vector<bool>& refreshed) const {
    for (const TradeSlot& slot : slots_) {
        if (slot.asset == asset && !is_free_stage(slot.fsm_state) &&
            !refreshed[static_cast<std::size_t>(slot.slot_id)]) {
            return false;
        }
    }
    return true;
}

Decimal ExecutionKernel::kernel_net(const AssetName& asset) const {
    Decimal net;
    for (const TradeSlot& slot : slots_) {
        if (slot.asset == asset) net += side_sign(slot.side) > 0 ? slot.size : -slot.size;
    }
    return net;
}

bool ExecutionKernel::refresh_finished_orders(Ctx& ctx, const AssetName& asset, const std::vector<bool>& refreshed) {
    // The most recently finished first: a lost late fill is most likely on one of them.
    std::vector<Id> asked;
    for (auto it = retired_.rbegin(); it != retired_.rend() && asked.size() < config_.finished_orders_queried_max;
         ++it) {
        const auto found = orders_.find(*it);
        if (found == orders_.end() || found->second.asset != asset) continue;
        const OrderEntry& entry = found->second;
        const TradeSlot& owner = slots_[static_cast<std::size_t>(entry.slot_id)];
        // A live trade just re-read from the venue, or an order the venue never took, has
        // nothing more to tell.
        if (owner.trade_id == entry.trade_id && refreshed[static_cast<std::size_t>(entry.slot_id)] &&
            !is_free_stage(owner.fsm_state)) {
            continue;
        }
        if (entry.record.status == VenueOrderStatus::REJECTED && !entry.record.cum_filled_qty.is_positive()) continue;
        if (std::find(asked.begin(), asked.end(), *it) == asked.end()) asked.push_back(*it);
    }
    bool complete = true;
    for (const Id& coid : asked) {
        const auto truth = venue_.query_order(asset.view(), coid.view());
        if (!truth.ok()) {
            complete = false;
            continue;
        }
        const auto found = orders_.find(coid);
        if (!truth.value || found == orders_.end()) continue;
        TradeSlot owner;
        owner.slot_id = found->second.slot_id;
        owner.trade_id = found->second.trade_id;
        // A fill kept for want of a slot is said by the conclusion below, not as an unknown order.
        const QuietScope quiet(ctx, KernelSeverity::ERROR);
        apply_event(ctx, detail::event_from_order(*truth.value, owner), false);
        apply_late_entries(ctx);
    }
    return complete;
}

ExecutionKernel::LateFills ExecutionKernel::kept_late_fills(const AssetName& asset) const {
    // Per order, the most any kept event says it filled beyond what the kernel counted.
    std::map<Id, Decimal> beyond;
    for (const VenueEvent& event : unmatched_) {
        if (event.asset != asset) continue;
        const auto found = orders_.find(event.client_order_id);
        if (found == orders_.end()) continue;
        Decimal& most = beyond[event.client_order_id];
        most = max(most, event.cum_filled_qty - found->second.record.cum_filled_qty);
    }
    LateFills out;
    for (const auto& [coid, extra] : beyond) {
        if (!extra.is_positive()) continue;
        const OrderRecord& record = orders_.find(coid)->second.record;
        const int sign = side_sign(record.side) * (record.purpose == OrderPurpose::ENTRY ? 1 : -1);
        out.net += sign > 0 ? extra : -extra;
        out.orders += (out.orders.empty() ? "" : ", ") + coid.str();
    }
    return out;
}

void ExecutionKernel::settle_unmatched(Ctx& ctx, const AssetName& asset) {
    // Every live trade was just re-read and the venue's position agrees with the kernel's (or
    // an adopted trade now holds the difference): the events kept for this asset are part of
    // that truth. The kernel's own orders take in what they say, so a later reconcile does not
    // count their fills again, and their fees are booked; the rest is said and let go.
    std::size_t settled = 0;
    for (const VenueEvent& event : unmatched_) {
        if (event.asset != asset) continue;
        ++settled;
        const auto found = orders_.find(event.client_order_id);
        if (found == orders_.end()) continue;
        update_finished_order(ctx, found->second, detail::merge_event(found->second.record, event));
    }
    if (settled == 0) return;
    std::erase_if(unmatched_, [&](const VenueEvent& e) { return e.asset == asset; });
    set_result(ctx, KernelDiagnosticCode::RECONCILED, KernelSeverity::INFO,
               cat("reconciled; ", static_cast<std::uint64_t>(settled), " kept event(s) for ", asset,
                   " settled: the venue's position agrees"));
}

void ExecutionKernel::update_finished_order(Ctx& ctx, OrderEntry& entry, const OrderRecord& after) {
    // A finished trade's order takes in what the venue says of it (journaled for a restart);
    // any fee it adds is the account's alone, the trade's record being written.
    const Decimal fee = after.cum_fee - entry.record.cum_fee;
    totals_.fees_paid += fee;
    const bool changed = !(entry.record == after);
    entry.record = after;
    if (changed) journal_finished(entry);
    if (fee.is_zero()) return;
    set_result(ctx, KernelDiagnosticCode::OK, KernelSeverity::INFO,
               cat("fee of ", fee, " on ", after.client_order_id, " of finished trade ", entry.trade_id, " booked"));
}

bool ExecutionKernel::adopt_position(Ctx& ctx, const AssetName& asset, Decimal gap, Decimal entry_price) {
    if (!config_.adopt_unknown_positions || !entry_price.is_positive()) return false;
    // Only exposure the venue holds beyond the kernel's, in the venue's own direction, is
    // adopted. The venue holding less than the kernel believes (a liquidation, a manual close,
    // or a stranger's opposite position netted against the kernel's) needs a human: a
    // position the kernel believes in is never explained away.
    const Decimal net = kernel_net(asset);
    if ((net.is_positive() && gap.is_negative()) || (net.is_negative() && gap.is_positive())) return false;
    TradeSlot* const claimed = claim_free_slot(ctx, Id(cat("adopted-", asset, "-", input_sequence_)),
                                               gap.is_positive() ? TradeSide::LONG : TradeSide::SHORT, asset);
    if (claimed == nullptr) return false;
    TradeSlot& slot = *claimed;
    slot.target_size = gap.abs();
    slot.size = gap.abs();
    slot.entry_filled = gap.abs();
    slot.entry_price = entry_price;
    if (!move(ctx, slot, FsmInput::BEGIN_RECONCILE) || !move(ctx, slot, FsmInput::RESOLVE_POSITION_OPEN)) return false;
    set_result(ctx, KernelDiagnosticCode::RECONCILE_MISMATCH, KernelSeverity::WARNING,
               cat("venue holds ", gap, " ", asset, " no kernel order made; adopted into slot ", slot.slot_id,
                   " as trade ", slot.trade_id, " at ", entry_price));
    return true;
}

TradeSlot* ExecutionKernel::claim_free_slot(Ctx& ctx, const Id& trade_id, TradeSide side, const AssetName& asset) {
    // The lowest free slot, for a trade the kernel takes on without an ENTER (a late fill's
    // reopened trade, an adopted position): one exit leg, leverage 1, its FSM walk to come.
    const auto free = std::find_if(slots_.begin(), slots_.end(), [](const TradeSlot& s) {
        return is_free_stage(s.fsm_state) && !s.pending_exit;
    });
    if (free == slots_.end()) return nullptr;
    TradeSlot& slot = *free;
    const TradeStage previous = slot.fsm_state;
    const std::uint64_t trades_completed = slot.trades_completed;
    slot = TradeSlot{};
    slot.slot_id = static_cast<int>(free - slots_.begin());
    slot.fsm_state = previous;
    slot.trades_completed = trades_completed;
    slot.trade_id = trade_id;
    slot.side = side;
    slot.asset = asset;
    slot.leverage = Decimal::from_units(1);
    slot.exit_legs.ratios[0] = Decimal::from_units(1);
    slot.exit_legs.count = 1;
    trade_orders_[static_cast<std::size_t>(slot.slot_id)].clear();
    touch(ctx, slot.slot_id);
    return &slot;
}

// ---------------------------------------------------------------------------------------
// Bookkeeping

bool ExecutionKernel::move(Ctx& ctx, TradeSlot& slot, FsmInput input) {
    const FsmStep step = fsm_step(slot.fsm_state, input);
    if (step.code != KernelDiagnosticCode::OK) {
        set_result(ctx, step.code, KernelSeverity::ERROR,
                   "slot " + std::to_string(slot.slot_id) + ": " + std::string(to_string(input)) +
                       " is not allowed in " + std::string(to_string(slot.fsm_state)));
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

void ExecutionKernel::set_result(Ctx& ctx, KernelDiagnosticCode code, KernelSeverity severity,
                                 std::string details) {
    KernelOutcome& out = ctx.outcome;
    // A benign note about a drained event (duplicate, stale) does not hide the intent's result.
    if (ctx.from_event && code != KernelDiagnosticCode::OK && severity < ctx.event_override_min) return;
    if (ctx.have_result) {
        const int current = severity_rank(out.diagnostic_code, out.severity);
        const int incoming = severity_rank(code, severity);
        // The most severe result wins; among equals the first problem stands, while OK progress
        // notes are replaced by the newest, which describes the state best.
        if (incoming < current) return;
        if (incoming == current && code != KernelDiagnosticCode::OK) return;
    }
    out.diagnostic_code = code;
    out.severity = severity;
    out.details = std::move(details);
    ctx.have_result = true;
}

void ExecutionKernel::journal(Ctx& ctx, std::string_view input_ref) {
    if (!ctx.have_result) {
        ctx.outcome.details = "no change";
    }
    zinc_.record_outcome(ctx.outcome, input_ref);
    for (const int id : touched_) {
        const TradeSlot& slot = slots_[static_cast<std::size_t>(id)];
        zinc_.record_state(ctx.outcome.input_sequence, slot, trade_order_records(id), totals_);
    }
    touched_.clear();
    zinc_.commit(ctx.outcome.input_sequence);
    if (control_.state().mode == KernelMode::DEBUG) {
        if (const auto broken = detail::check_kernel_invariants(slots_, totals_)) {
            ctx.outcome.diagnostic_code = KernelDiagnosticCode::INVARIANT_BROKEN;
            ctx.outcome.severity = KernelSeverity::CRITICAL;
            ctx.outcome.details = *broken;
        }
    }
}

void ExecutionKernel::touch(Ctx&, int slot_id) {
    if (std::find(touched_.begin(), touched_.end(), slot_id) == touched_.end()) touched_.push_back(slot_id);
}

std::optional<InstrumentSpec> ExecutionKernel::instrument(std::string_view asset) {
    const auto found = instruments_.find(AssetName(asset));
    if (found != instruments_.end()) return found->second;
    if (asset.empty() || !AssetName::fits(asset)) return std::nullopt;
    auto spec = venue_.instrument(asset);
    if (spec) instruments_.emplace(AssetName(asset), *spec);
    return spec;
}

std::string ExecutionKernel::make_client_order_id(std::string_view intent_id) const {
    return detail::client_order_id_for(intent_id, config_.client_order_id_max, config_.client_order_id_prefix);
}

void ExecutionKernel::remember_order(const OrderEntry& entry) {
    orders_.insert_or_assign(entry.record.client_order_id, entry);
}

void ExecutionKernel::add_trade_order(int slot_id, const Id& client_order_id) {
    std::vector<Id>& ids = trade_orders_[static_cast<std::size_t>(slot_id)];
    if (std::find(ids.begin(), ids.end(), client_order_id) != ids.end()) return;
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

// ---------------------------------------------------------------------------------------
// Views

const TradeSlot& ExecutionKernel::slot(int slot_id) const {
    DITA_ASSERT(valid_slot(slot_id));
    return slots_[static_cast<std::size_t>(slot_id)];
}

SlotSnapshot ExecutionKernel::slot_snapshot(int slot_id) const {
    SlotSnapshot out;
    out.slot = slot(slot_id);
    const std::span<const OrderRecord> records = trade_order_records(slot_id);
    out.orders.assign(records.begin(), records.end());
    return out;
}

std::span<const OrderRecord> ExecutionKernel::trade_order_records(int slot_id) const {
    std::vector<OrderRecord>& out = trade_records_;
    out.clear();
    const TradeSlot& owner = slots_[static_cast<std::size_t>(slot_id)];
    for (const Id& coid : trade_orders_[static_cast<std::size_t>(slot_id)]) {
        const auto found = orders_.find(coid);
        // A rehomed order belongs to another slot now; an evicted one is gone.
        if (found == orders_.end() || found->second.slot_id != slot_id || found->second.trade_id != owner.trade_id) {
            continue;
        }
        out.push_back(found->second.record);
    }
    return out;
}

Decimal ExecutionKernel::mark_or_zero(std::string_view asset) const {
    return mark_price(asset).value_or(Decimal());
}

std::optional<std::string> ExecutionKernel::mark_out_of_bounds(const AssetName& asset, Decimal price) const {
    if (price > bounds_.price_max) {
        return cat("mark ", price, " is beyond the kernel's bound ", bounds_.price_max);
    }
    const Decimal twice = bounds_.slot_notional_max + bounds_.slot_notional_max;
    for (const TradeSlot& slot : slots_) {
        if (slot.asset == asset && !Bounds::product_within(slot.size, price, twice)) {
            return cat("mark ", price, " would value slot ", slot.slot_id, " beyond its bound ", twice);
        }
    }
    return std::nullopt;
}

std::optional<Decimal> ExecutionKernel::mark_price(std::string_view asset) const {
    const auto found = marks_.find(AssetName(asset));
    if (found == marks_.end()) return std::nullopt;
    return found->second;
}

AccountSnapshot ExecutionKernel::account() const {
    AccountSnapshot out;
    out.initial_capital = totals_.initial_capital;
    out.realized_pnl = totals_.realized_pnl;
    out.fees_paid = totals_.fees_paid;
    out.capital = totals_.initial_capital + totals_.realized_pnl - totals_.fees_paid;
    for (const TradeSlot& slot : slots_) {
        if (!slot.size.is_positive()) continue;
        const auto mark = marks_.find(slot.asset);
        const Decimal price = mark != marks_.end() ? mark->second : slot.entry_price;
        const Decimal move = price.mul(slot.size) - slot.entry_price.mul(slot.size);
        out.unrealized_pnl += side_sign(slot.side) > 0 ? move : -move;
        if (slot.leverage.is_positive()) out.used_margin += price.mul(slot.size).div(slot.leverage);
    }
    out.equity = out.capital + out.unrealized_pnl;
    return out;
}

std::optional<OrderRecord> ExecutionKernel::order(std::string_view client_order_id) const {
    if (client_order_id.empty() || !Id::fits(client_order_id)) return std::nullopt;
    const auto found = orders_.find(Id(client_order_id));
    if (found == orders_.end()) return std::nullopt;
    return found->second.record;
}

std::vector<OrderRecord> ExecutionKernel::working_orders() const {
    std::vector<OrderRecord> out;
    for (const auto& [id, entry] : orders_) {
        if (entry.record.working()) out.push_back(entry.record);
    }
    return out;
}

std::uint64_t ExecutionKernel::state_hash() const {
    detail::Fnv64 hash;
    for (const TradeSlot& slot : slots_) detail::hash_slot(hash, slot);
    for (const auto& [id, entry] : orders_) {
        detail::hash_order(hash, entry.record);
        hash.add_int(entry.slot_id);
    }
    hash.add_int(totals_.initial_capital.raw());
    hash.add_int(totals_.realized_pnl.raw());
    hash.add_int(totals_.fees_paid.raw());
    for (const auto& [asset, price] : marks_) {
        hash.add_text(asset.view());
        hash.add_int(price.raw());
    }
    return hash.value();
}

} // namespace dita
