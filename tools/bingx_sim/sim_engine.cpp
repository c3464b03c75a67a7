// The engine: construction, request routing and authentication, stream keys, control and
// inspection. Orders live in sim_orders.cpp, account answers in sim_account.cpp, the
// account file in sim_state_file.cpp.
#include "sim_engine.hpp"

#include <chrono>
#include <cmath>
#include <stdexcept>

#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include "sim_wire.hpp"

namespace dita::bingx_sim {

using nlohmann::json;

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
                                                "/trade/leverage", "/trade/forceOrders", "/trade/allOrders",
                                                "/user/income"};
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
    if (path == base + "/trade/forceOrders" && method == "GET") return force_orders_answer(params);
    if (path == base + "/trade/allOrders" && method == "GET") return all_orders_answer(params);
    if (path == base + "/user/income" && method == "GET") return income_answer(params);
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

std::vector<StreamPush> Engine::tick() {
    std::lock_guard lock(mutex_);
    const std::int64_t now = now_ms();
    std::vector<StreamPush> out;
    settle_due_funding(now);
    out.swap(pending_pushes_);
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

std::optional<std::vector<StreamPush>> Engine::set_mark_price(std::string_view symbol, std::string_view price) {
    std::lock_guard lock(mutex_);
    Contract* spec = contract(symbol);
    const auto parsed = Decimal::parse(price);
    if (spec == nullptr || !parsed || !parsed->is_positive()) return std::nullopt;
    spec->mark = *parsed;
    check_liquidations(std::string(symbol), now_ms());
    std::vector<StreamPush> out;
    out.swap(pending_pushes_);
    save_state();
    return out;
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
