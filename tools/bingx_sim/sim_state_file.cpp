// The account file (SimConfig::state_path): read once, written after each change.
#include "sim_engine.hpp"

#include <cstdio>
#include <fstream>
#include <stdexcept>

#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include "sim_wire.hpp"

namespace dita::bingx_sim {

using nlohmann::json;

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

} // namespace dita::bingx_sim
