// The mock venue's own moves: marks, isolated margin and liquidation, ADL, manual closes on the
// website, funding. Deterministic: the market moves only when told (set_mark, an order's price),
// funding follows the clock, and the seeded moves draw from their own random stream.
#include <algorithm>
#include <string>
#include <vector>

#include "dita/venues/mock/mock_venue.hpp"

namespace dita {

namespace {

// Funding settlements booked by one call at most: a clock that jumps years ahead settles this
// many intervals and skips the rest (a bound, not a model: no run waits that long).
constexpr std::int64_t funding_settlements_per_call_max = 1024;

std::string numbered(char prefix, std::uint64_t number) {
    std::string out(1, prefix);
    out += std::to_string(number);
    return out;
}

} // namespace

Decimal MockVenueAdapter::mark_of(const AssetName& asset, const Book& book) const {
    const std::size_t at = listed_index(asset);
    if (at < marks_.size() && marks_[at].is_positive()) return marks_[at];
    return book.net.is_zero() ? Decimal() : book.entry_notional.div(book.net.abs());
}

std::optional<Decimal> MockVenueAdapter::liquidation_price(std::string_view asset, TradeSide side) const {
    if (!AssetName::fits(asset)) return std::nullopt;
    const auto found = books_.find(book_key(AssetName(asset), side));
    if (found == books_.end()) return std::nullopt;
    return liquidation_price_of(found->second);
}

std::optional<Decimal> MockVenueAdapter::liquidation_price_of(const Book& book) const {
    if (book.net.is_zero()) return std::nullopt;
    const Decimal qty = book.net.abs();
    const Decimal one = Decimal::from_units(1);
    // Isolated margin, as BingX computes it: liquidated when margin + unrealized PnL falls to the
    // maintenance margin (mark * size * rate). Long: P = (entry notional - margin) / (size * (1 - rate));
    // short: P = (entry notional + margin) / (size * (1 + rate)).
    if (book.net.is_positive()) {
        const Decimal numerator = book.entry_notional - book.margin;
        if (!numerator.is_positive()) return std::nullopt;
        return numerator.div(qty.mul(one - maintenance_rate_));
    }
    return (book.entry_notional + book.margin).div(qty.mul(one + maintenance_rate_));
}

void MockVenueAdapter::set_mark(std::string_view asset, Decimal price) {
    if (!price.is_positive() || !AssetName::fits(asset)) return;
    const std::size_t at = listed_index(AssetName(asset));
    if (at < listed_.size()) mark_moved(at, price);
}

void MockVenueAdapter::mark_moved(std::size_t index, Decimal price) {
    marks_[index] = price;
    if (scenario_.liquidations) liquidate_crossed(listed_[index], price);
    draw_venue_moves(listed_[index]);
}

void MockVenueAdapter::check_liquidations(const AssetName& asset) {
    if (!scenario_.liquidations) return;
    const std::size_t at = listed_index(asset);
    // Without a mark nothing is liquidated.
    if (at < marks_.size() && marks_[at].is_positive()) liquidate_crossed(asset, marks_[at]);
}

void MockVenueAdapter::liquidate_crossed(const AssetName& asset, Decimal mark) {
    // A liquidation changes only its own book and adds none, so the walk can go on past it.
    for (auto it = books_.lower_bound({asset, -1}); it != books_.end() && it->first.first == asset; ++it) {
        const BookKey& key = it->first;
        const Book& book = it->second;
        if (book.net.is_zero()) continue;
        const TradeSide side = book.net.is_positive() ? TradeSide::LONG : TradeSide::SHORT;
        // A hedge book whose net crossed zero is priced by the other side's book, as the side says
        // (book_key(asset, side) names this book exactly when its side number is the side's).
        const int priced_side = scenario_.position_mode == PositionMode::ONE_WAY ? 0 : side_sign(side);
        const auto price = priced_side == key.second ? liquidation_price_of(book) : liquidation_price(asset.view(), side);
        if (!price) continue;
        const bool crossed = side == TradeSide::LONG ? mark <= *price : mark >= *price;
        if (!crossed) continue;
        // Closed at the liquidation price (beyond it the insurance fund pays, not the account):
        // the loss is the margin less the maintenance margin, which the fee never exceeds.
        const Decimal qty = book.net.abs();
        const Decimal notional = price->mul(qty);
        const Decimal fee = min(notional.mul(liquidation_fee_rate_), notional.mul(maintenance_rate_));
        cancel_working_on(key);
        reduce_by_venue(key, KernelEventKind::LIQUIDATION, qty, *price, fee);
    }
}

void MockVenueAdapter::draw_venue_moves(const AssetName& asset) {
    if (calm_ || (adl_ppm_ == 0 && manual_close_ppm_ == 0)) return;
    std::vector<BookKey> keys;
    for (auto it = books_.lower_bound({asset, -1}); it != books_.end() && it->first.first == asset; ++it) {
        if (!it->second.net.is_zero()) keys.push_back(it->first);
    }
    for (const BookKey& key : keys) {
        const Book& book = books_[key];
        if (book.net.is_zero()) continue;
        const TradeSide side = book.net.is_positive() ? TradeSide::LONG : TradeSide::SHORT;
        const Decimal mark = mark_of(asset, book);
        const std::int64_t lots = book.net.abs().raw() / lot_step_.raw();
        if (lots <= 0) continue;
        const Decimal move = mark.mul(book.net.abs()) - book.entry_notional;
        const bool profitable = book.net.is_positive() ? move.is_positive() : move.is_negative();
        if (adl_ppm_ > 0 && move_rng_.chance_ppm(adl_ppm_)) {
            // Part of a profitable position, when there is more than a lot.
            if (profitable) {
                const std::int64_t take = lots > 1 ? move_rng_.between(1, lots - 1) : 1;
                auto_deleverage(asset.view(), side, lot_step_.mul(Decimal::from_units(take)));
            }
            continue;
        }
        if (manual_close_ppm_ > 0 && move_rng_.chance_ppm(manual_close_ppm_)) {
            const std::int64_t take = move_rng_.between(1, lots);
            manual_close(asset.view(), side, lot_step_.mul(Decimal::from_units(take)));
        }
    }
}

bool MockVenueAdapter::manual_close(std::string_view asset, TradeSide side, Decimal qty) {
    if (!AssetName::fits(asset)) return false;
    const BookKey key = book_key(AssetName(asset), side);
    const auto found = books_.find(key);
    if (found == books_.end() || found->second.net.is_zero()) return false;
    const Decimal price = mark_of(AssetName(asset), found->second);
    const Decimal take = min(qty, found->second.net.abs());
    return reduce_by_venue(key, KernelEventKind::MANUAL_CLOSE, take, price, price.mul(take).mul(taker_fee_rate_));
}

bool MockVenueAdapter::auto_deleverage(std::string_view asset, TradeSide side, Decimal qty) {
    if (!AssetName::fits(asset)) return false;
    const BookKey key = book_key(AssetName(asset), side);
    const auto found = books_.find(key);
    if (found == books_.end() || found->second.net.is_zero()) return false;
    const Decimal price = mark_of(AssetName(asset), found->second);
    return reduce_by_venue(key, KernelEventKind::ADL, min(qty, found->second.net.abs()), price, Decimal());
}

bool MockVenueAdapter::reduce_by_venue(const BookKey& key, KernelEventKind kind, Decimal qty, Decimal price,
                                       Decimal fee) {
    Book& book = books_[key];
    if (!qty.is_positive() || qty > book.net.abs() || !price.is_positive()) return false;
    VenueEvent event;
    event.kind = kind;
    event.status = VenueEventStatus::FILLED;
    const char prefix = kind == KernelEventKind::LIQUIDATION ? 'L' : kind == KernelEventKind::ADL ? 'A' : 'W';
    event.venue_order_id = Id(numbered(prefix, next_move_number_++));
    event.side = book.net.is_positive() ? TradeSide::LONG : TradeSide::SHORT;
    event.asset = key.first;
    event.order_qty = qty;
    event.cum_filled_qty = qty;
    event.avg_fill_price = price;
    event.cum_fee = fee;
    book_reduction(book, qty, price);
    record_move(event);
    return true;
}

void MockVenueAdapter::book_reduction(Book& book, Decimal qty, Decimal price) {
    (void)price;
    const Decimal before = book.net.abs();
    const Decimal after = before - qty;
    book.entry_notional = after.is_zero() ? Decimal() : book.entry_notional.mul_div(after, before);
    book.margin = after.is_zero() ? Decimal() : book.margin.mul_div(after, before);
    book.net = book.net.is_positive() ? after : -after;
}

void MockVenueAdapter::cancel_working_on(const BookKey& key) {
    // A liquidation takes the position's working orders with it.
    std::vector<Id> working;
    orders_.visit_unordered([&](const Id& id, const Stored& stored) {
        const VenueOrder& order = stored.order;
        if (order.asset == key.first && !is_terminal(order.status) &&
            (key.second == 0 || side_sign(order.side) == key.second)) {
            working.push_back(id);
        }
    });
    std::sort(working.begin(), working.end());
    for (const Id& id : working) {
        const auto found = orders_.find(id);
        if (found == orders_.end()) continue;
        found->second.order.status = VenueOrderStatus::CANCELED;
        emit(found->second.order, KernelEventKind::CANCEL_ACK);
    }
}

void MockVenueAdapter::record_move(const VenueEvent& reported) {
    VenueEvent event = reported;
    event.venue_sequence = ++sequence_;
    event.timestamp_ns = now_ns();
    moves_.push_back(event);
    while (moves_.size() > scenario_.finished_orders_retained_max) moves_.pop_front();
    ++counters_.events_emitted;
    enqueue(event);
}

void MockVenueAdapter::settle_funding_through(std::int64_t due) {
    if (due - funding_index_ > funding_settlements_per_call_max) funding_index_ = due - funding_settlements_per_call_max;
    std::vector<AssetName> assets;
    for (; funding_index_ < due; ++funding_index_) {
        for (auto& [key, book] : books_) {
            if (book.net.is_zero()) continue;
            const Decimal mark = mark_of(key.first, book);
            const Decimal value = mark.mul(book.net.abs()).mul(funding_rate_);
            const Decimal charged = book.net.is_positive() ? value : -value; // longs pay a positive rate
            book.margin -= charged;
            funding_charged_ += charged;
            VenueEvent event;
            event.kind = KernelEventKind::FUNDING;
            event.status = VenueEventStatus::INFO;
            const char* side = key.second == 0 ? "B" : key.second > 0 ? "L" : "S";
            event.venue_order_id = Id(numbered('F', static_cast<std::uint64_t>(funding_index_ + 1)) + "-" +
                                      key.first.str() + "-" + side);
            event.side = book.net.is_positive() ? TradeSide::LONG : TradeSide::SHORT;
            event.asset = key.first;
            event.cum_filled_qty = book.net.abs();
            event.price = mark;
            event.cum_fee = charged;
            record_move(event);
            if (std::find(assets.begin(), assets.end(), key.first) == assets.end()) assets.push_back(key.first);
        }
    }
    // Funding paid out of a position's margin may take it to its liquidation price.
    for (const AssetName& asset : assets) check_liquidations(asset);
}

VenueQuery<std::vector<VenueEvent>> MockVenueAdapter::venue_moves(std::string_view asset) {
    VenueQuery<std::vector<VenueEvent>> out;
    for (const VenueEvent& event : moves_) {
        if (event.asset.view() == asset) out.value.push_back(event);
    }
    return out;
}

} // namespace dita
