#include "dita/venues/mock/mock_venue.hpp"

#include <algorithm>
#include <stdexcept>

namespace dita {

namespace {

Decimal require(double value, const char* name, bool allow_zero) {
    const auto decimal = Decimal::from_double(value);
    if (!decimal || decimal->is_negative() || (!allow_zero && decimal->is_zero())) {
        throw std::invalid_argument(std::string("MockVenueScenario.") + name + " is out of range");
    }
    return *decimal;
}

} // namespace

MockVenueAdapter::MockVenueAdapter(MockVenueScenario scenario, const Clock* clock)
    : scenario_(std::move(scenario)), clock_(clock) {
    fill_ratio_ = require(scenario_.partial_fill_ratio, "partial_fill_ratio", true);
    if (fill_ratio_ > Decimal::from_units(1)) throw std::invalid_argument("MockVenueScenario.partial_fill_ratio above 1");
    taker_fee_rate_ = require(scenario_.taker_fee_rate, "taker_fee_rate", true);
    require(scenario_.maker_fee_rate, "maker_fee_rate", true);
    lot_step_ = require(scenario_.lot_step, "lot_step", false);
    tick_size_ = require(scenario_.tick_size, "tick_size", false);
    min_qty_ = require(scenario_.min_qty, "min_qty", true);
    for (const std::string& asset : scenario_.assets) {
        if (asset.empty() || !AssetName::fits(asset)) throw std::invalid_argument("MockVenueScenario.assets: bad name");
    }
}

std::optional<InstrumentSpec> MockVenueAdapter::instrument(std::string_view asset) const {
    if (std::find(scenario_.assets.begin(), scenario_.assets.end(), asset) == scenario_.assets.end()) {
        return std::nullopt;
    }
    InstrumentSpec spec;
    spec.asset = AssetName(asset);
    spec.lot_step = lot_step_;
    spec.tick_size = tick_size_;
    spec.min_qty = min_qty_;
    return spec;
}

VenueCallResult MockVenueAdapter::submit_order(const OrderRequest& request) {
    ++counters_.orders_submitted;
    if (orders_.contains(request.client_order_id)) {
        ++counters_.orders_rejected;
        return {VenueCallStatus::REJECTED, Id(), "duplicate clientOrderId " + request.client_order_id.str()};
    }
    VenueOrder order;
    order.client_order_id = request.client_order_id;
    // Appending instead of "m" + std::string: g++ 12 -O3 reports a false -Wrestrict on the latter.
    std::string venue_order_id = "m";
    venue_order_id += std::to_string(next_order_number_++);
    order.venue_order_id = Id(venue_order_id);
    order.asset = request.asset;
    order.side = request.side;
    order.purpose = request.purpose;
    order.qty = request.qty;
    order.slot_id = request.slot_id;
    order.trade_id = request.trade_id;
    const bool scenario_reject = request.purpose == OrderPurpose::ENTRY ? scenario_.reject_entries
                                                                         : scenario_.reject_exits;
    const bool malformed = !instrument(request.asset.view()) || !request.qty.is_positive() ||
                           !request.qty.is_multiple_of(lot_step_) || !request.reference_price.is_positive();
    if (scenario_reject || malformed) {
        ++counters_.orders_rejected;
        order.status = VenueOrderStatus::REJECTED;
        auto& stored = orders_.emplace(order.client_order_id, order).first->second;
        emit(stored, KernelEventKind::ORDER_REJECT);
        return {VenueCallStatus::ACCEPTED, stored.venue_order_id, "rejected"};
    }
    auto& stored = orders_.emplace(order.client_order_id, order).first->second;
    emit(stored, KernelEventKind::ORDER_ACK);
    const Decimal share = request.qty.mul(fill_ratio_).floor_to(lot_step_);
    if (share.is_positive()) fill(stored, share, request.reference_price);
    return {VenueCallStatus::ACCEPTED, stored.venue_order_id, "accepted"};
}

void MockVenueAdapter::fill(VenueOrder& order, Decimal qty, Decimal price) {
    DITA_ASSERT(qty.is_positive() && order.cum_filled_qty + qty <= order.qty);
    Decimal& notional = order_notional_[order.client_order_id];
    notional += price.mul(qty);
    order.cum_filled_qty += qty;
    order.avg_fill_price = notional.div(order.cum_filled_qty);
    order.cum_fee = notional.mul(taker_fee_rate_);
    const bool done = order.cum_filled_qty == order.qty;
    order.status = done ? VenueOrderStatus::FILLED : VenueOrderStatus::PARTIALLY_FILLED;
    Book& book = books_[order.asset];
    const bool opening = order.purpose == OrderPurpose::ENTRY;
    const bool buys = (order.side == TradeSide::LONG) == opening;
    const Decimal signed_qty = buys ? qty : -qty;
    if (opening) book.entry_notional += price.mul(qty);
    book.net += signed_qty;
    if (book.net.is_zero()) book.entry_notional = Decimal();
    emit(order, done ? KernelEventKind::FILL : KernelEventKind::PARTIAL_FILL);
}

bool MockVenueAdapter::fill_working(std::string_view client_order_id, Decimal qty, Decimal price) {
    if (!Id::fits(client_order_id)) return false;
    const auto found = orders_.find(Id(client_order_id));
    if (found == orders_.end() || is_terminal(found->second.status) || !price.is_positive()) return false;
    VenueOrder& order = found->second;
    const Decimal room = order.qty - order.cum_filled_qty;
    const Decimal take = min(qty, room);
    if (!take.is_positive()) return false;
    fill(order, take, price);
    return true;
}

VenueCallResult MockVenueAdapter::cancel_order(const CancelRequest& request) {
    ++counters_.cancels_requested;
    if (scenario_.cancel_reject) {
        ++counters_.cancels_rejected;
        return {VenueCallStatus::REJECTED, Id(), "cancel rejected (scenario cancel_reject)"};
    }
    const auto found = orders_.find(request.client_order_id);
    if (found == orders_.end()) {
        ++counters_.cancels_rejected;
        return {VenueCallStatus::REJECTED, Id(), "order does not exist"};
    }
    VenueOrder& order = found->second;
    if (is_terminal(order.status)) {
        ++counters_.cancels_rejected;
        return {VenueCallStatus::REJECTED, order.venue_order_id,
                "order is already " + std::string(to_string(order.status))};
    }
    order.status = VenueOrderStatus::CANCELED;
    emit(order, KernelEventKind::CANCEL_ACK);
    return {VenueCallStatus::ACCEPTED, order.venue_order_id, "canceled"};
}

void MockVenueAdapter::emit(const VenueOrder& order, KernelEventKind kind) {
    VenueEvent event;
    event.kind = kind;
    event.status = static_cast<VenueEventStatus>(order.status);
    event.venue_order_id = order.venue_order_id;
    event.client_order_id = order.client_order_id;
    event.slot_id = order.slot_id;
    event.trade_id = order.trade_id;
    event.side = order.side;
    event.asset = order.asset;
    event.order_qty = order.qty;
    event.cum_filled_qty = order.cum_filled_qty;
    event.avg_fill_price = order.avg_fill_price;
    event.cum_fee = order.cum_fee;
    event.venue_sequence = ++sequence_;
    event.timestamp_ns = now_ns();
    pending_.push_back(event);
    ++counters_.events_emitted;
}

void MockVenueAdapter::drain_events(EventSink& sink) {
    while (!pending_.empty()) {
        const VenueEvent event = pending_.front();
        pending_.pop_front();
        sink.deliver(event);
    }
}

VenueQuery<std::optional<VenueOrder>> MockVenueAdapter::query_order(std::string_view asset,
                                                                    std::string_view client_order_id) {
    VenueQuery<std::optional<VenueOrder>> out;
    if (!Id::fits(client_order_id)) return out;
    const auto found = orders_.find(Id(client_order_id));
    if (found != orders_.end() && found->second.asset.view() == asset) {
        out.value = found->second;
        out.value->venue_sequence = sequence_;
    }
    return out;
}

VenueQuery<std::vector<VenueOrder>> MockVenueAdapter::open_orders(std::string_view asset) {
    VenueQuery<std::vector<VenueOrder>> out;
    for (const auto& [id, order] : orders_) {
        if (order.asset.view() == asset && !is_terminal(order.status)) out.value.push_back(order);
    }
    return out;
}

VenueQuery<std::vector<VenuePosition>> MockVenueAdapter::positions(std::string_view asset) {
    VenueQuery<std::vector<VenuePosition>> out;
    const auto found = books_.find(AssetName(asset));
    if (found == books_.end() || found->second.net.is_zero()) return out;
    VenuePosition position;
    position.asset = AssetName(asset);
    position.side = found->second.net.is_positive() ? TradeSide::LONG : TradeSide::SHORT;
    position.size = found->second.net.abs();
    out.value.push_back(position);
    return out;
}

} // namespace dita
