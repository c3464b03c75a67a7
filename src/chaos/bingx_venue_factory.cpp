#include "dita/chaos/bingx_venue_factory.hpp"

#include <algorithm>
#include <cmath>
#include <functional>
#include <mutex>
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

// One run's venue: the adapter (and the simulator under it, if any), owned together, the
// adapter going first; it counts entries to tell a run that could not trade.
class BingxRunVenue final : public VenueAdapter {
public:
    BingxRunVenue(std::unique_ptr<bingx_sim::Simulator> sim, std::unique_ptr<BingxVenueAdapter> adapter,
                  std::shared_ptr<BingxChaosTally> tally)
        : sim_(std::move(sim)), adapter_(std::move(adapter)), tally_(std::move(tally)) {}
    ~BingxRunVenue() override {
        if (on_close_) {
            if (sim_) { // holds still for the flattening, as before a run
                sim_->set_faults(bingx_sim::SimFaults{});
                sim_->set_partial_fill_ratio(1.0);
                sim_->set_rejects(false, false, 101204);
            }
            on_close_(*adapter_);
        }
        adapter_.reset();
        if (tally_ && sim_) {
            const bingx_sim::SimStats s = sim_->stats();
            ++tally_->runs;
            tally_->orders_created += s.orders_created;
            tally_->faults_injected += s.faults_5xx + s.faults_slow + s.faults_drop + s.faults_rate_limit +
                                       s.stream_duplicates + s.stream_delays + s.stream_drops;
            tally_->stream_events_lost += s.stream_events_lost;
        }
        sim_.reset();
    }

    std::string_view name() const override { return sim_ ? "bingx-sim" : "bingx"; }
    std::optional<InstrumentSpec> instrument(std::string_view asset) const override { return adapter_->instrument(asset); }
    VenueCallResult submit_order(const OrderRequest& request) override {
        VenueCallResult result = adapter_->submit_order(request);
        if (request.purpose == OrderPurpose::ENTRY) {
            ++entries_;
            if (result.status == VenueCallStatus::REJECTED) {
                ++entries_refused_;
                last_refusal_ = result.detail;
            }
        }
        return result;
    }
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
    PositionMode position_mode() const override { return adapter_->position_mode(); }
    VenueQuery<std::vector<VenueEvent>> venue_moves(std::string_view asset) override {
        return adapter_->venue_moves(asset);
    }

    BingxVenueAdapter& adapter() { return *adapter_; }
    bingx_sim::Simulator* sim() { return sim_.get(); }
    // Runs with the adapter still up, as the run's venue goes away (best effort).
    void set_on_close(std::function<void(BingxVenueAdapter&)> on_close) { on_close_ = std::move(on_close); }
    std::optional<std::string> trading_problem() const {
        if (entries_ == 0 || entries_refused_ < entries_) return std::nullopt;
        return "every entry (" + std::to_string(entries_) + ") was refused by the venue, which was not set to "
               "refuse them: the scenario could not trade (last: " + last_refusal_ + ")";
    }

private:
    std::unique_ptr<bingx_sim::Simulator> sim_;
    std::unique_ptr<BingxVenueAdapter> adapter_;
    std::shared_ptr<BingxChaosTally> tally_;
    std::uint64_t entries_ = 0;
    std::uint64_t entries_refused_ = 0;
    std::string last_refusal_;
    std::function<void(BingxVenueAdapter&)> on_close_;
};

// The account across the runs of one factory: its epoch, the runs so far, its baseline.
struct AccountSession {
    std::mutex mutex;
    std::string epoch;
    std::uint64_t runs = 0;
    std::optional<bingx::BingxAccountState> baseline;
};

std::string base36(std::uint64_t value) {
    static constexpr char digits[] = "0123456789abcdefghijklmnopqrstuvwxyz";
    std::string out;
    do {
        out.insert(out.begin(), digits[value % 36]);
        value /= 36;
    } while (value != 0);
    return out;
}

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

namespace {

// One exit order of at most what the caps allow (the whole excess when there are none).
Result<Decimal> flatten_chunk(Decimal excess, Decimal lot, Decimal mark, const BingxChaosOptions& options) {
    Decimal chunk = excess;
    if (options.order_qty_max.is_positive()) chunk = min(chunk, options.order_qty_max.floor_to(lot));
    if (options.order_notional_max.is_positive()) {
        if (!mark.is_positive()) return Error{"", "venue", "no mark price to size a capped closing order"};
        chunk = min(chunk, options.order_notional_max.div(mark).floor_to(lot));
    }
    if (!chunk.is_positive()) return Error{"", "venue", "the caps are below one lot: the account cannot be flattened"};
    return chunk;
}

Decimal held_size(const std::vector<VenuePosition>& positions, std::string_view asset, TradeSide side) {
    Decimal size;
    for (const VenuePosition& position : positions) {
        if (position.asset.view() == asset && position.side == side) size += position.size;
    }
    return size;
}

// Closes (reduce-only) what a side holds beyond its baseline.
std::optional<Error> close_excess(BingxVenueAdapter& adapter, const std::string& asset, TradeSide side, Decimal excess,
                                  const std::string& prefix, const BingxChaosOptions& options) {
    const auto spec = adapter.instrument(asset);
    const auto mark = adapter.mark_price(asset);
    const Decimal lot = spec ? spec->lot_step : Decimal::from_raw(1);
    for (int order = 0; excess.is_positive() && order < 32; ++order) {
        const auto chunk = flatten_chunk(excess, lot, mark.ok() ? mark.value : Decimal(), options);
        if (!chunk.ok()) return chunk.error();
        OrderRequest request;
        request.client_order_id = Id(prefix + "-flat-" + std::to_string(side == TradeSide::LONG ? 0 : 1) + "-" +
                                     std::to_string(order));
        request.asset = AssetName(asset);
        request.side = side;
        request.purpose = OrderPurpose::EXIT;
        request.qty = chunk.value();
        request.reference_price = mark.ok() ? mark.value : Decimal();
        const VenueCallResult result = adapter.submit_order(request);
        if (result.status != VenueCallStatus::ACCEPTED) {
            return Error{"", "venue", "closing " + chunk.value().to_string() + " " + asset + " " + std::string(to_string(side)) +
                                          " left by an earlier run: " + result.detail};
        }
        excess -= chunk.value();
    }
    return std::nullopt;
}

// Cancels the orders runs placed since the baseline and closes what they grew (reduce-only).
std::optional<Error> flatten_once(BingxVenueAdapter& adapter, const bingx::BingxAccountState& baseline,
                                  const std::string& asset, const std::string& prefix, const BingxChaosOptions& options) {
    const auto open = adapter.open_orders(asset);
    if (!open.ok()) return Error{"", "venue", "open orders of " + asset + ": " + open.detail};
    for (const VenueOrder& order : open.value) {
        const bool kept = std::any_of(baseline.open_orders.begin(), baseline.open_orders.end(),
                                      [&](const VenueOrder& old) { return old.venue_order_id == order.venue_order_id; });
        if (kept) continue;
        const auto cancelled = adapter.cancel_order(CancelRequest{order.client_order_id, order.venue_order_id, order.asset, -1});
        if (cancelled.status != VenueCallStatus::ACCEPTED) {
            return Error{"", "venue", "cancelling order " + order.client_order_id.str() + " left by an earlier run: " +
                                          cancelled.detail};
        }
    }
    const auto held = adapter.positions(asset);
    if (!held.ok()) return Error{"", "venue", "positions of " + asset + ": " + held.detail};
    for (const TradeSide side : {TradeSide::LONG, TradeSide::SHORT}) {
        const Decimal now = held_size(held.value, asset, side);
        const Decimal base = held_size(baseline.positions, asset, side);
        if (now < base) {
            return Error{"", "venue", asset + " " + std::string(to_string(side)) + " holds " + now.to_string() +
                                          ", below the account's baseline " + base.to_string() + ": not restorable"};
        }
        if (auto failed = close_excess(adapter, asset, side, now - base, prefix, options)) return failed;
    }
    return std::nullopt;
}

// Back to the baseline, then checked. A closing order may fill only in part (a working
// remainder is cancelled by the next round), so a few rounds are allowed.
std::optional<Error> restore_baseline(BingxVenueAdapter& adapter, const bingx::BingxAccountState& baseline,
                                      const std::vector<std::string>& assets, const std::string& prefix,
                                      const BingxChaosOptions& options) {
    constexpr int rounds_max = 3;
    for (const std::string& asset : assets) {
        bool back = false;
        std::string detail;
        for (int round = 0; round < rounds_max && !back; ++round) {
            const std::string round_prefix = prefix + (round == 0 ? "" : "r" + std::to_string(round));
            if (auto failed = flatten_once(adapter, baseline, asset, round_prefix, options)) return failed;
            const auto after = adapter.positions(asset);
            back = after.ok();
            for (const TradeSide side : {TradeSide::LONG, TradeSide::SHORT}) {
                if (after.ok() && held_size(after.value, asset, side) != held_size(baseline.positions, asset, side)) {
                    back = false;
                    detail = std::string(to_string(side)) + " holds " + held_size(after.value, asset, side).to_string();
                }
            }
            if (!after.ok()) detail = after.detail;
        }
        if (!back) return Error{"", "venue", "the account is not back at its baseline on " + asset + ": " + detail};
    }
    return std::nullopt;
}

// What the flattening made (its fills, its cancels) is not the run's: the kernel never sees it.
void discard_events(BingxVenueAdapter& adapter) {
    struct Discard final : EventSink {
        void deliver(const VenueEvent&) override {}
    } discard;
    adapter.wait_quiet(std::chrono::milliseconds(200), std::chrono::milliseconds(5000));
    adapter.drain_events(discard);
}

bingx_sim::SimConfig with_extra_faults(bingx_sim::SimConfig config, const BingxChaosOptions& options);

// The run's client order id prefix; the account's baseline on the first run, restored on later ones.
Result<std::string> open_run(AccountSession& session, BingxRunVenue& run, const VenueSettings& settings,
                             const BingxChaosOptions& options, bool lasting) {
    BingxVenueAdapter& adapter = run.adapter();
    std::lock_guard lock(session.mutex);
    if (session.epoch.empty()) {
        const auto server_ms = adapter.server_time_ms();
        if (!server_ms.ok() || server_ms.value <= 0) return Error{"", "venue", "server time: " + server_ms.detail};
        session.epoch = base36(static_cast<std::uint64_t>(server_ms.value));
    }
    const std::string prefix = session.epoch + "." + base36(++session.runs);
    if (!lasting) return prefix;
    if (!session.baseline) {
        session.baseline = adapter.starting_account();
        if (!session.baseline) return Error{"", "venue", "the adapter recorded no starting account"};
        return prefix;
    }
    // A simulator holds still meanwhile: no faults, whole fills, no refusals; then the run's
    // own settings come back.
    bingx_sim::Simulator* sim = run.sim();
    if (sim != nullptr) {
        sim->set_faults(bingx_sim::SimFaults{});
        sim->set_partial_fill_ratio(1.0);
        sim->set_rejects(false, false, 101204);
    }
    auto failed = restore_baseline(adapter, *session.baseline, settings.assets, prefix, options);
    discard_events(adapter);
    if (sim != nullptr) {
        const auto config = sim_config_for(settings);
        if (config.ok()) {
            const bingx_sim::SimConfig own = with_extra_faults(config.value(), options);
            sim->set_faults(own.faults);
            sim->set_partial_fill_ratio(own.partial_fill_ratio);
            sim->set_rejects(own.reject_entries, own.reject_exits, own.reject_code);
        }
    }
    if (failed) return *failed;
    return prefix;
}

bingx_sim::SimConfig with_extra_faults(bingx_sim::SimConfig config, const BingxChaosOptions& options) {
    config.seed += options.seed_offset;
    config.state_path = options.sim_state_path;
    if (!options.extra_faults) return config;
    bingx_sim::SimFaults& f = config.faults;
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
    return config;
}

Result<std::unique_ptr<BingxRunVenue>> start_on_simulator(const VenueSettings& settings, const BingxChaosOptions& options) {
    auto config = sim_config_for(settings);
    if (!config.ok()) return config.error();
    const bingx_sim::SimConfig sim_config = with_extra_faults(config.value(), options);
    std::unique_ptr<bingx_sim::Simulator> sim;
    try {
        sim = std::make_unique<bingx_sim::Simulator>(sim_config);
    } catch (const std::invalid_argument& error) {
        return Error{"", "venue", error.what()};
    }
    const auto started = sim->start();
    if (!started.ok()) return Error{"", "venue", "bingx-sim: " + started.error().detail};
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
    if (!adapter_started.ok()) {
        return Error{"", "venue", "bingx adapter: " + adapter_started.error().code + ": " + adapter_started.error().detail};
    }
    return std::make_unique<BingxRunVenue>(std::move(sim), std::move(adapter), options.tally);
}

Result<std::unique_ptr<BingxRunVenue>> start_on_host(const VenueSettings& settings, const BingxChaosOptions& options) {
    if (!options.live) return Error{"", "venue", "a real BingX host needs the explicit --live flag"};
    if (!options.order_qty_max.is_positive() || !options.order_notional_max.is_positive()) {
        return Error{"", "venue", "a live run needs positive size and notional caps"};
    }
    const bingx::CredentialsResult keys = bingx::credentials_from_env();
    if (!keys.ok()) return Error{"", "venue", keys.error().detail};
    bingx::BingxAdapterOptions adapter_options;
    adapter_options.rest_url = options.rest_url.empty() ? std::string(bingx::live_rest_url) : options.rest_url;
    adapter_options.ws_url = options.ws_url;
    adapter_options.credentials = *keys;
    adapter_options.assets = settings.assets;
    adapter_options.allow_live = true;
    adapter_options.order_qty_max = options.order_qty_max;
    adapter_options.order_notional_max = options.order_notional_max;
    auto config = bingx::bingx_config_of(adapter_options);
    if (!config.ok()) return Error{"", "venue", config.error().code + ": " + config.error().detail};
    auto made = bingx::make_bingx_adapter(std::move(config).value());
    if (!made.ok()) return Error{"", "venue", "bingx: " + made.error().code + ": " + made.error().detail};
    return std::make_unique<BingxRunVenue>(nullptr, std::move(*made), options.tally);
}

} // namespace

VenueFactory bingx_chaos_venue_factory(BingxChaosOptions options) {
    auto session = std::make_shared<AccountSession>();
    return [options, session](const VenueSettings& settings, const Clock&) -> Result<VenueHandle> {
        auto started = options.simulator ? start_on_simulator(settings, options) : start_on_host(settings, options);
        if (!started.ok()) return started.error();
        std::unique_ptr<BingxRunVenue> run = std::move(started).value();
        const bool lasting = !options.simulator || !options.sim_state_path.empty();
        auto prefix = open_run(*session, *run, settings, options, lasting);
        if (!prefix.ok()) return prefix.error();
        if (lasting) {
            // Back to the baseline after the run too, so the account a later process finds is
            // the one this series started from; the next run's check catches what this misses.
            run->set_on_close([session, options, assets = settings.assets, end_prefix = prefix.value() + ".e"](BingxVenueAdapter& adapter) {
                std::lock_guard lock(session->mutex);
                if (session->baseline) (void)restore_baseline(adapter, *session->baseline, assets, end_prefix, options);
            });
        }

        const auto quiet = std::chrono::milliseconds(std::max(0, options.quiet_ms));
        const auto settle_timeout = std::chrono::milliseconds(std::max(0, options.settle_timeout_ms));
        BingxRunVenue* raw = run.get();
        VenueHandle handle;
        handle.client_order_id_prefix = prefix.value();
        handle.pending_events = [raw, quiet, settle_timeout] {
            raw->adapter().wait_quiet(quiet, settle_timeout);
            return raw->adapter().pending_events();
        };
        if (raw->sim() != nullptr) handle.calm = [raw] { raw->sim()->set_faults(bingx_sim::SimFaults{}); };
        if (!settings.reject_entries) handle.trading_problem = [raw] { return raw->trading_problem(); };
        handle.venue = std::move(run);
        return handle;
    };
}

} // namespace dita::chaos
