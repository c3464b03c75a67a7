// What the adapter knows of each order, merged from REST answers and stream updates, and
// the events the kernel is handed in drain_events().
#include <algorithm>

#include "adapter_impl.hpp"

namespace dita::bingx {

using detail::lower;
using detail::wall_ms;

namespace {

// Terminal beats working; within each group the later status wins.
VenueOrderStatus merge_status(VenueOrderStatus known, VenueOrderStatus reported) {
    const bool known_done = is_terminal(known);
    const bool reported_done = is_terminal(reported);
    if (known_done == reported_done) return std::max(known, reported);
    return reported_done ? reported : known;
}

} // namespace

void BingxVenueAdapter::Impl::push_event_locked(VenueEvent event) {
    event.venue_sequence = ++sequence;
    if (events.size() >= config.event_queue_max) coalesce_locked();
    events.push_back(event);
    last_event_at = std::chrono::steady_clock::now();
    ++stats.events_queued;
    events_cv.notify_all();
}

// Cumulative fields make an order's latest event carry all the earlier ones' truth.
void BingxVenueAdapter::Impl::coalesce_locked() {
    std::map<Id, std::size_t> last;
    for (std::size_t i = 0; i < events.size(); ++i) last[events[i].client_order_id] = i;
    std::deque<VenueEvent> kept;
    for (std::size_t i = 0; i < events.size(); ++i) {
        if (events[i].kind == KernelEventKind::MARK_PRICE || last[events[i].client_order_id] == i) {
            kept.push_back(events[i]);
        } else {
            ++stats.events_coalesced;
        }
    }
    events.swap(kept);
    while (events.size() >= config.event_queue_max) {
        events.pop_front();
        ++stats.events_coalesced;
        catch_up_pending = true; // REST brings back what was dropped
    }
}

VenueEvent BingxVenueAdapter::Impl::event_of_locked(const Tracked& order, std::int64_t time_ms) const {
    VenueEvent event;
    event.kind = event_kind_of(order.status);
    event.status = static_cast<VenueEventStatus>(order.status);
    event.venue_order_id = Id(order.venue_order_id);
    event.client_order_id = Id(order.coid);
    event.slot_id = order.slot_id;
    event.trade_id = order.trade_id;
    event.side = order.side;
    event.asset = order.asset;
    event.order_qty = order.qty;
    event.cum_filled_qty = order.cum_filled;
    event.avg_fill_price = order.avg_price;
    event.cum_fee = order.cum_fee();
    event.timestamp_ns = ns_of_ms(time_ms > 0 ? time_ms : now_ms());
    return event;
}

void BingxVenueAdapter::Impl::apply_fee_locked(Tracked& order, const Report& report) {
    if (report.source == Report::Source::STREAM) {
        if (report.cum_filled <= order.stream_cum) return;
        const Decimal increment = report.cum_filled - order.stream_cum;
        if (report.fee) {
            if (config.fee_is_cumulative) {
                order.fee_stream = max(order.fee_stream, *report.fee);
            } else {
                order.fee_stream += *report.fee;
                // Without 'l', or with a jump beyond it, another fill's fee may be missing.
                if (!report.last_qty || *report.last_qty != increment) order.stream_gap = true;
            }
        }
        order.stream_cum = report.cum_filled;
    } else if (report.fee && (!order.fee_rest_known || report.cum_filled >= order.fee_rest_cum)) {
        order.fee_rest = *report.fee;
        order.fee_rest_cum = report.cum_filled;
        order.fee_rest_known = true;
    }
}

// Merges a report; queues an event when it told something new. True when it did.
bool BingxVenueAdapter::Impl::apply_report_locked(Tracked& order, const Report& report) {
    const Tracked before = order;
    if (!report.venue_order_id.empty() && order.venue_order_id.empty()) {
        order.venue_order_id = report.venue_order_id;
        coid_by_venue[report.venue_order_id] = order.coid;
    }
    if (report.cum_filled > order.cum_filled) {
        order.cum_filled = report.cum_filled;
        if (report.avg_price.is_positive()) order.avg_price = report.avg_price;
    } else if (report.cum_filled == order.cum_filled && report.avg_price.is_positive() &&
               !order.avg_price.is_positive()) {
        order.avg_price = report.avg_price;
    }
    apply_fee_locked(order, report);
    VenueOrderStatus reported = report.status.value_or(VenueOrderStatus::NEW);
    if (!is_terminal(reported) && order.cum_filled.is_positive()) {
        reported = std::max(reported, VenueOrderStatus::PARTIALLY_FILLED);
    }
    order.status = merge_status(order.status, reported);
    if (order.qty.is_positive() && order.cum_filled >= order.qty) order.status = VenueOrderStatus::FILLED;
    // A place answer without a status still confirms the order exists.
    if (reported != VenueOrderStatus::REJECTED) order.acked = true;
    order.outcome_unknown = false;
    order.last_update_ms = wall_ms();
    const bool changed = order.status != before.status || order.cum_filled != before.cum_filled ||
                         order.avg_price != before.avg_price || order.cum_fee() != before.cum_fee() ||
                         (order.acked && !before.acked);
    if (changed) push_event_locked(event_of_locked(order, report.time_ms));
    return changed;
}

detail::Report BingxVenueAdapter::Impl::report_of(const BingxOrder& order) const {
    Report report;
    report.status = order.status;
    report.venue_order_id = order.order_id;
    report.cum_filled = order.executed_qty;
    report.avg_price = order.avg_price;
    // A place answer (or a fresh order) may carry no commission: then it says nothing of fees.
    if (order.commission) report.fee = -*order.commission;
    report.time_ms = order.update_time_ms > 0 ? order.update_time_ms : order.time_ms;
    return report;
}

// A REST order object for an order this adapter may or may not know.
void BingxVenueAdapter::Impl::absorb_order(const BingxOrder& order) {
    std::lock_guard lock(mutex);
    Tracked* tracked = find_locked(lower(order.client_order_id), order.order_id);
    if (tracked != nullptr) apply_report_locked(*tracked, report_of(order));
}

// A query's answer about a tracked order: merged when found and ours, decided when the venue
// has none or holds a stranger under the id.
void BingxVenueAdapter::Impl::absorb_query(const QueryOutcome& state, const std::string& coid) {
    if (state.outcome == CallOutcome::OK && state.order) {
        BingxOrder order = *state.order;
        if (order.client_order_id.empty()) order.client_order_id = coid;
        {
            std::lock_guard lock(mutex);
            const auto found = orders.find(coid);
            if (found != orders.end() && is_stranger_locked(found->second, order)) {
                settle_as_stranger_locked(found->second, !found->second.in_flight);
                return;
            }
        }
        absorb_order(order);
    } else if (state.outcome == CallOutcome::NOT_FOUND) {
        resolve_missing(coid);
    }
}

// Provably ours: same symbol, side, position side and size, and placed no earlier than our
// first send. An order the venue confirmed (acked) is known by its venue id already.
bool BingxVenueAdapter::Impl::is_stranger_locked(const Tracked& tracked, const BingxOrder& found) const {
    if (tracked.acked) return !tracked.venue_order_id.empty() && found.order_id != tracked.venue_order_id;
    if (tracked.first_send_ms == 0) return true; // never sent by us: whatever is there is not ours
    const OrderSides sides = order_sides(tracked.side, tracked.purpose, config.position_mode);
    if (found.symbol != tracked.symbol || found.side != sides.side) return true;
    if (!found.position_side.empty() && found.position_side != sides.position_side) return true;
    if (found.orig_qty.is_positive() && found.orig_qty != tracked.qty) return true;
    if (found.time_ms <= 0) return true; // no creation time: cannot be proven ours
    return found.time_ms < tracked.first_send_ms - detail::adoption_clock_slack_ms;
}

void BingxVenueAdapter::Impl::settle_as_stranger_locked(Tracked& tracked, bool tell_kernel) {
    ++stats.strangers;
    tracked.status = VenueOrderStatus::REJECTED;
    tracked.outcome_unknown = false;
    if (tell_kernel) push_event_locked(event_of_locked(tracked, 0));
}

detail::Tracked* BingxVenueAdapter::Impl::find_locked(const std::string& coid, const std::string& venue_id) {
    if (!coid.empty()) {
        const auto found = orders.find(coid);
        if (found != orders.end()) return &found->second;
    }
    if (!venue_id.empty()) {
        const auto by_venue = coid_by_venue.find(venue_id);
        if (by_venue != coid_by_venue.end()) {
            const auto found = orders.find(by_venue->second);
            if (found != orders.end()) return &found->second;
        }
    }
    return nullptr;
}

void BingxVenueAdapter::Impl::prune_locked() {
    if (orders.size() <= config.tracked_orders_max) return;
    std::vector<std::pair<std::uint64_t, std::string>> finished;
    for (const auto& [coid, order] : orders) {
        if (is_terminal(order.status) && !order.fee_uncertain()) finished.emplace_back(order.created_order, coid);
    }
    std::sort(finished.begin(), finished.end());
    for (const auto& [created, coid] : finished) {
        if (orders.size() <= config.tracked_orders_max) break;
        const auto found = orders.find(coid);
        if (!found->second.venue_order_id.empty()) coid_by_venue.erase(found->second.venue_order_id);
        orders.erase(found);
    }
}

VenueOrder BingxVenueAdapter::Impl::venue_order_of(const BingxOrder& order) {
    VenueOrder out;
    out.client_order_id = Id(lower(order.client_order_id));
    out.venue_order_id = Id(order.order_id);
    out.asset = AssetName(asset_of_symbol(order.symbol));
    const auto sides = side_and_purpose(order.side, order.position_side, order.reduce_only);
    if (sides) {
        out.side = sides->side;
        out.purpose = sides->purpose;
    }
    out.qty = order.orig_qty;
    out.status = order.status.value_or(VenueOrderStatus::NEW);
    if (!is_terminal(out.status) && order.executed_qty.is_positive()) out.status = VenueOrderStatus::PARTIALLY_FILLED;
    out.cum_filled_qty = order.executed_qty;
    out.avg_fill_price = order.avg_price;
    out.cum_fee = order.commission ? -*order.commission : Decimal();
    std::lock_guard lock(mutex);
    out.venue_sequence = ++sequence;
    if (const Tracked* tracked = find_locked(lower(order.client_order_id), order.order_id)) {
        out.client_order_id = Id(tracked->coid);
        out.side = tracked->side;
        out.purpose = tracked->purpose;
        out.slot_id = tracked->slot_id;
        out.trade_id = tracked->trade_id;
        out.cum_fee = max(out.cum_fee, tracked->cum_fee());
        if (out.qty.is_zero()) out.qty = tracked->qty;
    }
    return out;
}

// The venue has no such order. A submit whose answer was lost can no longer execute once
// its timestamp is older than recvWindow: then it never will, and the kernel is told.
void BingxVenueAdapter::Impl::resolve_missing(const std::string& coid) {
    std::lock_guard lock(mutex);
    const auto found = orders.find(coid);
    if (found == orders.end()) return;
    Tracked& order = found->second;
    if (order.acked || order.in_flight || is_terminal(order.status)) return;
    const std::int64_t age_ms = now_ms() - order.last_send_ms;
    if (age_ms <= config.recv_window_ms + 1000) return;
    order.status = VenueOrderStatus::REJECTED;
    order.outcome_unknown = false;
    push_event_locked(event_of_locked(order, 0));
}

} // namespace dita::bingx
