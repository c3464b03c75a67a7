#include "dita/chaos/bingx_venue_factory.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace dita::chaos {

using bingx::BingxConfig;
using bingx::BingxVenueAdapter;
using bingx::Credentials;

namespace {

// 10^-p == step for some p in 0..8, else nullopt.
std::optional<int> precision_of(double step) {
    const auto exact = Decimal::from_double(step);
    if (!exact || !exact->is_positive()) return std::nullopt;
    std::int64_t raw = Decimal::scale;
    for (int p = 0; p <= Decimal::decimals; ++p) {
        if (exact->raw() == raw) return p;
        raw /= 10;
    }
    return std::nullopt;
}

// The simulator and the adapter on it, owned together: the adapter goes first.
class SimulatedBingx final : public VenueAdapter {
public:
    SimulatedBingx(std::unique_ptr<bingx_sim::Simulator> sim, std::unique_ptr<BingxVenueAdapter> adapter,
                   std::shared_ptr<BingxChaosTally> tally)
        : sim_(std::move(sim)), adapter_(std::move(adapter)), tally_(std::move(tally)) {}
    ~SimulatedBingx() override {
        adapter_.reset();
        if (tally_) {
            const bingx_sim::SimStats s = sim_->stats();
            ++tally_->runs;
            tally_->orders_created += s.orders_created;
            tally_->faults_injected += s.faults_5xx + s.faults_slow + s.faults_drop + s.faults_rate_limit +
                                       s.stream_duplicates + s.stream_delays + s.stream_drops;
            tally_->stream_events_lost += s.stream_events_lost;
        }
        sim_.reset();
    }

    std::string_view name() const override { return "bingx-sim"; }
    std::optional<InstrumentSpec> instrument(std::string_view asset) const override { return adapter_->instrument(asset); }
    VenueCallResult submit_order(const OrderRequest& request) override { return adapter_->submit_order(request); }
    VenueCallResult cancel_order(const CancelRequest& request) override { return adapter_->cancel_order(request); }
    void drain_events(EventSink& sink) override { adapter_->drain_events(sink); }
    VenueQuery<std::optional<VenueOrder>> query_order(std::string_view asset,
                                                      std::string_view client_order_id) override {
        return adapter_->query_order(asset, client_order_id);
    }
    VenueQuery<std::vector<VenueOrder>> open_orders(std::string_view asset) override {
        return adapter_->open_orders(asset);
    }
    VenueQuery<std::vector<VenuePosition>> positions(std::string_view asset) override {
        return adapter_->positions(asset);
    }

    BingxVenueAdapter& adapter() { return *adapter_; }
    bingx_sim::Simulator& sim() { return *sim_; }

private:
    std::unique_ptr<bingx_sim::Simulator> sim_;
    std::unique_ptr<BingxVenueAdapter> adapter_;
    std::shared_ptr<BingxChaosTally> tally_;
};

double clamp01(double value) { return std::isfinite(value) ? std::clamp(value, 0.0, 1.0) : 0.0; }

} // namespace

Result<bingx_sim::SimConfig> sim_config_for(const VenueSettings& settings) {
    bingx_sim::SimConfig config;
    config.seed = settings.seed;
    config.reject_entries = settings.reject_entries;
    config.reject_exits = settings.reject_exits;
    config.cancel_reject = settings.cancel_reject;
    if (!std::isfinite(settings.partial_fill_ratio) || settings.partial_fill_ratio < 0 || settings.partial_fill_ratio > 1) {
        return Error{"", "venue.partial_fill_ratio", "must be from 0 to 1"};
    }
    config.partial_fill_ratio = settings.partial_fill_ratio;
    if (!std::isfinite(settings.taker_fee_rate) || settings.taker_fee_rate < 0 || settings.taker_fee_rate > 0.1) {
        return Error{"", "venue.taker_fee_rate", "must be from 0 to 0.1"};
    }
    config.taker_fee_rate = settings.taker_fee_rate;
    const auto quantity_precision = precision_of(settings.lot_step);
    const auto price_precision = precision_of(settings.tick_size);
    if (!quantity_precision) return Error{"", "venue.lot_step", "BingX lot steps are powers of ten (10^-quantityPrecision)"};
    if (!price_precision) return Error{"", "venue.tick_size", "BingX ticks are powers of ten (10^-pricePrecision)"};
    const auto min_qty = Decimal::from_double(settings.min_qty);
    if (!min_qty || min_qty->is_negative()) return Error{"", "venue.min_qty", "must be a non-negative number"};
    config.contracts.clear();
    for (const std::string& asset : settings.assets) {
        const auto symbol = bingx::to_bingx_symbol(asset);
        if (!symbol) return Error{"", "venue.assets", "'" + asset + "' is not a USDT/USDC pair"};
        bingx_sim::SimContract contract;
        contract.symbol = *symbol;
        contract.quantity_precision = *quantity_precision;
        contract.price_precision = *price_precision;
        contract.trade_min_quantity = min_qty->to_string();
        contract.trade_min_usdt = "0"; // the mock has no minimum notional; scenarios trade small sizes
        config.contracts.push_back(contract);
    }
    // The mock's faults, as the exchange can show them (approximations, by design):
    bingx_sim::SimFaults& faults = config.faults;
    faults.stream_duplicate_rate = clamp01(settings.duplicate_probability);
    faults.stream_delay_rate = clamp01(std::max(settings.reorder_probability, settings.delay_probability));
    faults.stream_delay_ms = static_cast<int>(std::clamp<std::int64_t>(settings.delay_ns_max / 1'000'000, 20, 2000));
    faults.stream_drop_rate = clamp01(settings.drop_probability);           // lost events: a cut stream
    faults.http_5xx_rate = clamp01(settings.submit_unknown_probability);    // answers lost, half executed
    faults.drop_rate = clamp01(settings.cancel_unknown_probability);        // connections dropped
    faults.rate_limit_rate = clamp01(settings.random_reject_probability);   // refusals that did nothing
    faults.execute_on_fault = 0.5;
    // Not modelled: latency_ns (the network has its own), overfills, short fills, late fills
    // on cancel, random cancel rejects: an exchange-faithful simulator does not produce them.
    config.ping_interval_ms = 1000;
    return config;
}

VenueFactory bingx_chaos_venue_factory(BingxChaosOptions options) {
    return [options](const VenueSettings& settings, const Clock&) -> Result<VenueHandle> {
        const auto quiet = std::chrono::milliseconds(std::max(0, options.quiet_ms));
        const auto settle_timeout = std::chrono::milliseconds(std::max(0, options.settle_timeout_ms));
        VenueHandle handle;
        if (options.simulator) {
            auto config = sim_config_for(settings);
            if (!config.ok()) return config.error();
            bingx_sim::SimConfig sim_config = config.value();
            sim_config.seed += options.seed_offset;
            if (options.extra_faults) {
                bingx_sim::SimFaults& f = sim_config.faults;
                const bingx_sim::SimFaults& extra = *options.extra_faults;
                f.http_5xx_rate = std::max(f.http_5xx_rate, extra.http_5xx_rate);
                f.slow_rate = std::max(f.slow_rate, extra.slow_rate);
                f.slow_ms = std::max(f.slow_ms, extra.slow_ms);
                f.drop_rate = std::max(f.drop_rate, extra.drop_rate);
                f.rate_limit_rate = std::max(f.rate_limit_rate, extra.rate_limit_rate);
                f.rate_limit_per_s = std::max(f.rate_limit_per_s, extra.rate_limit_per_s);
                f.stream_duplicate_rate = std::max(f.stream_duplicate_rate, extra.stream_duplicate_rate);
                f.stream_delay_rate = std::max(f.stream_delay_rate, extra.stream_delay_rate);
                f.stream_delay_ms = std::max(f.stream_delay_ms, extra.stream_delay_ms);
                f.stream_drop_rate = std::max(f.stream_drop_rate, extra.stream_drop_rate);
            }
            std::unique_ptr<bingx_sim::Simulator> sim;
            try {
                sim = std::make_unique<bingx_sim::Simulator>(sim_config);
            } catch (const std::invalid_argument& error) {
                return Error{"", "venue", error.what()};
            }
            const auto started = sim->start();
            if (!started.ok) return Error{"", "venue", "bingx-sim: " + started.error};
            BingxConfig adapter_config;
            adapter_config.rest_url = sim->rest_url();
            adapter_config.ws_url = sim->ws_url();
            adapter_config.credentials = Credentials(sim_config.api_key, sim_config.api_secret);
            adapter_config.assets = settings.assets;
            adapter_config.send_price_with_market = true; // fills at the intent's price, as the mock's
            adapter_config.request_timeout_ms = options.request_timeout_ms;
            adapter_config.recv_window_ms = 2000; // an unanswered submit is decided ~3 s later
            adapter_config.reconnect_backoff_min_ms = 20;
            adapter_config.reconnect_backoff_max_ms = 500;
            adapter_config.seed = sim_config.seed;
            auto adapter = std::make_unique<BingxVenueAdapter>(adapter_config);
            const bingx::StartResult adapter_started = adapter->start();
            if (!adapter_started.ok()) return Error{"", "venue", "bingx adapter: " + adapter_started.error().detail};
            auto venue = std::make_unique<SimulatedBingx>(std::move(sim), std::move(adapter), options.tally);
            SimulatedBingx* raw = venue.get();
            handle.pending_events = [raw, quiet, settle_timeout] {
                raw->adapter().wait_quiet(quiet, settle_timeout);
                return raw->adapter().pending_events();
            };
            handle.calm = [raw] { raw->sim().set_faults(bingx_sim::SimFaults{}); };
            handle.venue = std::move(venue);
            return handle;
        }
        if (!options.live) {
            return Error{"", "venue", "a real BingX host needs the explicit --live flag"};
        }
        if (!options.order_qty_max.is_positive() || !options.order_notional_max.is_positive()) {
            return Error{"", "venue", "a live run needs positive size and notional caps"};
        }
        const bingx::CredentialsResult keys = bingx::credentials_from_env();
        if (!keys.ok()) return Error{"", "venue", keys.error().detail};
        BingxConfig config;
        config.rest_url = options.rest_url.empty() ? std::string(bingx::live_rest_url) : options.rest_url;
        config.ws_url = options.ws_url.empty() ? std::string(bingx::live_ws_url) : options.ws_url;
        config.credentials = *keys;
        config.assets = settings.assets;
        config.allow_live = true;
        config.order_qty_max = options.order_qty_max;
        config.order_notional_max = options.order_notional_max;
        auto made = bingx::make_bingx_adapter(std::move(config));
        if (!made.ok()) return Error{"", "venue", "bingx: " + made.error().detail};
        BingxVenueAdapter* raw = made->get();
        handle.pending_events = [raw, quiet, settle_timeout] {
            raw->wait_quiet(quiet, settle_timeout);
            return raw->pending_events();
        };
        handle.venue = std::move(*made);
        return handle;
    };
}

} // namespace dita::chaos
