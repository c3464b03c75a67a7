#include "dita/venues/bingx/bingx_protocol.hpp"

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <zlib.h>

#include <array>
#include <cmath>
#include <nlohmann/json.hpp>

#include "dita/contracts/json_text.hpp"

namespace dita::bingx {

using nlohmann::json;

// ----------------------------------------------------------------------------------------
// Signing

std::string hmac_sha256_hex(std::string_view secret, std::string_view payload) {
    std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
    unsigned int length = 0;
    const unsigned char* out =
        HMAC(EVP_sha256(), secret.data(), static_cast<int>(secret.size()),
             reinterpret_cast<const unsigned char*>(payload.data()), payload.size(), digest.data(), &length);
    if (out == nullptr) return {};
    static constexpr char hex[] = "0123456789abcdef";
    std::string text;
    text.reserve(length * 2);
    for (unsigned int i = 0; i < length; ++i) {
        text += hex[digest[i] >> 4];
        text += hex[digest[i] & 0x0f];
    }
    return text;
}

std::string url_encode(std::string_view value) {
    static constexpr char hex[] = "0123456789ABCDEF";
    std::string out;
    out.reserve(value.size());
    for (const char c : value) {
        const auto u = static_cast<unsigned char>(c);
        const bool unreserved = (u >= 'a' && u <= 'z') || (u >= 'A' && u <= 'Z') || (u >= '0' && u <= '9') ||
                                u == '-' || u == '_' || u == '.' || u == '~';
        if (unreserved) {
            out += c;
        } else {
            out += '%';
            out += hex[u >> 4];
            out += hex[u & 0x0f];
        }
    }
    return out;
}

namespace {

int hex_value(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

} // namespace

std::optional<std::string> url_decode(std::string_view value) {
    std::string out;
    out.reserve(value.size());
    for (std::size_t i = 0; i < value.size(); ++i) {
        const char c = value[i];
        if (c == '+') {
            out += ' ';
        } else if (c == '%') {
            if (i + 2 >= value.size()) return std::nullopt;
            const int high = hex_value(value[i + 1]);
            const int low = hex_value(value[i + 2]);
            if (high < 0 || low < 0) return std::nullopt;
            out += static_cast<char>(high * 16 + low);
            i += 2;
        } else {
            out += c;
        }
    }
    return out;
}

std::string raw_param_string(const Params& params) {
    std::string out;
    for (const auto& [key, value] : params) {
        if (!out.empty()) out += '&';
        out += key;
        out += '=';
        out += value;
    }
    return out;
}

std::string signed_query(const Params& params, std::string_view secret) {
    std::string out;
    for (const auto& [key, value] : params) {
        if (!out.empty()) out += '&';
        out += url_encode(key);
        out += '=';
        out += url_encode(value);
    }
    if (!out.empty()) out += '&';
    out += "signature=";
    out += hmac_sha256_hex(secret, raw_param_string(params));
    return out;
}

// ----------------------------------------------------------------------------------------
// Symbols and sides

std::optional<std::string> to_bingx_symbol(std::string_view asset) {
    std::string upper(asset);
    for (char& c : upper) {
        if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
    }
    if (upper.empty()) return std::nullopt;
    for (const char c : upper) {
        const bool ok = (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-';
        if (!ok) return std::nullopt;
    }
    const auto hyphen = upper.find('-');
    if (hyphen != std::string::npos) {
        if (hyphen == 0 || hyphen + 1 == upper.size() || upper.find('-', hyphen + 1) != std::string::npos) {
            return std::nullopt;
        }
        return upper;
    }
    for (const std::string_view quote : {"USDT", "USDC"}) {
        if (upper.size() > quote.size() && upper.ends_with(quote)) {
            return upper.substr(0, upper.size() - quote.size()) + "-" + std::string(quote);
        }
    }
    return std::nullopt;
}

std::string from_bingx_symbol(std::string_view symbol) {
    std::string out;
    out.reserve(symbol.size());
    for (const char c : symbol) {
        if (c != '-') out += c;
    }
    return out;
}

OrderSides order_sides(TradeSide position, OrderPurpose purpose, PositionMode mode) {
    const bool opening = purpose == OrderPurpose::ENTRY;
    const bool buy = (position == TradeSide::LONG) == opening;
    OrderSides out;
    out.side = buy ? "BUY" : "SELL";
    if (mode == PositionMode::HEDGE) {
        out.position_side = position == TradeSide::LONG ? "LONG" : "SHORT";
    } else {
        out.position_side = "BOTH";
        out.reduce_only = !opening;
    }
    return out;
}

std::optional<TradeSideAndPurpose> side_and_purpose(std::string_view side, std::string_view position_side,
                                                    bool reduce_only) {
    bool buy = false;
    if (side == "BUY") {
        buy = true;
    } else if (side != "SELL") {
        return std::nullopt;
    }
    TradeSideAndPurpose out;
    if (position_side == "LONG" || position_side == "SHORT") {
        out.side = position_side == "LONG" ? TradeSide::LONG : TradeSide::SHORT;
        const bool opening = buy == (out.side == TradeSide::LONG);
        out.purpose = opening ? OrderPurpose::ENTRY : OrderPurpose::EXIT;
        return out;
    }
    if (position_side == "BOTH" || position_side.empty()) {
        // One-way: a reduce-only order closes the side opposite to its direction.
        out.purpose = reduce_only ? OrderPurpose::EXIT : OrderPurpose::ENTRY;
        const bool long_side = reduce_only ? !buy : buy;
        out.side = long_side ? TradeSide::LONG : TradeSide::SHORT;
        return out;
    }
    return std::nullopt;
}

std::optional<VenueOrderStatus> order_status_from(std::string_view text) {
    if (text == "NEW" || text == "PENDING") return VenueOrderStatus::NEW;
    if (text == "PARTIALLY_FILLED") return VenueOrderStatus::PARTIALLY_FILLED;
    if (text == "FILLED") return VenueOrderStatus::FILLED;
    if (text == "CANCELED" || text == "CANCELLED") return VenueOrderStatus::CANCELED;
    if (text == "FAILED" || text == "REJECTED") return VenueOrderStatus::REJECTED;
    if (text == "EXPIRED") return VenueOrderStatus::EXPIRED;
    return std::nullopt;
}

// ----------------------------------------------------------------------------------------
// Numbers

std::optional<Decimal> parse_decimal_lenient(std::string_view text) {
    while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
    while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
    if (text.empty()) return Decimal();
    if (const auto exact = Decimal::parse(text)) return exact;
    if (text.find_first_of("eE") != std::string_view::npos) {
        // Exponent form (a JSON number printed back): precise enough at 1e-8 for prices and sizes.
        std::string copy(text);
        char* end = nullptr;
        const double value = std::strtod(copy.c_str(), &end);
        if (end != copy.c_str() + copy.size()) return std::nullopt;
        return Decimal::from_double(value);
    }
    // More than eight fractional digits: round half away from zero at the eighth.
    const auto dot = text.find('.');
    if (dot == std::string_view::npos || text.size() - dot - 1 <= static_cast<std::size_t>(Decimal::decimals)) {
        return std::nullopt;
    }
    const std::string_view kept = text.substr(0, dot + 1 + Decimal::decimals);
    const std::string_view rest = text.substr(dot + 1 + Decimal::decimals);
    for (const char c : rest) {
        if (c < '0' || c > '9') return std::nullopt;
    }
    auto value = Decimal::parse(kept);
    if (!value) return std::nullopt;
    if (rest.front() >= '5') {
        const Decimal unit = Decimal::from_raw(value->is_negative() || kept.front() == '-' ? -1 : 1);
        value = *value + unit;
    }
    return value;
}

namespace {

// A field's value as exact decimal: string, number or absent (zero). nullopt when unreadable.
std::optional<Decimal> decimal_of(const json& value) {
    if (value.is_null()) return Decimal();
    if (value.is_string()) return parse_decimal_lenient(value.get_ref<const std::string&>());
    if (value.is_number_integer()) {
        if (value.is_number_unsigned()) {
            const auto v = value.get<std::uint64_t>();
            if (v > 10'000'000'000ULL) return std::nullopt;
            return Decimal::from_units(static_cast<std::int64_t>(v));
        }
        const auto v = value.get<std::int64_t>();
        if (v > 10'000'000'000LL || v < -10'000'000'000LL) return std::nullopt;
        return Decimal::from_units(v);
    }
    if (value.is_number_float()) return parse_decimal_lenient(value.dump());
    return std::nullopt;
}

const json* find_any(const json& object, std::initializer_list<const char*> names) {
    if (!object.is_object()) return nullptr;
    for (const char* name : names) {
        const auto found = object.find(name);
        if (found != object.end()) return &*found;
    }
    return nullptr;
}

// Reads decimal fields and remembers every one that was present but unreadable.
class FieldReader {
public:
    // The first of names present; zero when none is (or the value is unreadable: noted).
    Decimal decimal(const json& object, std::initializer_list<const char*> names) {
        const json* value = find_any(object, names);
        if (value == nullptr) return Decimal();
        const auto decimal = decimal_of(*value);
        if (!decimal) {
            note(std::string("unreadable number in '") + *names.begin() + "': " + value->dump());
            return Decimal();
        }
        return *decimal;
    }
    // As decimal(), but nullopt when the field is absent, null or "".
    std::optional<Decimal> optional_decimal(const json& object, std::initializer_list<const char*> names) {
        const json* value = find_any(object, names);
        if (value == nullptr || value->is_null() || (value->is_string() && value->get_ref<const std::string&>().empty())) {
            return std::nullopt;
        }
        return decimal(object, names);
    }
    void note(const std::string& problem) {
        if (!problems_.empty()) problems_ += "; ";
        problems_ += problem;
    }
    const std::string& problems() const { return problems_; }

private:
    std::string problems_;
};

std::string text_of(const json& object, std::initializer_list<const char*> names) {
    const json* value = find_any(object, names);
    if (value == nullptr || value->is_null()) return {};
    if (value->is_string()) return value->get<std::string>();
    if (value->is_number_unsigned()) return std::to_string(value->get<std::uint64_t>());
    if (value->is_number_integer()) return std::to_string(value->get<std::int64_t>());
    if (value->is_boolean()) return value->get<bool>() ? "true" : "false";
    return value->dump();
}

std::int64_t int_of(const json& object, std::initializer_list<const char*> names) {
    const json* value = find_any(object, names);
    if (value == nullptr) return 0;
    if (value->is_number_unsigned()) {
        const auto v = value->get<std::uint64_t>();
        return v > static_cast<std::uint64_t>(INT64_MAX) ? 0 : static_cast<std::int64_t>(v);
    }
    if (value->is_number_integer()) return value->get<std::int64_t>();
    if (value->is_number_float()) {
        const double v = value->get<double>();
        return std::isfinite(v) && std::fabs(v) < 9e18 ? static_cast<std::int64_t>(v) : 0;
    }
    if (value->is_string()) {
        const std::string& s = value->get_ref<const std::string&>();
        std::int64_t out = 0;
        bool negative = false;
        std::size_t i = 0;
        if (!s.empty() && s[0] == '-') {
            negative = true;
            i = 1;
        }
        for (; i < s.size(); ++i) {
            if (s[i] < '0' || s[i] > '9' || out > (INT64_MAX - 9) / 10) return 0;
            out = out * 10 + (s[i] - '0');
        }
        return negative ? -out : out;
    }
    return 0;
}

bool bool_of(const json& object, std::initializer_list<const char*> names) {
    const json* value = find_any(object, names);
    if (value == nullptr) return false;
    if (value->is_boolean()) return value->get<bool>();
    if (value->is_string()) return value->get_ref<const std::string&>() == "true";
    if (value->is_number_integer()) return value->get<std::int64_t>() != 0;
    return false;
}

Error unreadable(std::string detail) { return Error{"UNREADABLE", std::move(detail)}; }

json parse_json(std::string_view text) {
    // A hostile or broken server's answer: deeper, larger or more member-heavy than any real
    // BingX answer is refused before nlohmann builds (and later recursively copies) it.
    static constexpr JsonTextLimits answer_limits{16u << 20, 32, 2'000'000, 4'096};
    if (scan_json_text(text, answer_limits)) return json(json::value_t::discarded);
    return json::parse(text.begin(), text.end(), nullptr, false);
}

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

// ----------------------------------------------------------------------------------------
// Answers

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

// ----------------------------------------------------------------------------------------
// Stream

std::optional<std::string> inflate_message(std::string_view compressed, std::size_t output_max) {
    z_stream stream{};
    // 32 + MAX_WBITS: detect gzip or zlib headers automatically.
    if (inflateInit2(&stream, 32 + MAX_WBITS) != Z_OK) return std::nullopt;
    stream.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(compressed.data()));
    stream.avail_in = static_cast<uInt>(compressed.size());
    std::string out;
    std::array<char, 16384> chunk{};
    int result = Z_OK;
    while (result == Z_OK) {
        stream.next_out = reinterpret_cast<Bytef*>(chunk.data());
        stream.avail_out = static_cast<uInt>(chunk.size());
        result = inflate(&stream, Z_NO_FLUSH);
        if (result != Z_OK && result != Z_STREAM_END) break;
        out.append(chunk.data(), chunk.size() - stream.avail_out);
        if (out.size() > output_max) {
            result = Z_BUF_ERROR;
            break;
        }
        if (result == Z_OK && stream.avail_in == 0 && stream.avail_out != 0) {
            result = Z_DATA_ERROR; // input ended before the stream did
        }
    }
    inflateEnd(&stream);
    if (result != Z_STREAM_END) return std::nullopt;
    return out;
}

std::optional<BingxVenueMove> venue_move_of(const BingxOrderUpdate& update) {
    if (!update.cum_filled.is_positive()) return std::nullopt;
    const bool buy = update.side == "BUY";
    if (!buy && update.side != "SELL") return std::nullopt;
    // The position reduced: hedge names it; one-way (BOTH) reduces the side the order trades against.
    TradeSide side = buy ? TradeSide::SHORT : TradeSide::LONG;
    const bool hedge = update.position_side == "LONG" || update.position_side == "SHORT";
    if (hedge) side = update.position_side == "LONG" ? TradeSide::LONG : TradeSide::SHORT;
    if (update.type == "LIQUIDATION") return BingxVenueMove{KernelEventKind::LIQUIDATION, side};
    if (update.execution_type == "CALCULATED" || update.type == "ADL") return BingxVenueMove{KernelEventKind::ADL, side};
    const bool reduces = hedge ? buy == (side == TradeSide::SHORT) : update.reduce_only;
    if (!reduces) return std::nullopt;
    return BingxVenueMove{KernelEventKind::MANUAL_CLOSE, side};
}

namespace {

std::optional<BingxFunding> funding_of(const json& root) {
    const json* account = find_any(root, {"a"});
    if (account == nullptr || !account->is_object() || text_of(*account, {"m"}) != "FUNDING_FEE") return std::nullopt;
    const json* balances = find_any(*account, {"B"});
    const json* positions = find_any(*account, {"P"});
    // Only a settlement that names its one position can be booked to it; others are left to
    // the income history.
    if (balances == nullptr || !balances->is_array() || positions == nullptr || !positions->is_array() ||
        positions->size() != 1 || !(*positions)[0].is_object()) {
        return std::nullopt;
    }
    FieldReader fields;
    BingxFunding out;
    for (const json& balance : *balances) {
        if (balance.is_object() && text_of(balance, {"a"}) == "USDT") out.balance_change = fields.decimal(balance, {"bc"});
    }
    const json& position = (*positions)[0];
    out.symbol = text_of(position, {"s"});
    out.position_side = text_of(position, {"ps"});
    out.position_amount = fields.decimal(position, {"pa"});
    out.time_ms = int_of(root, {"E"});
    if (out.time_ms == 0) out.time_ms = int_of(root, {"T"});
    if (!fields.problems().empty() || out.symbol.empty() || out.balance_change.is_zero()) return std::nullopt;
    return out;
}

} // namespace

StreamMessage parse_stream_message(std::string_view text) {
    StreamMessage out;
    std::string_view trimmed = text;
    while (!trimmed.empty() && (trimmed.back() == '\n' || trimmed.back() == '\r' || trimmed.back() == ' ')) {
        trimmed.remove_suffix(1);
    }
    if (trimmed == "Ping" || trimmed == "ping") {
        out.kind = StreamMessage::Kind::PING;
        return out;
    }
    const json root = parse_json(trimmed);
    if (root.is_discarded() || !root.is_object()) {
        out.kind = StreamMessage::Kind::INVALID;
        out.error = "stream message is not a JSON object";
        return out;
    }
    out.event_type = text_of(root, {"e"});
    if (out.event_type == "listenKeyExpired") {
        out.kind = StreamMessage::Kind::LISTEN_KEY_EXPIRED;
        out.listen_key = text_of(root, {"listenKey"});
        return out;
    }
    if (out.event_type == "ACCOUNT_UPDATE" || out.event_type == "ACCOUNT_CONFIG_UPDATE" ||
        out.event_type == "SNAPSHOT") {
        out.kind = StreamMessage::Kind::ACCOUNT_UPDATE;
        if (out.event_type == "ACCOUNT_UPDATE") out.funding = funding_of(root);
        return out;
    }
    if (out.event_type != "ORDER_TRADE_UPDATE") {
        out.kind = StreamMessage::Kind::OTHER;
        return out;
    }
    const json* order = find_any(root, {"o"});
    if (order == nullptr || !order->is_object()) {
        out.kind = StreamMessage::Kind::INVALID;
        out.error = "ORDER_TRADE_UPDATE without an order object 'o'";
        return out;
    }
    BingxOrderUpdate& update = out.order;
    FieldReader fields;
    update.event_time_ms = int_of(root, {"E"});
    update.symbol = text_of(*order, {"s"});
    update.client_order_id = text_of(*order, {"c"});
    if (update.client_order_id.empty()) update.client_order_id = text_of(*order, {"C"});
    update.order_id = text_of(*order, {"i"});
    update.side = text_of(*order, {"S"});
    update.type = text_of(*order, {"o"});
    update.execution_type = text_of(*order, {"x"});
    update.status_text = text_of(*order, {"X"});
    update.status = order_status_from(update.status_text);
    update.position_side = text_of(*order, {"ps"});
    update.qty = fields.decimal(*order, {"q"});
    update.price = fields.decimal(*order, {"p"});
    update.avg_price = fields.decimal(*order, {"ap"});
    update.cum_filled = fields.decimal(*order, {"z"});
    update.fee = fields.decimal(*order, {"n"});
    if (find_any(*order, {"l"}) != nullptr) update.last_qty = fields.decimal(*order, {"l"});
    if (find_any(*order, {"L"}) != nullptr) update.last_price = fields.decimal(*order, {"L"});
    update.reduce_only = bool_of(*order, {"ro"});
    update.trade_time_ms = int_of(*order, {"T"});
    if (update.order_id.empty() && update.client_order_id.empty()) {
        fields.note("order update names no order (neither 'i' nor 'c')");
    }
    if (!update.status) fields.note("order update has an unknown status 'X' = '" + update.status_text + "'");
    if (!fields.problems().empty()) {
        out.kind = StreamMessage::Kind::INVALID;
        out.error = fields.problems();
        return out;
    }
    out.kind = StreamMessage::Kind::ORDER_UPDATE;
    return out;
}

} // namespace dita::bingx
