// BingX adapter figures: signing and parsing costs, and round trips against the in-process
// simulator on 127.0.0.1 (loopback latency, no faults): place (answer + the fill's fee from
// the stream), query, and a full entry+exit pair.
#include <benchmark/benchmark.h>

#include <stdexcept>
#include <string>

#include "dita/bingx_sim/simulator.hpp"
#include "dita/venues/bingx/bingx_venue.hpp"

namespace {

using namespace dita;
using namespace dita::bingx;

constexpr std::string_view update_text =
    R"({"e":"ORDER_TRADE_UPDATE","E":1696843635475,"o":{"s":"BTC-USDT","c":"k123","i":1711312357852147712,"S":"BUY","o":"MARKET","q":"0.0100","p":"50000.0","ap":"50000.0","x":"TRADE","X":"FILLED","N":"USDT","n":"-0.25","T":1696843635470,"wt":"MARK_PRICE","ps":"LONG","rp":"0","z":"0.0100","l":"0.0100","L":"50000.0"}})";

void BM_SignQuery(benchmark::State& state) {
    const Params params{{"clientOrderId", "k123"}, {"positionSide", "LONG"}, {"quantity", "0.01"}, {"side", "BUY"},
                        {"symbol", "BTC-USDT"},    {"timestamp", "1696843635475"}, {"type", "MARKET"}};
    for (auto _ : state) benchmark::DoNotOptimize(signed_query(params, "a-secret-of-some-length-0123456789"));
}
BENCHMARK(BM_SignQuery);

void BM_ParseOrderUpdate(benchmark::State& state) {
    for (auto _ : state) benchmark::DoNotOptimize(parse_stream_message(update_text));
}
BENCHMARK(BM_ParseOrderUpdate);

struct Venue {
    Venue() : sim(config()) {
        if (!sim.start().ok()) throw std::runtime_error("bench: the BingX simulator did not start");
        BingxConfig adapter_config;
        adapter_config.rest_url = sim.rest_url();
        adapter_config.ws_url = sim.ws_url();
        adapter_config.credentials = Credentials("dita-sim-key", "dita-sim-secret");
        adapter_config.send_price_with_market = true;
        adapter_config.tracked_orders_max = 512;
        adapter = std::make_unique<BingxVenueAdapter>(adapter_config);
        started = adapter->start().ok();
    }
    static bingx_sim::SimConfig config() {
        bingx_sim::SimConfig out;
        out.ping_interval_ms = 5000;
        return out;
    }
    OrderRequest order(TradeSide side, OrderPurpose purpose) {
        OrderRequest request;
        request.client_order_id = Id("b" + std::to_string(++count));
        request.asset = AssetName("BTCUSDT");
        request.side = side;
        request.purpose = purpose;
        request.qty = Decimal::from_raw(1'000'000); // 0.01
        request.reference_price = Decimal::from_units(50'000);
        request.leverage = Decimal::from_units(5);
        return request;
    }
    bingx_sim::Simulator sim;
    std::unique_ptr<BingxVenueAdapter> adapter;
    bool started = false;
    std::uint64_t count = 0;
};

class Drop final : public EventSink {
public:
    void deliver(const VenueEvent&) override {}
};

// One entry and its exit: two place round trips, each returning once the fill and its fee
// are known (REST answer + stream event).
void BM_EntryExitPair(benchmark::State& state) {
    Venue venue;
    if (!venue.started) {
        state.SkipWithError("simulator or adapter did not start");
        return;
    }
    Drop drop;
    for (auto _ : state) {
        const auto entry = venue.adapter->submit_order(venue.order(TradeSide::LONG, OrderPurpose::ENTRY));
        const auto exit = venue.adapter->submit_order(venue.order(TradeSide::LONG, OrderPurpose::EXIT));
        if (entry.status != VenueCallStatus::ACCEPTED || exit.status != VenueCallStatus::ACCEPTED) {
            state.SkipWithError("order refused");
            break;
        }
        venue.adapter->drain_events(drop);
    }
    state.SetItemsProcessed(state.iterations() * 2);
}
BENCHMARK(BM_EntryExitPair)->UseRealTime()->Unit(benchmark::kMicrosecond);

void BM_QueryOrder(benchmark::State& state) {
    Venue venue;
    if (!venue.started) {
        state.SkipWithError("simulator or adapter did not start");
        return;
    }
    const auto request = venue.order(TradeSide::LONG, OrderPurpose::ENTRY);
    venue.adapter->submit_order(request);
    for (auto _ : state) {
        const auto found = venue.adapter->query_order("BTCUSDT", request.client_order_id.view());
        if (!found.ok()) {
            state.SkipWithError("query failed");
            break;
        }
    }
}
BENCHMARK(BM_QueryOrder)->UseRealTime()->Unit(benchmark::kMicrosecond);

void BM_ServerTime(benchmark::State& state) {
    Venue venue;
    if (!venue.started) {
        state.SkipWithError("simulator or adapter did not start");
        return;
    }
    for (auto _ : state) benchmark::DoNotOptimize(venue.adapter->server_time_ms());
}
BENCHMARK(BM_ServerTime)->UseRealTime()->Unit(benchmark::kMicrosecond);

} // namespace

BENCHMARK_MAIN();
