// Orders: placement with its fault draws, fills, execution reports, cancels and queries.
#include "sim_engine.hpp"

#include <algorithm>
#include <cmath>

#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include "sim_wire.hpp"

namespace dita::bingx_sim {

using nlohmann::json;

// What a place request asks for, read and checked against the contract; an error answer
// otherwise.
Result<Engine::OrderDraft, Handled> Engine::read_order(const Params& params) {
    const std::string* symbol = param(params, {"symbol"});
    Contract* spec = symbol ? contract(*symbol) : nullptr;
    if (spec == nullptr) return handled(error(80014, "Invalid parameters, err: symbol not exist"));
    const std::string* side = param(params, {"side"});
    if (side == nullptr || (*side != "BUY" && *side != "SELL")) return handled(error(80014, "Invalid parameters, err: side"));
    OrderDraft draft{.spec = spec, .symbol = *symbol, .side = *side};
    const std::string* position_side_param = param(params, {"positionSide"});
    draft.position_side = position_side_param ? *position_side_param : (config_.hedge_mode ? "LONG" : "BOTH");
    draft.reduce_only = param(params, {"reduceOnly"}) != nullptr && *param(params, {"reduceOnly"}) == "true";
    if (config_.hedge_mode) {
        if (draft.position_side != "LONG" && draft.position_side != "SHORT") {
            return handled(error(80014, "Invalid parameters, err: positionSide must be LONG or SHORT in hedge mode"));
        }
        if (draft.reduce_only) return handled(error(80014, "Invalid parameters, err: reduceOnly is not accepted in hedge mode"));
    } else if (draft.position_side != "BOTH") {
        return handled(error(80014, "Invalid parameters, err: positionSide must be BOTH in one-way mode"));
    }
    const std::string* type = param(params, {"type"});
    if (type == nullptr || (*type != "MARKET" && *type != "LIMIT")) {
        return handled(error(80014, "Invalid parameters, err: type (the simulator serves MARKET and LIMIT)"));
    }
    draft.type = *type;
    const std::string* quantity_text = param(params, {"quantity"});
    std::optional<Decimal> quantity_raw;
    if (quantity_text != nullptr) quantity_raw = Decimal::parse(*quantity_text);
    if (!quantity_raw || !quantity_raw->is_positive()) return handled(error(80014, "Invalid parameters, err: quantity"));
    // Finer than the precision is truncated, not refused (fact sheet §4).
    draft.qty = quantity_raw->floor_to(spec->lot_step);
    if (draft.qty < spec->min_qty || !draft.qty.is_positive()) {
        return handled(error(80014, "Invalid parameters, err: quantity below the minimum " + spec->min_qty.to_string()));
    }
    if (*type == "LIMIT") {
        const std::string* price_text = param(params, {"price"});
        std::optional<Decimal> price;
        if (price_text != nullptr) price = Decimal::parse(*price_text);
        if (!price || !price->is_positive()) return handled(error(80014, "Invalid parameters, err: price"));
        draft.limit_price = price->floor_to(spec->tick_size);
    }
    if (const std::string* id = param(params, {"clientOrderId", "clientOrderID", "newClientOrderId"})) {
        if (id->empty() || id->size() > 40) return handled(error(80014, "Invalid parameters, err: clientOrderId length 1..40"));
        draft.client_id = lower(*id);
    }
    return draft;
}

// The account's refusals of a well-formed order: a reused client id, simulated rejects, too
// small a value, a close larger than the position. nullopt: accepted.
std::optional<Handled> Engine::refusal_of(const OrderDraft& draft, Decimal price) {
    if (!draft.client_id.empty() && config_.unique_client_order_ids && order_by_client_.contains(draft.client_id)) {
        ++stats_.duplicate_client_ids;
        return handled(error(80014, "Invalid parameters, err: clientOrderId already exists"));
    }
    const bool buy = draft.side == "BUY";
    const bool opening = config_.hedge_mode ? (buy == (draft.position_side == "LONG")) : !draft.reduce_only;
    if ((opening && config_.reject_entries) || (!opening && config_.reject_exits)) {
        ++stats_.orders_rejected;
        return handled(error(config_.reject_code, "order refused (simulated)"));
    }
    if (opening && price.mul(draft.qty) < draft.spec->min_notional) {
        return handled(error(80014, "Invalid parameters, err: order value below " + draft.spec->min_notional.to_string() + " USDT"));
    }
    if (!opening) {
        const Position& held = position(draft.symbol, draft.position_side);
        const Decimal available = held.amount.abs();
        if (available.is_zero()) return handled(error(80017, "position not exist"));
        const bool reduces = config_.hedge_mode || (held.amount.is_positive() != buy);
        if (!reduces || draft.qty > available) {
            return handled(error(80014, "Invalid parameters, err: close quantity exceeds the position " + available.to_string()));
        }
    }
    return std::nullopt;
}

Handled Engine::place_order(const Params& params, std::int64_t now, bool act) {
    auto draft = read_order(params);
    if (!draft.ok()) return std::move(draft).error();
    const Decimal price = draft->type == "MARKET" ? market_price(*draft->spec, params) : draft->limit_price;
    if (auto refused = refusal_of(*draft, price)) return std::move(*refused);
    SimOrder order;
    order.symbol = draft->symbol;
    order.order_id = next_order_id_++;
    order.client_order_id = draft->client_id;
    order.side = draft->side;
    order.position_side = draft->position_side;
    order.type = draft->type;
    order.status = "NEW";
    order.qty = draft->qty;
    order.price = draft->type == "LIMIT" ? draft->limit_price : Decimal();
    order.reduce_only = draft->reduce_only;
    order.time_ms = now;
    order.update_time_ms = now;
    order.leverage = leverage_of(draft->symbol, draft->position_side);
    if (!act) {
        json data;
        data["order"] = json::parse(order_json(order, false));
        return ok(data);
    }
    ++stats_.orders_created;
    auto& stored = orders_.emplace(order.order_id, order).first->second;
    if (!order.client_order_id.empty()) order_by_client_[order.client_order_id] = stored.order_id;
    notional_[stored.order_id] = Decimal();
    emit(stored, "NEW", now, Decimal(), Decimal(), Decimal());
    if (stored.type == "MARKET") {
        const Decimal share = stored.qty.mul(fill_ratio_).floor_to(draft->spec->lot_step);
        if (share.is_positive()) fill(stored, share, price, now);
    }
    json data;
    data["order"] = json::parse(order_json(stored, false));
    return ok(data);
}

void Engine::fill(SimOrder& order, Decimal qty, Decimal price, std::int64_t now, std::optional<Decimal> fee_rate,
                  std::string_view execution) {
    ++stats_.fills;
    Decimal& notional = notional_[order.order_id];
    notional += price.mul(qty);
    order.executed_qty += qty;
    order.avg_price = notional.div(order.executed_qty);
    const Decimal rate = fee_rate ? *fee_rate : Decimal::from_double(config_.taker_fee_rate).value_or(Decimal());
    const Decimal fee = price.mul(qty).mul(rate);
    order.fee += fee;
    order.status = order.executed_qty >= order.qty ? "FILLED" : "PARTIALLY_FILLED";
    order.update_time_ms = now;
    // Books: one signed amount per (symbol, positionSide); a short side is kept negative.
    const bool buy = order.side == "BUY";
    Position& book = position(order.symbol, order.position_side);
    book.update_time_ms = now;
    const Decimal signed_qty = buy ? qty : -qty;
    if (book.amount.is_zero() || book.amount.is_positive() == signed_qty.is_positive()) {
        const Decimal total = book.amount.abs() + qty;
        book.avg_price = (book.avg_price.mul(book.amount.abs()) + price.mul(qty)).div(total);
        book.amount += signed_qty;
    } else {
        const Decimal closed = min(qty, book.amount.abs());
        const Decimal move = book.amount.is_positive() ? price - book.avg_price : book.avg_price - price;
        const Decimal pnl = move.mul(closed);
        book.realised += pnl;
        balance_ += pnl;
        book.amount += signed_qty;
        if (book.amount.is_zero()) book.avg_price = Decimal();
        if (!book.amount.is_zero() && book.amount.is_positive() == signed_qty.is_positive()) book.avg_price = price;
    }
    balance_ -= fee;
    fees_paid_ += fee;
    emit(order, execution, now, qty, price, fee);
}

std::vector<std::string> Engine::live_keys(std::int64_t now) const {
    std::vector<std::string> out;
    for (const auto& [key, state] : listen_keys_) {
        if (!state.dead && state.expires_ms > now) out.push_back(key);
    }
    return out;
}

void Engine::emit(const SimOrder& order, std::string_view execution, std::int64_t now, Decimal last_qty,
                  Decimal last_price, Decimal last_fee) {
    if (!muted_) ++stats_.stream_events;
    json o;
    o["s"] = order.symbol;
    o["c"] = order.client_order_id;
    o["i"] = order.order_id;
    o["S"] = order.side;
    o["o"] = order.type;
    o["q"] = order.qty.to_string();
    o["p"] = order.price.to_string();
    o["ap"] = order.avg_price.to_string();
    o["x"] = execution;
    o["X"] = order.status;
    o["N"] = "USDT";
    o["n"] = (-last_fee).to_string();
    o["T"] = now;
    o["wt"] = "MARK_PRICE";
    o["ps"] = order.position_side;
    o["ro"] = order.reduce_only; // JKorf's field; what tells a one-way close from an opening order
    o["rp"] = "0";
    o["z"] = order.executed_qty.to_string();
    o["l"] = last_qty.to_string();
    o["L"] = last_price.to_string();
    json event;
    event["e"] = "ORDER_TRADE_UPDATE";
    event["E"] = now;
    event["o"] = o;
    push_event(event.dump(), now);
}

void Engine::push_event(std::string text, std::int64_t now) {
    if (muted_) {
        ++stats_.move_reports_lost;
        return;
    }
    StreamPush push;
    push.text = std::move(text);
    push.listen_keys = live_keys(now);
    if (push.listen_keys.empty()) {
        ++stats_.stream_events_lost;
        return;
    }
    const SimFaults& faults = config_.faults;
    if (rng_.chance(faults.stream_delay_rate)) {
        ++stats_.stream_delays;
        push.delay_ms = faults.stream_delay_ms;
    }
    if (rng_.chance(faults.stream_duplicate_rate)) {
        ++stats_.stream_duplicates;
        StreamPush copy = push;
        copy.delay_ms = push.delay_ms + 1 + static_cast<int>(rng_.next() % 50);
        pending_pushes_.push_back(copy);
    }
    if (rng_.chance(faults.stream_drop_rate)) {
        ++stats_.stream_drops;
        push.close_after = true;
    }
    pending_pushes_.push_back(std::move(push));
}

std::string Engine::order_json(const SimOrder& order, bool rest) const {
    json o;
    o["symbol"] = order.symbol;
    o["orderId"] = order.order_id;
    o["side"] = order.side;
    o["positionSide"] = order.position_side;
    o["type"] = order.type;
    o["clientOrderId"] = order.client_order_id;
    o["workingType"] = "MARK_PRICE";
    o["reduceOnly"] = order.reduce_only;
    o["origQty"] = order.qty.to_string();
    o["price"] = order.price.to_string();
    o["executedQty"] = order.executed_qty.to_string();
    o["avgPrice"] = order.avg_price.to_string();
    // REST spells it CANCELLED (the stream: CANCELED).
    o["status"] = order.status == "CANCELED" ? "CANCELLED" : order.status;
    if (rest) {
        o["cumQuote"] = order.avg_price.mul(order.executed_qty).to_string();
        o["stopPrice"] = "";
        o["profit"] = "0";
        o["commission"] = (-order.fee).to_string();
        o["time"] = order.time_ms;
        o["updateTime"] = order.update_time_ms;
        o["leverage"] = std::to_string(order.leverage) + "X";
    }
    return o.dump();
}

SimOrder* Engine::find_order(const Params& params) {
    if (const std::string* id = param(params, {"orderId"})) {
        const auto number = parse_int(*id);
        if (!number) return nullptr;
        const auto found = orders_.find(*number);
        return found == orders_.end() ? nullptr : &found->second;
    }
    if (const std::string* id = param(params, {"clientOrderId", "clientOrderID", "newClientOrderId"})) {
        const auto found = order_by_client_.find(lower(*id));
        if (found == order_by_client_.end()) return nullptr;
        return &orders_.at(found->second);
    }
    return nullptr;
}

Handled Engine::cancel_order(const Params& params, std::int64_t now, bool act) {
    if (param(params, {"symbol"}) == nullptr) return handled(error(80014, "Invalid parameters, err: symbol"));
    if (param(params, {"orderId", "clientOrderId", "clientOrderID"}) == nullptr) {
        return handled(error(80014, "Invalid parameters, err: orderId or clientOrderId required"));
    }
    SimOrder* order = find_order(params);
    if (order == nullptr || order->symbol != *param(params, {"symbol"})) return handled(error(80016, "order not exist"));
    if (order->status == "FILLED") return handled(error(80018, "order is already filled"));
    if (order->status == "CANCELED") return handled(error(80016, "order not exist (already cancelled)"));
    if (config_.cancel_reject) return handled(error(80014, "cancel refused (simulated)"));
    if (act) {
        ++stats_.cancels;
        order->status = "CANCELED";
        order->update_time_ms = now;
        emit(*order, "CANCELED", now, Decimal(), Decimal(), Decimal());
    }
    json data;
    data["order"] = json::parse(order_json(*order, true));
    return ok(data);
}

Handled Engine::query_order(const Params& params) {
    if (param(params, {"symbol"}) == nullptr) return handled(error(80014, "Invalid parameters, err: symbol"));
    SimOrder* order = find_order(params);
    if (order == nullptr || order->symbol != *param(params, {"symbol"})) return handled(error(80016, "order not exist"));
    json data;
    data["order"] = json::parse(order_json(*order, true));
    return ok(data);
}

Handled Engine::open_orders(const Params& params) {
    const std::string* symbol = param(params, {"symbol"});
    json list = json::array();
    for (const auto& [id, order] : orders_) {
        if (symbol != nullptr && order.symbol != *symbol) continue;
        if (order.status == "NEW" || order.status == "PARTIALLY_FILLED") list.push_back(json::parse(order_json(order, true)));
    }
    json data;
    data["orders"] = list;
    return ok(data);
}

Handled Engine::cancel_all(const Params& params, std::int64_t now) {
    const std::string* symbol = param(params, {"symbol"});
    json success = json::array();
    for (auto& [id, order] : orders_) {
        if (symbol != nullptr && order.symbol != *symbol) continue;
        if (order.status != "NEW" && order.status != "PARTIALLY_FILLED") continue;
        ++stats_.cancels;
        order.status = "CANCELED";
        order.update_time_ms = now;
        emit(order, "CANCELED", now, Decimal(), Decimal(), Decimal());
        success.push_back(json::parse(order_json(order, true)));
    }
    json data;
    data["success"] = success;
    data["failed"] = nullptr;
    return ok(data);
}

} // namespace dita::bingx_sim
