// Venue moves (issue 13): what the venue did by itself (liquidation, ADL, a person's manual
// close, funding), settled into the slots and the account as venue truth.
#include "kernel_context.hpp"

#include <algorithm>
#include <array>
#include <string>
#include <vector>

namespace dita {

using detail::cat;

namespace {
constexpr std::string_view venue_moves_trade = "~venue-moves"; // the trade id of the account's ledgers
} // namespace

bool ExecutionKernel::accept_venue_move(Ctx& ctx, const VenueEvent& event) {
    if (const auto problem = detail::check_venue_move(event, bounds_)) {
        set_result(ctx, KernelDiagnosticCode::INVALID_EVENT, KernelSeverity::ERROR, *problem);
        return false;
    }
    if (!instrument(event.asset.view())) {
        set_result(ctx, KernelDiagnosticCode::INVALID_EVENT, KernelSeverity::ERROR,
                   cat(event.kind, " event for unknown asset '", event.asset, "'"));
        return false;
    }
    return true;
}

void ExecutionKernel::apply_venue_moves(Ctx& ctx) {
    if (ctx.venue_moves.empty() && ctx.reshares.empty()) return;
    venue_reduced_.clear();
    place_reshares(ctx); // older moves first
    std::vector<VenueEvent> moves;
    moves.swap(ctx.venue_moves);
    // In the venue's order, whatever order the delivery came in; a duplicate merges as a no-op.
    std::sort(moves.begin(), moves.end(), [](const VenueEvent& a, const VenueEvent& b) {
        if (a.venue_sequence != b.venue_sequence) return a.venue_sequence < b.venue_sequence;
        if (a.venue_order_id != b.venue_order_id) return a.venue_order_id < b.venue_order_id;
        if (a.cum_filled_qty != b.cum_filled_qty) return a.cum_filled_qty < b.cum_filled_qty;
        return a.cum_fee < b.cum_fee;
    });
    for (const VenueEvent& event : moves) {
        if (event.kind == KernelEventKind::FUNDING) {
            apply_funding(ctx, event);
        } else {
            apply_venue_reduction(ctx, event);
        }
    }
    if (venue_reduced_.empty()) return;
    std::vector<int> reduced;
    reduced.swap(venue_reduced_);
    if (ctx.defer_stranded_cancels) {
        ctx.stranded_slots.insert(ctx.stranded_slots.end(), reduced.begin(), reduced.end());
        return;
    }
    std::sort(reduced.begin(), reduced.end());
    cancel_stranded_orders(ctx, reduced);
}

void ExecutionKernel::apply_funding(Ctx& ctx, const VenueEvent& event) {
    const Id ledger(detail::venue_move_ledger_id(event.kind, event.venue_order_id.view(), config_.client_order_id_max));
    if (orders_.contains(ledger)) {
        if (!(ctx.from_event && KernelSeverity::INFO < ctx.event_override_min)) {
            set_result(ctx, KernelDiagnosticCode::DUPLICATE_EVENT, KernelSeverity::INFO,
                       cat("funding ", event.venue_order_id, " already booked: no change"));
        }
        return;
    }
    OrderEntry entry;
    entry.record.client_order_id = ledger;
    entry.record.venue_order_id = event.venue_order_id;
    entry.record.purpose = OrderPurpose::EXIT;
    entry.record.side = event.side;
    entry.record.qty = event.cum_filled_qty;
    entry.record.status = VenueOrderStatus::FILLED;
    entry.record.acked = true;
    entry.record.cum_filled_qty = event.cum_filled_qty;
    entry.record.avg_fill_price = event.price;
    entry.record.last_venue_sequence = event.venue_sequence;
    entry.slot_id = 0;
    entry.trade_id = Id(venue_moves_trade);
    entry.asset = event.asset;
    remember_order(entry);
    retire_venue_ledger(ledger);
    journal_finished(entry);
    totals_.funding -= event.cum_fee;
    touch(ctx, 0); // the totals are journaled with a slot's state
    ctx.outcome.venue_moves.push_back(VenueMoveReport{event.kind, event.asset, event.side, -1, Id(),
                                                      event.venue_order_id, event.cum_filled_qty, event.price,
                                                      event.cum_fee});
    set_result(ctx, KernelDiagnosticCode::FUNDING_BOOKED, KernelSeverity::INFO,
               cat("funding ", event.venue_order_id, " on ", event.asset, " ", event.side, " ", event.cum_filled_qty,
                   " at ", event.price, ": charged ", event.cum_fee, "; funding now ", totals_.funding));
}

void ExecutionKernel::apply_venue_reduction(Ctx& ctx, const VenueEvent& event) {
    const Id ledger_id(detail::venue_move_ledger_id(event.kind, event.venue_order_id.view(), config_.client_order_id_max));
    auto found = orders_.find(ledger_id);
    if (found == orders_.end()) {
        OrderEntry entry;
        entry.record.client_order_id = ledger_id;
        entry.record.venue_order_id = event.venue_order_id;
        entry.record.purpose = OrderPurpose::EXIT;
        entry.record.side = event.side;
        entry.record.status = VenueOrderStatus::FILLED;
        entry.record.acked = true;
        entry.slot_id = 0;
        entry.trade_id = Id(venue_moves_trade);
        entry.asset = event.asset;
        remember_order(entry);
        retire_venue_ledger(ledger_id);
        found = orders_.find(ledger_id);
    }
    // The ledger: cum_filled_qty what the venue said it reduced, qty what the slots took,
    // cum_fee the fee booked to the account.
    OrderRecord& ledger = found->second.record;
    const Decimal qty = event.cum_filled_qty - ledger.cum_filled_qty;
    const Decimal fee = event.cum_fee - ledger.cum_fee;
    if (!qty.is_positive() && !fee.is_positive()) {
        if (!(ctx.from_event && KernelSeverity::INFO < ctx.event_override_min)) {
            set_result(ctx, KernelDiagnosticCode::DUPLICATE_EVENT, KernelSeverity::INFO,
                       cat(event.kind, " ", event.venue_order_id, " already settled: no change"));
        }
        return;
    }
    // The price of what is new: the venue's cumulative average less what was settled before.
    const bool first = ledger.cum_filled_qty.is_zero();
    const Decimal price = qty.is_positive() && !first
                              ? (event.avg_fill_price.mul(event.cum_filled_qty) -
                                 ledger.avg_fill_price.mul(ledger.cum_filled_qty)).div(qty)
                              : event.avg_fill_price;
    const Decimal qty_new = max(qty, Decimal());
    const Decimal fee_new = max(fee, Decimal());
    if (qty.is_positive()) {
        ledger.avg_fill_price = event.avg_fill_price;
        ledger.cum_filled_qty = event.cum_filled_qty;
    }
    if (fee.is_positive()) ledger.cum_fee = event.cum_fee;
    ledger.last_venue_sequence = std::max(ledger.last_venue_sequence, event.venue_sequence);
    const Shared shared = share_venue_reduction(ctx, event, qty_new, price, fee_new);
    const Decimal left = shared.left;
    const Decimal fee_left = shared.fee_left;
    ledger.qty += qty_new - left;
    // What no slot held (a stranger's position, or fills not yet known) is the account's: its
    // fee is booked, its size left to reconciliation. The totals are journaled with a slot's
    // state: slot 0's is written too, so a restart keeps the fee.
    totals_.fees_paid += fee_left;
    if (fee_left.is_positive()) touch(ctx, 0);
    journal_finished(found->second);
    if (left.is_positive() || (!qty_new.is_positive() && fee_left.is_positive())) {
        ctx.outcome.venue_moves.push_back(VenueMoveReport{event.kind, event.asset, event.side, -1, Id(),
                                                          event.venue_order_id, left, price, fee_left});
    }
    const bool liquidation = event.kind == KernelEventKind::LIQUIDATION;
    const KernelDiagnosticCode code = liquidation ? KernelDiagnosticCode::VENUE_LIQUIDATION
                                      : event.kind == KernelEventKind::ADL ? KernelDiagnosticCode::VENUE_ADL
                                                                            : KernelDiagnosticCode::VENUE_MANUAL_CLOSE;
    set_result(ctx, code, liquidation ? KernelSeverity::ERROR : KernelSeverity::WARNING,
               cat(detail::venue_move_cause_name(event.kind), " ", event.venue_order_id, " on ", event.asset, " ",
                   event.side, ": ", qty_new, " at ", price, ", fee ", fee_new, "; the slots took ", qty_new - left,
                   left.is_positive() ? cat(", ", left, " beyond their position is left to reconciliation") : std::string()));
}

ExecutionKernel::Shared ExecutionKernel::share_venue_reduction(Ctx& ctx, const VenueEvent& event, Decimal qty,
                                                              Decimal price, Decimal fee) {
    // Shared by one rule: first what no working exit of the slot has claimed, then the rest;
    // each pass in slot order. Applied once the delivery is, so any delivery order agrees.
    const Decimal fee_total = fee;
    Decimal fee_left = fee;
    Decimal left = qty;
    for (int pass = 0; pass < 2 && left.is_positive(); ++pass) {
        for (TradeSlot& slot : slots_) {
            if (!left.is_positive()) break;
            if (slot.asset != event.asset || slot.side != event.side || !slot.size.is_positive() ||
                slot.fsm_state == TradeStage::STALE_STATE_RECONCILING) {
                continue;
            }
            Decimal room = slot.size;
            if (pass == 0) {
                const auto exit = orders_.find(slot.working_order_id);
                if (exit != orders_.end() && exit->second.record.purpose == OrderPurpose::EXIT &&
                    exit->second.record.working()) {
                    room = room - min(room, exit->second.record.qty - exit->second.record.cum_filled_qty);
                }
            }
            const Decimal take = min(room, left);
            if (!take.is_positive()) continue;
            const Decimal share = take == left ? fee_left : fee_total.mul_div(take, qty);
            reduce_slot_by_venue(ctx, slot, event, take, price, share);
            left -= take;
            fee_left -= share;
        }
    }
    return Shared{left, fee_left};
}

void ExecutionKernel::settle_venue_leftovers(Ctx& ctx, const AssetName& asset, TradeSide side, Decimal excess) {
    // The kernel holds more on this side than the venue, and venue moves reduced more than the
    // slots held when they came (a fill the kernel learnt later, e.g. from a reconcile): that
    // rest of theirs is the slots' now, up to the excess. Ledgers in id order.
    std::vector<Id> ledgers;
    orders_.visit_unordered([&](const Id& id, const OrderEntry& entry) {
        const std::string_view text = id.view();
        if (!detail::is_venue_move_id(text) || text.size() < 2 || text[1] == 'F' ||
            text.find('.') != std::string_view::npos || entry.asset != asset || entry.record.side != side) {
            return;
        }
        if (entry.record.cum_filled_qty > entry.record.qty) ledgers.push_back(id);
    });
    std::sort(ledgers.begin(), ledgers.end());
    for (const Id& id : ledgers) {
        if (!excess.is_positive()) break;
        OrderRecord& ledger = orders_.at(id).record;
        VenueEvent event;
        event.kind = id.view()[1] == 'L' ? KernelEventKind::LIQUIDATION
                     : id.view()[1] == 'A' ? KernelEventKind::ADL : KernelEventKind::MANUAL_CLOSE;
        event.venue_order_id = ledger.venue_order_id;
        event.side = side;
        event.asset = asset;
        event.venue_sequence = ledger.last_venue_sequence;
        const Decimal want = min(ledger.cum_filled_qty - ledger.qty, excess);
        const Decimal left = share_venue_reduction(ctx, event, want, ledger.avg_fill_price, Decimal()).left;
        OrderRecord& after = orders_.at(id).record;
        after.qty += want - left;
        excess -= want - left;
        journal_finished(orders_.at(id));
        set_result(ctx, KernelDiagnosticCode::RECONCILED, KernelSeverity::WARNING,
                   cat(detail::venue_move_cause_name(event.kind), " ", event.venue_order_id, " on ", asset, " ", side,
                       ": ", want - left, " the slots held beyond what the venue holds settled at ",
                       ledger.avg_fill_price));
    }
}

void ExecutionKernel::reduce_slot_by_venue(Ctx& ctx, TradeSlot& slot, const VenueEvent& event, Decimal qty,
                                           Decimal price, Decimal fee) {
    const Id ledger_id(detail::venue_move_ledger_id(event.kind, event.venue_order_id.view(), config_.client_order_id_max));
    const Id record_id(detail::venue_move_slot_record_id(ledger_id.view(), slot.slot_id));
    auto found = orders_.find(record_id);
    if (found == orders_.end() || found->second.trade_id != slot.trade_id) {
        OrderEntry entry;
        entry.record.client_order_id = record_id;
        entry.record.venue_order_id = event.venue_order_id;
        entry.record.purpose = OrderPurpose::EXIT;
        entry.record.side = slot.side;
        entry.record.status = VenueOrderStatus::FILLED;
        entry.record.acked = true;
        entry.slot_id = slot.slot_id;
        entry.trade_id = slot.trade_id;
        entry.asset = slot.asset;
        remember_order(entry);
        found = orders_.find(record_id);
    }
    add_trade_order(slot.slot_id, record_id);
    const OrderRecord before = found->second.record;
    OrderRecord after = before;
    after.qty += qty;
    after.cum_filled_qty += qty;
    after.avg_fill_price = (before.avg_fill_price.mul(before.cum_filled_qty) + price.mul(qty)).div(after.cum_filled_qty);
    after.cum_fee += fee;
    after.last_venue_sequence = std::max(before.last_venue_sequence, event.venue_sequence);
    found->second.record = after;
    touch(ctx, slot.slot_id);
    ctx.outcome.venue_moves.push_back(VenueMoveReport{event.kind, event.asset, event.side, slot.slot_id,
                                                      slot.trade_id, event.venue_order_id, qty, price, fee});
    if (std::find(venue_reduced_.begin(), venue_reduced_.end(), slot.slot_id) == venue_reduced_.end()) {
        venue_reduced_.push_back(slot.slot_id);
    }
    // Settled as an exit fill of the venue's: size, realized PnL, fees, and the FSM's close.
    apply_exit_change(ctx, slot, before, after, false);
}

void ExecutionKernel::reattribute_venue_reductions(Ctx& ctx, TradeSlot& slot, Decimal excess) {
    std::vector<Id> records;
    for (const Id& id : trade_orders_[static_cast<std::size_t>(slot.slot_id)]) {
        if (detail::is_venue_move_id(id.view()) && id.view().find('.') != std::string_view::npos) records.push_back(id);
    }
    for (const Id& id : records) {
        if (!excess.is_positive()) return;
        const auto found = orders_.find(id);
        if (found == orders_.end() || found->second.slot_id != slot.slot_id) continue;
        const OrderRecord before = found->second.record;
        // The kernel's own fill is certain, the venue's share a rule: the share gives way, and
        // is placed again once the whole delivery is applied (place_reshares).
        const Decimal moved = min(excess, before.cum_filled_qty);
        if (!moved.is_positive()) return;
        // The fee goes with the size: a record keeps no fee for fills it no longer has.
        const Decimal fee_moved = before.cum_fee.mul_div(moved, before.cum_filled_qty);
        OrderRecord after = before;
        after.qty -= moved;
        after.cum_filled_qty -= moved;
        after.cum_fee -= fee_moved;
        found->second.record = after;
        apply_exit_change(ctx, slot, before, after, true); // undoes that share: size, PnL, fee
        ctx.reshares.push_back(Ctx::Reshare{id, moved, fee_moved});
        excess -= moved;
    }
}

void ExecutionKernel::place_reshares(Ctx& ctx) {
    if (ctx.reshares.empty()) return;
    std::vector<Ctx::Reshare> reshares;
    reshares.swap(ctx.reshares);
    std::sort(reshares.begin(), reshares.end(), [](const Ctx::Reshare& a, const Ctx::Reshare& b) {
        return a.record_id != b.record_id ? a.record_id < b.record_id : a.qty < b.qty;
    });
    for (const Ctx::Reshare& reshare : reshares) {
        const std::string_view record_text = reshare.record_id.view();
        const auto ledger = orders_.find(Id(record_text.substr(0, record_text.rfind('.'))));
        if (ledger == orders_.end()) {
            totals_.fees_paid += reshare.fee; // the ledger is gone: the fee stays booked
            touch(ctx, 0);
            continue;
        }
        const OrderRecord& move = ledger->second.record;
        VenueEvent event;
        const char letter = record_text[1];
        event.kind = letter == 'L' ? KernelEventKind::LIQUIDATION
                     : letter == 'A' ? KernelEventKind::ADL : KernelEventKind::MANUAL_CLOSE;
        event.venue_order_id = move.venue_order_id;
        event.side = move.side;
        event.asset = ledger->second.asset;
        event.venue_sequence = move.last_venue_sequence;
        // The slots of the side in slot order (the one it came from too: a later fill of the
        // same delivery may have given it a size again); what none holds goes back to the
        // move's ledger, settled by the reconcile that finds the slots holding more than the venue.
        Decimal left = reshare.qty;
        Decimal fee_left = reshare.fee;
        for (TradeSlot& other : slots_) {
            if (!left.is_positive()) break;
            if (other.asset != event.asset || other.side != event.side ||
                !other.size.is_positive() || other.fsm_state == TradeStage::STALE_STATE_RECONCILING) {
                continue;
            }
            const Decimal take = min(left, other.size);
            const Decimal fee = take == left ? fee_left : reshare.fee.mul_div(take, reshare.qty);
            reduce_slot_by_venue(ctx, other, event, take, move.avg_fill_price, fee);
            left -= take;
            fee_left -= fee;
        }
        if (!left.is_positive()) continue;
        ledger->second.record.qty -= left;
        journal_finished(ledger->second);
        totals_.fees_paid += fee_left; // the account's, journaled with slot 0's state
        touch(ctx, 0);
    }
}

void ExecutionKernel::retire_venue_ledger(const Id& ledger_id) {
    // Bounded apart from the kernel's own orders: a long run of funding settlements must not
    // push the records of its own finished orders (late fills) out of memory.
    venue_ledgers_.push_back(ledger_id);
    while (venue_ledgers_.size() > config_.orders_retained_max) {
        orders_.erase(venue_ledgers_.front());
        venue_ledgers_.pop_front();
    }
}

void ExecutionKernel::close_if_emptied(Ctx& ctx, TradeSlot& slot) {
    // The venue took the whole position while the entry was still working: once the entry is
    // done, the trade is closed, not left open at size zero.
    if (!is_position_resting_stage(slot.fsm_state) || slot.size.is_positive() || !slot.exit_filled.is_positive()) {
        return;
    }
    slot.pending_exit = false;
    if (move(ctx, slot, FsmInput::EXIT_ALL_DONE) && move(ctx, slot, FsmInput::CLOSE_TRADE)) finish_trade(ctx, slot);
}

void ExecutionKernel::close_emptied_slots(Ctx& ctx) {
    if (emptied_slots_.empty()) return;
    emptied_walk_.clear();
    emptied_walk_.swap(emptied_slots_);
    std::sort(emptied_walk_.begin(), emptied_walk_.end());
    // By index: closing a slot may mark others, which go to emptied_slots_ for the next call.
    for (std::size_t i = 0; i < emptied_walk_.size(); ++i) {
        close_if_emptied(ctx, slots_[static_cast<std::size_t>(emptied_walk_[i])]);
    }
}

void ExecutionKernel::cancel_stranded_orders(Ctx& ctx, const std::vector<int>& slot_ids) {
    // A slot the venue emptied has nothing left to exit, and its entry's remainder would open a
    // trade the venue just closed: what still works is canceled (never a second closing order).
    for (const int id : slot_ids) {
        TradeSlot& slot = slots_[static_cast<std::size_t>(id)];
        if (slot.size.is_positive()) continue;
        slot.pending_exit = false;
        const auto found = slot.working_order_id.empty() ? orders_.end() : orders_.find(slot.working_order_id);
        if (found == orders_.end() || !found->second.record.working() || found->second.record.cancel_requested) continue;
        request_cancel(ctx, slot, found->second);
    }
}

void ExecutionKernel::read_venue_moves(Ctx& ctx, const AssetName& asset) {
    // A lost report of a venue move is recovered here: the venue's recent moves, applied as if
    // delivered (those already settled merge as no-ops).
    const auto moves = venue_.venue_moves(asset.view());
    if (!moves.ok()) {
        set_result(ctx, KernelDiagnosticCode::VENUE_UNAVAILABLE, KernelSeverity::WARNING,
                   cat("venue moves for ", asset, " could not be read (", moves.detail, ")"));
        return;
    }
    if (moves.value.empty()) return;
    const QuietScope quiet(ctx, KernelSeverity::WARNING);
    for (const VenueEvent& event : moves.value) {
        if (event.asset != asset || !(is_venue_reduction(event.kind) || event.kind == KernelEventKind::FUNDING)) continue;
        if (accept_venue_move(ctx, event)) ctx.venue_moves.push_back(event);
    }
    apply_venue_moves(ctx);
}

std::optional<ExecutionKernel::Refusal> ExecutionKernel::one_way_conflict(const KernelIntent& intent) const {
    if (venue_.position_mode() != PositionMode::ONE_WAY) return std::nullopt;
    // One net position per asset: an entry against another live slot's side would net against
    // it, and the reduce-only exits of both could then find nothing to close.
    const AssetName asset(intent.asset);
    for (const TradeSlot& other : slots_) {
        if (other.slot_id == intent.slot_id || other.asset != asset || other.side == intent.side ||
            (is_free_stage(other.fsm_state) && !other.size.is_positive())) {
            continue;
        }
        return Refusal{KernelDiagnosticCode::POSITION_MODE_CONFLICT, KernelSeverity::WARNING,
                       cat("one-way account: slot ", other.slot_id, " holds ", other.side, " trade ", other.trade_id,
                           " on ", asset, "; a ", intent.side,
                           " entry would net against it and leave neither exitable; ENTER refused")};
    }
    return std::nullopt;
}

void ExecutionKernel::settle_venue_excess(Ctx& ctx, const AssetName& asset, const std::vector<VenuePosition>& positions) {
    Decimal venue_net;
    std::array<Decimal, 2> venue_side{}; // LONG, SHORT
    for (const VenuePosition& position : positions) {
        if (position.asset != asset) continue;
        venue_net += side_sign(position.side) > 0 ? position.size : -position.size;
        venue_side[static_cast<std::size_t>(position.side)] += position.size;
    }
    const bool one_way = venue_.position_mode() == PositionMode::ONE_WAY;
    for (const TradeSide side : {TradeSide::LONG, TradeSide::SHORT}) {
        Decimal held;
        for (const TradeSlot& slot : slots_) {
            if (slot.asset == asset && slot.side == side) held += slot.size;
        }
        // One-way: the venue's net stands for the side it is on.
        const Decimal venue_held = one_way ? (side == TradeSide::LONG ? max(venue_net, Decimal()) : max(-venue_net, Decimal()))
                                           : venue_side[static_cast<std::size_t>(side)];
        if (held > venue_held) settle_venue_leftovers(ctx, asset, side, held - venue_held);
    }
}

} // namespace dita
