#pragma once
// Shared pieces of the BingX tests: an in-process simulator on a free loopback port, an
// adapter pointed at it, and an event log that drains with a bounded wait.
#include <gtest/gtest.h>

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "dita/bingx_sim/simulator.hpp"
#include "dita/venues/bingx/bingx_venue.hpp"

namespace dita::bingx::testing {

inline Decimal dec(const char* text) {
    const auto value = Decimal::parse(text);
    EXPECT_TRUE(value.has_value()) << text;
    return value.value_or(Decimal());
}

// Collects drained events; keeps, per client order id, the furthest cumulative state seen.
class EventLog final : public EventSink {
public:
    void deliver(const VenueEvent& event) override {
        events.push_back(event);
        auto [slot, fresh] = latest.try_emplace(event.client_order_id.str(), event);
        VenueEvent& last = slot->second;
        if (!fresh) {
            const Decimal fee = max(last.cum_fee, event.cum_fee);
            if (event.cum_filled_qty >= last.cum_filled_qty) last = event;
            last.cum_fee = fee;
        }
        if (event.status != VenueEventStatus::INFO && is_terminal(static_cast<VenueOrderStatus>(event.status))) {
            terminal[event.client_order_id.str()] = true;
        }
    }
    bool is_done(const std::string& coid) const {
        const auto found = terminal.find(coid);
        return found != terminal.end() && found->second;
    }
    Decimal cum_filled(const std::string& coid) const {
        const auto found = latest.find(coid);
        return found == latest.end() ? Decimal() : found->second.cum_filled_qty;
    }
    Decimal cum_fee(const std::string& coid) const {
        const auto found = latest.find(coid);
        return found == latest.end() ? Decimal() : found->second.cum_fee;
    }
    std::size_t count(const std::string& coid, KernelEventKind kind) const {
        std::size_t n = 0;
        for (const VenueEvent& event : events) n += event.client_order_id.view() == coid && event.kind == kind;
        return n;
    }

    std::vector<VenueEvent> events;
    std::map<std::string, VenueEvent> latest;
    std::map<std::string, bool> terminal;
};

// Drains until done() holds or the timeout passes; returns done().
inline bool drain_until(BingxVenueAdapter& adapter, EventLog& log, const std::function<bool()>& done,
                        std::chrono::milliseconds timeout = std::chrono::milliseconds(15000)) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
        adapter.drain_events(log);
        if (done()) return true;
        if (std::chrono::steady_clock::now() >= deadline) return false;
        adapter.wait_for_events(std::chrono::milliseconds(20));
    }
}

inline bingx_sim::SimConfig sim_config() {
    bingx_sim::SimConfig config;
    config.ping_interval_ms = 200;
    return config;
}

inline BingxConfig adapter_config(const bingx_sim::Simulator& sim, const bingx_sim::SimConfig& config) {
    BingxConfig out;
    out.rest_url = sim.rest_url();
    out.ws_url = sim.ws_url();
    out.credentials = Credentials(config.api_key, config.api_secret);
    out.send_price_with_market = true;
    out.request_timeout_ms = 1000;
    out.call_timeout_ms = 8000;
    out.retry_pause_ms = 20;
    out.reconnect_backoff_min_ms = 20;
    out.reconnect_backoff_max_ms = 200;
    out.ws_handshake_timeout_ms = 2000;
    out.ws_idle_timeout_ms = 5000;
    out.position_mode = config.hedge_mode ? PositionMode::HEDGE : PositionMode::ONE_WAY;
    return out;
}

inline OrderRequest order(const std::string& coid, TradeSide side, OrderPurpose purpose, const char* qty,
                          const char* price = "50000", int slot = 0) {
    OrderRequest request;
    request.client_order_id = Id(coid);
    request.asset = AssetName("BTCUSDT");
    request.side = side;
    request.purpose = purpose;
    request.qty = dec(qty);
    request.reference_price = dec(price);
    request.leverage = Decimal::from_units(5);
    request.slot_id = slot;
    request.trade_id = Id("t-" + coid);
    return request;
}

// The kernel tests' intents: ids numbered "<prefix><sequence>", each its own trade, leverage 5.
inline KernelIntent numbered_intent(std::string_view prefix, int sequence, KernelCommandType action, int slot,
                                    double size, double price, std::int64_t at_ns) {
    KernelIntent in;
    in.intent_id = std::string(prefix) + std::to_string(sequence);
    in.trade_id = "trade-" + std::to_string(sequence);
    in.slot_id = slot;
    in.action = action;
    in.target_size = size;
    in.reference_price = price;
    in.leverage = 5.0;
    in.timestamp_ns = at_ns;
    return in;
}

// A simulator on a free loopback port and an adapter started against it.
struct SimPair {
    explicit SimPair(bingx_sim::SimConfig config = sim_config(),
                     const std::function<void(BingxConfig&)>& tweak = nullptr)
        : sim_config_(config), sim(config) {
        const auto started = sim.start();
        EXPECT_TRUE(started.ok()) << started.error().detail;
        BingxConfig adapter_cfg = adapter_config(sim, config);
        if (tweak) tweak(adapter_cfg);
        adapter = std::make_unique<BingxVenueAdapter>(adapter_cfg);
        start_result = adapter->start();
    }
    ~SimPair() {
        if (adapter) adapter->stop();
        adapter.reset();
        sim.stop();
    }

    bingx_sim::SimConfig sim_config_;
    bingx_sim::Simulator sim;
    std::unique_ptr<BingxVenueAdapter> adapter;
    StartResult start_result = Error{"NOT_STARTED", ""};
};

} // namespace dita::bingx::testing
