#include "dita/venues/mock/mock_venue.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
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

std::uint32_t probability_ppm(double p, const char* name) {
    if (!std::isfinite(p) || p < 0.0 || p > 1.0) {
        throw std::invalid_argument(std::string("MockVenueScenario.") + name + " must be a probability from 0 to 1");
    }
    return static_cast<std::uint32_t>(std::llround(p * 1'000'000.0));
}

} // namespace

bool MockVenueScenario::has_faults() const {
    return latency_ns > 0 || duplicate_probability > 0 || reorder_probability > 0 || drop_probability > 0 ||
           delay_probability > 0 || submit_unknown_probability > 0 || cancel_unknown_probability > 0 ||
           random_reject_probability > 0 || random_cancel_reject_probability > 0 ||
           late_fill_on_cancel_probability > 0 || overfill_probability > 0 || short_fill_probability > 0 ||
           random_partial_fills || adl_probability > 0 || manual_close_probability > 0;
}

MockVenueAdapter::MockVenueAdapter(MockVenueScenario scenario, const Clock* clock)
    : scenario_(std::move(scenario)), clock_(clock), rng_(scenario_.seed),
      // Venue moves draw from their own stream: turning them on shifts no other fault's draws.
      move_rng_(scenario_.seed ^ 0x6d6f7665'73747265ULL) {
    fill_ratio_ = require(scenario_.partial_fill_ratio, "partial_fill_ratio", true);
    if (fill_ratio_ > Decimal::from_units(1)) throw std::invalid_argument("MockVenueScenario.partial_fill_ratio above 1");
    taker_fee_rate_ = require(scenario_.taker_fee_rate, "taker_fee_rate", true);
    require(scenario_.maker_fee_rate, "maker_fee_rate", true);
    lot_step_ = require(scenario_.lot_step, "lot_step", false);
    tick_size_ = require(scenario_.tick_size, "tick_size", false);
    min_qty_ = require(scenario_.min_qty, "min_qty", true);
    for (const std::string& asset : scenario_.assets) {
        if (asset.empty() || !AssetName::fits(asset)) throw std::invalid_argument("MockVenueScenario.assets: bad name");
        listed_.emplace_back(asset);
    }
    marks_.assign(listed_.size(), Decimal());
    if (scenario_.latency_ns < 0 || scenario_.delay_ns_max < 0) {
        throw std::invalid_argument("MockVenueScenario: latency_ns and delay_ns_max must not be negative");
    }
    if (scenario_.finished_orders_retained_max == 0) {
        throw std::invalid_argument("MockVenueScenario.finished_orders_retained_max must be positive");
    }
    ppm_.duplicate = probability_ppm(scenario_.duplicate_probability, "duplicate_probability");
    ppm_.reorder = probability_ppm(scenario_.reorder_probability, "reorder_probability");
    ppm_.drop = probability_ppm(scenario_.drop_probability, "drop_probability");
    ppm_.delay = probability_ppm(scenario_.delay_probability, "delay_probability");
    ppm_.submit_unknown = probability_ppm(scenario_.submit_unknown_probability, "submit_unknown_probability");
    ppm_.cancel_unknown = probability_ppm(scenario_.cancel_unknown_probability, "cancel_unknown_probability");
    ppm_.reject = probability_ppm(scenario_.random_reject_probability, "random_reject_probability");
    ppm_.cancel_reject = probability_ppm(scenario_.random_cancel_reject_probability, "random_cancel_reject_probability");
    ppm_.late_fill = probability_ppm(scenario_.late_fill_on_cancel_probability, "late_fill_on_cancel_probability");
    ppm_.overfill = probability_ppm(scenario_.overfill_probability, "overfill_probability");
    ppm_.short_fill = probability_ppm(scenario_.short_fill_probability, "short_fill_probability");
    adl_ppm_ = probability_ppm(scenario_.adl_probability, "adl_probability");
    manual_close_ppm_ = probability_ppm(scenario_.manual_close_probability, "manual_close_probability");
    maintenance_rate_ = require(scenario_.maintenance_margin_rate, "maintenance_margin_rate", true);
    liquidation_fee_rate_ = require(scenario_.liquidation_fee_rate, "liquidation_fee_rate", true);
    if (maintenance_rate_ >= Decimal::from_units(1) || liquidation_fee_rate_ >= Decimal::from_units(1)) {
        throw std::invalid_argument("MockVenueScenario: margin and fee rates must be below 1");
    }
    const auto funding_rate = Decimal::from_double(scenario_.funding_rate);
    if (!funding_rate || funding_rate->abs() >= Decimal::from_units(1)) {
        throw std::invalid_argument("MockVenueScenario.funding_rate must be a finite rate between -1 and 1");
    }
    funding_rate_ = *funding_rate;
    if (scenario_.funding_interval_ns < 0) throw std::invalid_argument("MockVenueScenario.funding_interval_ns must not be negative");
    if (scenario_.funding_interval_ns > 0) funding_index_ = now_ns() / scenario_.funding_interval_ns;
    if (static_cast<std::size_t>(scenario_.position_mode) >= enum_count<PositionMode>()) {
        throw std::invalid_argument("MockVenueScenario.position_mode is unknown");
    }
    const auto foreign = Decimal::from_double(scenario_.initial_foreign_position);
    if (!foreign || !foreign->is_multiple_of(lot_step_)) {
        throw std::invalid_argument("MockVenueScenario.initial_foreign_position must be a multiple of lot_step");
    }
    if (!foreign->is_zero()) {
        const Decimal price = require(scenario_.initial_foreign_position_price, "initial_foreign_position_price", false);
        if (scenario_.assets.empty()) throw std::invalid_argument("MockVenueScenario.initial_foreign_position needs an asset");
        inject_foreign_fill(scenario_.assets.front(), foreign->is_positive() ? TradeSide::LONG : TradeSide::SHORT,
                            foreign->abs(), price);
    }
}

std::size_t MockVenueAdapter::listed_index(const AssetName& asset) const {
    return static_cast<std::size_t>(std::find(listed_.begin(), listed_.end(), asset) - listed_.begin());
}

bool MockVenueAdapter::listed(std::string_view asset) const {
    return AssetName::fits(asset) && listed_index(AssetName(asset)) < listed_.size();
}

std::optional<InstrumentSpec> MockVenueAdapter::instrument(std::string_view asset) const {
    if (!listed(asset)) return std::nullopt;
    InstrumentSpec spec;
    spec.asset = AssetName(asset);
    spec.lot_step = lot_step_;
    spec.tick_size = tick_size_;
    spec.min_qty = min_qty_;
    return spec;
}

bool MockVenueAdapter::within_bounds(const OrderRequest& request) const {
    // What a real venue's risk engine would refuse, and what keeps every sum of the books and
    // fees inside Decimal's range: a size, a price, and the open notional of one asset.
    static constexpr std::int64_t qty_units_max = 1'000'000;
    static constexpr std::int64_t price_units_max = 10'000'000;
    static constexpr std::int64_t book_notional_units_max = 20'000'000'000;
    if (request.qty > Decimal::from_units(qty_units_max) || request.reference_price > Decimal::from_units(price_units_max)) {
        return false;
    }
    __extension__ typedef __int128 wide;
    // Both sides' books of the asset (hedge mode keeps a long and a short apart).
    wide open = 0;
    for (auto it = books_.lower_bound({request.asset, -1}); it != books_.end() && it->first.first == request.asset; ++it) {
        open += static_cast<wide>(it->second.entry_notional.abs().raw()) * Decimal::scale;
    }
    const wide added = static_cast<wide>(request.qty.raw()) * request.reference_price.raw();
    return open + added <= static_cast<wide>(Decimal::from_units(book_notional_units_max).raw()) * Decimal::scale;
}

VenueCallResult MockVenueAdapter::submit_order(const OrderRequest& request) {
    ++counters_.orders_submitted;
    settle_funding();
    // The order's price is where the market is: positions past their liquidation price are
    // liquidated before the order meets them (the venue liquidates first).
    const std::size_t listed_at = listed_index(request.asset);
    const bool known = listed_at < listed_.size();
    if (known && request.reference_price.is_positive()) mark_moved(listed_at, request.reference_price);
    if (orders_.contains(request.client_order_id)) {
        ++counters_.orders_rejected;
        return {VenueCallStatus::REJECTED, Id(), "duplicate clientOrderId " + request.client_order_id.str()};
    }
    // A lost answer: the order reached the venue or not; the caller cannot tell.
    const bool answer_lost = draw(ppm_.submit_unknown);
    if (answer_lost) {
        ++counters_.answers_lost;
        if (rng_.below(2) == 0) return {VenueCallStatus::UNKNOWN, Id(), "timeout: no answer (order not placed)"};
    }
    const Stored placed = order_from(request);
    const bool scenario_reject = request.purpose == OrderPurpose::ENTRY ? scenario_.reject_entries
                                                                         : scenario_.reject_exits;
    const bool malformed = !known || !request.qty.is_positive() ||
                           !request.qty.is_multiple_of(lot_step_) || !request.reference_price.is_positive() ||
                           !within_bounds(request);
    Stored& kept = orders_.insert_or_assign(request.client_order_id, placed)->second;
    VenueOrder& stored = kept.order;
    // Reduce-only: an exit may fill no more than the account's position on the side it closes.
    const Decimal room = fillable(stored);
    const bool nothing_to_reduce = !malformed && !room.is_positive();
    if (scenario_reject || malformed || nothing_to_reduce || draw(ppm_.reject)) {
        ++counters_.orders_rejected;
        stored.status = VenueOrderStatus::REJECTED;
        emit(stored, KernelEventKind::ORDER_REJECT);
    } else {
        emit(stored, KernelEventKind::ORDER_ACK);
        Decimal ratio = fill_ratio_;
        if (scenario_.random_partial_fills) ratio = Decimal::from_raw(static_cast<std::int64_t>(rng_.below(5)) * 25'000'000);
        Decimal share = request.qty.mul(ratio).floor_to(lot_step_);
        const bool capped = share > room;
        if (capped) share = room;
        if (share.is_positive()) {
            if (capped) {
                // Reduce-only: what the position allows fills; the venue cancels the rest.
                fill(kept, share, request.reference_price, false);
                stored.status = VenueOrderStatus::CANCELED;
                emit(stored, KernelEventKind::CANCEL_ACK);
            } else if (share == request.qty && draw(ppm_.short_fill) && share > lot_step_) {
                // The venue closes the order as FILLED one lot short.
                fill(kept, share - lot_step_, request.reference_price, false);
                stored.status = VenueOrderStatus::FILLED;
                emit(stored, KernelEventKind::FILL);
            } else if (share == request.qty && request.purpose == OrderPurpose::ENTRY && draw(ppm_.overfill)) {
                fill(kept, share, request.reference_price, false);
                book_fill(stored, kept.leverage, lot_step_, request.reference_price);
                stored.cum_filled_qty += lot_step_;
                kept.notional += request.reference_price.mul(lot_step_);
                stored.cum_fee = kept.notional.mul(taker_fee_rate_);
                emit(stored, KernelEventKind::FILL);
            } else {
                fill(kept, share, request.reference_price, true);
            }
        }
    }
    if (answer_lost) return {VenueCallStatus::UNKNOWN, Id(), "timeout: no answer (order placed)"};
    return {VenueCallStatus::ACCEPTED, stored.venue_order_id, "accepted"};
}

MockVenueAdapter::Stored MockVenueAdapter::order_from(const OrderRequest& request) {
    // Built where it is returned: the table copies it once.
    Stored out{VenueOrder{}, Decimal(), request.reference_price,
               request.leverage.is_positive() ? request.leverage : Decimal::from_units(1)};
    VenueOrder& order = out.order;
    order.client_order_id = request.client_order_id;
    // "m" and the number's digits, written in place: no std::string built and copied per order.
    std::array<char, 24> venue_order_id{'m'};
    const auto digits_end = std::to_chars(venue_order_id.data() + 1, venue_order_id.data() + venue_order_id.size(),
                                          next_order_number_++).ptr;
    order.venue_order_id = Id(std::string_view(venue_order_id.data(), digits_end));
    order.asset = request.asset;
    order.side = request.side;
    order.purpose = request.purpose;
    order.qty = request.qty;
    order.slot_id = request.slot_id;
    order.trade_id = request.trade_id;
    return out;
}

MockVenueAdapter::BookKey MockVenueAdapter::book_key(const AssetName& asset, TradeSide side) const {
    if (scenario_.position_mode == PositionMode::ONE_WAY) return {asset, 0};
    return {asset, side_sign(side)};
}

void MockVenueAdapter::book_fill(const VenueOrder& order, Decimal leverage, Decimal qty, Decimal price) {
    Book& book = books_[book_key(order.asset, order.side)];
    const bool opening = order.purpose == OrderPurpose::ENTRY;
    const bool buys = (order.side == TradeSide::LONG) == opening;
    const Decimal before = book.net;
    const Decimal after = before + (buys ? qty : -qty);
    const bool grows = before.is_zero() || (before.is_positive() == buys);
    if (grows) {
        book.entry_notional += price.mul(qty);
        book.margin += price.mul(qty).div(leverage);
    } else if (after.is_zero() || after.is_positive() != before.is_positive()) {
        // Closed, or flipped: what remains was opened at this fill's price.
        book.entry_notional = price.mul(after.abs());
        book.margin = book.entry_notional.div(leverage);
    } else {
        book.entry_notional = book.entry_notional.mul_div(after.abs(), before.abs());
        book.margin = book.margin.mul_div(after.abs(), before.abs());
    }
    book.net = after;
}

Decimal MockVenueAdapter::fillable(const VenueOrder& order) const {
    const Decimal remaining = order.qty - order.cum_filled_qty;
    if (order.purpose == OrderPurpose::ENTRY || !scenario_.reduce_only_exits) return remaining;
    const auto book = books_.find(book_key(order.asset, order.side));
    const Decimal net = book != books_.end() ? book->second.net : Decimal();
    // An exit of a long sells, so it reduces a long account position; of a short, a short one.
    const Decimal position = order.side == TradeSide::LONG ? net : -net;
    return position.is_positive() ? min(remaining, position) : Decimal();
}

void MockVenueAdapter::fill(Stored& stored, Decimal qty, Decimal price, bool report) {
    VenueOrder& order = stored.order;
    DITA_ASSERT(qty.is_positive() && order.cum_filled_qty + qty <= order.qty);
    Decimal& notional = stored.notional;
    notional += price.mul(qty);
    order.cum_filled_qty += qty;
    order.avg_fill_price = notional.div(order.cum_filled_qty);
    order.cum_fee = notional.mul(taker_fee_rate_);
    const bool done = order.cum_filled_qty == order.qty;
    if (order.status != VenueOrderStatus::CANCELED) {
        order.status = done ? VenueOrderStatus::FILLED : VenueOrderStatus::PARTIALLY_FILLED;
    }
    book_fill(order, stored.leverage, qty, price);
    if (report) emit(order, done ? KernelEventKind::FILL : KernelEventKind::PARTIAL_FILL);
}

bool MockVenueAdapter::fill_working(std::string_view client_order_id, Decimal qty, Decimal price) {
    if (!Id::fits(client_order_id)) return false;
    const auto found = orders_.find(Id(client_order_id));
    if (found == orders_.end() || is_terminal(found->second.order.status) || !price.is_positive()) return false;
    const Decimal take = min(qty, fillable(found->second.order));
    if (!take.is_positive()) return false;
    fill(found->second, take, price, true);
    return true;
}

void MockVenueAdapter::inject_foreign_fill(std::string_view asset, TradeSide side, Decimal qty, Decimal price) {
    VenueOrder order;
    order.asset = AssetName(asset);
    order.side = side;
    order.purpose = OrderPurpose::ENTRY;
    // A foreign fill has no order of its own: the leverage of an order by its (empty) id, as any.
    const auto same_id = orders_.find(order.client_order_id);
    book_fill(order, same_id != orders_.end() ? same_id->second.leverage : Decimal::from_units(1), qty, price);
}

VenueCallResult MockVenueAdapter::cancel_order(const CancelRequest& request) {
    ++counters_.cancels_requested;
    settle_funding();
    if ((scenario_.cancel_reject && !calm_) || draw(ppm_.cancel_reject)) {
        ++counters_.cancels_rejected;
        return {VenueCallStatus::REJECTED, Id(), "cancel rejected by the venue"};
    }
    const auto found = orders_.find(request.client_order_id);
    if (found == orders_.end()) {
        ++counters_.cancels_rejected;
        return {VenueCallStatus::REJECTED, Id(), "order does not exist"};
    }
    VenueOrder& order = found->second.order;
    if (is_terminal(order.status)) {
        ++counters_.cancels_rejected;
        return {VenueCallStatus::REJECTED, order.venue_order_id,
                "order is already " + std::string(to_string(order.status))};
    }
    const bool answer_lost = draw(ppm_.cancel_unknown);
    const Decimal remaining = order.qty - order.cum_filled_qty;
    const bool race = remaining > lot_step_ && fillable(order) >= lot_step_ && draw(ppm_.late_fill);
    order.status = VenueOrderStatus::CANCELED;
    emit(order, KernelEventKind::CANCEL_ACK);
    if (race) {
        // The venue matched one more lot while the cancel was in flight; its report comes last.
        fill(found->second, lot_step_, found->second.reference_price, false);
        emit(order, KernelEventKind::PARTIAL_FILL);
    }
    if (answer_lost) {
        ++counters_.answers_lost;
        return {VenueCallStatus::UNKNOWN, Id(), "timeout: no answer to cancel"};
    }
    return {VenueCallStatus::ACCEPTED, order.venue_order_id, "canceled"};
}

namespace {

// Converts to the event stating an order: a Pending built from it gets the event constructed in
// place (guaranteed elision), not copied in from a local.
struct Stating {
    const VenueOrder& order;
    KernelEventKind kind;
    operator VenueEvent() const { return event_stating(order, kind); } // NOLINT: implicit by design
};

} // namespace

void MockVenueAdapter::emit(const VenueOrder& order, KernelEventKind kind) {
    const std::uint64_t sequence = ++sequence_;
    const std::int64_t timestamp = now_ns();
    ++counters_.events_emitted;
    if (const auto due = admission()) {
        VenueEvent& event = pending_.emplace_back(*due, Stating{order, kind}).event;
        event.venue_sequence = sequence;
        event.timestamp_ns = timestamp;
        after_queued(*due);
    }
    retire_if_finished(order);
}

void MockVenueAdapter::enqueue(const VenueEvent& event) {
    if (const auto due = admission()) {
        pending_.emplace_back(*due, event);
        after_queued(*due);
    }
}

inline std::optional<std::int64_t> MockVenueAdapter::admission() {
    if (draw(ppm_.drop)) {
        ++counters_.events_dropped;
        return std::nullopt;
    }
    std::int64_t due = now_ns() + scenario_.latency_ns;
    if (scenario_.delay_ns_max > 0 && draw(ppm_.delay)) {
        due += rng_.between(1, scenario_.delay_ns_max);
        ++counters_.events_delayed;
    }
    return due;
}

inline void MockVenueAdapter::after_queued(std::int64_t due) {
    std::size_t last = pending_.size() - 1;
    if (pending_events() > 1 && draw(ppm_.reorder)) {
        // The events change places; each place keeps its due time.
        std::swap(pending_[last].event, pending_[last - 1].event);
        --last;
        ++counters_.events_reordered;
    }
    if (draw(ppm_.duplicate)) {
        // Copied first: a vector's push_back may move what it copies from.
        const VenueEvent copy = pending_[last].event;
        pending_.emplace_back(due, copy);
        ++counters_.events_duplicated;
    }
}

void MockVenueAdapter::retire_if_finished(const VenueOrder& order) {
    if (!is_terminal(order.status)) return;
    // Pushed before the oldest is forgotten: `order` may be the table's entry for that oldest id.
    finished_.push_back(order.client_order_id);
    if (finished_.size() <= scenario_.finished_orders_retained_max) return;
    const Id oldest = finished_.front();
    finished_.pop_front();
    orders_.erase(oldest);
}

std::optional<std::int64_t> MockVenueAdapter::next_due_ns() const {
    std::optional<std::int64_t> out;
    for (std::size_t i = pending_head_; i < pending_.size(); ++i) {
        if (!out || pending_[i].due_ns < *out) out = pending_[i].due_ns;
    }
    return out;
}

void MockVenueAdapter::drain_events(EventSink& sink) {
    settle_funding();
    // Deliver, in queue order, every event that is due; held ones stay queued.
    const std::int64_t now = now_ns();
    std::size_t kept = 0;
    const std::size_t count = pending_events();
    for (std::size_t i = 0; i < count; ++i) {
        // A copy: the sink may call back into the venue, whose events then move the queue.
        Pending item = pending_[pending_head_++];
        if (item.due_ns <= now) {
            ++counters_.events_delivered;
            sink.deliver(item.event);
        } else {
            pending_.push_back(item);
            ++kept;
        }
    }
    DITA_ASSERT(pending_events() >= kept);
    pending_.erase(pending_.begin(), pending_.begin() + static_cast<std::ptrdiff_t>(pending_head_));
    pending_head_ = 0;
}

VenueQuery<std::optional<VenueOrder>> MockVenueAdapter::query_order(std::string_view asset,
                                                                    std::string_view client_order_id) {
    VenueQuery<std::optional<VenueOrder>> out;
    if (!Id::fits(client_order_id)) return out;
    const auto found = orders_.find(Id(client_order_id));
    if (found != orders_.end() && found->second.order.asset.view() == asset) out.value = found->second.order;
    return out;
}

VenueQuery<std::vector<VenueOrder>> MockVenueAdapter::open_orders(std::string_view asset) {
    VenueQuery<std::vector<VenueOrder>> out;
    orders_.visit_unordered([&](const Id&, const Stored& stored) {
        if (stored.order.asset.view() == asset && !is_terminal(stored.order.status)) out.value.push_back(stored.order);
    });
    // In client order id order, as a venue's listing is stable.
    std::sort(out.value.begin(), out.value.end(),
              [](const VenueOrder& a, const VenueOrder& b) { return a.client_order_id < b.client_order_id; });
    return out;
}

VenueQuery<std::vector<VenuePosition>> MockVenueAdapter::positions(std::string_view asset) {
    VenueQuery<std::vector<VenuePosition>> out;
    if (!AssetName::fits(asset)) return out;
    const AssetName name(asset);
    for (auto it = books_.lower_bound({name, -1}); it != books_.end() && it->first.first == name; ++it) {
        const Book& book = it->second;
        if (book.net.is_zero()) continue;
        VenuePosition position;
        position.asset = name;
        position.side = book.net.is_positive() ? TradeSide::LONG : TradeSide::SHORT;
        position.size = book.net.abs();
        position.entry_price = book.entry_notional.div(position.size);
        out.value.push_back(position);
    }
    return out;
}

} // namespace dita
