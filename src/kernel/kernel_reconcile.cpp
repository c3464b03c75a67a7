// Reconciliation: slots rebuilt from snapshots and venue truth, the venue's positions compared
// with the kernel's, late fills of finished orders found, unknown positions adopted or refused.
#include "kernel_context.hpp"

#include <algorithm>
#include <map>

namespace dita {

using detail::cat;
using detail::fmt_dec;

void ExecutionKernel::reconcile_slots(Ctx& ctx, std::span<const SlotSnapshot> snapshots, bool account_included) {
    DITA_ASSERT(snapshots.size() <= slots_.size()); // snapshots_valid() passed them
    detail::Lent<bool> lent_seen(seen_room_);
    std::vector<bool>& seen = *lent_seen;
    seen.assign(slots_.size(), false);
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
               DetailText::of("reconciled ", resolved, " slot(s) with venue truth"),
               {.size = Decimal::from_units(resolved)});
    check_venue_positions(ctx, seen);
}

bool ExecutionKernel::resolve_with_venue(Ctx& ctx, TradeSlot& slot) {
    // Venue truth re-applied here is mostly known already; only real problems may speak.
    const QuietScope quiet(ctx, KernelSeverity::WARNING);
    // Every order of the trade is asked, finished ones too: a late fill of an earlier exit may
    // be the very event that was lost.
    detail::Lent<Id> lent_ids(ids_room_);
    std::vector<Id>& trade_orders = *lent_ids;
    orders_.visit_unordered([&](const Id& id, const OrderEntry& entry) {
        if (entry.slot_id == slot.slot_id && entry.trade_id == slot.trade_id && !slot.trade_id.empty() &&
            !detail::is_venue_move_id(id.view())) {
            trade_orders.push_back(id);
        }
    });
    std::sort(trade_orders.begin(), trade_orders.end());
    for (const Id& coid : trade_orders) {
        const auto found = orders_.find(coid);
        if (found == orders_.end()) continue;
        const auto truth = venue_.query_order(slot.asset.view(), coid.view());
        if (!truth.ok()) {
            set_result(ctx, KernelDiagnosticCode::VENUE_UNAVAILABLE, KernelSeverity::ERROR,
                       "slot " + std::to_string(slot.slot_id) + " stays reconciling: order " + coid.str() +
                           " could not be queried (" + truth.detail + ")",
                       {.slot_id = slot.slot_id, .client_order_id = coid, .trade_id = slot.trade_id, .asset = slot.asset});
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
    Ring<VenueEvent> waiting;
    waiting.swap(unmatched_);
    unmatched_indexed_ = unmatched_unindexed; // kept events change here: keep_unmatched re-indexes
    for (const VenueEvent& event : waiting) {
        if (orders_.contains(event.client_order_id)) {
            apply_event(ctx, event, true);
        } else {
            unmatched_.push_back(event);
        }
    }
    unmatched_indexed_ = unmatched_unindexed;
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
    // In asset order, each once; a kernel deals in a handful, so a sorted array, not a tree.
    std::vector<AssetName>& assets = reconcile_assets_;
    assets.clear();
    for (const auto& [asset, gap] : mismatched_assets_) assets.push_back(asset);
    for (const auto& [asset, spec] : instruments_) assets.push_back(asset);
    for (const TradeSlot& slot : slots_) {
        if (!slot.asset.empty()) assets.push_back(slot.asset);
    }
    std::sort(assets.begin(), assets.end());
    assets.erase(std::unique(assets.begin(), assets.end()), assets.end());
    refresh_left_working(ctx);
    ctx.defer_stranded_cancels = true;
    apply_venue_moves(ctx); // shares taken back by the refresh, placed before any position is compared
    for (const AssetName& asset : assets) compare_venue_position(ctx, asset, refreshed);
    ctx.defer_stranded_cancels = false;
    if (ctx.stranded_slots.empty()) return;
    std::vector<int> stranded;
    stranded.swap(ctx.stranded_slots);
    std::sort(stranded.begin(), stranded.end());
    stranded.erase(std::unique(stranded.begin(), stranded.end()), stranded.end());
    cancel_stranded_orders(ctx, stranded);
}

void ExecutionKernel::refresh_left_working(Ctx& ctx) {
    // An order of a finished trade the kernel still believes working (a cancel the venue
    // refused after a venue move emptied the slot) is asked again at every reconcile: the venue
    // may have ended it without a report reaching the kernel, and no later reconcile of the
    // slot (which holds another trade by then) would ask. In client order id order, the same
    // in every delivery order; bounded.
    detail::Lent<Id> lent_ids(ids_room_);
    std::vector<Id>& left = *lent_ids;
    orders_.visit_unordered([&](const Id& coid, const OrderEntry& entry) {
        const TradeSlot& owner = slots_[static_cast<std::size_t>(entry.slot_id)];
        const bool finished = owner.trade_id != entry.trade_id || owner.closed;
        if (entry.record.working() && finished && !detail::is_venue_move_id(coid.view())) left.push_back(coid);
    });
    std::sort(left.begin(), left.end());
    if (left.size() > config_.finished_orders_queried_max) left.resize(config_.finished_orders_queried_max);
    for (const Id& coid : left) {
        const auto found = orders_.find(coid);
        if (found == orders_.end()) continue;
        const auto truth = venue_.query_order(found->second.asset.view(), coid.view());
        if (!truth.ok() || !truth.value) continue;
        TradeSlot owner;
        owner.slot_id = found->second.slot_id;
        owner.trade_id = found->second.trade_id;
        const QuietScope quiet(ctx, KernelSeverity::ERROR);
        apply_event(ctx, detail::event_from_order(*truth.value, owner), false);
    }
}

// One asset: the venue's net position against the slots'; a gap is the kernel's own late fills
// (placed), a position to adopt, or a mismatch that refuses new entries until it is resolved.
void ExecutionKernel::compare_venue_position(Ctx& ctx, const AssetName& asset, const std::vector<bool>& refreshed) {
    read_venue_moves(ctx, asset);
    const auto truth = venue_.positions(asset.view());
    if (!truth.ok()) {
        set_result(ctx, KernelDiagnosticCode::VENUE_UNAVAILABLE, KernelSeverity::WARNING,
                   cat("positions for ", asset, " could not be read (", truth.detail, "); not assumed flat"),
                   {.asset = asset});
        return;
    }
    Decimal venue_net;
    Decimal venue_entry;
    for (const VenuePosition& position : truth.value) {
        if (position.asset != asset) continue;
        venue_net += side_sign(position.side) > 0 ? position.size : -position.size;
        venue_entry = position.entry_price;
    }
    const bool live_refreshed = live_trades_refreshed(asset, refreshed);
    if (live_refreshed) settle_venue_excess(ctx, asset, truth.value);
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
        return;
    }
    const Decimal gap = venue_net - net;
    const LateFills late = kept_late_fills(asset);
    // The whole gap is the kernel's own late fills (of finished trades): held in a free slot
    // at their own price, whichever way they point, before anything is taken for foreign.
    const bool own_late_fills = all_refreshed && late.net == gap;
    if (own_late_fills && place_late_fills(ctx, asset, late)) {
        mismatched_assets_.erase(asset);
        unplaced_fills_.erase(asset);
        settle_unmatched(ctx, asset);
        return;
    }
    if (live_refreshed && adopt_position(ctx, asset, gap, venue_entry)) {
        mismatched_assets_.erase(asset);
        unplaced_fills_.erase(asset);
        settle_unmatched(ctx, asset);
        return;
    }
    // Fail closed: no new entries on this asset until kernel and venue agree again.
    mismatched_assets_[asset] = gap;
    if (own_late_fills) {
        unplaced_fills_[asset] = gap;
        set_result(ctx, KernelDiagnosticCode::RECONCILE_MISMATCH, KernelSeverity::WARNING,
                   cat("venue holds ", gap, " ", asset, " more than the slots: late fills of finished orders ",
                       late.orders, " and no free slot to take them; new entries on ", asset,
                       " refused until a reconcile places them"),
                   {.asset = asset, .size = gap, .limit = net});
        return;
    }
    unplaced_fills_.erase(asset);
    set_result(ctx, KernelDiagnosticCode::RECONCILE_MISMATCH, KernelSeverity::ERROR,
               cat("net position ", asset, ": kernel ", net, ", venue ", venue_net, "; new entries on ", asset,
                   " refused until a reconcile agrees"),
               {.asset = asset, .size = gap, .limit = net});
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
    // The most recently active at the venue first (its own sequence, not the order in which
    // events happened to be delivered here, so that every delivery order asks the same orders
    // in the same order): a lost late fill is most likely on one of them.
    std::vector<std::pair<std::uint64_t, Id>> candidates;
    for (const Id& coid : retired_) {
        const auto found = orders_.find(coid);
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
        if (detail::is_venue_move_id(coid.view())) continue; // the venue's own: read by read_venue_moves
        candidates.emplace_back(entry.record.last_venue_sequence, coid);
    }
    std::sort(candidates.begin(), candidates.end(), [](const auto& a, const auto& b) {
        return a.first != b.first ? a.first > b.first : a.second < b.second;
    });
    candidates.erase(std::unique(candidates.begin(), candidates.end()), candidates.end());
    std::vector<Id> asked;
    for (const auto& [sequence, coid] : candidates) {
        if (asked.size() == config_.finished_orders_queried_max) break;
        asked.push_back(coid);
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
    struct Beyond {
        Decimal qty;
        Decimal notional;
    };
    std::map<Id, Beyond> beyond;
    for (const VenueEvent& event : unmatched_) {
        if (event.asset != asset) continue;
        const auto found = orders_.find(event.client_order_id);
        if (found == orders_.end()) continue;
        const OrderRecord& record = found->second.record;
        Beyond& most = beyond[event.client_order_id];
        const Decimal extra = event.cum_filled_qty - record.cum_filled_qty;
        if (extra <= most.qty) continue;
        most.qty = extra;
        most.notional = event.avg_fill_price.mul(event.cum_filled_qty) - record.avg_fill_price.mul(record.cum_filled_qty);
    }
    LateFills out;
    for (const auto& [coid, extra] : beyond) {
        if (!extra.qty.is_positive()) continue;
        const OrderRecord& record = orders_.find(coid)->second.record;
        const int sign = side_sign(record.side) * (record.purpose == OrderPurpose::ENTRY ? 1 : -1);
        out.net += sign > 0 ? extra.qty : -extra.qty;
        out.notional += sign > 0 ? extra.notional : -extra.notional;
        out.orders += (out.orders.empty() ? "" : ", ") + coid.str();
    }
    return out;
}

bool ExecutionKernel::place_late_fills(Ctx& ctx, const AssetName& asset, const LateFills& late) {
    DITA_ASSERT(!late.net.is_zero());
    const Decimal size = late.net.abs();
    // Their average price; fills that point both ways net to a size whose price is not theirs,
    // and are then left to a person (the mismatch says so).
    const Decimal price = late.notional.div(late.net);
    if (!price.is_positive() || mark_out_of_bounds(asset, price)) return false;
    TradeSlot* const claimed = claim_free_slot(ctx, Id(cat("late-", asset, "-", input_sequence_)),
                                               late.net.is_positive() ? TradeSide::LONG : TradeSide::SHORT, asset);
    if (claimed == nullptr) return false;
    TradeSlot& slot = *claimed;
    slot.target_size = size;
    slot.size = size;
    slot.entry_filled = size;
    slot.entry_price = price;
    if (!move(ctx, slot, FsmInput::BEGIN_RECONCILE) || !move(ctx, slot, FsmInput::RESOLVE_POSITION_OPEN)) return false;
    set_result(ctx, KernelDiagnosticCode::OK, KernelSeverity::WARNING,
               cat("late fills of finished orders ", late.orders, " leave the venue ", late.net, " ", asset,
                   " beyond the slots: the kernel's own position, held in slot ", slot.slot_id, " as trade ",
                   slot.trade_id, " at ", price),
               {.slot_id = slot.slot_id, .trade_id = slot.trade_id, .asset = asset, .size = late.net, .limit = price});
    return true;
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
    unmatched_.erase_if([&](const VenueEvent& e) { return e.asset == asset; });
    unmatched_indexed_ = unmatched_unindexed;
    set_result(ctx, KernelDiagnosticCode::RECONCILED, KernelSeverity::INFO,
               cat("reconciled; ", static_cast<std::uint64_t>(settled), " kept event(s) for ", asset,
                   " settled: the venue's position agrees"),
               {.asset = asset, .size = Decimal::from_units(static_cast<std::int64_t>(settled))});
}

void ExecutionKernel::update_finished_order(Ctx& ctx, OrderEntry& entry, const OrderRecord& after) {
    // A finished trade's order takes in what the venue says of it (journaled for a restart);
    // any fee it adds is the account's alone, the trade's record being written.
    const Decimal fee = after.cum_fee - entry.record.cum_fee;
    totals_.fees_paid += fee;
    if (!fee.is_zero()) touch(ctx, 0); // the totals are journaled with a slot's state
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
                   " as trade ", slot.trade_id, " at ", entry_price),
               {.slot_id = slot.slot_id, .trade_id = slot.trade_id, .asset = slot.asset, .size = gap, .limit = entry_price});
    return true;
}

} // namespace dita
