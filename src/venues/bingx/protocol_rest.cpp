// REST answers: the envelope, its classification and the data of each endpoint (fact sheet §3, §5).
#include "dita/venues/bingx/bingx_protocol.hpp"
#include "protocol_fields.hpp"

namespace dita::bingx {

using namespace detail;

namespace {

Parsed<BingxOrder> order_from(const json& object) {
    FieldReader fields;
    BingxOrder order;
    order.symbol = text_of(object, {"symbol"});
    order.order_id = text_of(object, {"orderId", "orderID"});
    order.client_order_id = text_of(object, {"clientOrderId", "clientOrderID", "newClientOrderId"});
    order.side = text_of(object, {"side"});
    order.position_side = text_of(object, {"positionSide"});
    order.type = text_of(object, {"type"});
    const std::string status = text_of(object, {"status"});
    if (!status.empty()) {
        order.status = order_status_from(status);
        if (!order.status) fields.note("unknown order status '" + status + "'");
    }
    order.orig_qty = fields.decimal(object, {"origQty", "quantity"});
    order.price = fields.decimal(object, {"price"});
    order.executed_qty = fields.decimal(object, {"executedQty"});
    order.avg_price = fields.decimal(object, {"avgPrice"});
    order.commission = fields.optional_decimal(object, {"commission"});
    order.reduce_only = bool_of(object, {"reduceOnly"});
    order.time_ms = int_of(object, {"time"});
    order.update_time_ms = int_of(object, {"updateTime"});
    if (order.order_id.empty() && order.client_order_id.empty()) fields.note("order has neither orderId nor clientOrderId");
    if (!fields.problems().empty()) {
        return unreadable(fields.problems());
    }
    return order;
}

} // namespace

std::string_view to_string(CallOutcome outcome) {
    switch (outcome) {
    case CallOutcome::OK: return "OK";
    case CallOutcome::REJECTED: return "REJECTED";
    case CallOutcome::NOT_FOUND: return "NOT_FOUND";
    case CallOutcome::RATE_LIMITED: return "RATE_LIMITED";
    case CallOutcome::UNKNOWN: return "UNKNOWN";
    case CallOutcome::NOT_SENT: return "NOT_SENT";
    }
    return "?";
}

CallOutcome classify_reply(int http_status, std::optional<std::int64_t> code) {
    if (http_status == 429 || http_status == 418) return CallOutcome::RATE_LIMITED;
    if (code && *code == 100410) return CallOutcome::RATE_LIMITED;
    // 504 says so explicitly; other 5xx give no guarantee either.
    if (http_status >= 500) return CallOutcome::UNKNOWN;
    if (code) {
        switch (*code) {
        case 0: return http_status >= 200 && http_status < 300 ? CallOutcome::OK : CallOutcome::REJECTED;
        case 80016: return CallOutcome::NOT_FOUND;
        // Internal error, server busy, service unavailable, request failed: no promise that
        // nothing happened.
        case 100500:
        case 100503:
        case 80012:
        case 80001: return CallOutcome::UNKNOWN;
        default: return CallOutcome::REJECTED;
        }
    }
    if (http_status == 404) return CallOutcome::NOT_FOUND;
    if (http_status >= 200 && http_status < 300) return CallOutcome::UNKNOWN; // unreadable success
    return CallOutcome::REJECTED;
}

Envelope parse_envelope(std::string_view body) {
    Envelope out;
    const json root = parse_json(body);
    if (root.is_discarded() || !root.is_object()) {
        out.data_json = "null";
        return out;
    }
    out.parsed = true;
    if (const json* code = find_any(root, {"code"})) {
        if (code->is_number_integer()) {
            out.code = code->get<std::int64_t>();
        } else if (code->is_string()) {
            const std::int64_t value = int_of(root, {"code"});
            if (value != 0 || code->get_ref<const std::string&>() == "0") out.code = value;
        }
    }
    out.msg = text_of(root, {"msg", "message"});
    const auto data = root.find("data");
    out.data_json = data == root.end() ? "null" : data->dump();
    return out;
}

Parsed<BingxOrder> parse_order_data(std::string_view data_json) {
    const json data = parse_json(data_json);
    if (data.is_discarded() || !data.is_object()) {
        return unreadable("order data is not a JSON object");
    }
    const json* inner = find_any(data, {"order"});
    const json& object = inner != nullptr && inner->is_object() ? *inner : data;
    return order_from(object);
}

Parsed<std::vector<BingxOrder>> parse_orders_data(std::string_view data_json) {
    const json data = parse_json(data_json);
    if (data.is_discarded()) {
        return unreadable("orders data is not JSON");
    }
    const json* list = nullptr;
    if (data.is_array()) {
        list = &data;
    } else if (data.is_object()) {
        list = find_any(data, {"orders", "success"});
        if (list != nullptr && list->is_null()) {
            return std::vector<BingxOrder>{};
        }
    } else if (data.is_null()) {
        return std::vector<BingxOrder>{};
    }
    if (list == nullptr || !list->is_array()) {
        return unreadable("no order list in data");
    }
    std::vector<BingxOrder> orders;
    for (const json& item : *list) {
        if (!item.is_object()) {
            return unreadable("order list holds a non-object");
        }
        Parsed<BingxOrder> order = order_from(item);
        if (!order.ok()) {
            return order.error();
        }
        orders.push_back(std::move(*order));
    }
    return orders;
}

Parsed<std::vector<BingxPosition>> parse_positions_data(std::string_view data_json) {
    const json data = parse_json(data_json);
    if (data.is_null()) return std::vector<BingxPosition>{};
    const json* list = data.is_array() ? &data : find_any(data, {"positions"});
    if (data.is_discarded() || list == nullptr || !list->is_array()) {
        return unreadable("positions data is not a list");
    }
    std::vector<BingxPosition> positions;
    FieldReader fields;
    for (const json& item : *list) {
        if (!item.is_object()) {
            return unreadable("positions list holds a non-object");
        }
        BingxPosition position;
        position.symbol = text_of(item, {"symbol"});
        position.position_side = text_of(item, {"positionSide"});
        position.position_amt = fields.decimal(item, {"positionAmt"});
        position.avg_price = fields.decimal(item, {"avgPrice", "entryPrice"});
        position.unrealized_profit = fields.decimal(item, {"unrealizedProfit"});
        position.leverage = int_of(item, {"leverage"});
        positions.push_back(std::move(position));
    }
    if (!fields.problems().empty()) {
        return unreadable(fields.problems());
    }
    return positions;
}

Parsed<BingxBalance> parse_balance_data(std::string_view data_json) {
    const json data = parse_json(data_json);
    if (data.is_discarded()) {
        return unreadable("balance data is not JSON");
    }
    // v2: {"balance":{...}}; a list of assets (v3 shape, UNSURE) picks USDT.
    const json* object = nullptr;
    const json* inner = find_any(data, {"balance"});
    const json& candidate = inner != nullptr ? *inner : data;
    if (candidate.is_object()) {
        object = &candidate;
    } else if (candidate.is_array()) {
        for (const json& item : candidate) {
            if (item.is_object() && text_of(item, {"asset"}) == "USDT") object = &item;
        }
        if (object == nullptr && !candidate.empty() && candidate.front().is_object()) object = &candidate.front();
    }
    if (object == nullptr) {
        return unreadable("no balance object in data");
    }
    BingxBalance balance;
    FieldReader fields;
    balance.asset = text_of(*object, {"asset"});
    balance.balance = fields.decimal(*object, {"balance"});
    balance.equity = fields.decimal(*object, {"equity"});
    balance.unrealized_profit = fields.decimal(*object, {"unrealizedProfit"});
    balance.realised_profit = fields.decimal(*object, {"realisedProfit", "realizedProfit"});
    balance.available_margin = fields.decimal(*object, {"availableMargin"});
    balance.used_margin = fields.decimal(*object, {"usedMargin"});
    balance.freezed_margin = fields.decimal(*object, {"freezedMargin", "frozenMargin"});
    if (!fields.problems().empty()) {
        return unreadable(fields.problems());
    }
    return balance;
}

std::optional<Decimal> BingxContract::lot_step() const {
    if (quantity_precision < 0 || quantity_precision > Decimal::decimals) return std::nullopt;
    std::int64_t raw = Decimal::scale;
    for (int i = 0; i < quantity_precision; ++i) raw /= 10;
    return Decimal::from_raw(raw);
}

std::optional<Decimal> BingxContract::tick_size() const {
    if (price_precision < 0 || price_precision > Decimal::decimals) return std::nullopt;
    std::int64_t raw = Decimal::scale;
    for (int i = 0; i < price_precision; ++i) raw /= 10;
    return Decimal::from_raw(raw);
}

Parsed<std::vector<BingxContract>> parse_contracts_data(std::string_view data_json) {
    const json data = parse_json(data_json);
    const json* list = data.is_array() ? &data : nullptr;
    if (list == nullptr && data.is_object()) {
        list = find_any(data, {"contracts"});
        if (list == nullptr && find_any(data, {"symbol"}) != nullptr) list = &data; // one object
    }
    if (data.is_discarded() || list == nullptr) {
        return unreadable("contracts data is not a list");
    }
    std::vector<BingxContract> contracts;
    FieldReader fields;
    auto read_one = [&](const json& item) {
        BingxContract contract;
        contract.symbol = text_of(item, {"symbol"});
        contract.quantity_precision = static_cast<int>(int_of(item, {"quantityPrecision"}));
        contract.price_precision = static_cast<int>(int_of(item, {"pricePrecision"}));
        contract.trade_min_quantity = fields.decimal(item, {"tradeMinQuantity"});
        contract.trade_min_usdt = fields.decimal(item, {"tradeMinUSDT"});
        contract.taker_fee_rate = fields.decimal(item, {"takerFeeRate"});
        contract.maker_fee_rate = fields.decimal(item, {"makerFeeRate"});
        if (find_any(item, {"status"}) != nullptr) contract.status = static_cast<int>(int_of(item, {"status"}));
        contracts.push_back(std::move(contract));
    };
    if (list->is_array()) {
        for (const json& item : *list) {
            if (item.is_object()) read_one(item);
        }
    } else if (list->is_object()) {
        read_one(*list);
    }
    if (!fields.problems().empty()) {
        return unreadable(fields.problems());
    }
    return contracts;
}

Parsed<BingxLeverage> parse_leverage_data(std::string_view data_json) {
    const json data = parse_json(data_json);
    if (data.is_discarded() || !data.is_object()) {
        return unreadable("leverage data is not an object");
    }
    BingxLeverage leverage;
    leverage.long_leverage = int_of(data, {"longLeverage", "leverage"});
    leverage.short_leverage = int_of(data, {"shortLeverage", "leverage"});
    return leverage;
}

Parsed<std::vector<BingxMarkPrice>> parse_premium_index_data(std::string_view data_json) {
    const json data = parse_json(data_json);
    if (data.is_discarded() || !(data.is_object() || data.is_array())) {
        return unreadable("premiumIndex data is neither object nor list");
    }
    std::vector<BingxMarkPrice> marks;
    FieldReader fields;
    auto read_one = [&](const json& item) {
        BingxMarkPrice mark;
        mark.symbol = text_of(item, {"symbol"});
        mark.mark_price = fields.decimal(item, {"markPrice"});
        mark.index_price = fields.decimal(item, {"indexPrice"});
        mark.last_funding_rate = fields.decimal(item, {"lastFundingRate"});
        mark.next_funding_time_ms = int_of(item, {"nextFundingTime"});
        marks.push_back(std::move(mark));
    };
    if (data.is_array()) {
        for (const json& item : data) {
            if (item.is_object()) read_one(item);
        }
    } else {
        read_one(data);
    }
    if (!fields.problems().empty()) {
        return unreadable(fields.problems());
    }
    return marks;
}

Parsed<std::int64_t> parse_server_time_data(std::string_view data_json) {
    const json data = parse_json(data_json);
    const std::int64_t time = int_of(data, {"serverTime"});
    if (data.is_discarded() || time <= 0) {
        return unreadable("no serverTime in data");
    }
    return time;
}

Parsed<bool> parse_position_mode_data(std::string_view data_json) {
    const json data = parse_json(data_json);
    const json* dual = data.is_object() ? find_any(data, {"dualSidePosition"}) : nullptr;
    if (dual == nullptr) return unreadable("no dualSidePosition in data");
    if (dual->is_boolean()) return dual->get<bool>();
    if (dual->is_string() && (*dual == "true" || *dual == "false")) return *dual == "true";
    return unreadable("dualSidePosition is neither true nor false");
}

Parsed<std::string> parse_listen_key_body(std::string_view body) {
    const json root = parse_json(body);
    std::string key = text_of(root, {"listenKey"});
    if (key.empty()) {
        if (const json* data = find_any(root, {"data"})) key = text_of(*data, {"listenKey"});
    }
    if (key.empty() || key.size() > 256) {
        return unreadable("no listenKey in the answer");
    }
    return key;
}

} // namespace dita::bingx
