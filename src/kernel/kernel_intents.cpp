// Intents: ENTER through one pre-trade gate, EXIT (sent now or once the entry is canceled),
// CANCEL and MARK_PRICE.
#include "kernel_context.hpp"

#include <algorithm>
#include <array>

namespace dita {

using detail::cat;
using detail::fmt_dec;
using detail::intent_fields;
using detail::slot_fields;

void ExecutionKernel::handle_enter(Ctx& ctx, const KernelIntent& intent) {
    const Result<EntryPlan, Refusal> gate = pre_trade_gate(intent);
    if (!gate) {
        refuse(ctx, gate.error());
        return;
    }
    TradeSlot& slot = open_trade(ctx, intent, *gate);
    submit_entry(ctx, slot, *gate);
}

void ExecutionKernel::refuse(Ctx& ctx, const Refusal& refusal) {
    set_result(ctx, refusal.code, refusal.severity, refusal.detail, refusal.fields);
}

Result<ExecutionKernel::EntryPlan, ExecutionKernel::Refusal>
ExecutionKernel::pre_trade_gate(const KernelIntent& intent) {
    // Every check an ENTER must pass, before anything changes; the first that fails is said.
    detail::Validated validated =
        detail::validate_enter(intent, config_.client_order_id_max, detail::intent_id_max,
                               control_.state().risk_limits, instrument(intent.asset), bounds_,
                               mark_or_zero(intent.asset));
    const auto about = [&intent] { return intent_fields(intent); };
    if (!validated.ok) return Refusal{validated.code, KernelSeverity::ERROR, std::move(validated.detail), about()};
    const TradeSlot& slot = slots_[static_cast<std::size_t>(intent.slot_id)];
    if (slot.fsm_state == TradeStage::STALE_STATE_RECONCILING) {
        return Refusal{KernelDiagnosticCode::SLOT_RECONCILING, KernelSeverity::WARNING,
                       DetailText::of("slot ", slot.slot_id, " is reconciling; ENTER refused"), about()};
    }
    if (!is_free_stage(slot.fsm_state)) {
        return Refusal{KernelDiagnosticCode::SLOT_BUSY, KernelSeverity::WARNING,
                       DetailText::of("slot ", slot.slot_id, " holds trade ", slot.trade_id, " in ", slot.fsm_state),
                       {.slot_id = slot.slot_id, .trade_id = slot.trade_id, .asset = slot.asset}};
    }
    const KernelMode mode = control_.state().mode;
    if (mode == KernelMode::HALTED) {
        return Refusal{KernelDiagnosticCode::KERNEL_HALTED, KernelSeverity::WARNING, "kernel is HALTED: no new orders",
                       about()};
    }
    if (mode == KernelMode::REDUCE_ONLY) {
        return Refusal{KernelDiagnosticCode::REDUCE_ONLY, KernelSeverity::WARNING,
                       "kernel is REDUCE_ONLY: ENTER refused", about()};
    }
    if (const auto gap = mismatched_assets_.find(AssetName(intent.asset)); gap != mismatched_assets_.end()) {
        return Refusal{KernelDiagnosticCode::RECONCILE_MISMATCH, KernelSeverity::WARNING,
                       cat("venue holds ", gap->second, " ", intent.asset,
                           " the kernel cannot account for; ENTER refused until a reconcile agrees"),
                       {.slot_id = intent.slot_id, .asset = gap->first, .size = gap->second}};
    }
    if (auto conflict = one_way_conflict(intent)) return std::move(*conflict);
    const Id coid = make_client_order_id(intent.intent_id);
    if (orders_.contains(coid)) {
        return Refusal{KernelDiagnosticCode::DUPLICATE_INTENT, KernelSeverity::WARNING,
                       "intent " + intent.intent_id + " already produced order " + coid.str(),
                       {.slot_id = intent.slot_id, .client_order_id = coid, .asset = about().asset}};
    }
    // Margin: the new position's margin, valued at the mark when that is higher, and the loss
    // it would stand at against the mark from the start, must fit in what equity leaves free.
    const Decimal mark = mark_or_zero(intent.asset);
    const Decimal gap = intent.side == TradeSide::LONG ? validated.price - mark : mark - validated.price;
    const Decimal at_once = mark.is_positive() && gap.is_positive() ? validated.size.mul(gap) : Decimal();
    const Decimal margin = validated.size.mul(max(validated.price, mark)).div(validated.leverage) + at_once;
    const AccountSnapshot acct = account();
    if (margin > acct.equity - acct.used_margin) {
        return Refusal{KernelDiagnosticCode::RISK_LIMIT, KernelSeverity::WARNING,
                       DetailText::of("margin ", margin, " exceeds free equity ", acct.equity - acct.used_margin),
                       {.slot_id = intent.slot_id, .asset = about().asset, .size = margin,
                        .limit = acct.equity - acct.used_margin}};
    }
    return EntryPlan{validated.size, validated.price, validated.leverage, validated.legs, coid};
}

TradeSlot& ExecutionKernel::open_trade(Ctx& ctx, const KernelIntent& intent, const EntryPlan& plan) {
    TradeSlot& slot = slots_[static_cast<std::size_t>(intent.slot_id)];
    DITA_ASSERT(is_free_stage(slot.fsm_state)); // the gate passed
    const std::uint64_t trades_completed = slot.trades_completed;
    const TradeStage previous = slot.fsm_state;
    slot = TradeSlot{};
    slot.slot_id = intent.slot_id;
    slot.trades_completed = trades_completed;
    slot.fsm_state = TradeStage::IDLE;
    slot.trade_id = Id(intent.trade_id);
    slot.side = intent.side;
    slot.asset = AssetName(intent.asset);
    slot.target_size = plan.size;
    slot.leverage = plan.leverage;
    slot.exit_legs = plan.legs;
    touch(ctx, slot.slot_id);
    // A free slot that last ended in ORDER_REJECTED or TRADE_TERMINAL_WRITTEN starts its walk there.
    slot.fsm_state = previous;
    move(ctx, slot, FsmInput::DECIDE);
    move(ctx, slot, FsmInput::CREATE_INTENT);
    move(ctx, slot, FsmInput::REQUEST_ORDER);

    OrderEntry entry;
    entry.record.client_order_id = plan.client_order_id;
    entry.record.purpose = OrderPurpose::ENTRY;
    entry.record.side = intent.side;
    entry.record.qty = plan.size;
    entry.slot_id = slot.slot_id;
    entry.trade_id = slot.trade_id;
    entry.asset = slot.asset;
    remember_order(entry);
    trade_orders_[static_cast<std::size_t>(slot.slot_id)].clear();
    add_trade_order(slot.slot_id, entry.record.client_order_id);
    slot.entry_order_id = entry.record.client_order_id;
    slot.working_order_id = entry.record.client_order_id;
    move(ctx, slot, FsmInput::SEND_ORDER);
    return slot;
}

void ExecutionKernel::submit_entry(Ctx& ctx, TradeSlot& slot, const EntryPlan& plan) {
    note_progress(ctx, "entry ", plan.client_order_id, " sent: ", slot.side, " ", plan.size, " ", slot.asset, " @ ",
                  plan.price);
    write_ahead(ctx, plan.client_order_id);
    const VenueCallResult sent = venue_.submit_order(
        order_request(ctx, slot, plan.client_order_id, OrderPurpose::ENTRY, plan.size, plan.price, plan.leverage));
    OrderEntry& stored = orders_.at(plan.client_order_id);
    switch (sent.status) {
    case VenueCallStatus::ACCEPTED:
        if (!sent.venue_order_id.empty()) stored.record.venue_order_id = sent.venue_order_id;
        break;
    case VenueCallStatus::UNKNOWN:
        stored.record.outcome_unknown = true;
        set_result(ctx, KernelDiagnosticCode::OUTCOME_UNKNOWN, KernelSeverity::WARNING,
                   "entry " + plan.client_order_id.str() + ": no answer from the venue (" + sent.detail +
                       "); the order's fate is decided by the venue, not assumed",
                   {.slot_id = slot.slot_id, .client_order_id = plan.client_order_id, .trade_id = slot.trade_id, .asset = slot.asset, .size = plan.size});
        break;
    case VenueCallStatus::REJECTED:
    case VenueCallStatus::UNAVAILABLE:
        refuse_order(ctx, slot, stored.record, sent);
        return;
    }
    drain(ctx);
}

OrderRequest ExecutionKernel::order_request(const Ctx& ctx, const TradeSlot& slot, const Id& client_order_id,
                                            OrderPurpose purpose, Decimal qty, Decimal reference_price,
                                            Decimal leverage) const {
    OrderRequest request;
    request.client_order_id = client_order_id;
    request.asset = slot.asset;
    request.side = slot.side;
    request.purpose = purpose;
    request.qty = qty;
    request.reference_price = reference_price;
    request.leverage = leverage;
    request.slot_id = slot.slot_id;
    request.trade_id = slot.trade_id;
    request.timestamp_ns = ctx.outcome.timestamp_ns;
    return request;
}

void ExecutionKernel::handle_exit(Ctx& ctx, const KernelIntent& intent) {
    const Result<ExitPlan, Refusal> gate = exit_gate(intent);
    if (!gate) {
        refuse(ctx, gate.error());
        return;
    }
    TradeSlot& slot = slots_[static_cast<std::size_t>(intent.slot_id)];
    touch(ctx, slot.slot_id);
    if (is_entry_working_stage(slot.fsm_state)) {
        // The exit waits for the entry's remainder to be canceled (run_pending_exit sends it).
        slot.pending_exit = true;
        slot.pending_exit_size = gate->size;
        slot.pending_exit_price = gate->price;
        slot.pending_exit_order_id = gate->client_order_id;
        set_result(ctx, KernelDiagnosticCode::OK, KernelSeverity::INFO,
                   "exit waits for the entry remainder of " + slot.entry_order_id.str() + " to be canceled");
        request_cancel(ctx, slot, orders_.at(slot.entry_order_id));
    } else {
        send_exit(ctx, slot, gate->size, gate->client_order_id.view(), gate->price);
    }
    drain(ctx);
}

Result<ExecutionKernel::ExitPlan, ExecutionKernel::Refusal> ExecutionKernel::exit_gate(const KernelIntent& intent) {
    // Every check an EXIT must pass, before anything changes; the first that fails is said.
    detail::Validated validated = detail::validate_exit(intent, config_.client_order_id_max, detail::intent_id_max, bounds_);
    if (!validated.ok) return Refusal{validated.code, KernelSeverity::ERROR, std::move(validated.detail), intent_fields(intent)};
    const TradeSlot& slot = slots_[static_cast<std::size_t>(intent.slot_id)];
    const TradeStage stage = slot.fsm_state;
    const auto about = [&slot] { return slot_fields(slot); };
    if (stage == TradeStage::STALE_STATE_RECONCILING) {
        return Refusal{KernelDiagnosticCode::SLOT_RECONCILING, KernelSeverity::WARNING,
                       DetailText::of("slot ", slot.slot_id, " is reconciling; EXIT refused"), about()};
    }
    if (control_.state().mode == KernelMode::HALTED) {
        return Refusal{KernelDiagnosticCode::KERNEL_HALTED, KernelSeverity::WARNING, "kernel is HALTED: no new orders",
                       about()};
    }
    if (auto refused = exit_off_grid(slot, validated.size, validated.price)) return std::move(*refused);
    if (is_exit_working_stage(stage)) {
        DiagnosticFields fields = about();
        fields.client_order_id = slot.exit_order_id;
        return Refusal{KernelDiagnosticCode::SLOT_BUSY, KernelSeverity::WARNING,
                       DetailText::of("slot ", slot.slot_id, ": exit ", slot.exit_order_id, " is still working"),
                       fields};
    }
    const Id coid = make_client_order_id(intent.intent_id);
    if (orders_.contains(coid) || (slot.pending_exit && slot.pending_exit_order_id == coid)) {
        DiagnosticFields fields = about();
        fields.client_order_id = coid;
        return Refusal{KernelDiagnosticCode::DUPLICATE_INTENT, KernelSeverity::WARNING,
                       "intent " + intent.intent_id + " already produced order " + coid.str(), fields};
    }
    if (is_entry_working_stage(stage) && slot.pending_exit) {
        DiagnosticFields fields = about();
        fields.client_order_id = slot.pending_exit_order_id;
        return Refusal{KernelDiagnosticCode::SLOT_BUSY, KernelSeverity::WARNING,
                       DetailText::of("slot ", slot.slot_id, ": an exit already waits for the entry cancel"), fields};
    }
    if (!is_entry_working_stage(stage) && (!is_position_resting_stage(stage) || !slot.size.is_positive())) {
        return Refusal{KernelDiagnosticCode::NOTHING_TO_EXIT, KernelSeverity::INFO,
                       DetailText::of("slot ", slot.slot_id, " has no open position (", stage, ")"),
                       about()};
    }
    return ExitPlan{validated.size, validated.price, coid};
}

std::optional<ExecutionKernel::Refusal> ExecutionKernel::exit_off_grid(const TradeSlot& slot, Decimal size,
                                                                       Decimal price) {
    if (slot.asset.empty()) return std::nullopt;
    const auto spec = instrument(slot.asset.view());
    if (!spec) return std::nullopt;
    DiagnosticFields fields = slot_fields(slot);
    if (price < spec->tick_size) {
        fields.size = price;
        fields.limit = spec->tick_size;
        return Refusal{KernelDiagnosticCode::INVALID_PRICE, KernelSeverity::ERROR,
                       DetailText::of("exit reference_price ", price, " is below the tick ", spec->tick_size), fields};
    }
    if (size.is_positive() && !size.is_multiple_of(spec->lot_step)) {
        fields.size = size;
        fields.limit = spec->lot_step;
        return Refusal{KernelDiagnosticCode::INVALID_SIZE, KernelSeverity::ERROR,
                       DetailText::of("exit size ", size, " is not a multiple of the lot step ", spec->lot_step),
                       fields};
    }
    return std::nullopt;
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
    // Entries never move, and nothing below erases one before the venue answers.
    OrderEntry& stored = remember_order(entry);
    add_trade_order(slot.slot_id, entry.record.client_order_id);
    slot.exit_order_id = entry.record.client_order_id;
    slot.working_order_id = entry.record.client_order_id;
    move(ctx, slot, FsmInput::EXIT_SEND);

    note_progress(ctx, "exit ", entry.record.client_order_id, " sent: ", qty, " of ", slot.size, " ", slot.asset);
    write_ahead(ctx, entry.record.client_order_id);
    const VenueCallResult sent = venue_.submit_order(order_request(ctx, slot, entry.record.client_order_id,
                                                                 OrderPurpose::EXIT, qty, reference_price, slot.leverage));
    if (sent.status == VenueCallStatus::ACCEPTED) {
        if (!sent.venue_order_id.empty()) stored.record.venue_order_id = sent.venue_order_id;
    } else if (sent.status == VenueCallStatus::UNKNOWN) {
        stored.record.outcome_unknown = true;
        set_result(ctx, KernelDiagnosticCode::OUTCOME_UNKNOWN, KernelSeverity::WARNING,
                   "exit " + std::string(coid) + ": no answer from the venue (" + sent.detail + ")",
                   {.slot_id = slot.slot_id, .client_order_id = Id(coid), .trade_id = slot.trade_id, .asset = slot.asset, .size = qty});
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
                   cat(what, record.client_order_id, " rejected by the venue: ", sent.detail),
                   {.slot_id = slot.slot_id, .client_order_id = record.client_order_id, .trade_id = slot.trade_id, .asset = slot.asset, .size = record.qty});
    } else {
        set_result(ctx, KernelDiagnosticCode::VENUE_UNAVAILABLE, KernelSeverity::WARNING,
                   cat(what, record.client_order_id, " not sent, venue unavailable: ", sent.detail),
                   {.slot_id = slot.slot_id, .client_order_id = record.client_order_id, .trade_id = slot.trade_id, .asset = slot.asset, .size = record.qty});
    }
    apply_event(ctx, detail::synthetic_end(record, slot), false);
}

void ExecutionKernel::handle_cancel(Ctx& ctx, const KernelIntent& intent) {
    TradeSlot& slot = slots_[static_cast<std::size_t>(intent.slot_id)];
    if (slot.fsm_state == TradeStage::STALE_STATE_RECONCILING) {
        set_result(ctx, KernelDiagnosticCode::SLOT_RECONCILING, KernelSeverity::WARNING,
                   DetailText::of("slot ", slot.slot_id, " is reconciling; CANCEL refused"), {.slot_id = slot.slot_id, .trade_id = slot.trade_id, .asset = slot.asset});
        return;
    }
    const auto found = slot.working_order_id.empty() ? orders_.end() : orders_.find(slot.working_order_id);
    if (found == orders_.end() || !found->second.record.working()) {
        set_result(ctx, KernelDiagnosticCode::NOTHING_TO_CANCEL, KernelSeverity::INFO,
                   DetailText::of("slot ", slot.slot_id, " has no working order (", slot.fsm_state, ")"),
                   {.slot_id = slot.slot_id, .trade_id = slot.trade_id, .asset = slot.asset});
        return;
    }
    touch(ctx, slot.slot_id);
    request_cancel(ctx, slot, found->second);
    drain(ctx);
}

void ExecutionKernel::request_cancel(Ctx& ctx, TradeSlot& slot, OrderEntry& entry) {
    OrderRecord& record = entry.record;
    const auto cancel_fields = [&] {
        return DiagnosticFields{.slot_id = slot.slot_id, .client_order_id = record.client_order_id,
                                .trade_id = entry.trade_id, .asset = entry.asset};
    };
    if (record.cancel_requested) {
        set_result(ctx, KernelDiagnosticCode::CANCEL_PENDING, KernelSeverity::INFO,
                   DetailText::of("cancel of ", record.client_order_id, " already requested"), cancel_fields());
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
        note_progress(ctx, "cancel of ", after.client_order_id, " requested");
        break;
    case VenueCallStatus::UNKNOWN:
        after.cancel_requested = true;
        set_result(ctx, KernelDiagnosticCode::OUTCOME_UNKNOWN, KernelSeverity::WARNING,
                   "cancel of " + coid + ": no answer from the venue (" + answer.detail + ")", cancel_fields());
        break;
    case VenueCallStatus::REJECTED:
        set_result(ctx, KernelDiagnosticCode::CANCEL_REJECTED, KernelSeverity::WARNING,
                   "venue refused to cancel " + coid + " (" + answer.detail + "); the order stays working",
                   cancel_fields());
        break;
    case VenueCallStatus::UNAVAILABLE:
        set_result(ctx, KernelDiagnosticCode::VENUE_UNAVAILABLE, KernelSeverity::WARNING,
                   "cancel of " + coid + " not sent: " + answer.detail, cancel_fields());
        break;
    }
}

void ExecutionKernel::handle_mark(Ctx& ctx, const KernelIntent& intent) {
    const auto price = Decimal::from_double(intent.reference_price);
    if (!price || !price->is_positive()) {
        set_result(ctx, KernelDiagnosticCode::INVALID_PRICE, KernelSeverity::ERROR,
                   "mark price must be a finite positive number, got " + detail::fmt_double(intent.reference_price),
                   intent_fields(intent));
        return;
    }
    const auto spec = instrument(intent.asset);
    if (!spec) {
        set_result(ctx, KernelDiagnosticCode::UNKNOWN_ASSET, KernelSeverity::ERROR,
                   "asset '" + intent.asset + "' is not traded on venue " + std::string(venue_.name()),
                   intent_fields(intent));
        return;
    }
    if (*price < spec->tick_size) {
        set_result(ctx, KernelDiagnosticCode::INVALID_PRICE, KernelSeverity::ERROR,
                   cat("mark ", *price, " is below the tick ", spec->tick_size, " of ", intent.asset),
                   {.asset = AssetName(intent.asset), .size = *price, .limit = spec->tick_size});
        return;
    }
    if (auto problem = mark_out_of_bounds(AssetName(intent.asset), *price)) {
        set_result(ctx, KernelDiagnosticCode::INVALID_PRICE, KernelSeverity::ERROR, std::move(*problem),
                   {.asset = AssetName(intent.asset), .size = *price});
        return;
    }
    marks_[AssetName(intent.asset)] = *price;
    revalue_asset(AssetName(intent.asset));
    note_progress(ctx, "mark ", AssetName(intent.asset), " = ", *price);
}

void ExecutionKernel::apply_late_entries(Ctx& ctx) {
    apply_late_entry_events(ctx);
    place_exit_excesses(ctx);
}

void ExecutionKernel::place_exit_excesses(Ctx& ctx) {
    if (ctx.exit_excesses.empty()) return;
    std::vector<Ctx::ExitExcess> excesses;
    excesses.swap(ctx.exit_excesses);
    std::sort(excesses.begin(), excesses.end(),
              [](const Ctx::ExitExcess& a, const Ctx::ExitExcess& b) { return a.client_order_id < b.client_order_id; });
    for (const Ctx::ExitExcess& excess : excesses) {
        TradeSlot* const claimed =
            claim_free_slot(ctx, Id(cat("excess-", input_sequence_, "-", excess.client_order_id.view().substr(0, 24))),
                            excess.side, excess.asset);
        if (claimed == nullptr) {
            set_result(ctx, KernelDiagnosticCode::OVERFILL, KernelSeverity::ERROR,
                       cat("exit fills exceed the open ", excess.open, " by ", excess.qty, " on ", excess.client_order_id,
                           " and no slot is free to hold the excess; it is left to reconciliation"),
                       {.client_order_id = excess.client_order_id, .asset = excess.asset, .size = excess.qty,
                        .limit = excess.open});
            continue;
        }
        TradeSlot& slot = *claimed;
        slot.target_size = excess.qty;
        slot.size = excess.qty;
        slot.entry_filled = excess.qty;
        slot.entry_price = excess.price;
        if (!move(ctx, slot, FsmInput::BEGIN_RECONCILE) || !move(ctx, slot, FsmInput::RESOLVE_POSITION_OPEN)) continue;
        set_result(ctx, KernelDiagnosticCode::OK, KernelSeverity::WARNING,
                   cat("exit fills exceed the open ", excess.open, " by ", excess.qty, " on ", excess.client_order_id,
                       " (two exits of one position both filled): the kernel's own ", excess.side, " position, held in slot ",
                       slot.slot_id, " as trade ", slot.trade_id),
                   {.slot_id = slot.slot_id, .client_order_id = excess.client_order_id, .trade_id = slot.trade_id,
                    .asset = excess.asset, .size = excess.qty, .limit = excess.open});
    }
}

void ExecutionKernel::apply_late_entry_events(Ctx& ctx) {
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

} // namespace dita
