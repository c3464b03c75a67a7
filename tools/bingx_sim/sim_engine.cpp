#include "sim_engine.hpp"

#include <cstdio>
#include <fstream>

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <zlib.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cmath>
#include <nlohmann/json.hpp>
#include <stdexcept>

#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

namespace dita::bingx_sim {

using nlohmann::json;

namespace {

constexpr std::string_view swap = "/openApi/swap/v2";
constexpr std::string_view path_position_mode = "/openApi/swap/v1/positionSide/dual";
constexpr std::string_view path_balance_v3 = "/openApi/swap/v3/user/balance";

int hex_value(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

std::string lower(std::string_view text) {
    std::string out(text);
    for (char& c : out) {
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    }
    return out;
}

Decimal require_decimal(std::string_view text, const char* what) {
    const auto value = Decimal::parse(text);
    if (!value || value->is_negative()) throw std::invalid_argument(std::string("SimConfig.") + what + " is not a decimal");
    return *value;
}

Decimal step_of(int precision) {
    std::int64_t raw = Decimal::scale;
    for (int i = 0; i < precision; ++i) raw /= 10;
    return Decimal::from_raw(raw);
}

// Parses "k=v&k2=v2" in received order; nullopt for a broken escape.
std::optional<std::vector<std::pair<std::string, std::string>>> parse_params(std::string_view text) {
    std::vector<std::pair<std::string, std::string>> out;
    while (!text.empty()) {
        const auto amp = text.find('&');
        const std::string_view pair = text.substr(0, amp);
        text = amp == std::string_view::npos ? std::string_view() : text.substr(amp + 1);
        if (pair.empty()) continue;
        const auto eq = pair.find('=');
        auto key = sim_url_decode(pair.substr(0, eq));
        auto value = sim_url_decode(eq == std::string_view::npos ? std::string_view() : pair.substr(eq + 1));
        if (!key || !value) return std::nullopt;
        out.emplace_back(std::move(*key), std::move(*value));
    }
    return out;
}

std::string raw_string(const std::vector<std::pair<std::string, std::string>>& params) {
    std::string out;
    for (const auto& [key, value] : params) {
        if (key == "signature") continue;
        if (!out.empty()) out += '&';
        out += key + "=" + value;
    }
    return out;
}

const std::string* param(const std::vector<std::pair<std::string, std::string>>& params,
                         std::initializer_list<const char*> names) {
    for (const char* name : names) {
        for (const auto& [key, value] : params) {
            if (key == name) return &value;
        }
    }
    return nullptr;
}

std::string envelope(std::int64_t code, std::string_view msg, const json& data) {
    json body;
    body["code"] = code;
    body["msg"] = msg;
    body["data"] = data;
    return body.dump();
}

SimResponse error(std::int64_t code, std::string_view msg, int status = 200) {
    SimResponse response;
    response.status = status;
    response.body = envelope(code, msg, json::object());
    return response;
}

Handled handled(SimResponse response) {
    Handled out;
    out.response = std::move(response);
    return out;
}

Handled ok(const json& data) {
    Handled out;
    out.response.body = envelope(0, "", data);
    return out;
}

std::optional<std::int64_t> parse_int(std::string_view text) {
    if (text.empty() || text.size() > 19) return std::nullopt;
    std::int64_t out = 0;
    for (const char c : text) {
        if (c < '0' || c > '9' || out > (INT64_MAX - (c - '0')) / 10) return std::nullopt;
        out = out * 10 + (c - '0');
    }
    return out;
}

} // namespace

std::optional<std::string> sim_url_decode(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    for (std::size_t i = 0; i < text.size(); ++i) {
        if (text[i] == '+') {
            out += ' ';
        } else if (text[i] == '%') {
            if (i + 2 >= text.size()) return std::nullopt;
            const int high = hex_value(text[i + 1]);
            const int low = hex_value(text[i + 2]);
            if (high < 0 || low < 0) return std::nullopt;
            out += static_cast<char>(high * 16 + low);
            i += 2;
        } else {
            out += text[i];
        }
    }
    return out;
}

std::string sim_hmac_sha256_hex(std::string_view secret, std::string_view payload) {
    std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
    unsigned int length = 0;
    HMAC(EVP_sha256(), secret.data(), static_cast<int>(secret.size()),
         reinterpret_cast<const unsigned char*>(payload.data()), payload.size(), digest.data(), &length);
    static constexpr char hex[] = "0123456789abcdef";
    std::string out;
    for (unsigned int i = 0; i < length; ++i) {
        out += hex[digest[i] >> 4];
        out += hex[digest[i] & 0x0f];
    }
    return out;
}

std::string sim_gzip(std::string_view text) {
    z_stream stream{};
    // 16 + MAX_WBITS: a gzip header, as the exchange sends.
    if (deflateInit2(&stream, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY) != Z_OK) {
        return {};
    }
    std::string out(deflateBound(&stream, static_cast<uLong>(text.size())) + 32, '\0');
    stream.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(text.data()));
    stream.avail_in = static_cast<uInt>(text.size());
    stream.next_out = reinterpret_cast<Bytef*>(out.data());
    stream.avail_out = static_cast<uInt>(out.size());
    const int result = deflate(&stream, Z_FINISH);
    out.resize(stream.total_out);
    deflateEnd(&stream);
    return result == Z_STREAM_END ? out : std::string();
}

// ----------------------------------------------------------------------------------------

// The simulator's log (spdlog logger "bingx-sim", stderr, default warn): refusals, faults
// drawn, stream sessions, expired keys. Never a key, a secret or a signature.
spdlog::logger& sim_log() {
    static const std::shared_ptr<spdlog::logger> logger = [] {
        auto made = spdlog::get("bingx-sim");
        if (!made) {
            made = std::make_shared<spdlog::logger>("bingx-sim", std::make_shared<spdlog::sinks::stderr_sink_mt>());
            made->set_level(spdlog::level::warn);
            made->set_pattern("%Y-%m-%dT%H:%M:%S.%e %n %l: %v");
            spdlog::register_logger(made);
        }
        return made;
    }();
    return *logger;
}

bool set_sim_log_level(std::string_view level) {
    const spdlog::level::level_enum parsed = spdlog::level::from_str(std::string(level));
    if (parsed == spdlog::level::off && level != "off") return false;
    sim_log().set_level(parsed);
    return true;
}

Engine::Engine(SimConfig config) : config_(std::move(config)), rng_(config_.seed) {
    if (config_.contracts.empty()) throw std::invalid_argument("SimConfig.contracts is empty");
    for (const SimContract& spec : config_.contracts) {
        if (spec.quantity_precision < 0 || spec.quantity_precision > 8 || spec.price_precision < 0 ||
            spec.price_precision > 8 || spec.symbol.find('-') == std::string::npos) {
            throw std::invalid_argument("SimConfig.contracts: bad contract " + spec.symbol);
        }
        Contract contract;
        contract.spec = spec;
        contract.lot_step = step_of(spec.quantity_precision);
        contract.tick_size = step_of(spec.price_precision);
        contract.min_qty = require_decimal(spec.trade_min_quantity, "trade_min_quantity");
        contract.min_notional = require_decimal(spec.trade_min_usdt, "trade_min_usdt");
        contract.mark = require_decimal(spec.mark_price, "mark_price");
        contracts_[spec.symbol] = contract;
    }
    if (!config_.fill_price.empty()) fill_price_ = require_decimal(config_.fill_price, "fill_price");
    const auto ratio = Decimal::from_double(config_.partial_fill_ratio);
    if (!ratio || ratio->is_negative() || *ratio > Decimal::from_units(1)) {
        throw std::invalid_argument("SimConfig.partial_fill_ratio must be within 0..1");
    }
    fill_ratio_ = *ratio;
    balance_ = require_decimal(config_.initial_balance, "initial_balance");
    if (!std::isfinite(config_.taker_fee_rate) || config_.taker_fee_rate < 0 || config_.taker_fee_rate > 0.1) {
        throw std::invalid_argument("SimConfig.taker_fee_rate must be within 0..0.1");
    }
    if (!config_.state_path.empty()) load_state();
}

std::int64_t Engine::now_ms() const {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
               .count() +
           config_.time_offset_ms;
}

Handled Engine::handle(const SimRequest& request) {
    std::lock_guard lock(mutex_);
    Handled out = handle_locked(request);
    for (StreamPush& push : pending_pushes_) out.pushes.push_back(std::move(push));
    pending_pushes_.clear();
    if (request.method != "GET") save_state();
    return out;
}

Handled Engine::handle_locked(const SimRequest& request) {
    ++stats_.http_requests;
    const std::int64_t now = now_ms();
    auto query = parse_params(request.query);
    // Parameters may come form-encoded in the body (POST/PUT/DELETE); a JSON body is not read.
    const bool form_body = request.content_type.find("json") == std::string::npos;
    auto body = form_body ? parse_params(request.body) : std::optional<Params>(Params{});
    if (!query || !body) return handled(error(100400, "malformed parameters", 400));
    // Query and body together; a name in both places takes the query's value.
    Params params = *query;
    for (auto& [key, value] : *body) {
        if (param(params, {key.c_str()}) == nullptr) params.emplace_back(key, value);
    }
    const bool is_public = request.path.starts_with(std::string(swap) + "/quote/") ||
                           request.path == std::string(swap) + "/server/time";
    if (is_public) return public_answer(request, params, now);
    if (request.path == "/openApi/user/auth/userDataStream") return listen_key_answer(request, params, now);

    static const std::string private_paths[] = {"/trade/order", "/trade/order/test", "/trade/openOrders",
                                                "/trade/allOpenOrders", "/user/positions", "/user/balance",
                                                "/trade/leverage"};
    bool known = request.path == path_position_mode || request.path == path_balance_v3;
    for (const std::string& suffix : private_paths) known = known || request.path == std::string(swap) + suffix;
    if (!known) return handled(error(100400, "no such endpoint: " + request.method + " " + request.path, 404));

    ++stats_.signed_requests;
    if (auto refused = check_auth(request, params, now)) return handled(*refused);

    while (!recent_signed_ms_.empty() && now - recent_signed_ms_.front() >= 1000) recent_signed_ms_.pop_front();
    const bool over_limit = config_.faults.rate_limit_per_s > 0 &&
                            recent_signed_ms_.size() >= static_cast<std::size_t>(config_.faults.rate_limit_per_s);
    recent_signed_ms_.push_back(now);
    if (over_limit || rng_.chance(config_.faults.rate_limit_rate)) {
        ++stats_.faults_rate_limit;
        sim_log().debug("fault: 429 rate limit on {} {}", request.method, request.path);
        return handled(error(100410, "rate limit", 429));
    }
    const bool mutating = (request.method != "GET") && request.path.find("/trade/") != std::string::npos;
    const bool fault_5xx = rng_.chance(config_.faults.http_5xx_rate);
    const bool fault_drop = !fault_5xx && rng_.chance(config_.faults.drop_rate);
    const bool fault_slow = !fault_5xx && !fault_drop && rng_.chance(config_.faults.slow_rate);
    if (fault_5xx || fault_drop) {
        const bool act = mutating && rng_.chance(config_.faults.execute_on_fault);
        Handled out;
        if (act) {
            ++stats_.faulted_but_executed;
            out = route(request, params, now);
        }
        if (fault_5xx) {
            ++stats_.faults_5xx;
            sim_log().debug("fault: 5xx on {} {} (acted: {})", request.method, request.path, act);
            static constexpr int statuses[] = {500, 502, 503, 504};
            const int status = config_.faults.http_5xx_status > 0 ? config_.faults.http_5xx_status
                                                                  : statuses[rng_.next() % 4];
            out.response.status = status;
            out.response.body = status == 500 ? envelope(100500, "internal error", json::object())
                                              : std::string(status == 504 ? "Gateway Timeout" : "Service Unavailable");
        } else {
            ++stats_.faults_drop;
            sim_log().debug("fault: connection dropped on {} {} (acted: {})", request.method, request.path, act);
            out.response.drop = true;
        }
        return out;
    }
    Handled out = route(request, params, now);
    if (fault_slow) {
        ++stats_.faults_slow;
        out.response.delay_ms = config_.faults.slow_ms;
    }
    return out;
}

std::optional<SimResponse> Engine::check_auth(const SimRequest& request, const Params& params, std::int64_t now) {
    if (request.api_key.empty() || request.api_key != config_.api_key) {
        ++stats_.auth_failures;
        sim_log().warn("refused {} {}: unknown API key", request.method, request.path);
        return error(100413, "Incorrect apiKey");
    }
    const std::string* signature = param(params, {"signature"});
    if (signature == nullptr) {
        ++stats_.auth_failures;
        return error(100001, "Signature verification failed: no signature");
    }
    // The string the client signed: the received parameters in received order, decoded, the
    // signature pair dropped. Mixed query+body: also the official no-'&' joining.
    auto query = parse_params(request.query);
    auto body = parse_params(request.body);
    std::vector<std::string> candidates{raw_string(params)};
    if (query && body && !query->empty() && !body->empty()) {
        candidates.push_back(raw_string(*query) + raw_string(*body));
    }
    const std::string wanted = lower(*signature);
    bool matched = false;
    for (const std::string& candidate : candidates) {
        matched = matched || sim_hmac_sha256_hex(config_.api_secret, candidate) == wanted;
    }
    if (!matched) {
        ++stats_.auth_failures;
        sim_log().warn("refused {} {}: signature does not verify", request.method, request.path);
        return error(100001, "Signature verification failed");
    }
    const std::string* timestamp_text = param(params, {"timestamp"});
    std::optional<std::int64_t> timestamp;
    if (timestamp_text != nullptr) timestamp = parse_int(*timestamp_text);
    if (!timestamp) {
        ++stats_.timestamp_failures;
        return error(100421, "Null timestamp or timestamp mismatch");
    }
    std::int64_t window = 5000;
    if (const std::string* recv = param(params, {"recvWindow"})) {
        const auto parsed = parse_int(*recv);
        if (!parsed || *parsed <= 0 || *parsed > 60000) return error(100400, "recvWindow must be 1..60000");
        window = *parsed;
    }
    if (*timestamp > now + 1000 || now - *timestamp > window) {
        ++stats_.timestamp_failures;
        return error(100421, "timestamp is outside of the recvWindow: server time " + std::to_string(now));
    }
    return std::nullopt;
}

Handled Engine::route(const SimRequest& request, const Params& params, std::int64_t now) {
    const std::string& path = request.path;
    const std::string& method = request.method;
    const std::string base(swap);
    if (path == base + "/trade/order") {
        if (method == "POST") return place_order(params, now, true);
        if (method == "DELETE") return cancel_order(params, now, true);
        if (method == "GET") return query_order(params);
    }
    if (path == base + "/trade/order/test" && method == "POST") return place_order(params, now, false);
    if (path == base + "/trade/openOrders" && method == "GET") return open_orders(params);
    if (path == base + "/trade/allOpenOrders" && method == "DELETE") return cancel_all(params, now);
    if (path == base + "/user/positions" && method == "GET") return positions_answer(params);
    if (path == base + "/user/balance" && method == "GET") return balance_answer(false);
    if (path == path_balance_v3 && method == "GET") return balance_answer(true);
    if (path == path_position_mode && (method == "GET" || method == "POST")) return position_mode_answer(request, params);
    if (path == base + "/trade/leverage" && (method == "GET" || method == "POST")) return leverage_answer(request, params);
    return handled(error(100400, "no such endpoint: " + method + " " + path, 404));
}

Engine::Contract* Engine::contract(std::string_view symbol) {
    const auto found = contracts_.find(std::string(symbol));
    return found == contracts_.end() ? nullptr : &found->second;
}

Decimal Engine::market_price(const Contract& contract, const Params& params) const {
    if (fill_price_ && fill_price_->is_positive()) return *fill_price_;
    if (const std::string* price = param(params, {"price"})) {
        const auto parsed = Decimal::parse(*price);
        if (parsed && parsed->is_positive()) return parsed->floor_to(contract.tick_size);
    }
    return contract.mark;
}

Engine::Position& Engine::position(const std::string& symbol, const std::string& side) {
    return positions_[symbol + "/" + side];
}

Handled Engine::place_order(const Params& params, std::int64_t now, bool act) {
    const std::string* symbol = param(params, {"symbol"});
    Contract* spec = symbol ? contract(*symbol) : nullptr;
    if (spec == nullptr) return handled(error(80014, "Invalid parameters, err: symbol not exist"));
    const std::string* side = param(params, {"side"});
    if (side == nullptr || (*side != "BUY" && *side != "SELL")) return handled(error(80014, "Invalid parameters, err: side"));
    const std::string* position_side_param = param(params, {"positionSide"});
    std::string position_side = position_side_param ? *position_side_param : (config_.hedge_mode ? "LONG" : "BOTH");
    const bool reduce_only = param(params, {"reduceOnly"}) != nullptr && *param(params, {"reduceOnly"}) == "true";
    if (config_.hedge_mode) {
        if (position_side != "LONG" && position_side != "SHORT") {
            return handled(error(80014, "Invalid parameters, err: positionSide must be LONG or SHORT in hedge mode"));
        }
        if (reduce_only) return handled(error(80014, "Invalid parameters, err: reduceOnly is not accepted in hedge mode"));
    } else if (position_side != "BOTH") {
        return handled(error(80014, "Invalid parameters, err: positionSide must be BOTH in one-way mode"));
    }
    const std::string* type = param(params, {"type"});
    if (type == nullptr || (*type != "MARKET" && *type != "LIMIT")) {
        return handled(error(80014, "Invalid parameters, err: type (the simulator serves MARKET and LIMIT)"));
    }
    const std::string* quantity_text = param(params, {"quantity"});
    std::optional<Decimal> quantity_raw;
    if (quantity_text != nullptr) quantity_raw = Decimal::parse(*quantity_text);
    if (!quantity_raw || !quantity_raw->is_positive()) return handled(error(80014, "Invalid parameters, err: quantity"));
    // Finer than the precision is truncated, not refused (fact sheet §4).
    const Decimal qty = quantity_raw->floor_to(spec->lot_step);
    if (qty < spec->min_qty || !qty.is_positive()) {
        return handled(error(80014, "Invalid parameters, err: quantity below the minimum " + spec->min_qty.to_string()));
    }
    Decimal limit_price;
    if (*type == "LIMIT") {
        const std::string* price_text = param(params, {"price"});
        std::optional<Decimal> price;
        if (price_text != nullptr) price = Decimal::parse(*price_text);
        if (!price || !price->is_positive()) return handled(error(80014, "Invalid parameters, err: price"));
        limit_price = price->floor_to(spec->tick_size);
    }
    std::string client_id;
    if (const std::string* id = param(params, {"clientOrderId", "clientOrderID", "newClientOrderId"})) {
        if (id->empty() || id->size() > 40) return handled(error(80014, "Invalid parameters, err: clientOrderId length 1..40"));
        client_id = lower(*id);
    }
    if (!client_id.empty() && config_.unique_client_order_ids && order_by_client_.contains(client_id)) {
        ++stats_.duplicate_client_ids;
        return handled(error(80014, "Invalid parameters, err: clientOrderId already exists"));
    }
    const bool buy = *side == "BUY";
    const bool opening = config_.hedge_mode ? (buy == (position_side == "LONG")) : !reduce_only;
    const Decimal price = *type == "MARKET" ? market_price(*spec, params) : limit_price;
    if (opening && (config_.reject_entries)) {
        ++stats_.orders_rejected;
        return handled(error(config_.reject_code, "order refused (simulated)"));
    }
    if (!opening && config_.reject_exits) {
        ++stats_.orders_rejected;
        return handled(error(config_.reject_code, "order refused (simulated)"));
    }
    if (opening && price.mul(qty) < spec->min_notional) {
        return handled(error(80014, "Invalid parameters, err: order value below " + spec->min_notional.to_string() + " USDT"));
    }
    if (!opening) {
        const Position& held = position(*symbol, position_side);
        const Decimal available = held.amount.abs();
        if (available.is_zero()) return handled(error(80017, "position not exist"));
        const bool reduces = config_.hedge_mode || (held.amount.is_positive() != buy);
        if (!reduces || qty > available) {
            return handled(error(80014, "Invalid parameters, err: close quantity exceeds the position " + available.to_string()));
        }
    }
    SimOrder order;
    order.symbol = *symbol;
    order.order_id = next_order_id_++;
    order.client_order_id = client_id;
    order.side = *side;
    order.position_side = position_side;
    order.type = *type;
    order.status = "NEW";
    order.qty = qty;
    order.price = *type == "LIMIT" ? limit_price : Decimal();
    order.reduce_only = reduce_only;
    order.time_ms = now;
    order.update_time_ms = now;
    order.leverage = leverage_of(*symbol, position_side);
    if (!act) {
        json data;
        data["order"] = json::parse(order_json(order, false));
        return ok(data);
    }
    ++stats_.orders_created;
    auto& stored = orders_.emplace(order.order_id, order).first->second;
    if (!client_id.empty()) order_by_client_[client_id] = stored.order_id;
    notional_[stored.order_id] = Decimal();
    emit(stored, "NEW", now, Decimal(), Decimal(), Decimal());
    if (*type == "MARKET") {
        const Decimal share = qty.mul(fill_ratio_).floor_to(spec->lot_step);
        if (share.is_positive()) fill(stored, share, price, now);
    }
    json data;
    data["order"] = json::parse(order_json(stored, false));
    return ok(data);
}

void Engine::fill(SimOrder& order, Decimal qty, Decimal price, std::int64_t now) {
    ++stats_.fills;
    Decimal& notional = notional_[order.order_id];
    notional += price.mul(qty);
    order.executed_qty += qty;
    order.avg_price = notional.div(order.executed_qty);
    const auto rate = Decimal::from_double(config_.taker_fee_rate).value_or(Decimal());
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
    emit(order, "TRADE", now, qty, price, fee);
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
    ++stats_.stream_events;
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
    o["rp"] = "0";
    o["z"] = order.executed_qty.to_string();
    o["l"] = last_qty.to_string();
    o["L"] = last_price.to_string();
    json event;
    event["e"] = "ORDER_TRADE_UPDATE";
    event["E"] = now;
    event["o"] = o;
    StreamPush push;
    push.text = event.dump();
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

std::int64_t Engine::leverage_of(const std::string& symbol, const std::string& side) const {
    const auto found = leverage_.find(symbol + "/" + (config_.hedge_mode ? side : std::string("BOTH")));
    return found == leverage_.end() ? std::int64_t{10} : found->second;
}

// Positions as BingX reports them, margin at the side's real leverage. The liquidation price
// is the simple isolated estimate (entry moved by 1/leverage less a 0.5% maintenance margin).
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
        const Decimal reach = Decimal::from_units(1).div(Decimal::from_units(leverage)) - *Decimal::parse("0.005");
        const Decimal liquidation = long_side ? book.avg_price.mul(Decimal::from_units(1) - reach)
                                              : book.avg_price.mul(Decimal::from_units(1) + reach);
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

std::vector<StreamPush> Engine::tick() {
    std::lock_guard lock(mutex_);
    const std::int64_t now = now_ms();
    std::vector<StreamPush> out;
    for (auto& [key, state] : listen_keys_) {
        if (state.dead || state.expires_ms > now) continue;
        state.dead = true;
        ++stats_.listen_keys_expired;
        sim_log().info("a listenKey expired");
        json event;
        event["e"] = "listenKeyExpired";
        event["E"] = now;
        event["listenKey"] = key;
        StreamPush push;
        push.text = event.dump();
        push.listen_keys = {key};
        out.push_back(std::move(push));
    }
    return out;
}

std::vector<StreamPush> Engine::expire_all_keys() {
    {
        std::lock_guard lock(mutex_);
        const std::int64_t now = now_ms();
        for (auto& [key, state] : listen_keys_) {
            if (!state.dead) state.expires_ms = now;
        }
    }
    return tick();
}

Engine::Admit Engine::admit_stream(std::string_view listen_key) {
    std::lock_guard lock(mutex_);
    const auto found = listen_keys_.find(std::string(listen_key));
    if (found == listen_keys_.end()) return Admit::UNKNOWN_KEY;
    if (found->second.dead || found->second.expires_ms <= now_ms()) return Admit::EXPIRED;
    ++stats_.stream_sessions;
    return Admit::OK;
}

bool Engine::key_alive(std::string_view listen_key) {
    std::lock_guard lock(mutex_);
    const auto found = listen_keys_.find(std::string(listen_key));
    return found != listen_keys_.end() && !found->second.dead && found->second.expires_ms > now_ms();
}

void Engine::set_faults(const SimFaults& faults) {
    std::lock_guard lock(mutex_);
    config_.faults = faults;
}

void Engine::set_fill_price(std::string_view price) {
    std::lock_guard lock(mutex_);
    const auto parsed = Decimal::parse(price);
    if (parsed && parsed->is_positive()) {
        fill_price_ = *parsed;
    } else {
        fill_price_.reset();
    }
}

void Engine::set_partial_fill_ratio(double ratio) {
    const auto parsed = Decimal::from_double(ratio);
    if (!parsed || parsed->is_negative() || *parsed > Decimal::from_units(1)) return;
    std::lock_guard lock(mutex_);
    fill_ratio_ = *parsed;
}

void Engine::set_rejects(bool entries, bool exits, int code) {
    std::lock_guard lock(mutex_);
    config_.reject_entries = entries;
    config_.reject_exits = exits;
    config_.reject_code = code;
}

void Engine::set_cancel_reject(bool on) {
    std::lock_guard lock(mutex_);
    config_.cancel_reject = on;
}

bool Engine::set_mark_price(std::string_view symbol, std::string_view price) {
    std::lock_guard lock(mutex_);
    Contract* spec = contract(symbol);
    const auto parsed = Decimal::parse(price);
    if (spec == nullptr || !parsed || !parsed->is_positive()) return false;
    spec->mark = *parsed;
    return true;
}

std::optional<std::vector<StreamPush>> Engine::fill_working(std::string_view client_order_id, std::string_view qty,
                                                            std::string_view price) {
    std::lock_guard lock(mutex_);
    const auto id = order_by_client_.find(lower(client_order_id));
    const auto amount = Decimal::parse(qty);
    const auto at = Decimal::parse(price);
    if (id == order_by_client_.end() || !amount || !amount->is_positive() || !at || !at->is_positive()) return std::nullopt;
    SimOrder& order = orders_.at(id->second);
    if (order.status != "NEW" && order.status != "PARTIALLY_FILLED") return std::nullopt;
    const Decimal take = min(*amount, order.qty - order.executed_qty);
    if (!take.is_positive()) return std::nullopt;
    fill(order, take, *at, now_ms());
    std::vector<StreamPush> out;
    out.swap(pending_pushes_);
    save_state();
    return out;
}

// ----------------------------------------------------------------------------------------
// The account file

namespace {

constexpr int state_version = 1;

json order_state(const SimOrder& order, Decimal notional) {
    return json{{"symbol", order.symbol}, {"order_id", order.order_id}, {"client_order_id", order.client_order_id},
                {"side", order.side}, {"position_side", order.position_side}, {"type", order.type},
                {"status", order.status}, {"qty", order.qty.to_string()}, {"price", order.price.to_string()},
                {"executed_qty", order.executed_qty.to_string()}, {"avg_price", order.avg_price.to_string()},
                {"fee", order.fee.to_string()}, {"reduce_only", order.reduce_only}, {"time_ms", order.time_ms},
                {"update_time_ms", order.update_time_ms}, {"leverage", order.leverage},
                {"notional", notional.to_string()}};
}

Decimal decimal_field(const json& object, const char* name) {
    const auto parsed = Decimal::parse(object.at(name).get<std::string>());
    if (!parsed) throw std::invalid_argument(std::string("bad decimal in field ") + name);
    return *parsed;
}

} // namespace

void Engine::save_state() const {
    if (config_.state_path.empty()) return;
    json state;
    state["version"] = state_version;
    state["hedge_mode"] = config_.hedge_mode;
    state["balance"] = balance_.to_string();
    state["fees_paid"] = fees_paid_.to_string();
    state["next_order_id"] = next_order_id_;
    json orders = json::array();
    for (const auto& [id, order] : orders_) {
        const auto notional = notional_.find(id);
        orders.push_back(order_state(order, notional == notional_.end() ? Decimal() : notional->second));
    }
    state["orders"] = std::move(orders);
    json positions = json::object();
    for (const auto& [key, book] : positions_) {
        positions[key] = json{{"amount", book.amount.to_string()}, {"avg_price", book.avg_price.to_string()},
                              {"realised", book.realised.to_string()}, {"update_time_ms", book.update_time_ms}};
    }
    state["positions"] = std::move(positions);
    state["leverage"] = leverage_;
    // Written aside, then renamed: a crash mid-write leaves the previous account intact.
    const std::string temporary = config_.state_path + ".tmp";
    {
        std::ofstream out(temporary, std::ios::trunc);
        out << state.dump() << '\n';
        if (!out) return;
    }
    std::rename(temporary.c_str(), config_.state_path.c_str());
}

void Engine::load_state() {
    std::ifstream in(config_.state_path);
    if (!in) return; // no account yet: it starts as configured
    const json state = json::parse(in, nullptr, false);
    if (state.is_discarded() || !state.is_object() || state.value("version", 0) != state_version) {
        throw std::invalid_argument("SimConfig.state_path: '" + config_.state_path + "' is not a bingx-sim account file");
    }
    try {
        config_.hedge_mode = state.at("hedge_mode").get<bool>();
        balance_ = decimal_field(state, "balance");
        fees_paid_ = decimal_field(state, "fees_paid");
        next_order_id_ = state.at("next_order_id").get<std::int64_t>();
        for (const json& item : state.at("orders")) {
            SimOrder order;
            order.symbol = item.at("symbol").get<std::string>();
            order.order_id = item.at("order_id").get<std::int64_t>();
            order.client_order_id = item.at("client_order_id").get<std::string>();
            order.side = item.at("side").get<std::string>();
            order.position_side = item.at("position_side").get<std::string>();
            order.type = item.at("type").get<std::string>();
            order.status = item.at("status").get<std::string>();
            order.qty = decimal_field(item, "qty");
            order.price = decimal_field(item, "price");
            order.executed_qty = decimal_field(item, "executed_qty");
            order.avg_price = decimal_field(item, "avg_price");
            order.fee = decimal_field(item, "fee");
            order.reduce_only = item.at("reduce_only").get<bool>();
            order.time_ms = item.at("time_ms").get<std::int64_t>();
            order.update_time_ms = item.at("update_time_ms").get<std::int64_t>();
            order.leverage = item.at("leverage").get<std::int64_t>();
            notional_[order.order_id] = decimal_field(item, "notional");
            if (!order.client_order_id.empty()) order_by_client_[order.client_order_id] = order.order_id;
            orders_[order.order_id] = order;
        }
        for (const auto& [key, item] : state.at("positions").items()) {
            positions_[key] = Position{decimal_field(item, "amount"), decimal_field(item, "avg_price"),
                                       decimal_field(item, "realised"), item.at("update_time_ms").get<std::int64_t>()};
        }
        for (const auto& [key, item] : state.at("leverage").items()) leverage_[key] = item.get<std::int64_t>();
    } catch (const json::exception& failure) {
        throw std::invalid_argument("SimConfig.state_path: '" + config_.state_path + "': " + failure.what());
    }
}

SimStats Engine::stats() const {
    std::lock_guard lock(mutex_);
    return stats_;
}

std::vector<SimOrder> Engine::orders() const {
    std::lock_guard lock(mutex_);
    std::vector<SimOrder> out;
    for (const auto& [id, order] : orders_) out.push_back(order);
    return out;
}

std::optional<SimOrder> Engine::order(std::string_view client_order_id) const {
    std::lock_guard lock(mutex_);
    const auto found = order_by_client_.find(lower(client_order_id));
    if (found == order_by_client_.end()) return std::nullopt;
    return orders_.at(found->second);
}

std::vector<SimPosition> Engine::positions() const {
    std::lock_guard lock(mutex_);
    std::vector<SimPosition> out;
    for (const auto& [key, book] : positions_) {
        const auto slash = key.find('/');
        out.push_back({key.substr(0, slash), key.substr(slash + 1),
                       config_.hedge_mode ? book.amount.abs() : book.amount, book.avg_price});
    }
    return out;
}

} // namespace dita::bingx_sim
