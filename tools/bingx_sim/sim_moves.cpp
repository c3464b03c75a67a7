// Venue moves (issue 13): liquidation when the mark crosses the liquidation price, ADL, a
// person's manual close and funding, each the venue's own doing, reported on the user stream
// as BingX reports them (ORDER_TRADE_UPDATE with `o` LIQUIDATION / `x` CALCULATED; ACCOUNT_UPDATE
// with `m` FUNDING_FEE) and kept for the REST history (forceOrders, allOrders, income).
#include "sim_engine.hpp"

#include <algorithm>
#include <limits>

#include <nlohmann/json.hpp>

#include "sim_wire.hpp"

namespace dita::bingx_sim {

using nlohmann::json;

namespace {

constexpr int funding_catch_up_max = 16; // settlements per tick at most (a clock jump)

struct Window {
    std::int64_t start_ms = 0;
    std::int64_t end_ms = std::numeric_limits<std::int64_t>::max();
    std::size_t limit = 0;
};

// startTime, endTime and limit (default_limit when absent, at most max_limit).
std::optional<Window> window_of(const std::vector<std::pair<std::string, std::string>>& params,
                                std::size_t default_limit, std::size_t max_limit) {
    Window out;
    out.limit = default_limit;
    if (const std::string* text = param(params, {"startTime"})) {
        const auto value = parse_int(*text);
        if (!value) return std::nullopt;
        out.start_ms = *value;
    }
    if (const std::string* text = param(params, {"endTime"})) {
        const auto value = parse_int(*text);
        if (!value) return std::nullopt;
        out.end_ms = *value;
    }
    if (const std::string* text = param(params, {"limit"})) {
        const auto value = parse_int(*text);
        if (!value || *value <= 0) return std::nullopt;
        out.limit = std::min<std::size_t>(static_cast<std::size_t>(*value), max_limit);
    }
    return out;
}

std::pair<std::string, std::string> split_key(const std::string& key) {
    const auto slash = key.find('/');
    return {key.substr(0, slash), key.substr(slash + 1)};
}

} // namespace

Decimal Engine::liquidation_price(const std::string& key, const Position& book) const {
    const auto [symbol, side] = split_key(key);
    const std::int64_t leverage = std::max<std::int64_t>(leverage_of(symbol, side), 1);
    const Decimal maintenance = Decimal::parse(config_.maintenance_margin_rate).value_or(Decimal());
    const Decimal reach = Decimal::from_units(1).div(Decimal::from_units(leverage)) - maintenance;
    const Decimal one = Decimal::from_units(1);
    const Decimal price = book.amount.is_positive() ? book.avg_price.mul(one - reach) : book.avg_price.mul(one + reach);
    return max(Decimal(), price);
}

SimOrder* Engine::close_by_venue(const std::string& key, std::string_view type, Decimal qty, Decimal price,
                                 std::optional<Decimal> fee_rate, std::string_view execution, std::int64_t now) {
    const auto found = positions_.find(key);
    if (found == positions_.end() || found->second.amount.is_zero() || !qty.is_positive() || !price.is_positive()) {
        return nullptr;
    }
    const auto [symbol, side] = split_key(key);
    Contract* spec = contract(symbol);
    if (spec == nullptr) return nullptr;
    const Decimal take = min(qty, found->second.amount.abs()).floor_to(spec->lot_step);
    if (!take.is_positive()) return nullptr;
    SimOrder order;
    order.symbol = symbol;
    order.order_id = next_order_id_++;
    const bool long_side = config_.hedge_mode ? side == "LONG" : found->second.amount.is_positive();
    order.side = long_side ? "SELL" : "BUY";
    order.position_side = side;
    order.type = std::string(type);
    order.status = "NEW";
    order.qty = take;
    order.reduce_only = !config_.hedge_mode;
    order.time_ms = now;
    order.update_time_ms = now;
    order.leverage = leverage_of(symbol, side);
    auto& stored = orders_.emplace(order.order_id, order).first->second;
    notional_[stored.order_id] = Decimal();
    fill(stored, take, price.floor_to(spec->tick_size), now, fee_rate, execution);
    return &stored;
}

void Engine::check_liquidations(const std::string& symbol, std::int64_t now) {
    const Contract* spec = contract(symbol);
    if (spec == nullptr) return;
    const Decimal fee_rate = Decimal::from_double(config_.liquidation_fee_rate).value_or(Decimal());
    std::vector<std::string> due;
    for (const auto& [key, book] : positions_) {
        if (split_key(key).first != symbol || book.amount.is_zero()) continue;
        const Decimal at = liquidation_price(key, book);
        const bool crossed = book.amount.is_positive() ? spec->mark <= at : spec->mark >= at;
        if (crossed) due.push_back(key);
    }
    muted_ = lose_move_reports_;
    for (const std::string& key : due) {
        const Position& book = positions_.at(key);
        const Decimal at = max(liquidation_price(key, book), spec->tick_size);
        SimOrder* order = close_by_venue(key, "LIQUIDATION", book.amount.abs(), at, fee_rate, "CALCULATED", now);
        if (order == nullptr) continue;
        force_kinds_[order->order_id] = "LIQUIDATION";
        ++stats_.liquidations;
        sim_log().info("liquidated {} at {}", key, at.to_string());
    }
    muted_ = false;
}

std::optional<std::vector<StreamPush>> Engine::venue_close(std::string_view kind, std::string_view symbol,
                                                           std::string_view position_side, std::string_view qty,
                                                           std::string_view price) {
    std::lock_guard lock(mutex_);
    const auto amount = Decimal::parse(qty);
    const auto at = Decimal::parse(price);
    if (!amount || !at) return std::nullopt;
    const std::string key = std::string(symbol) + "/" + std::string(position_side);
    const bool adl = kind == "ADL";
    muted_ = lose_move_reports_;
    // ADL: the venue's order, no fee, execution CALCULATED; a person's close: a MARKET order
    // without a client order id, the taker fee.
    SimOrder* order = adl ? close_by_venue(key, "MARKET", *amount, *at, Decimal(), "CALCULATED", now_ms())
                          : close_by_venue(key, "MARKET", *amount, *at, std::nullopt, "TRADE", now_ms());
    muted_ = false;
    if (order == nullptr) return std::nullopt;
    if (adl) {
        force_kinds_[order->order_id] = "ADL";
        ++stats_.adls;
    } else {
        ++stats_.manual_closes;
    }
    std::vector<StreamPush> out;
    out.swap(pending_pushes_);
    save_state();
    return out;
}

void Engine::settle_funding_locked(const std::string& symbol, Decimal rate, std::int64_t now) {
    const Contract* spec = contract(symbol);
    if (spec == nullptr) return;
    for (const auto& [key, book] : positions_) {
        const auto [book_symbol, side] = split_key(key);
        if (book_symbol != symbol || book.amount.is_zero()) continue;
        const bool long_side = config_.hedge_mode ? side == "LONG" : book.amount.is_positive();
        const Decimal payment = book.amount.abs().mul(spec->mark).mul(rate);
        const Decimal change = long_side ? -payment : payment; // positive rate: longs pay shorts
        if (change.is_zero()) continue;
        balance_ += change;
        ++stats_.funding_settlements;
        incomes_.push_back({symbol, change, now, symbol + "_" + std::to_string(now) + "_" + std::to_string(incomes_.size())});
        json balance{{"a", "USDT"}, {"wb", balance_.to_string()}, {"cw", balance_.to_string()}, {"bc", change.to_string()}};
        json position{{"s", symbol},           {"pa", (config_.hedge_mode ? book.amount.abs() : book.amount).to_string()},
                      {"ep", book.avg_price.to_string()}, {"up", "0"}, {"mt", "isolated"}, {"iw", "0"}, {"ps", side}};
        json event{{"e", "ACCOUNT_UPDATE"}, {"E", now}, {"T", now},
                   {"a", {{"m", "FUNDING_FEE"}, {"B", json::array({balance})}, {"P", json::array({position})}}}};
        if (!muted_) ++stats_.stream_events;
        push_event(event.dump(), now);
    }
}

std::optional<std::vector<StreamPush>> Engine::settle_funding(std::string_view symbol, std::string_view rate) {
    std::lock_guard lock(mutex_);
    const auto parsed = Decimal::parse(rate);
    if (!parsed || contract(symbol) == nullptr) return std::nullopt;
    muted_ = lose_move_reports_;
    settle_funding_locked(std::string(symbol), *parsed, now_ms());
    muted_ = false;
    std::vector<StreamPush> out;
    out.swap(pending_pushes_);
    save_state();
    return out;
}

void Engine::settle_due_funding(std::int64_t now) {
    const std::int64_t interval = config_.funding_interval_ms;
    if (interval <= 0) return;
    if (next_funding_ms_ == 0) {
        next_funding_ms_ = (now / interval + 1) * interval;
        return;
    }
    const Decimal rate = Decimal::parse(config_.funding_rate).value_or(Decimal());
    muted_ = lose_move_reports_;
    for (int i = 0; i < funding_catch_up_max && now >= next_funding_ms_; ++i) {
        for (const auto& [symbol, spec] : contracts_) settle_funding_locked(symbol, rate, next_funding_ms_);
        next_funding_ms_ += interval;
    }
    muted_ = false;
    if (now >= next_funding_ms_) next_funding_ms_ = (now / interval + 1) * interval; // beyond the catch-up bound
}

void Engine::set_lose_move_reports(bool on) {
    std::lock_guard lock(mutex_);
    lose_move_reports_ = on;
}

Handled Engine::force_orders_answer(const Params& params) {
    const auto window = window_of(params, 50, 100);
    if (!window) return handled(error(80014, "Invalid parameters, err: startTime, endTime or limit"));
    const std::string* symbol = param(params, {"symbol"});
    const std::string* kind = param(params, {"autoCloseType"});
    json list = json::array();
    for (const auto& [id, type] : force_kinds_) {
        if (list.size() >= window->limit) break;
        const SimOrder& order = orders_.at(id);
        if ((symbol != nullptr && order.symbol != *symbol) || (kind != nullptr && *kind != type)) continue;
        if (order.update_time_ms < window->start_ms || order.update_time_ms > window->end_ms) continue;
        list.push_back(json::parse(order_json(order, true)));
    }
    return ok(json{{"orders", list}});
}

Handled Engine::all_orders_answer(const Params& params) {
    const auto window = window_of(params, 500, 1000);
    if (!window) return handled(error(80014, "Invalid parameters, err: startTime, endTime or limit"));
    const std::string* symbol = param(params, {"symbol"});
    json list = json::array();
    for (const auto& [id, order] : orders_) {
        if (list.size() >= window->limit) break;
        if (symbol != nullptr && order.symbol != *symbol) continue;
        if (order.status == "NEW" || order.status == "PARTIALLY_FILLED") continue; // finished orders only
        if (order.update_time_ms < window->start_ms || order.update_time_ms > window->end_ms) continue;
        list.push_back(json::parse(order_json(order, true)));
    }
    return ok(json{{"orders", list}});
}

Handled Engine::income_answer(const Params& params) {
    const auto window = window_of(params, 100, 1000);
    if (!window) return handled(error(80014, "Invalid parameters, err: startTime, endTime or limit"));
    const std::string* symbol = param(params, {"symbol"});
    const std::string* type = param(params, {"incomeType"});
    json list = json::array();
    if (type != nullptr && *type != "FUNDING_FEE") return ok(list); // the simulator books funding only
    for (const Income& row : incomes_) {
        if (list.size() >= window->limit) break;
        if (symbol != nullptr && row.symbol != *symbol) continue;
        if (row.time_ms < window->start_ms || row.time_ms > window->end_ms) continue;
        list.push_back(json{{"symbol", row.symbol}, {"incomeType", "FUNDING_FEE"}, {"income", row.income.to_string()},
                            {"asset", "USDT"}, {"info", "Funding Fee"}, {"time", row.time_ms},
                            {"tranId", row.tran_id}, {"tradeId", row.tran_id}});
    }
    return ok(list);
}

} // namespace dita::bingx_sim
