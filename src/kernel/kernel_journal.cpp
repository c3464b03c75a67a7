// The journal and snapshots: each input journaled once, a restart restored from the journal,
// and every snapshot or recovered record validated before anything changes.
#include "kernel_context.hpp"

#include <algorithm>

namespace dita {

using detail::cat;

KernelOutcome ExecutionKernel::restore(const RecoveredState& recovered) {
    KernelOutcome out;
    Ctx ctx = begin_input(out, -1);
    if (const auto problem = detail::check_totals(recovered.totals, bounds_)) {
        set_result(ctx, KernelDiagnosticCode::INVALID_SNAPSHOT, KernelSeverity::ERROR,
                   "recovered account totals: " + *problem + "; nothing restored");
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
    return out;
}

bool ExecutionKernel::totals_stay_bounded(Ctx& ctx, std::span<const SlotSnapshot> snapshots) {
    // reconcile_slots moves the account by each snapshot's difference from its slot: checked
    // here (in 128 bits) so that snapshots cannot walk the totals out of Decimal's range.
    __extension__ typedef __int128 wide;
    wide realized = totals_.realized_pnl.raw();
    wide fees = totals_.fees_paid.raw();
    for (const SlotSnapshot& snapshot : snapshots) {
        const TradeSlot& slot = slots_[static_cast<std::size_t>(snapshot.slot.slot_id)];
        realized += static_cast<wide>(snapshot.slot.realized_pnl.raw()) - slot.realized_pnl.raw();
        fees += static_cast<wide>(snapshot.slot.fees.raw()) - slot.fees.raw();
    }
    const wide bound = bounds_.capital_max.raw();
    if (realized > bound || realized < -bound || fees > bound || fees < -bound) {
        set_result(ctx, KernelDiagnosticCode::INVALID_SNAPSHOT, KernelSeverity::ERROR,
                   cat("the snapshots would take the account's realized PnL or fees beyond the capital bound ",
                       bounds_.capital_max, "; nothing reconciled"));
        return false;
    }
    return true;
}

bool ExecutionKernel::finished_orders_valid(Ctx& ctx, std::span<const FinishedOrder> orders) {
    if (orders.size() > finished_orders_recovered_max) {
        set_result(ctx, KernelDiagnosticCode::INVALID_SNAPSHOT, KernelSeverity::ERROR,
                   cat(static_cast<std::uint64_t>(orders.size()), " finished orders, at most ",
                       static_cast<std::uint64_t>(finished_orders_recovered_max), "; nothing restored"),
                   {.size = Decimal::from_units(static_cast<std::int64_t>(orders.size())),
                    .limit = Decimal::from_units(static_cast<std::int64_t>(finished_orders_recovered_max))});
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
            if (!problem) problem = detail::check_order_record_bounds(order.record, bounds_);
        }
        if (problem) {
            set_result(ctx, KernelDiagnosticCode::INVALID_SNAPSHOT, KernelSeverity::ERROR,
                       cat("finished order '", order.record.client_order_id, "': ", *problem, "; nothing restored"),
                       {.slot_id = order.slot_id, .client_order_id = order.record.client_order_id,
                        .trade_id = order.trade_id, .asset = order.asset});
            return false;
        }
    }
    return true;
}

bool ExecutionKernel::snapshots_valid(Ctx& ctx, std::span<const SlotSnapshot> snapshots) {
    detail::Lent<bool> lent_seen(seen_room_);
    std::vector<bool>& seen = *lent_seen;
    seen.assign(slots_.size(), false);
    for (const SlotSnapshot& snapshot : snapshots) {
        const int id = snapshot.slot.slot_id;
        if (!valid_slot(id)) {
            set_result(ctx, KernelDiagnosticCode::INVALID_SLOT_ID, KernelSeverity::ERROR,
                       "snapshot for slot " + std::to_string(id) + ": slot is outside 0.." +
                           std::to_string(max_slots() - 1) + "; nothing reconciled",
                       {.slot_id = id});
            return false;
        }
        if (seen[static_cast<std::size_t>(id)]) {
            set_result(ctx, KernelDiagnosticCode::INVALID_SNAPSHOT, KernelSeverity::ERROR,
                       "two snapshots for slot " + std::to_string(id) + "; nothing reconciled", {.slot_id = id});
            return false;
        }
        seen[static_cast<std::size_t>(id)] = true;
        if (snapshot.orders.size() > config_.orders_per_trade_max) {
            set_result(ctx, KernelDiagnosticCode::INVALID_SNAPSHOT, KernelSeverity::ERROR,
                       cat("snapshot for slot ", id, ": ", static_cast<std::uint64_t>(snapshot.orders.size()),
                           " orders, at most ", static_cast<std::uint64_t>(config_.orders_per_trade_max),
                           "; nothing reconciled"),
                       {.slot_id = id, .size = Decimal::from_units(static_cast<std::int64_t>(snapshot.orders.size())),
                        .limit = Decimal::from_units(static_cast<std::int64_t>(config_.orders_per_trade_max))});
            return false;
        }
        if (const auto problem = detail::check_snapshot(snapshot, config_.client_order_id_max, bounds_,
                                                        mark_or_zero(snapshot.slot.asset.view()))) {
            set_result(ctx, KernelDiagnosticCode::INVALID_SNAPSHOT, KernelSeverity::ERROR,
                       "snapshot for slot " + std::to_string(id) + ": " + *problem + "; nothing reconciled",
                       {.slot_id = id, .trade_id = snapshot.slot.trade_id, .asset = snapshot.slot.asset});
            return false;
        }
        if (!snapshot.slot.asset.empty() && !instrument(snapshot.slot.asset.view())) {
            set_result(ctx, KernelDiagnosticCode::UNKNOWN_ASSET, KernelSeverity::ERROR,
                       "snapshot for slot " + std::to_string(id) + ": asset '" + snapshot.slot.asset.str() +
                           "' is unknown; nothing reconciled",
                       {.slot_id = id, .trade_id = snapshot.slot.trade_id, .asset = snapshot.slot.asset});
            return false;
        }
    }
    return true;
}

void ExecutionKernel::journal(Ctx& ctx, std::string_view input_ref) {
    // Every path that applies a delivery settles its venue moves; this is the backstop.
    if (!ctx.venue_moves.empty() || !ctx.reshares.empty()) apply_venue_moves(ctx);
    close_emptied_slots(ctx);
    place_exit_excesses(ctx); // none is ever dropped, whichever path the fill came by
    if (!ctx.have_result) {
        ctx.outcome.details = "no change";
    }
    for (const int id : touched_) revalue(id);
    // The self-check comes first, so the journal holds the outcome the caller gets.
    if (control_.state().mode == KernelMode::DEBUG) {
        auto broken = detail::check_kernel_invariants(slots_, totals_);
        if (!broken && account() != account_walked()) {
            broken = cat("account valuation kept per slot (unrealized ", unrealized_sum_, ", margin ", margin_sum_,
                         ") differs from the slots valued afresh");
        }
        if (broken) {
            record_diagnostic(ctx, KernelDiagnosticCode::INVARIANT_BROKEN, KernelSeverity::CRITICAL, *broken, {}, true);
            ctx.outcome.diagnostic_code = KernelDiagnosticCode::INVARIANT_BROKEN;
            ctx.outcome.severity = KernelSeverity::CRITICAL;
            ctx.outcome.details = std::move(*broken);
        }
    }
    // The result is a progress note or one of the input's diagnostics, never a lost one.
    DITA_ASSERT(ctx.outcome.result_index < static_cast<int>(ctx.outcome.diagnostics.size()));
    DITA_ASSERT(ctx.outcome.result_index >= 0 || (ctx.outcome.diagnostic_code == KernelDiagnosticCode::OK &&
                                                  ctx.outcome.severity == KernelSeverity::INFO));
    zinc_.record_outcome(ctx.outcome, input_ref);
    if (zinc_.keeps_records()) {
        for (const int id : touched_) {
            const TradeSlot& slot = slots_[static_cast<std::size_t>(id)];
            zinc_.record_state(ctx.outcome.input_sequence, slot, trade_order_records(id), totals_);
            if (slot.closed) journal_finished_changes(id);
        }
    }
    // Apart from the loop above, which may throw (a journal that cannot write): the flags
    // always say exactly what touched_ holds.
    for (const int id : touched_) touched_flags_[static_cast<std::size_t>(id)] = 0;
    touched_.clear();
    zinc_.commit(ctx.outcome.input_sequence);
}

void ExecutionKernel::journal_finished_changes(int slot_id) {
    // A finished trade's records can still change (a late fill or fee, a venue move's share
    // given way or placed again) while its slot holds it; once the slot takes another trade,
    // the finished-order journal is all a restart has of them, so it gets the latest.
    for (const Id& coid : trade_orders_[static_cast<std::size_t>(slot_id)]) {
        const auto found = orders_.find(coid);
        if (found == orders_.end() || found->second.slot_id != slot_id) continue;
        const OrderRecord& record = found->second.record;
        const bool unchanged =
            std::find(finished_journaled_.begin(), finished_journaled_.end(), record) != finished_journaled_.end();
        if (!unchanged) journal_finished(found->second);
    }
}

void ExecutionKernel::write_ahead(Ctx& ctx, const Id& client_order_id) {
    if (!zinc_.writes_ahead()) return;
    DITA_ASSERT(orders_.contains(client_order_id)); // remembered before it is sent
    for (const int id : touched_) {
        zinc_.record_state(ctx.outcome.input_sequence, slots_[static_cast<std::size_t>(id)], trade_order_records(id),
                           totals_);
    }
    zinc_.write_ahead(ctx.outcome.input_sequence, client_order_id.view());
}

void ExecutionKernel::journal_finished(const OrderEntry& entry) {
    zinc_.record_finished_order(FinishedOrder{entry.record, entry.slot_id, entry.trade_id, entry.asset});
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

} // namespace dita
