// The public adapter: its construction, start/stop, and the VenueAdapter calls, each handed
// to the part that does it (see adapter_impl.hpp for the map).
#include "dita/venues/bingx/bingx_venue.hpp"

#include <cstdlib>
#include <stdexcept>

#include "adapter_impl.hpp"

namespace dita::bingx {

using detail::lower;
using detail::no_symbol;
using detail::RestClient;
using detail::wall_ms;

namespace detail {

std::string no_symbol_detail(std::string_view asset) { return "asset '" + std::string(asset) + "' has no BingX symbol"; }

bool venue_safe_id(std::string_view id) {
    if (id.empty() || id.size() > client_order_id_max) return false;
    for (const char c : id) {
        const bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.';
        if (!ok) return false;
    }
    return true;
}

} // namespace detail

// ----------------------------------------------------------------------------------------
// Credentials

std::string Credentials::redacted_key() const {
    if (api_key_.size() <= 4) return api_key_.empty() ? "(none)" : "…";
    return "…" + api_key_.substr(api_key_.size() - 4);
}

std::string Signer::signed_query(const Params& params) const {
    return bingx::signed_query(params, credentials_.api_secret_);
}

CredentialsResult credentials_from_env() {
    const char* key = std::getenv("BINGX_API_KEY");
    const char* secret = std::getenv("BINGX_API_SECRET");
    std::vector<std::string> missing;
    if (key == nullptr || *key == '\0') missing.emplace_back("BINGX_API_KEY");
    if (secret == nullptr || *secret == '\0') missing.emplace_back("BINGX_API_SECRET");
    if (missing.empty()) return Credentials(key, secret);
    std::string detail = "BingX API keys missing: set ";
    for (std::size_t i = 0; i < missing.size(); ++i) detail += (i ? " and " : "") + missing[i];
    detail += " in the environment";
    return Error{"KEYS_MISSING", detail};
}

// ----------------------------------------------------------------------------------------

BingxVenueAdapter::Impl::Impl(BingxConfig in) : config(std::move(in)), jitter(config.seed) {
    const auto parsed_rest = net::parse_url(config.rest_url);
    if (!parsed_rest.ok()) throw std::invalid_argument("BingxConfig.rest_url: " + parsed_rest.error().detail);
    const auto parsed_ws = net::parse_url(config.ws_url);
    if (!parsed_ws.ok()) throw std::invalid_argument("BingxConfig.ws_url: " + parsed_ws.error().detail);
    rest_url = *parsed_rest;
    ws = *parsed_ws;
    if (!config.allow_live && (!rest_url.loopback() || !ws.loopback())) {
        throw std::invalid_argument("BingX host '" + (rest_url.loopback() ? ws.host : rest_url.host) +
                                    "' is not loopback: live use needs allow_live (an explicit --live)");
    }
    for (const std::string& asset : config.assets) {
        const auto symbol = to_bingx_symbol(asset);
        if (!symbol || !AssetName::fits(asset)) {
            throw std::invalid_argument("BingxConfig.assets: '" + asset + "' is not a USDT/USDC pair name");
        }
    }
    if (config.request_timeout_ms <= 0 || config.call_timeout_ms <= 0 || config.send_attempts_max <= 0 ||
        config.recv_window_ms <= 0 || config.event_queue_max == 0 || config.tracked_orders_max == 0) {
        throw std::invalid_argument("BingxConfig: timeouts, attempts and limits must be positive");
    }
    network = std::make_unique<net::Network>(net::TlsOptions{config.tls_verify, config.tls_ca_file, config.tls_ca_pem});
    rest = std::make_unique<RestClient>(config, rest_url, *network,
                                        [this](std::chrono::milliseconds duration) { sleep_interruptibly(duration); });
}

BingxVenueAdapter::Impl::~Impl() {
    stop_supervisor();
    network.reset(); // joins the network thread before the state its callbacks touch goes
}

void BingxVenueAdapter::Impl::sleep_interruptibly(std::chrono::milliseconds duration) {
    std::unique_lock lock(supervisor_mutex);
    supervisor_cv.wait_for(lock, duration, [this] { return supervisor_stop; });
}

bool BingxVenueAdapter::Impl::stopping() {
    std::lock_guard lock(supervisor_mutex);
    return supervisor_stop;
}

BingxAdapterStats BingxVenueAdapter::Impl::stats_snapshot() const {
    BingxAdapterStats out;
    {
        std::lock_guard lock(mutex);
        out = stats;
    }
    const detail::RestCounters rest_counters = rest->counters();
    out.rest_calls = rest_counters.rest_calls;
    out.rest_failures = rest_counters.rest_failures;
    out.rate_limited = rest_counters.rate_limited;
    out.time_resyncs = rest_counters.time_resyncs;
    return out;
}

BingxVenueAdapter::BingxVenueAdapter(BingxConfig config) : impl_(std::make_unique<Impl>(std::move(config))) {}

BingxVenueAdapter::~BingxVenueAdapter() { stop(); }

StartResult BingxVenueAdapter::start() {
    Impl& impl = *impl_;
    const auto time = impl.rest->fetch_server_time();
    if (!time.ok()) return Error{"UNREACHABLE", "cannot reach " + impl.config.rest_url + ": " + time.detail};
    for (const std::string& asset : impl.config.assets) {
        const auto contract = impl.load_contract(asset);
        if (!contract.ok()) return Error{"CONTRACT", "contract info for " + asset + ": " + contract.detail};
    }
    if (impl.config.credentials.empty()) return Error{"KEYS_MISSING", "no API keys: set BINGX_API_KEY and BINGX_API_SECRET"};
    if (impl.config.check_account) {
        auto checked = impl.check_account();
        if (!checked.ok()) return std::move(checked).error();
        BingxAccountState account = std::move(checked).value();
        for (const std::string& asset : impl.config.assets) {
            auto held = positions(asset);
            auto open = open_orders(asset);
            if (!held.ok() || !open.ok()) {
                return Error{"ACCOUNT", "starting positions and orders of " + asset + ": " +
                                            (held.ok() ? open.detail : held.detail)};
            }
            account.positions.insert(account.positions.end(), held.value.begin(), held.value.end());
            account.open_orders.insert(account.open_orders.end(), open.value.begin(), open.value.end());
        }
        impl.starting_account = std::move(account);
    }
    if (impl.config.start_stream) {
        impl.start_supervisor();
        const auto deadline = std::chrono::steady_clock::now() +
                              std::chrono::milliseconds(impl.config.ws_handshake_timeout_ms + 2 * impl.config.request_timeout_ms);
        std::unique_lock lock(impl.mutex);
        const bool up = impl.events_cv.wait_until(lock, deadline, [&impl] { return impl.connected; }) ||
                        impl.connected;
        if (!up) {
            return Error{"STREAM", "user-data stream did not connect to " + impl.config.ws_url + " in time (still retrying)"};
        }
    }
    return Started{};
}

std::optional<BingxAccountState> BingxVenueAdapter::starting_account() const { return impl_->starting_account; }

PositionMode BingxVenueAdapter::position_mode() const { return impl_->config.position_mode; }

void BingxVenueAdapter::stop() {
    Impl& impl = *impl_;
    const bool was_running = impl.supervisor.joinable();
    impl.stop_supervisor();
    if (!was_running) return;
    impl.drop_stream(false);
    if (!impl.listen_key.empty()) {
        (void)impl.rest->call_listen_key("DELETE", impl.listen_key);
        impl.listen_key.clear();
    }
}

std::optional<InstrumentSpec> BingxVenueAdapter::instrument(std::string_view asset) const {
    const auto info = impl_->instrument_info(asset);
    if (!info) return std::nullopt;
    return info->spec;
}

VenueCallResult BingxVenueAdapter::submit_order(const OrderRequest& request) { return impl_->submit(request); }

VenueCallResult BingxVenueAdapter::cancel_order(const CancelRequest& request) { return impl_->cancel(request); }

void BingxVenueAdapter::drain_events(EventSink& sink) {
    std::deque<VenueEvent> batch;
    {
        std::lock_guard lock(impl_->mutex);
        batch.swap(impl_->events);
    }
    for (const VenueEvent& event : batch) sink.deliver(event);
}

VenueQuery<std::optional<VenueOrder>> BingxVenueAdapter::query_order(std::string_view asset,
                                                                     std::string_view client_order_id) {
    const auto symbol = to_bingx_symbol(asset);
    if (!symbol) return no_symbol<std::optional<VenueOrder>>(asset);
    VenueQuery<std::optional<VenueOrder>> out;
    const std::string coid = lower(client_order_id);
    auto state = impl_->query_definite(*symbol, coid, "", impl_->rest->call_deadline());
    if (state.outcome == CallOutcome::NOT_FOUND) return out;
    if (state.outcome != CallOutcome::OK || !state.order) {
        detail::Reply reply;
        reply.outcome = state.outcome == CallOutcome::OK ? CallOutcome::UNKNOWN : state.outcome;
        reply.detail = state.detail;
        auto failed = RestClient::failed<std::optional<VenueOrder>>(reply);
        return failed;
    }
    if (state.order->client_order_id.empty()) state.order->client_order_id = coid;
    {
        std::lock_guard lock(impl_->mutex);
        const auto tracked = impl_->orders.find(coid);
        if (tracked != impl_->orders.end() && impl_->is_stranger_locked(tracked->second, *state.order)) {
            // Not the order we sent: as far as our order goes, the venue has none.
            impl_->settle_as_stranger_locked(tracked->second, !tracked->second.in_flight);
            return out;
        }
    }
    impl_->absorb_order(*state.order);
    out.value = impl_->venue_order_of(*state.order);
    return out;
}

VenueQuery<std::vector<VenueOrder>> BingxVenueAdapter::open_orders(std::string_view asset) {
    const auto symbol = to_bingx_symbol(asset);
    if (!symbol) return no_symbol<std::vector<VenueOrder>>(asset);
    VenueQuery<std::vector<VenueOrder>> out;
    auto reply = impl_->rest->call_retrying("GET", "/openApi/swap/v2/trade/openOrders", {{"symbol", *symbol}},
                                      impl_->rest->call_deadline(), 3);
    if (reply.outcome != CallOutcome::OK) return RestClient::failed<std::vector<VenueOrder>>(reply);
    const auto orders = parse_orders_data(reply.envelope.data_json);
    if (!orders.ok()) return RestClient::unreadable<std::vector<VenueOrder>>(orders.error().detail);
    for (const BingxOrder& order : *orders) {
        if (order.symbol != *symbol && !order.symbol.empty()) continue;
        impl_->absorb_order(order);
        out.value.push_back(impl_->venue_order_of(order));
    }
    return out;
}

VenueQuery<std::vector<VenuePosition>> BingxVenueAdapter::positions(std::string_view asset) {
    const auto symbol = to_bingx_symbol(asset);
    if (!symbol) return no_symbol<std::vector<VenuePosition>>(asset);
    VenueQuery<std::vector<VenuePosition>> out;
    auto reply = impl_->rest->call_retrying("GET", "/openApi/swap/v2/user/positions", {{"symbol", *symbol}},
                                      impl_->rest->call_deadline(), 3);
    if (reply.outcome != CallOutcome::OK) return RestClient::failed<std::vector<VenuePosition>>(reply);
    const auto positions = parse_positions_data(reply.envelope.data_json);
    if (!positions.ok()) return RestClient::unreadable<std::vector<VenuePosition>>(positions.error().detail);
    for (const BingxPosition& position : *positions) {
        if (position.symbol != *symbol || position.position_amt.is_zero()) continue;
        VenuePosition item;
        item.asset = AssetName(asset);
        if (position.position_side == "LONG" || position.position_side == "SHORT") {
            item.side = position.position_side == "LONG" ? TradeSide::LONG : TradeSide::SHORT;
        } else {
            item.side = position.position_amt.is_positive() ? TradeSide::LONG : TradeSide::SHORT;
        }
        item.size = position.position_amt.abs();
        item.entry_price = position.avg_price;
        out.value.push_back(item);
    }
    return out;
}

VenueQuery<std::vector<VenueOrder>> BingxVenueAdapter::cancel_all(std::string_view asset) {
    const auto symbol = to_bingx_symbol(asset);
    if (!symbol) return no_symbol<std::vector<VenueOrder>>(asset);
    VenueQuery<std::vector<VenueOrder>> out;
    auto reply = impl_->rest->call_retrying("DELETE", "/openApi/swap/v2/trade/allOpenOrders", {{"symbol", *symbol}},
                                      impl_->rest->call_deadline(), 3);
    if (reply.outcome != CallOutcome::OK) return RestClient::failed<std::vector<VenueOrder>>(reply);
    const auto orders = parse_orders_data(reply.envelope.data_json);
    if (!orders.ok()) return RestClient::unreadable<std::vector<VenueOrder>>(orders.error().detail);
    for (BingxOrder order : *orders) {
        if (!order.status) order.status = VenueOrderStatus::CANCELED;
        impl_->absorb_order(order);
        out.value.push_back(impl_->venue_order_of(order));
    }
    return out;
}

VenueQuery<BingxBalance> BingxVenueAdapter::balance() {
    auto reply = impl_->rest->call_retrying("GET", "/openApi/swap/v2/user/balance", {}, impl_->rest->call_deadline(), 3);
    if (reply.outcome != CallOutcome::OK) return RestClient::failed<BingxBalance>(reply);
    const auto balance = parse_balance_data(reply.envelope.data_json);
    if (!balance.ok()) return RestClient::unreadable<BingxBalance>(balance.error().detail);
    VenueQuery<BingxBalance> out;
    out.value = *balance;
    return out;
}

VenueQuery<BingxLeverage> BingxVenueAdapter::leverage(std::string_view asset) {
    const auto symbol = to_bingx_symbol(asset);
    if (!symbol) return no_symbol<BingxLeverage>(asset);
    auto reply = impl_->rest->call_retrying("GET", "/openApi/swap/v2/trade/leverage", {{"symbol", *symbol}},
                                      impl_->rest->call_deadline(), 3);
    if (reply.outcome != CallOutcome::OK) return RestClient::failed<BingxLeverage>(reply);
    const auto leverage = parse_leverage_data(reply.envelope.data_json);
    if (!leverage.ok()) return RestClient::unreadable<BingxLeverage>(leverage.error().detail);
    VenueQuery<BingxLeverage> out;
    out.value = *leverage;
    return out;
}

VenueQuery<BingxLeverage> BingxVenueAdapter::set_leverage(std::string_view asset, TradeSide side, int leverage) {
    const auto symbol = to_bingx_symbol(asset);
    if (!symbol) return no_symbol<BingxLeverage>(asset);
    if (leverage <= 0) return {VenueCallStatus::REJECTED, {}, "leverage must be positive"};
    const std::string side_text = impl_->config.position_mode == PositionMode::ONE_WAY
                                      ? "BOTH"
                                      : (side == TradeSide::LONG ? "LONG" : "SHORT");
    auto reply = impl_->rest->call_retrying("POST", "/openApi/swap/v2/trade/leverage",
                                      {{"symbol", *symbol}, {"side", side_text}, {"leverage", std::to_string(leverage)}},
                                      impl_->rest->call_deadline(), 3);
    if (reply.outcome != CallOutcome::OK) return RestClient::failed<BingxLeverage>(reply);
    {
        std::lock_guard lock(impl_->mutex);
        impl_->leverage_set[*symbol + "/" + side_text] = leverage;
    }
    const auto parsed = parse_leverage_data(reply.envelope.data_json);
    VenueQuery<BingxLeverage> out;
    if (parsed.ok()) out.value = *parsed;
    return out;
}

VenueQuery<InstrumentInfo> BingxVenueAdapter::load_contract(std::string_view asset) {
    return impl_->load_contract(asset);
}

VenueQuery<Decimal> BingxVenueAdapter::mark_price(std::string_view asset) {
    const auto symbol = to_bingx_symbol(asset);
    if (!symbol) return no_symbol<Decimal>(asset);
    auto reply = impl_->rest->call("GET", "/openApi/swap/v2/quote/premiumIndex", {{"symbol", *symbol}}, false);
    if (reply.outcome != CallOutcome::OK) return RestClient::failed<Decimal>(reply);
    const auto marks = parse_premium_index_data(reply.envelope.data_json);
    if (!marks.ok()) return RestClient::unreadable<Decimal>(marks.error().detail);
    for (const BingxMarkPrice& mark : *marks) {
        if (mark.symbol == *symbol && mark.mark_price.is_positive()) {
            VenueQuery<Decimal> out;
            out.value = mark.mark_price;
            return out;
        }
    }
    return RestClient::unreadable<Decimal>("no mark price for " + *symbol);
}

VenueQuery<Decimal> BingxVenueAdapter::poll_mark_price(std::string_view asset) {
    auto mark = mark_price(asset);
    if (!mark.ok()) return mark;
    VenueEvent event;
    event.kind = KernelEventKind::MARK_PRICE;
    event.status = VenueEventStatus::INFO;
    event.asset = AssetName(asset);
    event.price = mark.value;
    std::lock_guard lock(impl_->mutex);
    event.timestamp_ns = impl_->now_ms() * 1'000'000;
    impl_->push_event_locked(event);
    return mark;
}

VenueQuery<std::int64_t> BingxVenueAdapter::server_time_ms() { return impl_->rest->fetch_server_time(); }

bool BingxVenueAdapter::wait_quiet(std::chrono::milliseconds quiet, std::chrono::milliseconds timeout) {
    Impl& impl = *impl_;
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    std::unique_lock lock(impl.mutex);
    for (;;) {
        const auto now = std::chrono::steady_clock::now();
        bool settled = (!impl.config.start_stream || !impl.supervisor.joinable() || impl.connected) &&
                       !impl.catch_up_pending && now - impl.last_event_at >= quiet;
        for (const auto& [coid, order] : impl.orders) {
            if (!settled) break;
            const bool fee_pending = is_terminal(order.status) && order.fee_uncertain() && order.fee_checks < 3;
            settled = !order.in_flight && !order.outcome_unknown && !fee_pending;
        }
        if (settled) return true;
        if (now >= deadline) return false;
        impl.events_cv.wait_for(lock, std::chrono::milliseconds(20));
    }
}

bool BingxVenueAdapter::wait_for_events(std::chrono::milliseconds timeout) {
    std::unique_lock lock(impl_->mutex);
    return impl_->events_cv.wait_for(lock, timeout, [this] { return !impl_->events.empty(); });
}

std::size_t BingxVenueAdapter::pending_events() const {
    std::lock_guard lock(impl_->mutex);
    return impl_->events.size();
}

bool BingxVenueAdapter::stream_connected() const {
    std::lock_guard lock(impl_->mutex);
    return impl_->connected;
}

BingxAdapterStats BingxVenueAdapter::stats() const {
    return impl_->stats_snapshot();
}

std::int64_t BingxVenueAdapter::clock_offset_ms() const {
    return impl_->rest->offset_ms();
}

void BingxVenueAdapter::inject_stream_message(std::string_view payload, bool binary) {
    impl_->on_stream_message(0, std::string(payload), binary);
}

// ----------------------------------------------------------------------------------------

BingxAdapterResult make_bingx_adapter(BingxConfig config) {
    std::unique_ptr<BingxVenueAdapter> adapter;
    try {
        adapter = std::make_unique<BingxVenueAdapter>(std::move(config));
    } catch (const std::invalid_argument& error) {
        return Error{"CONFIG", error.what()};
    }
    StartResult started = adapter->start();
    if (!started.ok()) return std::move(started).error();
    return adapter;
}

Result<std::string> stream_url_for(std::string_view rest_url) {
    const auto rest = net::parse_url(rest_url);
    if (!rest.ok()) return Error{"CONFIG", "rest_url: " + rest.error().detail};
    // BingX serves the stream from a host of its own, one per REST host it publishes.
    if (rest->host == "open-api.bingx.com") return std::string(live_ws_url);
    if (rest->host == "open-api-vst.bingx.com") return std::string(demo_ws_url);
    if (!rest->loopback()) {
        return Error{"STREAM_HOST_UNKNOWN", "no known stream host for '" + rest->host +
                                                "': give the stream URL (--bingx-ws-url / ws_url)"};
    }
    // The local simulator serves both on one port.
    const bool ipv6 = rest->host.find(':') != std::string::npos;
    const std::string host = ipv6 ? "[" + rest->host + "]" : rest->host;
    return std::string(rest->tls ? "wss://" : "ws://") + host + ":" + rest->port + "/swap-market";
}

Result<BingxConfig> bingx_config_of(const BingxAdapterOptions& options) {
    BingxConfig config;
    config.rest_url = options.rest_url;
    config.ws_url = options.ws_url;
    if (config.ws_url.empty()) {
        auto derived = stream_url_for(options.rest_url);
        if (!derived.ok()) return std::move(derived).error();
        config.ws_url = *derived;
    }
    config.credentials = options.credentials;
    config.allow_live = options.allow_live;
    config.send_price_with_market = options.send_price_with_market;
    config.order_qty_max = options.order_qty_max;
    config.order_notional_max = options.order_notional_max;
    config.assets = options.assets;
    return config;
}

BingxAdapterResult make_bingx_adapter(const BingxAdapterOptions& options) {
    auto config = bingx_config_of(options);
    if (!config.ok()) return std::move(config).error();
    return make_bingx_adapter(std::move(config).value());
}

} // namespace dita::bingx
