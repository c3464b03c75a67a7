// Venue events: drained from the venue, merged into the order they report, and walked through
// the slot's FSM (entry and exit changes, late fills, the end of a trade).
#include "kernel_context.hpp"

#include <algorithm>

namespace dita {

using detail::cat;
using detail::merge_event;
using detail::pnl_of;

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

} // namespace

void ExecutionKernel::drain(Ctx& ctx) {
    std::vector<VenueEvent> batch;
    // Room for a usual delivery on the first drain, not at construction (a replay may not drain).
    if (inbox_.capacity() == 0) inbox_.reserve(8);
    for (int round = 0; round < drain_rounds_max; ++round) {
        inbox_.clear();
        InboxSink sink(inbox_);
        venue_.drain_events(sink);
        if (inbox_.empty()) return;
        batch.swap(inbox_);
        // One allocation for the outcome's events rather than one per doubling, and no room to
        // spare: a chaos run keeps every outcome (room for four where two came was ~8% of its memory).
        if (ctx.outcome.emitted_events.empty()) ctx.outcome.emitted_events.reserve(batch.size());
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
        apply_venue_moves(ctx);
        close_emptied_slots(ctx);
        run_pending_exits(ctx);
    }
    set_result(ctx, KernelDiagnosticCode::INVARIANT_BROKEN, KernelSeverity::CRITICAL,
               "venue kept delivering events for " + std::to_string(drain_rounds_max) + " rounds");
}

void ExecutionKernel::apply_event(Ctx& ctx, const VenueEvent& event, bool in_reconcile) {
    if (static_cast<std::size_t>(event.kind) >= enum_count<KernelEventKind>()) {
        set_result(ctx, KernelDiagnosticCode::UNKNOWN_EVENT_KIND, KernelSeverity::ERROR,
                   "event kind " + std::to_string(static_cast<int>(event.kind)) + " is unknown", {.slot_id = event.slot_id, .client_order_id = event.client_order_id, .asset = event.asset});
        return;
    }
    if (event.kind == KernelEventKind::MARK_PRICE) {
        apply_mark_event(ctx, event);
        return;
    }
    if (is_venue_reduction(event.kind) || event.kind == KernelEventKind::FUNDING) {
        if (accept_venue_move(ctx, event)) ctx.venue_moves.push_back(event);
        return;
    }
    if (auto problem = detail::check_order_event(event, bounds_, mark_or_zero(event.asset.view()))) {
        set_result(ctx, KernelDiagnosticCode::INVALID_EVENT, KernelSeverity::ERROR, std::move(*problem), {.slot_id = event.slot_id, .client_order_id = event.client_order_id, .asset = event.asset,
                    .size = event.cum_filled_qty, .limit = event.order_qty});
        return;
    }
    const auto found = orders_.find(event.client_order_id);
    if (found == orders_.end()) {
        keep_unmatched(event);
        set_result(ctx, KernelDiagnosticCode::UNKNOWN_ORDER, KernelSeverity::WARNING,
                   DetailText::of("event ", event.kind, " for unknown order '", event.client_order_id,
                                  "' kept for reconciliation"),
                   {.slot_id = event.slot_id, .client_order_id = event.client_order_id, .asset = event.asset, .size = event.cum_filled_qty, .limit = event.order_qty});
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
                   DetailText::of("venue refused to cancel ", entry.record.client_order_id, "; the order stays working"),
                   {.slot_id = entry.slot_id, .client_order_id = entry.record.client_order_id, .trade_id = entry.trade_id,
                    .asset = entry.asset});
        return;
    }
    const OrderRecord before = entry.record;
    const OrderRecord after = merge_event(before, event);
    if constexpr (detail::planted_bug == detail::PlantedBug::DUPLICATE_FILL) {
        if (planted_recount(ctx, entry, slot, before, after, event, in_reconcile)) return;
    }
    if (detail::same_facts(after, before)) {
        entry.record.last_venue_sequence = after.last_venue_sequence;
        note_unchanged(ctx, before, event);
    } else if (entry.trade_id != slot.trade_id) {
        apply_to_finished_trade(ctx, entry, before, after, event, in_reconcile);
    } else {
        apply_order_change(ctx, entry, slot, before, after, event.kind, in_reconcile);
    }
}

void ExecutionKernel::apply_mark_event(Ctx& ctx, const VenueEvent& event) {
    if (!event.price.is_positive() || !instrument(event.asset.view())) {
        set_result(ctx, KernelDiagnosticCode::INVALID_EVENT, KernelSeverity::ERROR,
                   "MARK_PRICE event needs a known asset and a positive price", {.asset = event.asset, .size = event.price});
        return;
    }
    if (auto problem = mark_out_of_bounds(event.asset, event.price)) {
        set_result(ctx, KernelDiagnosticCode::INVALID_EVENT, KernelSeverity::ERROR, std::move(*problem),
                   {.asset = event.asset, .size = event.price});
        return;
    }
    auto& last_sequence = mark_sequences_[event.asset];
    if (event.venue_sequence != 0 && event.venue_sequence < last_sequence) {
        set_result(ctx, KernelDiagnosticCode::STALE_EVENT, KernelSeverity::INFO,
                   DetailText::of("mark of sequence ", event.venue_sequence, " is older than ", last_sequence),
                   {.asset = event.asset, .size = event.price});
        return;
    }
    last_sequence = event.venue_sequence;
    marks_[event.asset] = event.price;
    revalue_asset(event.asset);
    note_progress(ctx, "mark ", event.asset, " = ", event.price);
}

void ExecutionKernel::note_unchanged(Ctx& ctx, const OrderRecord& known, const VenueEvent& event) {
    // While an intent drains the venue, this note would be dropped by set_result: do not
    // format it (replays deliver duplicates by the hundred).
    if (ctx.from_event && KernelSeverity::INFO < ctx.event_override_min) return;
    const bool same = detail::event_matches(known, event);
    const auto say = [&](const auto& what) {
        return DetailText::of(what, event.kind, " for ", known.client_order_id, " (cum ", event.cum_filled_qty,
                              ", known ", known.cum_filled_qty, "): no change");
    };
    set_result(ctx, same ? KernelDiagnosticCode::DUPLICATE_EVENT : KernelDiagnosticCode::STALE_EVENT,
               KernelSeverity::INFO, same ? say("duplicate ") : say("stale "),
               {.slot_id = event.slot_id, .client_order_id = known.client_order_id, .asset = event.asset,
                .size = event.cum_filled_qty, .limit = known.cum_filled_qty});
}

void ExecutionKernel::apply_to_finished_trade(Ctx& ctx, OrderEntry& entry, const OrderRecord& before,
                                              const OrderRecord& after, const VenueEvent& event, bool in_reconcile) {
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
               DetailText::of("event for order ", before.client_order_id, " of finished trade ", entry.trade_id,
                              " kept for reconciliation"),
               {.slot_id = entry.slot_id, .client_order_id = before.client_order_id, .trade_id = entry.trade_id,
                .asset = entry.asset, .size = after.cum_filled_qty, .limit = before.cum_filled_qty});
}

void ExecutionKernel::apply_order_change(Ctx& ctx, OrderEntry& entry, TradeSlot& slot, const OrderRecord& before,
                                         const OrderRecord& after, KernelEventKind kind, bool in_reconcile) {
    DITA_ASSERT(entry.slot_id == slot.slot_id && entry.trade_id == slot.trade_id);
    entry.record = after;
    touch(ctx, slot.slot_id);
    note_progress(ctx, kind, " ", after.client_order_id, ": filled ", after.cum_filled_qty, "/", after.qty, " ",
                  after.status);
    if (after.cum_filled_qty > after.qty) {
        set_result(ctx, KernelDiagnosticCode::OVERFILL, KernelSeverity::ERROR,
                   DetailText::of("venue reports ", after.cum_filled_qty, " filled of ", after.qty, " ordered on ",
                                  after.client_order_id, "; accepted as venue truth"),
                   {.slot_id = slot.slot_id, .client_order_id = after.client_order_id, .trade_id = slot.trade_id, .asset = slot.asset, .size = after.cum_filled_qty, .limit = after.qty});
    }
    if (after.purpose == OrderPurpose::ENTRY) {
        apply_entry_change(ctx, slot, before, after, in_reconcile);
    } else {
        apply_exit_change(ctx, slot, before, after, in_reconcile);
    }
}

namespace {

OrderChange change_of(const OrderRecord& before, const OrderRecord& after) {
    OrderChange change;
    change.status = after.status;
    change.working = after.working();
    change.acked = after.acked;
    change.has_fills = after.cum_filled_qty.is_positive();
    change.filled_more = after.cum_filled_qty > before.cum_filled_qty;
    return change;
}

} // namespace

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
    const FsmPlan plan = plan_entry_change(stage, change_of(before, after));
    if constexpr (detail::planted_bug == detail::PlantedBug::CANCEL_FORGETS_FILL) {
        if (is_entry_working_stage(stage) && !after.working() && after.cum_filled_qty.is_positive() &&
            after.status != VenueOrderStatus::FILLED) {
            detail::planted_forget_fill(slot, after);
        }
    }
    switch (plan.then) {
    case FsmPlan::Then::LATE_ENTRY_FILL:
    case FsmPlan::Then::REOPEN_TRADE:
        set_result(ctx, KernelDiagnosticCode::OK, KernelSeverity::WARNING,
                   DetailText::of("late entry fill of ", filled, " on ", after.client_order_id,
                                  " accepted as venue truth; position now ", slot.size),
                   {.slot_id = slot.slot_id, .client_order_id = after.client_order_id, .trade_id = slot.trade_id, .asset = slot.asset, .size = filled, .limit = slot.size});
        if (plan.then == FsmPlan::Then::REOPEN_TRADE) {
            // The trade was not complete after all; the state is as if the fill had come first.
            slot.closed = false;
            if (stage == TradeStage::TRADE_TERMINAL_WRITTEN && slot.trades_completed > 0) --slot.trades_completed;
        }
        break;
    default: break;
    }
    const bool moved = run_plan(ctx, slot, plan);
    if (plan.then == FsmPlan::Then::ORDER_REJECTED) {
        slot.pending_exit = false;
        set_result(ctx, KernelDiagnosticCode::ORDER_REJECTED, KernelSeverity::WARNING,
                   DetailText::of("entry ", after.client_order_id, " rejected by the venue"),
                   {.slot_id = slot.slot_id, .client_order_id = after.client_order_id, .trade_id = slot.trade_id, .asset = slot.asset, .size = after.qty});
    } else if (plan.then == FsmPlan::Then::FINISH_TRADE && moved) {
        finish_trade(ctx, slot);
    }
    // Closed at the end of the delivery if the venue has taken the whole position by then: a
    // fill later in the same delivery may still give the slot a size (and a pending exit
    // something to close).
    if (std::find(emptied_slots_.begin(), emptied_slots_.end(), slot.slot_id) == emptied_slots_.end()) {
        emptied_slots_.push_back(slot.slot_id);
    }
    // A pending exit waits for the whole delivery (run_pending_exits): a later event of the
    // same batch may still change what the entry filled.
}

void ExecutionKernel::apply_exit_change(Ctx& ctx, TradeSlot& slot, const OrderRecord& before,
                                        const OrderRecord& after, bool in_reconcile) {
    const Decimal filled = after.cum_filled_qty - before.cum_filled_qty;
    const Decimal fee = after.cum_fee - before.cum_fee;
    const int direction = side_sign(slot.side);
    // The venue's own reductions are shared among the slots by a rule; the kernel's own exit
    // fills are not: when one finds its slot already reduced by the venue, that share moves
    // to another slot holding the same side.
    if (filled > slot.size && !detail::is_venue_move_id(after.client_order_id.view())) {
        reattribute_venue_reductions(ctx, slot, filled - slot.size);
    }
    // An exit never takes the slot below zero: fills beyond the open size are the venue's
    // position, not this trade's, and are left for reconciliation to find.
    const Decimal accounted = min(filled, slot.size);
    Decimal pnl = pnl_of(after, slot.entry_price, direction) - pnl_of(before, slot.entry_price, direction);
    Decimal excess_notional;
    if (accounted < filled) {
        const Decimal excess = filled - accounted;
        if (in_reconcile) {
            set_result(ctx, KernelDiagnosticCode::OVERFILL, KernelSeverity::ERROR,
                       cat("exit fills of ", filled, " exceed the open ", slot.size, " on ", after.client_order_id,
                           "; the excess is left to reconciliation"),
                       {.slot_id = slot.slot_id, .client_order_id = after.client_order_id, .trade_id = slot.trade_id,
                        .asset = slot.asset, .size = filled, .limit = accounted});
        } else {
            // Only the open size is this trade's; the rest opens the other way, placed later.
            pnl = pnl.mul_div(accounted, filled);
            excess_notional = after.avg_fill_price.mul(excess);
            ctx.exit_excesses.push_back(Ctx::ExitExcess{slot.asset,
                                                        slot.side == TradeSide::LONG ? TradeSide::SHORT : TradeSide::LONG,
                                                        excess, after.avg_fill_price, after.client_order_id, slot.size});
        }
    }
    slot.exit_filled += accounted;
    slot.size -= accounted;
    slot.exit_notional += after.avg_fill_price.mul(after.cum_filled_qty) -
                          before.avg_fill_price.mul(before.cum_filled_qty) - excess_notional;
    slot.realized_pnl += pnl;
    totals_.realized_pnl += pnl;
    slot.fees += fee;
    totals_.fees_paid += fee;
    update_leg_index(slot);
    if (!after.working() && slot.working_order_id == after.client_order_id) slot.working_order_id = Id();
    if (in_reconcile) return;

    const ExitFacts facts{slot.exit_order_id == after.client_order_id, slot.size.is_positive(),
                          slot.exit_filled.is_positive()};
    const FsmPlan plan = plan_exit_change(slot.fsm_state, change_of(before, after), facts);
    const bool moved = run_plan(ctx, slot, plan);
    if (plan.then == FsmPlan::Then::ORDER_REJECTED) {
        set_result(ctx, KernelDiagnosticCode::ORDER_REJECTED, KernelSeverity::WARNING,
                   DetailText::of("exit ", after.client_order_id, " rejected by the venue; position kept"),
                   {.slot_id = slot.slot_id, .client_order_id = after.client_order_id, .trade_id = slot.trade_id, .asset = slot.asset, .size = after.qty, .limit = slot.size});
    } else if (plan.then == FsmPlan::Then::FINISH_TRADE && moved) {
        finish_trade(ctx, slot);
    }
}

bool ExecutionKernel::run_plan(Ctx& ctx, TradeSlot& slot, const FsmPlan& plan) {
    bool all = true;
    for (const FsmInput input : plan.steps()) {
        if (!move(ctx, slot, input)) {
            all = false;
            if (plan.stop_on_refusal) break;
        }
    }
    return all;
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
                   " of finished trade ", entry.trade_id, " reopened in slot ", slot.slot_id),
               {.slot_id = slot.slot_id, .client_order_id = after.client_order_id, .trade_id = slot.trade_id, .asset = slot.asset, .size = after.cum_filled_qty - before.cum_filled_qty});
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

void ExecutionKernel::finish_trade(Ctx& ctx, TradeSlot& slot) {
    DITA_ASSERT(slot.fsm_state == TradeStage::CLOSED);
    const bool journaled = zinc_.keeps_records();
    if (journaled) journal_terminal(ctx, slot);
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
        if (!journaled) continue;
        journal_finished(found->second);
        finished_journaled_.push_back(found->second.record);
    }
}

void ExecutionKernel::journal_terminal(const Ctx& ctx, const TradeSlot& slot) {
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
    if (const std::string causes = detail::venue_move_causes(trade_orders_[static_cast<std::size_t>(slot.slot_id)]);
        !causes.empty()) {
        record.reason = cat("closed; reduced by the venue: ", causes);
    }
    zinc_.write_terminal(record);
}

void ExecutionKernel::keep_unmatched(const VenueEvent& event) {
    if (unmatched_indexed_ != unmatched_.size()) {
        unmatched_sequences_.clear();
        for (const VenueEvent& kept : unmatched_) count_unmatched(kept.venue_sequence);
    }
    // A reconcile that asks a finished order again keeps the same answer again: once is enough.
    // Only an event whose sequence is kept already can be a copy (a reapply at rest brings up
    // to unmatched_events_max kept events per event: no scan of them all each time).
    if (unmatched_sequences_.contains(SequenceKey{event.venue_sequence}) &&
        std::find(unmatched_.begin(), unmatched_.end(), event) != unmatched_.end()) {
        unmatched_indexed_ = unmatched_.size();
        return;
    }
    if (!unmatched_.empty() && unmatched_.size() == config_.unmatched_events_max) {
        const auto oldest = unmatched_sequences_.find(SequenceKey{unmatched_.front().venue_sequence});
        DITA_ASSERT(oldest != unmatched_sequences_.end()); // every kept event is counted
        if (--oldest->second == 0) unmatched_sequences_.erase(oldest);
        unmatched_.pop_front();
    }
    unmatched_.push_back(event);
    count_unmatched(event.venue_sequence);
    unmatched_indexed_ = unmatched_.size();
}

void ExecutionKernel::count_unmatched(std::uint64_t venue_sequence) {
    const SequenceKey key{venue_sequence};
    const auto found = unmatched_sequences_.find(key);
    if (found != unmatched_sequences_.end()) {
        ++found->second;
    } else {
        unmatched_sequences_.insert_or_assign(key, 1);
    }
}

} // namespace dita
