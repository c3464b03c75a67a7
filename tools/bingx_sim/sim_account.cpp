// Account answers: positions, balance, position mode, leverage, listen keys, public data.
#include "sim_engine.hpp"

#include <algorithm>
#include <cmath>

#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include "sim_wire.hpp"

namespace dita::bingx_sim {

using nlohmann::json;

std::int64_t Engine::leverage_of(const std::string& symbol, const std::string& side) const {
    const auto found = leverage_.find(symbol + "/" + (config_.hedge_mode ? side : std::string("BOTH")));
    return found == leverage_.end() ? std::int64_t{10} : found->second;
}

// Positions as BingX reports them, margin at the side's real leverage, the liquidation price
// the one the simulator liquidates at (liquidation_price, sim_moves.cpp).
Engine::json_text_list Engine::position_items(const std::string* symbol, std::int64_t now) const {
    json_text_list out;
    for (const auto& [key, book] : positions_) {
        const auto slash = key.find('/');
        const std::string book_symbol = key.substr(0, slash);
        const std::string side = key.substr(slash + 1);
        if (symbol != nullptr && book_symbol != *symbol) continue;
        if (book.amount.is_zero()) continue;
        const auto spec = contracts_.find(book_symbol);
        const Decimal mark = spec != contracts_.end() ? spec->second.mark : book.avg_price;
        const bool long_side = book.amount.is_positive();
        const Decimal move = long_side ? mark - book.avg_price : book.avg_price - mark;
        const std::int64_t leverage = leverage_of(book_symbol, side);
        const Decimal size = book.amount.abs();
        const Decimal liquidation = liquidation_price(key, book);
        json item;
        item["symbol"] = book_symbol;
        item["positionId"] = key;
        item["positionSide"] = side;
        item["isolated"] = false;
        item["positionAmt"] = (config_.hedge_mode ? size : book.amount).to_string();
        item["availableAmt"] = size.to_string();
        item["unrealizedProfit"] = move.mul(size).to_string();
        item["realisedProfit"] = book.realised.to_string();
        item["initialMargin"] = book.avg_price.mul(size).div(Decimal::from_units(leverage)).to_string();
        item["avgPrice"] = book.avg_price.to_string();
        item["markPrice"] = mark.to_string();
        item["positionValue"] = mark.mul(size).to_string();
        item["liquidationPrice"] = max(Decimal(), liquidation).to_string();
        item["leverage"] = leverage;
        item["currency"] = "USDT";
        item["updateTime"] = book.update_time_ms > 0 ? book.update_time_ms : now;
        out.push_back(item.dump());
    }
    return out;
}

Handled Engine::positions_answer(const Params& params) {
    json list = json::array();
    for (const std::string& item : position_items(param(params, {"symbol"}), now_ms())) list.push_back(json::parse(item));
    return ok(list);
}

Handled Engine::balance_answer(bool v3) {
    Decimal unrealized;
    Decimal used;
    for (const std::string& text : position_items(nullptr, now_ms())) {
        const json item = json::parse(text);
        unrealized += *Decimal::parse(item["unrealizedProfit"].get<std::string>());
        used += *Decimal::parse(item["initialMargin"].get<std::string>());
    }
    json balance;
    balance["userId"] = "1000001";
    balance["asset"] = "USDT";
    balance["balance"] = balance_.to_string();
    balance["equity"] = (balance_ + unrealized).to_string();
    balance["unrealizedProfit"] = unrealized.to_string();
    balance["realisedProfit"] = (balance_ + fees_paid_ - require_decimal(config_.initial_balance, "initial_balance")).to_string();
    balance["availableMargin"] = max(Decimal(), balance_ + unrealized - used).to_string();
    balance["usedMargin"] = used.to_string();
    balance["freezedMargin"] = "0";
    if (v3) return ok(json::array({balance})); // v3: a list of assets (what ccxt reads)
    json data;
    data["balance"] = balance;
    return ok(data);
}

bool Engine::account_busy() const {
    for (const auto& [key, book] : positions_) {
        if (!book.amount.is_zero()) return true;
    }
    for (const auto& [id, order] : orders_) {
        if (order.status == "NEW" || order.status == "PARTIALLY_FILLED") return true;
    }
    return false;
}

// The account's position mode: read, or switched while nothing is open (BingX's rule).
Handled Engine::position_mode_answer(const SimRequest& request, const Params& params) {
    if (request.method == "POST") {
        const std::string* dual = param(params, {"dualSidePosition"});
        if (dual == nullptr || (*dual != "true" && *dual != "false")) {
            return handled(error(80014, "Invalid parameters, err: dualSidePosition must be true or false"));
        }
        const bool hedge = *dual == "true";
        if (hedge != config_.hedge_mode && account_busy()) {
            return handled(error(80014, "position mode cannot change while positions or orders are open"));
        }
        config_.hedge_mode = hedge;
    }
    json data;
    data["dualSidePosition"] = config_.hedge_mode ? "true" : "false";
    return ok(data);
}

Handled Engine::ticker_answer(const std::string* symbol, std::int64_t now) {
    json list = json::array();
    for (const auto& [name, contract] : contracts_) {
        if (symbol != nullptr && name != *symbol) continue;
        const std::string price = contract.mark.to_string();
        json item;
        item["symbol"] = name;
        item["priceChange"] = "0";
        item["priceChangePercent"] = "0";
        item["lastPrice"] = price;
        item["lastQty"] = "0";
        item["highPrice"] = price;
        item["lowPrice"] = price;
        item["volume"] = "0";
        item["quoteVolume"] = "0";
        item["openPrice"] = price;
        item["openTime"] = now - 24LL * 3600 * 1000;
        item["closeTime"] = now;
        item["bidPrice"] = price;
        item["bidQty"] = "0";
        item["askPrice"] = price;
        item["askQty"] = "0";
        list.push_back(item);
    }
    if (symbol == nullptr) return ok(list);
    if (list.empty()) return handled(error(80014, "Invalid parameters, err: symbol not exist"));
    return ok(list.front());
}

Handled Engine::leverage_answer(const SimRequest& request, const Params& params) {
    const std::string* symbol = param(params, {"symbol"});
    const Contract* spec = symbol ? contract(*symbol) : nullptr;
    if (spec == nullptr) return handled(error(80014, "Invalid parameters, err: symbol not exist"));
    if (request.method == "GET") {
        json data;
        data["longLeverage"] = leverage_of(*symbol, "LONG");
        data["shortLeverage"] = leverage_of(*symbol, "SHORT");
        return ok(data);
    }
    const std::string* side = param(params, {"side"});
    const std::string* value = param(params, {"leverage"});
    std::optional<std::int64_t> leverage;
    if (value != nullptr) leverage = parse_int(*value);
    if (side == nullptr || (*side != "LONG" && *side != "SHORT" && *side != "BOTH")) {
        return handled(error(80014, "Invalid parameters, err: side"));
    }
    if (!config_.hedge_mode && *side != "BOTH") {
        // A one-way account has one position per symbol: LONG/SHORT leverage is refused.
        return handled(error(80014, "Invalid parameters, err: side must be BOTH in one-way mode"));
    }
    if (!leverage || *leverage < 1) return handled(error(80014, "Invalid parameters, err: leverage"));
    if (*leverage > spec->spec.max_leverage) return handled(error(101414, "maximum leverage exceeded"));
    if (*side == "BOTH") {
        leverage_[*symbol + "/LONG"] = *leverage;
        leverage_[*symbol + "/SHORT"] = *leverage;
        leverage_[*symbol + "/BOTH"] = *leverage;
    } else {
        leverage_[*symbol + "/" + *side] = *leverage;
    }
    json data;
    data["leverage"] = *leverage;
    data["symbol"] = *symbol;
    return ok(data);
}

Handled Engine::listen_key_answer(const SimRequest& request, const Params& params, std::int64_t now) {
    if (request.api_key != config_.api_key) {
        ++stats_.auth_failures;
        return handled(error(100413, "Incorrect apiKey", 401));
    }
    if (param(params, {"signature"}) != nullptr) {
        if (auto refused = check_auth(request, params, now)) return handled(*refused);
    }
    if (request.method == "POST") {
        static constexpr char hex[] = "0123456789abcdef";
        std::string key;
        for (int i = 0; i < 64; ++i) key += hex[rng_.next() & 15];
        listen_keys_[key] = ListenKey{now + config_.listen_key_ttl_ms, false};
        ++stats_.listen_keys_created;
        Handled out;
        json body;
        body["listenKey"] = key;
        out.response.body = body.dump();
        return out;
    }
    const std::string* key = param(params, {"listenKey"});
    const auto found = key ? listen_keys_.find(*key) : listen_keys_.end();
    if (found == listen_keys_.end() || found->second.dead || found->second.expires_ms <= now) {
        SimResponse missing;
        missing.status = 404;
        missing.body = R"({"code":404,"msg":"listenKey not found"})";
        return handled(missing);
    }
    if (request.method == "PUT") {
        found->second.expires_ms = now + config_.listen_key_ttl_ms;
        ++stats_.listen_keys_extended;
        return handled(SimResponse{200, "{}", 0, false});
    }
    if (request.method == "DELETE") {
        found->second.dead = true;
        ++stats_.listen_keys_deleted;
        Handled out;
        out.response.body = "{}";
        StreamPush close;
        close.listen_keys = {*key};
        close.close_after = true;
        out.pushes.push_back(close);
        return out;
    }
    return handled(error(100400, "method not allowed", 405));
}

Handled Engine::public_answer(const SimRequest& request, const Params& params, std::int64_t now) {
    const std::string base(swap);
    const std::string* symbol = param(params, {"symbol"});
    if (request.method != "GET") return handled(error(100400, "method not allowed", 405));
    if (request.path == base + "/server/time") {
        json data;
        data["serverTime"] = now;
        return ok(data);
    }
    if (request.path == base + "/quote/contracts") {
        json list = json::array();
        for (const auto& [name, contract] : contracts_) {
            if (symbol != nullptr && name != *symbol) continue;
            const SimContract& spec = contract.spec;
            json item;
            item["contractId"] = "100";
            item["symbol"] = name;
            item["size"] = "0.0001";
            item["quantityPrecision"] = spec.quantity_precision;
            item["pricePrecision"] = spec.price_precision;
            item["feeRate"] = config_.taker_fee_rate;
            item["takerFeeRate"] = config_.taker_fee_rate;
            item["makerFeeRate"] = 0.0002;
            item["tradeMinLimit"] = 1;
            item["tradeMinQuantity"] = std::stod(spec.trade_min_quantity);
            item["tradeMinUSDT"] = std::stod(spec.trade_min_usdt);
            item["maxLongLeverage"] = spec.max_leverage;
            item["maxShortLeverage"] = spec.max_leverage;
            item["currency"] = "USDT";
            item["asset"] = name.substr(0, name.find('-'));
            item["status"] = 1;
            item["apiStateOpen"] = "true";
            item["apiStateClose"] = "true";
            list.push_back(item);
        }
        return ok(list);
    }
    if (request.path == base + "/quote/ticker") return ticker_answer(symbol, now);
    if (request.path == base + "/quote/premiumIndex" || request.path == base + "/quote/price") {
        const bool premium = request.path.ends_with("premiumIndex");
        json list = json::array();
        for (const auto& [name, contract] : contracts_) {
            if (symbol != nullptr && name != *symbol) continue;
            json item;
            item["symbol"] = name;
            if (premium) {
                item["markPrice"] = contract.mark.to_string();
                item["indexPrice"] = contract.mark.to_string();
                item["lastFundingRate"] = "0.0001";
                item["nextFundingTime"] = now + 8LL * 3600 * 1000;
            } else {
                item["price"] = contract.mark.to_string();
                item["time"] = now;
            }
            list.push_back(item);
        }
        if (symbol != nullptr) {
            if (list.empty()) return handled(error(80014, "Invalid parameters, err: symbol not exist"));
            return ok(list.front());
        }
        return ok(list);
    }
    return handled(error(100400, "no such endpoint: " + request.path, 404));
}

} // namespace dita::bingx_sim
