#include "dita/venues/bingx/bingx_venue.hpp"

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <deque>
#include <map>
#include <mutex>
#include <random>
#include <stdexcept>
#include <thread>

#include "net.hpp"

namespace dita::bingx {

namespace {

constexpr std::size_t client_order_id_max = 40; // BingX: 1 to 40 characters
constexpr std::size_t stream_message_max = 1u << 20;
constexpr int query_attempts_max = 4;
constexpr int supervisor_tick_ms = 250;
constexpr std::string_view path_order = "/openApi/swap/v2/trade/order";

std::int64_t wall_ms() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

std::string lower(std::string_view text) {
    std::string out(text);
    for (char& c : out) {
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    }
    return out;
}

std::string no_symbol_detail(std::string_view asset) { return "asset '" + std::string(asset) + "' has no BingX symbol"; }

// What a query about an asset BingX does not list answers.
template <typename T>
VenueQuery<T> no_symbol(std::string_view asset) {
    return {VenueCallStatus::REJECTED, {}, no_symbol_detail(asset)};
}

// Terminal beats working; within each group the later status wins.
VenueOrderStatus merge_status(VenueOrderStatus known, VenueOrderStatus reported) {
    const bool known_done = is_terminal(known);
    const bool reported_done = is_terminal(reported);
    if (known_done == reported_done) return std::max(known, reported);
    return reported_done ? reported : known;
}

bool venue_safe_id(std::string_view id) {
    if (id.empty() || id.size() > client_order_id_max) return false;
    for (const char c : id) {
        const bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.';
        if (!ok) return false;
    }
    return true;
}

// What one report (REST order object or stream update) says about an order.
struct Report {
    enum class Source : std::uint8_t { REST, STREAM };
    Source source = Source::REST;
    std::optional<VenueOrderStatus> status;
    std::string venue_order_id;
    Decimal cum_filled;
    Decimal avg_price;
    // Fee paid (positive) as the report states it: REST 'commission' is the order's total;
    // the stream's 'n' is per fill unless BingxConfig::fee_is_cumulative.
    std::optional<Decimal> fee;
    std::optional<Decimal> last_qty; // stream 'l'
    std::int64_t time_ms = 0;
};

} // namespace

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
    CredentialsResult out;
    const char* key = std::getenv("BINGX_API_KEY");
    const char* secret = std::getenv("BINGX_API_SECRET");
    std::vector<std::string> missing;
    if (key == nullptr || *key == '\0') missing.emplace_back("BINGX_API_KEY");
    if (secret == nullptr || *secret == '\0') missing.emplace_back("BINGX_API_SECRET");
    if (!missing.empty()) {
        out.error = "BingX API keys missing: set ";
        for (std::size_t i = 0; i < missing.size(); ++i) out.error += (i ? " and " : "") + missing[i];
        out.error += " in the environment";
        return out;
    }
    out.credentials = Credentials(key, secret);
    return out;
}

// ----------------------------------------------------------------------------------------

struct BingxVenueAdapter::Impl {
    struct Tracked {
        std::string coid;
        std::string venue_order_id;
        std::string symbol;
        AssetName asset;
        TradeSide side = TradeSide::LONG;
        OrderPurpose purpose = OrderPurpose::ENTRY;
        Decimal qty;
        int slot_id = -1;
        Id trade_id;
        VenueOrderStatus status = VenueOrderStatus::NEW;
        bool acked = false;           // the venue confirmed the order exists
        bool outcome_unknown = false; // a submit whose fate is not yet known
        bool in_flight = false;       // a submit call is working on it right now
        Decimal cum_filled;
        Decimal avg_price;
        // Fees: the stream's per-fill fees are summed over the fills the stream itself showed
        // (stream_cum), so a fill first learnt from REST does not swallow its stream fee.
        Decimal stream_cum;
        Decimal fee_stream;
        bool stream_gap = false; // a stream fill jumped past fills it did not show
        Decimal fee_rest;
        Decimal fee_rest_cum; // the fill the REST total was read at
        bool fee_rest_known = false;
        int fee_checks = 0; // REST queries made for the fee alone (bounded)
        std::int64_t last_send_ms = 0;
        std::int64_t last_update_ms = 0;
        std::uint64_t created_order = 0;

        Decimal cum_fee() const { return max(fee_stream, fee_rest); }
        // True while some fill's fee may be missing from cum_fee().
        bool fee_uncertain() const {
            if (!cum_filled.is_positive()) return false;
            if (fee_rest_known && fee_rest_cum >= cum_filled) return false;
            return stream_cum < cum_filled || stream_gap;
        }
    };

    struct Reply {
        CallOutcome outcome = CallOutcome::NOT_SENT;
        int http_status = 0;
        Envelope envelope;
        std::string body;
        std::string detail;
    };

    BingxConfig config;
    net::Url rest;
    net::Url ws;
    std::unique_ptr<net::Network> network;

    mutable std::mutex mutex; // everything below until the supervisor block
    std::condition_variable events_cv;
    std::map<std::string, Tracked> orders;            // by lower-case client order id
    std::map<std::string, std::string> coid_by_venue; // venue order id -> client order id
    std::map<std::string, InstrumentInfo> instruments; // by kernel asset name
    std::map<std::string, std::string> asset_by_symbol;
    std::map<std::string, int> leverage_set; // "BTC-USDT/LONG" -> leverage
    std::deque<VenueEvent> events;
    std::chrono::steady_clock::time_point last_event_at{};
    std::uint64_t sequence = 0;
    std::uint64_t created_count = 0;
    BingxAdapterStats stats;
    std::int64_t offset_ms = 0;

    // Supervisor of the user stream.
    std::mutex supervisor_mutex;
    std::condition_variable supervisor_cv;
    std::thread supervisor;
    bool supervisor_stop = false;
    bool stream_closed_signal = false;
    bool key_expired_signal = false;
    std::uint64_t current_session = 0; // guarded by mutex (read on the network thread)
    // Sessions below this id are retired: their late messages and close notices are ignored.
    // Ids grow by one per connect, so a session still connecting is already above it.
    std::uint64_t session_floor = 1;
    bool connected = false;            // guarded by mutex
    bool catch_up_pending = false;     // guarded by mutex
    std::string listen_key;            // supervisor thread only
    std::mt19937_64 jitter;

    explicit Impl(BingxConfig in) : config(std::move(in)), jitter(config.seed) {
        const net::UrlResult rest_url = net::parse_url(config.rest_url);
        if (!rest_url.url) throw std::invalid_argument("BingxConfig.rest_url: " + rest_url.error);
        const net::UrlResult ws_url = net::parse_url(config.ws_url);
        if (!ws_url.url) throw std::invalid_argument("BingxConfig.ws_url: " + ws_url.error);
        rest = *rest_url.url;
        ws = *ws_url.url;
        if (!config.allow_live && (!rest.loopback() || !ws.loopback())) {
            throw std::invalid_argument("BingX host '" + (rest.loopback() ? ws.host : rest.host) +
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
    }

    ~Impl() {
        stop_supervisor();
        network.reset(); // joins the network thread before the state its callbacks touch goes
    }

    std::int64_t now_ms() const {
        std::lock_guard lock(mutex);
        return wall_ms() + offset_ms;
    }

    template <typename F>
    void bump(F&& f) {
        std::lock_guard lock(mutex);
        f(stats);
    }

    // ------------------------------------------------------------------------------------
    // REST

    Reply call(std::string_view method, std::string_view path, Params params, bool sign, int timeout_ms = 0) {
        Reply reply;
        if (timeout_ms <= 0) timeout_ms = config.request_timeout_ms;
        net::HttpRequest request;
        request.method = std::string(method);
        request.timeout_ms = timeout_ms;
        std::string query;
        if (sign) {
            if (config.credentials.empty()) {
                reply.outcome = CallOutcome::NOT_SENT;
                reply.detail = "no API keys: set BINGX_API_KEY and BINGX_API_SECRET";
                return reply;
            }
            params.emplace_back("timestamp", std::to_string(now_ms()));
            params.emplace_back("recvWindow", std::to_string(config.recv_window_ms));
            std::stable_sort(params.begin(), params.end(),
                             [](const auto& a, const auto& b) { return a.first < b.first; });
            query = Signer(config.credentials).signed_query(params);
            request.headers.emplace_back("X-BX-APIKEY", config.credentials.api_key());
        } else {
            for (const auto& [key, value] : params) {
                if (!query.empty()) query += '&';
                query += url_encode(key) + "=" + url_encode(value);
            }
        }
        request.target = std::string(path) + (query.empty() ? "" : "?" + query);
        bump([](BingxAdapterStats& s) { ++s.rest_calls; });
        net::HttpResponse response = network->http(rest, std::move(request));
        switch (response.transport) {
        case net::HttpResponse::Transport::NOT_SENT:
            reply.outcome = CallOutcome::NOT_SENT;
            reply.detail = "not sent: " + response.error;
            bump([](BingxAdapterStats& s) { ++s.rest_failures; });
            return reply;
        case net::HttpResponse::Transport::LOST:
        case net::HttpResponse::Transport::TIMEOUT:
            reply.outcome = CallOutcome::UNKNOWN;
            reply.detail = std::string(response.transport == net::HttpResponse::Transport::TIMEOUT ? "timeout: "
                                                                                                   : "connection lost: ") +
                           response.error;
            bump([](BingxAdapterStats& s) { ++s.rest_failures; });
            return reply;
        case net::HttpResponse::Transport::OK: break;
        }
        reply.http_status = response.status;
        reply.body = std::move(response.body);
        reply.envelope = parse_envelope(reply.body);
        reply.outcome = classify_reply(reply.http_status, reply.envelope.code);
        if (reply.outcome != CallOutcome::OK) {
            reply.detail = "HTTP " + std::to_string(reply.http_status);
            if (reply.envelope.code) {
                reply.detail += ", bingx " + std::to_string(*reply.envelope.code) + ": " + reply.envelope.msg;
            }
        }
        if (reply.http_status >= 500) bump([](BingxAdapterStats& s) { ++s.rest_failures; });
        if (reply.outcome == CallOutcome::RATE_LIMITED) bump([](BingxAdapterStats& s) { ++s.rate_limited; });
        return reply;
    }

    // A signed call retried while the venue says "nothing was done" (rate limit, not sent)
    // or the clock drifted, within attempts and the deadline. Only for calls that are safe
    // to repeat (queries, cancels, leverage), or for order sends whose refusal is certain.
    Reply call_retrying(std::string_view method, std::string_view path, const Params& params,
                        std::chrono::steady_clock::time_point deadline, int attempts_max) {
        Reply reply;
        int pause_ms = std::max(1, config.retry_pause_ms);
        bool resynced = false;
        for (int attempt = 0; attempt < attempts_max; ++attempt) {
            const int left_ms = ms_until(deadline);
            if (left_ms <= 0) {
                if (attempt == 0) reply.detail = "call deadline passed";
                break;
            }
            reply = call(method, path, params, true, std::min(config.request_timeout_ms, left_ms));
            if (reply.outcome == CallOutcome::REJECTED && !resynced && timestamp_refused(reply)) {
                resynced = true;
                resync_clock();
                continue;
            }
            // A read changes nothing at the venue, so an unknown answer may be asked again.
            const bool retry_unknown = method == "GET" && reply.outcome == CallOutcome::UNKNOWN;
            if (reply.outcome != CallOutcome::RATE_LIMITED && reply.outcome != CallOutcome::NOT_SENT && !retry_unknown) {
                return reply;
            }
            pause(pause_ms, deadline);
            pause_ms = std::min(pause_ms * 2, 2000);
        }
        return reply;
    }

    static bool timestamp_refused(const Reply& reply) {
        if (!reply.envelope.code) return false;
        if (*reply.envelope.code == 100421) return true;
        const std::string msg = lower(reply.envelope.msg);
        return msg.find("timestamp") != std::string::npos;
    }

    static int ms_until(std::chrono::steady_clock::time_point deadline) {
        const auto left = deadline - std::chrono::steady_clock::now();
        return static_cast<int>(std::chrono::duration_cast<std::chrono::milliseconds>(left).count());
    }

    void pause(int ms, std::chrono::steady_clock::time_point deadline) {
        const int wait_ms = std::min(ms, std::max(0, ms_until(deadline)));
        std::unique_lock lock(supervisor_mutex);
        supervisor_cv.wait_for(lock, std::chrono::milliseconds(wait_ms), [this] { return supervisor_stop; });
    }

    std::chrono::steady_clock::time_point call_deadline() const {
        return std::chrono::steady_clock::now() + std::chrono::milliseconds(config.call_timeout_ms);
    }

    VenueQuery<std::int64_t> fetch_server_time() {
        VenueQuery<std::int64_t> out;
        const std::int64_t sent_ms = wall_ms();
        Reply reply = call("GET", "/openApi/swap/v2/server/time", {}, false);
        const std::int64_t received_ms = wall_ms();
        if (reply.outcome != CallOutcome::OK) return failed<std::int64_t>(reply);
        const auto time = parse_server_time_data(reply.envelope.data_json);
        if (!time.ok()) return unreadable<std::int64_t>(time.error);
        out.value = *time.value;
        std::lock_guard lock(mutex);
        offset_ms = *time.value - (sent_ms + received_ms) / 2;
        return out;
    }

    void resync_clock() {
        bump([](BingxAdapterStats& s) { ++s.time_resyncs; });
        (void)fetch_server_time();
    }

    template <typename T>
    static VenueQuery<T> failed(const Reply& reply) {
        VenueQuery<T> out;
        switch (reply.outcome) {
        case CallOutcome::OK: break;
        case CallOutcome::REJECTED:
        case CallOutcome::NOT_FOUND: out.status = VenueCallStatus::REJECTED; break;
        case CallOutcome::UNKNOWN: out.status = VenueCallStatus::UNKNOWN; break;
        case CallOutcome::RATE_LIMITED:
        case CallOutcome::NOT_SENT: out.status = VenueCallStatus::UNAVAILABLE; break;
        }
        out.detail = reply.detail;
        return out;
    }

    template <typename T>
    static VenueQuery<T> unreadable(const std::string& why) {
        VenueQuery<T> out;
        out.status = VenueCallStatus::UNKNOWN;
        out.detail = "unreadable answer: " + why;
        return out;
    }

    // ------------------------------------------------------------------------------------
    // Instruments and symbols

    std::optional<std::string> symbol_of(std::string_view asset) const { return to_bingx_symbol(asset); }

    std::string asset_of_symbol(const std::string& symbol) const {
        std::lock_guard lock(mutex);
        const auto found = asset_by_symbol.find(symbol);
        return found != asset_by_symbol.end() ? found->second : from_bingx_symbol(symbol);
    }

    VenueQuery<InstrumentInfo> load_contract(std::string_view asset) {
        VenueQuery<InstrumentInfo> out;
        const auto symbol = symbol_of(asset);
        if (!symbol || !AssetName::fits(asset)) {
            out.status = VenueCallStatus::REJECTED;
            out.detail = no_symbol_detail(asset);
            return out;
        }
        Reply reply = call("GET", "/openApi/swap/v2/quote/contracts", {{"symbol", *symbol}}, false);
        if (reply.outcome != CallOutcome::OK) return failed<InstrumentInfo>(reply);
        const auto contracts = parse_contracts_data(reply.envelope.data_json);
        if (!contracts.ok()) return unreadable<InstrumentInfo>(contracts.error);
        for (const BingxContract& contract : *contracts.value) {
            if (contract.symbol != *symbol) continue;
            const auto lot = contract.lot_step();
            const auto tick = contract.tick_size();
            if (!lot || !tick) return unreadable<InstrumentInfo>("precision of " + *symbol + " out of range");
            InstrumentInfo info;
            info.symbol = *symbol;
            info.spec.asset = AssetName(asset);
            info.spec.lot_step = *lot;
            info.spec.tick_size = *tick;
            info.spec.min_qty = contract.trade_min_quantity.is_positive() ? contract.trade_min_quantity : *lot;
            info.spec.min_notional = contract.trade_min_usdt;
            info.taker_fee_rate = contract.taker_fee_rate;
            info.maker_fee_rate = contract.maker_fee_rate;
            out.value = info;
            std::lock_guard lock(mutex);
            instruments[std::string(asset)] = info;
            asset_by_symbol[*symbol] = std::string(asset);
            return out;
        }
        out.status = VenueCallStatus::REJECTED;
        out.detail = "the venue lists no contract " + *symbol;
        return out;
    }

    std::optional<InstrumentInfo> instrument_info(std::string_view asset) const {
        std::lock_guard lock(mutex);
        const auto found = instruments.find(std::string(asset));
        if (found == instruments.end()) return std::nullopt;
        return found->second;
    }

    // ------------------------------------------------------------------------------------
    // Order tracking and events (all under mutex)

    void push_event_locked(VenueEvent event) {
        event.venue_sequence = ++sequence;
        if (events.size() >= config.event_queue_max) coalesce_locked();
        events.push_back(event);
        last_event_at = std::chrono::steady_clock::now();
        ++stats.events_queued;
        events_cv.notify_all();
    }

    // Cumulative fields make an order's latest event carry all the earlier ones' truth.
    void coalesce_locked() {
        std::map<Id, std::size_t> last;
        for (std::size_t i = 0; i < events.size(); ++i) last[events[i].client_order_id] = i;
        std::deque<VenueEvent> kept;
        for (std::size_t i = 0; i < events.size(); ++i) {
            if (events[i].kind == KernelEventKind::MARK_PRICE || last[events[i].client_order_id] == i) {
                kept.push_back(events[i]);
            } else {
                ++stats.events_coalesced;
            }
        }
        events.swap(kept);
        while (events.size() >= config.event_queue_max) {
            events.pop_front();
            ++stats.events_coalesced;
            catch_up_pending = true; // REST brings back what was dropped
        }
    }

    VenueEvent event_of_locked(const Tracked& order, std::int64_t time_ms) const {
        VenueEvent event;
        event.kind = event_kind_of(order.status);
        event.status = static_cast<VenueEventStatus>(order.status);
        event.venue_order_id = Id(order.venue_order_id);
        event.client_order_id = Id(order.coid);
        event.slot_id = order.slot_id;
        event.trade_id = order.trade_id;
        event.side = order.side;
        event.asset = order.asset;
        event.order_qty = order.qty;
        event.cum_filled_qty = order.cum_filled;
        event.avg_fill_price = order.avg_price;
        event.cum_fee = order.cum_fee();
        event.timestamp_ns = (time_ms > 0 ? time_ms : wall_ms() + offset_ms) * 1'000'000;
        return event;
    }

    // Merges a report; queues an event when it told something new. True when it did.
    bool apply_report_locked(Tracked& order, const Report& report) {
        const Tracked before = order;
        if (!report.venue_order_id.empty() && order.venue_order_id.empty()) {
            order.venue_order_id = report.venue_order_id;
            coid_by_venue[report.venue_order_id] = order.coid;
        }
        if (report.cum_filled > order.cum_filled) {
            order.cum_filled = report.cum_filled;
            if (report.avg_price.is_positive()) order.avg_price = report.avg_price;
        } else if (report.cum_filled == order.cum_filled && report.avg_price.is_positive() &&
                   !order.avg_price.is_positive()) {
            order.avg_price = report.avg_price;
        }
        if (report.source == Report::Source::STREAM) {
            if (report.cum_filled > order.stream_cum) {
                const Decimal increment = report.cum_filled - order.stream_cum;
                if (report.fee) {
                    if (config.fee_is_cumulative) {
                        order.fee_stream = max(order.fee_stream, *report.fee);
                    } else {
                        order.fee_stream += *report.fee;
                        // Without 'l', or with a jump beyond it, another fill's fee may be missing.
                        if (!report.last_qty || *report.last_qty != increment) order.stream_gap = true;
                    }
                }
                order.stream_cum = report.cum_filled;
            }
        } else if (report.fee && (!order.fee_rest_known || report.cum_filled >= order.fee_rest_cum)) {
            order.fee_rest = *report.fee;
            order.fee_rest_cum = report.cum_filled;
            order.fee_rest_known = true;
        }
        VenueOrderStatus reported = report.status.value_or(VenueOrderStatus::NEW);
        if (!is_terminal(reported) && order.cum_filled.is_positive()) {
            reported = std::max(reported, VenueOrderStatus::PARTIALLY_FILLED);
        }
        order.status = merge_status(order.status, reported);
        if (order.qty.is_positive() && order.cum_filled >= order.qty) order.status = VenueOrderStatus::FILLED;
        // A place answer without a status still confirms the order exists.
        if (reported != VenueOrderStatus::REJECTED) order.acked = true;
        order.outcome_unknown = false;
        order.last_update_ms = wall_ms();
        const bool changed = order.status != before.status || order.cum_filled != before.cum_filled ||
                             order.avg_price != before.avg_price || order.cum_fee() != before.cum_fee() ||
                             (order.acked && !before.acked);
        if (changed) push_event_locked(event_of_locked(order, report.time_ms));
        return changed;
    }

    Report report_of(const BingxOrder& order) const {
        Report report;
        report.status = order.status;
        report.venue_order_id = order.order_id;
        report.cum_filled = order.executed_qty;
        report.avg_price = order.avg_price;
        // A place answer (or a fresh order) may carry no commission: then it says nothing of fees.
        if (order.commission) report.fee = -*order.commission;
        report.time_ms = order.update_time_ms > 0 ? order.update_time_ms : order.time_ms;
        return report;
    }

    // A REST order object for an order this adapter may or may not know.
    void absorb_order(const BingxOrder& order) {
        std::lock_guard lock(mutex);
        Tracked* tracked = find_locked(lower(order.client_order_id), order.order_id);
        if (tracked != nullptr) apply_report_locked(*tracked, report_of(order));
    }

    Tracked* find_locked(const std::string& coid, const std::string& venue_id) {
        if (!coid.empty()) {
            const auto found = orders.find(coid);
            if (found != orders.end()) return &found->second;
        }
        if (!venue_id.empty()) {
            const auto by_venue = coid_by_venue.find(venue_id);
            if (by_venue != coid_by_venue.end()) {
                const auto found = orders.find(by_venue->second);
                if (found != orders.end()) return &found->second;
            }
        }
        return nullptr;
    }

    void prune_locked() {
        if (orders.size() <= config.tracked_orders_max) return;
        std::vector<std::pair<std::uint64_t, std::string>> finished;
        for (const auto& [coid, order] : orders) {
            if (is_terminal(order.status) && !order.fee_uncertain()) finished.emplace_back(order.created_order, coid);
        }
        std::sort(finished.begin(), finished.end());
        for (const auto& [created, coid] : finished) {
            if (orders.size() <= config.tracked_orders_max) break;
            const auto found = orders.find(coid);
            if (!found->second.venue_order_id.empty()) coid_by_venue.erase(found->second.venue_order_id);
            orders.erase(found);
        }
    }

    VenueOrder venue_order_of(const BingxOrder& order) {
        VenueOrder out;
        out.client_order_id = Id(lower(order.client_order_id));
        out.venue_order_id = Id(order.order_id);
        out.asset = AssetName(asset_of_symbol(order.symbol));
        const auto sides = side_and_purpose(order.side, order.position_side, order.reduce_only);
        if (sides) {
            out.side = sides->side;
            out.purpose = sides->purpose;
        }
        out.qty = order.orig_qty;
        out.status = order.status.value_or(VenueOrderStatus::NEW);
        if (!is_terminal(out.status) && order.executed_qty.is_positive()) out.status = VenueOrderStatus::PARTIALLY_FILLED;
        out.cum_filled_qty = order.executed_qty;
        out.avg_fill_price = order.avg_price;
        out.cum_fee = order.commission ? -*order.commission : Decimal();
        std::lock_guard lock(mutex);
        out.venue_sequence = ++sequence;
        if (const Tracked* tracked = find_locked(lower(order.client_order_id), order.order_id)) {
            out.client_order_id = Id(tracked->coid);
            out.side = tracked->side;
            out.purpose = tracked->purpose;
            out.slot_id = tracked->slot_id;
            out.trade_id = tracked->trade_id;
            out.cum_fee = max(out.cum_fee, tracked->cum_fee());
            if (out.qty.is_zero()) out.qty = tracked->qty;
        }
        return out;
    }

    // ------------------------------------------------------------------------------------
    // Orders

    struct QueryOutcome {
        CallOutcome outcome = CallOutcome::NOT_SENT;
        std::optional<BingxOrder> order;
        std::string detail;
    };

    QueryOutcome query_once(const std::string& symbol, const std::string& coid, const std::string& venue_id,
                            std::chrono::steady_clock::time_point deadline) {
        QueryOutcome out;
        Params params{{"symbol", symbol}};
        if (!venue_id.empty()) {
            params.emplace_back("orderId", venue_id);
        } else {
            params.emplace_back("clientOrderId", coid);
        }
        Reply reply = call_retrying("GET", path_order, params, deadline, 3);
        out.outcome = reply.outcome;
        out.detail = reply.detail;
        if (reply.outcome != CallOutcome::OK) return out;
        auto order = parse_order_data(reply.envelope.data_json);
        if (!order.ok()) {
            out.outcome = CallOutcome::UNKNOWN;
            out.detail = "unreadable order: " + order.error;
            return out;
        }
        out.order = std::move(*order.value);
        return out;
    }

    // Queries until a definite answer (found / not found) or the deadline.
    QueryOutcome query_definite(const std::string& symbol, const std::string& coid, const std::string& venue_id,
                                std::chrono::steady_clock::time_point deadline) {
        QueryOutcome out;
        int pause_ms = std::max(1, config.retry_pause_ms);
        for (int attempt = 0; attempt < query_attempts_max && ms_until(deadline) > 0; ++attempt) {
            out = query_once(symbol, coid, venue_id, deadline);
            if (out.outcome == CallOutcome::OK || out.outcome == CallOutcome::NOT_FOUND) return out;
            pause(pause_ms, deadline);
            pause_ms = std::min(pause_ms * 2, 2000);
        }
        if (out.detail.empty()) out.detail = "no definite answer before the call deadline";
        return out;
    }

    VenueCallResult accepted_from(const BingxOrder& order, std::chrono::steady_clock::time_point deadline) {
        absorb_order(order);
        settle_fee(lower(order.client_order_id), deadline);
        VenueCallResult result;
        result.status = VenueCallStatus::ACCEPTED;
        result.venue_order_id = Id(order.order_id);
        result.detail = "accepted";
        return result;
    }

    // A place answer shows fills but no fee. The stream brings the fee within moments; wait
    // for it briefly, then ask REST, so the caller's next drain sees each fill with its fee
    // (a fee learnt much later may land after the trade is finished).
    void settle_fee(const std::string& coid, std::chrono::steady_clock::time_point deadline) {
        if (config.fill_fee_wait_ms <= 0) return;
        const auto wait_until =
            std::min(deadline, std::chrono::steady_clock::now() + std::chrono::milliseconds(config.fill_fee_wait_ms));
        std::string symbol;
        std::string venue_id;
        {
            std::unique_lock lock(mutex);
            auto uncertain = [this, &coid] {
                const auto found = orders.find(coid);
                return found != orders.end() && found->second.fee_uncertain();
            };
            if (!uncertain()) return;
            events_cv.wait_until(lock, wait_until, [&] { return !uncertain(); });
            if (!uncertain()) return;
            const Tracked& order = orders.at(coid);
            symbol = order.symbol;
            venue_id = order.venue_order_id;
        }
        QueryOutcome state = query_once(symbol, coid, venue_id, deadline);
        if (state.outcome == CallOutcome::OK && state.order) {
            if (state.order->client_order_id.empty()) state.order->client_order_id = coid;
            absorb_order(*state.order);
        }
    }

    void finish_locked_as_refused(const std::string& coid) {
        const auto found = orders.find(coid);
        if (found == orders.end()) return;
        // The kernel records the refusal itself from the call's answer; no event here.
        found->second.status = VenueOrderStatus::REJECTED;
        found->second.outcome_unknown = false;
    }

    VenueCallResult refuse(const std::string& coid, VenueCallStatus status, std::string detail) {
        {
            std::lock_guard lock(mutex);
            finish_locked_as_refused(coid);
        }
        return {status, Id(), std::move(detail)};
    }

    // Sets the symbol's leverage before an entry when it differs from what was last set.
    std::optional<VenueCallResult> ensure_leverage(const std::string& symbol, TradeSide side, Decimal leverage,
                                                   std::chrono::steady_clock::time_point deadline) {
        if (!config.sync_leverage || !leverage.is_positive()) return std::nullopt;
        const int wanted = static_cast<int>(std::max<std::int64_t>(1, leverage.raw() / Decimal::scale));
        const std::string side_text = config.position_mode == PositionMode::ONE_WAY
                                          ? "BOTH"
                                          : (side == TradeSide::LONG ? "LONG" : "SHORT");
        const std::string key = symbol + "/" + side_text;
        {
            std::lock_guard lock(mutex);
            const auto found = leverage_set.find(key);
            if (found != leverage_set.end() && found->second == wanted) return std::nullopt;
        }
        Reply reply = call_retrying("POST", "/openApi/swap/v2/trade/leverage",
                                    {{"symbol", symbol}, {"side", side_text}, {"leverage", std::to_string(wanted)}},
                                    deadline, 3);
        if (reply.outcome == CallOutcome::OK) {
            std::lock_guard lock(mutex);
            leverage_set[key] = wanted;
            return std::nullopt;
        }
        if (reply.outcome == CallOutcome::REJECTED) {
            return VenueCallResult{VenueCallStatus::REJECTED, Id(), "leverage " + std::to_string(wanted) + ": " + reply.detail};
        }
        if (reply.outcome == CallOutcome::RATE_LIMITED || reply.outcome == CallOutcome::NOT_SENT) {
            return VenueCallResult{VenueCallStatus::UNAVAILABLE, Id(), "leverage " + std::to_string(wanted) + ": " + reply.detail};
        }
        return std::nullopt; // unknown: the order goes ahead; the leverage is read again next time
    }

    VenueCallResult submit(const OrderRequest& request) {
        const std::string coid = lower(request.client_order_id.view());
        VenueCallResult result = submit_tracked(request, coid);
        std::lock_guard lock(mutex);
        if (auto found = orders.find(coid); found != orders.end()) found->second.in_flight = false;
        return result;
    }

    VenueCallResult submit_tracked(const OrderRequest& request, const std::string& coid) {
        if (!venue_safe_id(coid)) {
            return {VenueCallStatus::REJECTED, Id(),
                    "client order id '" + coid + "' must be 1-40 characters of [a-z0-9._-]"};
        }
        const auto info = instrument_info(request.asset.view());
        if (!info) {
            return {VenueCallStatus::REJECTED, Id(),
                    "asset '" + request.asset.str() + "' is not loaded (unknown to the venue or start() not run)"};
        }
        if (!request.qty.is_positive() || !request.qty.is_multiple_of(info->spec.lot_step)) {
            return {VenueCallStatus::REJECTED, Id(),
                    "quantity " + request.qty.to_string() + " is not a positive multiple of the lot step " +
                        info->spec.lot_step.to_string()};
        }
        if (config.order_qty_max.is_positive() && request.qty > config.order_qty_max) {
            return {VenueCallStatus::REJECTED, Id(),
                    "quantity " + request.qty.to_string() + " above the live cap " + config.order_qty_max.to_string()};
        }
        if (config.order_notional_max.is_positive()) {
            const Decimal notional = request.qty.mul(request.reference_price);
            if (!request.reference_price.is_positive() || notional > config.order_notional_max) {
                return {VenueCallStatus::REJECTED, Id(),
                        "notional " + notional.to_string() + " above the live cap " +
                            config.order_notional_max.to_string() + " (a capped run needs a reference price)"};
            }
        }

        bool maybe_sent = false; // some attempt (or an earlier call) may have reached the venue
        {
            std::lock_guard lock(mutex);
            const auto known = orders.find(coid);
            if (known != orders.end() && known->second.acked) {
                // The same client order id again: never a second order. Report what is known.
                return {VenueCallStatus::ACCEPTED, Id(known->second.venue_order_id), "already submitted"};
            }
            if (known != orders.end() && known->second.in_flight) {
                return {VenueCallStatus::UNKNOWN, Id(), "a submit of this order is still under way"};
            }
            if (known != orders.end() && known->second.outcome_unknown) {
                maybe_sent = true; // an earlier submit's fate is open: ask before sending
                known->second.in_flight = true;
            } else {
                if (known != orders.end()) orders.erase(known); // refused before: the venue never had it
                Tracked order;
                order.coid = coid;
                order.symbol = info->symbol;
                order.asset = request.asset;
                order.side = request.side;
                order.purpose = request.purpose;
                order.qty = request.qty;
                order.slot_id = request.slot_id;
                order.trade_id = request.trade_id;
                order.outcome_unknown = true;
                order.in_flight = true;
                order.created_order = ++created_count;
                orders.emplace(coid, order);
                prune_locked();
            }
        }

        const auto deadline = call_deadline();
        if (request.purpose == OrderPurpose::ENTRY) {
            if (auto refused = ensure_leverage(info->symbol, request.side, request.leverage, deadline)) {
                return refuse(coid, refused->status, refused->detail);
            }
        }
        const OrderSides sides = order_sides(request.side, request.purpose, config.position_mode);
        Params params{{"symbol", info->symbol},
                      {"side", std::string(sides.side)},
                      {"positionSide", std::string(sides.position_side)},
                      {"type", "MARKET"},
                      {"quantity", request.qty.to_string()},
                      {"clientOrderId", coid}};
        if (sides.reduce_only) params.emplace_back("reduceOnly", "true");
        if (config.send_price_with_market && request.reference_price.is_positive()) {
            params.emplace_back("price", request.reference_price.floor_to(info->spec.tick_size).to_string());
        }

        std::string last_detail;
        int pause_ms = std::max(1, config.retry_pause_ms);
        bool resynced = false;
        if (maybe_sent) {
            QueryOutcome found = query_definite(info->symbol, coid, "", deadline);
            if (found.outcome == CallOutcome::OK && found.order) {
                bump([](BingxAdapterStats& s) { ++s.orders_resolved_by_query; });
                if (found.order->client_order_id.empty()) found.order->client_order_id = coid;
                return accepted_from(*found.order, deadline);
            }
            if (found.outcome != CallOutcome::NOT_FOUND) {
                return {VenueCallStatus::UNKNOWN, Id(), "order fate still unknown: " + found.detail};
            }
        }
        for (int attempt = 0; attempt < config.send_attempts_max; ++attempt) {
            const int left_ms = ms_until(deadline);
            if (left_ms <= 0) break;
            {
                std::lock_guard lock(mutex);
                ++stats.orders_sent;
                if (auto found = orders.find(coid); found != orders.end()) found->second.last_send_ms = wall_ms() + offset_ms;
            }
            Reply reply = call("POST", path_order, params, true, std::min(config.request_timeout_ms, left_ms));
            last_detail = reply.detail;
            if (reply.outcome == CallOutcome::OK) {
                const auto order = parse_order_data(reply.envelope.data_json);
                if (order.ok()) {
                    BingxOrder placed = *order.value;
                    if (placed.client_order_id.empty()) placed.client_order_id = coid;
                    return accepted_from(placed, deadline);
                }
                last_detail = "unreadable place answer: " + order.error;
                reply.outcome = CallOutcome::UNKNOWN;
            }
            if (reply.outcome == CallOutcome::REJECTED && !maybe_sent) {
                if (!resynced && timestamp_refused(reply)) {
                    resynced = true;
                    resync_clock();
                    continue;
                }
                return refuse(coid, VenueCallStatus::REJECTED, reply.detail);
            }
            if (reply.outcome == CallOutcome::RATE_LIMITED || reply.outcome == CallOutcome::NOT_SENT) {
                if (!maybe_sent && attempt + 1 >= config.send_attempts_max) break;
                pause(pause_ms, deadline);
                pause_ms = std::min(pause_ms * 2, 2000);
                if (!maybe_sent) continue;
            } else {
                maybe_sent = true;
            }
            // The order may exist (or an earlier attempt may have made it): ask before resending.
            QueryOutcome found = query_definite(info->symbol, coid, "", deadline);
            if (found.outcome == CallOutcome::OK && found.order) {
                bump([](BingxAdapterStats& s) { ++s.orders_resolved_by_query; });
                if (found.order->client_order_id.empty()) found.order->client_order_id = coid;
                return accepted_from(*found.order, deadline);
            }
            if (found.outcome != CallOutcome::NOT_FOUND) {
                last_detail += "; query: " + found.detail;
                break; // fate unknown: never resend blind
            }
            if (reply.outcome == CallOutcome::REJECTED) {
                // A retry refused and the first attempt never arrived: a definite refusal.
                return refuse(coid, VenueCallStatus::REJECTED, reply.detail);
            }
            pause(pause_ms, deadline);
            pause_ms = std::min(pause_ms * 2, 2000);
        }
        if (!maybe_sent) {
            return refuse(coid, VenueCallStatus::UNAVAILABLE, "order not placed: " + last_detail);
        }
        // Left unresolved: the supervisor keeps asking and reports the fate as an event.
        return {VenueCallStatus::UNKNOWN, Id(), "order fate unknown: " + last_detail};
    }

    VenueCallResult cancel(const CancelRequest& request) {
        const std::string coid = lower(request.client_order_id.view());
        const auto symbol = symbol_of(request.asset.view());
        if (!symbol) return {VenueCallStatus::REJECTED, Id(), no_symbol_detail(request.asset.view())};
        std::string venue_id = request.venue_order_id.str();
        {
            std::lock_guard lock(mutex);
            if (const Tracked* tracked = find_locked(coid, venue_id)) {
                if (venue_id.empty()) venue_id = tracked->venue_order_id;
            }
        }
        if (coid.empty() && venue_id.empty()) return {VenueCallStatus::REJECTED, Id(), "cancel names no order"};
        const auto deadline = call_deadline();
        std::string last_detail;
        for (int attempt = 0; attempt < config.send_attempts_max && ms_until(deadline) > 0; ++attempt) {
            Params params{{"symbol", *symbol}};
            if (!venue_id.empty()) {
                params.emplace_back("orderId", venue_id);
            } else {
                params.emplace_back("clientOrderId", coid);
            }
            Reply reply = call_retrying("DELETE", path_order, params, deadline, 3);
            last_detail = reply.detail;
            if (reply.outcome == CallOutcome::OK) {
                auto order = parse_order_data(reply.envelope.data_json);
                if (order.ok()) {
                    if (order.value->client_order_id.empty()) order.value->client_order_id = coid;
                    if (!order.value->status) order.value->status = VenueOrderStatus::CANCELED;
                    absorb_order(*order.value);
                    return {VenueCallStatus::ACCEPTED, Id(order.value->order_id), "canceled"};
                }
                last_detail = "unreadable cancel answer: " + order.error;
            }
            if (reply.outcome == CallOutcome::RATE_LIMITED || reply.outcome == CallOutcome::NOT_SENT) {
                return {VenueCallStatus::UNAVAILABLE, Id(), "cancel not sent: " + reply.detail};
            }
            // Refused, unknown or not found: the order's state decides.
            QueryOutcome state = query_definite(*symbol, coid, venue_id, deadline);
            if (state.outcome == CallOutcome::NOT_FOUND) {
                return {VenueCallStatus::REJECTED, Id(), "order does not exist (" + last_detail + ")"};
            }
            if (state.outcome != CallOutcome::OK || !state.order) {
                last_detail += "; query: " + state.detail;
                continue;
            }
            if (state.order->client_order_id.empty()) state.order->client_order_id = coid;
            absorb_order(*state.order);
            const VenueOrderStatus status = state.order->status.value_or(VenueOrderStatus::NEW);
            if (status == VenueOrderStatus::CANCELED) {
                // Idempotent: the order ends canceled, by this call or an earlier one.
                return {VenueCallStatus::ACCEPTED, Id(state.order->order_id), "already canceled (" + last_detail + ")"};
            }
            if (is_terminal(status)) {
                return {VenueCallStatus::REJECTED, Id(state.order->order_id),
                        "order is already " + std::string(to_string(status)) + " (" + last_detail + ")"};
            }
            if (reply.outcome == CallOutcome::REJECTED) {
                return {VenueCallStatus::REJECTED, Id(state.order->order_id), reply.detail};
            }
            // Still working after an unknown answer: cancelling again is harmless.
        }
        return {VenueCallStatus::UNKNOWN, Id(), "cancel fate unknown: " + last_detail};
    }

    // ------------------------------------------------------------------------------------
    // User data stream

    void on_stream_message(std::uint64_t session, std::string payload, bool binary) {
        {
            std::lock_guard lock(mutex);
            if (session != 0 && session < session_floor) return; // a replaced session
            ++stats.stream_messages;
        }
        std::string text;
        if (binary) {
            auto inflated = inflate_message(payload, stream_message_max);
            if (!inflated) {
                bump([](BingxAdapterStats& s) { ++s.stream_parse_errors; });
                return;
            }
            text = std::move(*inflated);
        } else {
            text = std::move(payload);
        }
        const StreamMessage message = parse_stream_message(text);
        switch (message.kind) {
        case StreamMessage::Kind::PING:
            if (session != 0) network->ws_send(session, "Pong");
            bump([](BingxAdapterStats& s) { ++s.pings_answered; });
            return;
        case StreamMessage::Kind::ORDER_UPDATE: on_order_update(message.order); return;
        case StreamMessage::Kind::LISTEN_KEY_EXPIRED: {
            bump([](BingxAdapterStats& s) { ++s.listen_key_expiries; });
            std::lock_guard lock(supervisor_mutex);
            key_expired_signal = true;
            supervisor_cv.notify_all();
            return;
        }
        case StreamMessage::Kind::INVALID: bump([](BingxAdapterStats& s) { ++s.stream_parse_errors; }); return;
        case StreamMessage::Kind::ACCOUNT_UPDATE:
        case StreamMessage::Kind::OTHER: return;
        }
    }

    void on_order_update(const BingxOrderUpdate& update) {
        const std::string coid = lower(update.client_order_id);
        Report report;
        report.source = Report::Source::STREAM;
        report.status = update.status;
        report.venue_order_id = update.order_id;
        report.cum_filled = update.cum_filled;
        report.avg_price = update.avg_price;
        report.fee = -update.fee;
        report.last_qty = update.last_qty;
        report.time_ms = update.event_time_ms;
        std::lock_guard lock(mutex);
        ++stats.stream_order_updates;
        if (Tracked* tracked = find_locked(coid, update.order_id)) {
            if (!apply_report_locked(*tracked, report)) ++stats.stream_duplicates;
            return;
        }
        // Not an order of this adapter (another client, a liquidation): handed on as is so the
        // kernel can report it; it keeps it for reconciliation.
        VenueEvent event;
        const VenueOrderStatus status = update.status.value_or(VenueOrderStatus::NEW);
        event.kind = event_kind_of(status);
        event.status = static_cast<VenueEventStatus>(status);
        event.venue_order_id = Id(update.order_id);
        event.client_order_id = Id(coid.empty() ? "bx-" + update.order_id : coid);
        if (const auto sides = side_and_purpose(update.side, update.position_side, update.reduce_only)) {
            event.side = sides->side;
        }
        const auto asset = asset_by_symbol.find(update.symbol);
        event.asset = AssetName(asset != asset_by_symbol.end() ? asset->second : from_bingx_symbol(update.symbol));
        event.order_qty = update.qty;
        event.cum_filled_qty = update.cum_filled;
        event.avg_fill_price = update.avg_price;
        event.cum_fee = -update.fee;
        event.timestamp_ns = update.event_time_ms * 1'000'000;
        push_event_locked(event);
    }

    void on_stream_closed(std::uint64_t session) {
        {
            std::lock_guard lock(mutex);
            if (session < session_floor) return;
            session_floor = session + 1;
            if (connected) ++stats.stream_disconnects;
            current_session = 0;
            connected = false;
        }
        std::lock_guard lock(supervisor_mutex);
        stream_closed_signal = true;
        supervisor_cv.notify_all();
    }

    bool create_listen_key() {
        Reply reply = call_listen_key("POST", "");
        if (reply.http_status < 200 || reply.http_status >= 300) return false;
        const auto key = parse_listen_key_body(reply.body);
        if (!key.ok()) return false;
        listen_key = *key.value;
        bump([](BingxAdapterStats& s) { ++s.listen_keys_created; });
        return true;
    }

    // listenKey endpoints take the API-key header only (fact sheet §3), answer without an
    // envelope, and signal "no such key" by HTTP 404.
    Reply call_listen_key(std::string_view method, const std::string& key) {
        Reply reply;
        if (config.credentials.empty()) {
            reply.detail = "no API keys";
            return reply;
        }
        net::HttpRequest request;
        request.method = std::string(method);
        request.timeout_ms = config.request_timeout_ms;
        request.target = "/openApi/user/auth/userDataStream";
        if (!key.empty()) request.target += "?listenKey=" + url_encode(key);
        request.headers.emplace_back("X-BX-APIKEY", config.credentials.api_key());
        bump([](BingxAdapterStats& s) { ++s.rest_calls; });
        net::HttpResponse response = network->http(rest, std::move(request));
        if (response.transport != net::HttpResponse::Transport::OK) {
            reply.outcome = CallOutcome::UNKNOWN;
            reply.detail = response.error;
            return reply;
        }
        reply.http_status = response.status;
        reply.body = std::move(response.body);
        reply.outcome = response.status >= 200 && response.status < 300 ? CallOutcome::OK : CallOutcome::REJECTED;
        return reply;
    }

    struct StreamConnect {
        bool connected = false;
        // Events may have been missed before this session (an earlier session existed, or
        // orders were already open when it came up).
        bool gap_possible = false;
        std::string error;
    };
    StreamConnect connect_stream() {
        StreamConnect out;
        if (listen_key.empty() && !create_listen_key()) {
            out.error = "listenKey could not be created";
            return out;
        }
        net::WsCallbacks callbacks;
        callbacks.on_message = [this](std::uint64_t session, std::string payload, bool binary) {
            on_stream_message(session, std::move(payload), binary);
        };
        callbacks.on_closed = [this](std::uint64_t session, std::string) { on_stream_closed(session); };
        {
            std::lock_guard lock(supervisor_mutex);
            stream_closed_signal = false;
            key_expired_signal = false;
        }
        const auto opened = network->ws_connect(ws, "?listenKey=" + url_encode(listen_key),
                                                config.ws_handshake_timeout_ms, config.ws_idle_timeout_ms,
                                                std::move(callbacks));
        if (!opened.session) {
            out.error = opened.error;
            return out;
        }
        const std::uint64_t* session = &*opened.session;
        std::lock_guard lock(mutex);
        if (*session < session_floor) {
            out.error = "stream closed right after it opened";
            return out;
        }
        session_floor = *session;
        current_session = *session;
        connected = true;
        out.gap_possible =
            stats.stream_connects > 0 ||
            std::any_of(orders.begin(), orders.end(), [](const auto& entry) { return !is_terminal(entry.second.status); });
        ++stats.stream_connects;
        events_cv.notify_all();
        out.connected = true;
        return out;
    }

    // After a gap in the stream: ask the venue about every order that may have moved.
    bool catch_up() {
        std::vector<std::tuple<std::string, std::string, std::string>> wanted; // symbol, coid, venue id
        {
            std::lock_guard lock(mutex);
            ++stats.catch_ups;
            for (const auto& [coid, order] : orders) {
                if (!is_terminal(order.status) || order.fee_uncertain()) {
                    wanted.emplace_back(order.symbol, coid, order.venue_order_id);
                }
            }
        }
        bool complete = true;
        for (const auto& [symbol, coid, venue_id] : wanted) {
            if (stopping()) return false;
            bump([](BingxAdapterStats& s) { ++s.catch_up_queries; });
            const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(config.request_timeout_ms * 2);
            QueryOutcome state = query_once(symbol, coid, venue_id, deadline);
            if (state.outcome == CallOutcome::OK && state.order) {
                if (state.order->client_order_id.empty()) state.order->client_order_id = coid;
                absorb_order(*state.order);
            } else if (state.outcome == CallOutcome::NOT_FOUND) {
                resolve_missing(coid);
            } else {
                complete = false;
            }
        }
        return complete;
    }

    // The venue has no such order. A submit whose answer was lost can no longer execute once
    // its timestamp is older than recvWindow: then it never will, and the kernel is told.
    void resolve_missing(const std::string& coid) {
        std::lock_guard lock(mutex);
        const auto found = orders.find(coid);
        if (found == orders.end()) return;
        Tracked& order = found->second;
        if (order.acked || order.in_flight || is_terminal(order.status)) return;
        const std::int64_t age_ms = wall_ms() + offset_ms - order.last_send_ms;
        if (age_ms <= config.recv_window_ms + 1000) return;
        order.status = VenueOrderStatus::REJECTED;
        order.outcome_unknown = false;
        push_event_locked(event_of_locked(order, 0));
    }

    bool stopping() {
        std::lock_guard lock(supervisor_mutex);
        return supervisor_stop;
    }

    void supervise() {
        int failures = 0;
        std::int64_t last_keepalive_ms = wall_ms();
        while (!stopping()) {
            bool is_connected = false;
            {
                std::lock_guard lock(mutex);
                is_connected = connected;
            }
            if (!is_connected) {
                const StreamConnect connect = connect_stream();
                if (connect.connected) {
                    failures = 0;
                    last_keepalive_ms = wall_ms();
                    // Anything may have happened while the stream was down.
                    if (connect.gap_possible) set_catch_up(true);
                } else {
                    ++failures;
                    // A refused handshake may mean a dead key: check it, make a new one if so.
                    if (failures >= 2 && !listen_key.empty()) {
                        Reply extended = call_listen_key("PUT", listen_key);
                        if (extended.outcome != CallOutcome::OK) listen_key.clear();
                    }
                    wait_backoff(failures);
                    continue;
                }
            }
            bool pending = false;
            {
                std::lock_guard lock(mutex);
                pending = catch_up_pending;
            }
            if (pending && catch_up()) set_catch_up(false);
            if (wall_ms() - last_keepalive_ms >= config.listen_key_keepalive_ms && !listen_key.empty()) {
                Reply extended = call_listen_key("PUT", listen_key);
                if (extended.outcome == CallOutcome::OK) {
                    last_keepalive_ms = wall_ms();
                } else if (extended.http_status == 404) {
                    drop_stream(true);
                    continue;
                }
            }
            check_unresolved();
            std::unique_lock lock(supervisor_mutex);
            supervisor_cv.wait_for(lock, std::chrono::milliseconds(supervisor_tick_ms), [this] {
                return supervisor_stop || stream_closed_signal || key_expired_signal;
            });
            const bool expired = key_expired_signal;
            const bool closed = stream_closed_signal;
            key_expired_signal = false;
            stream_closed_signal = false;
            lock.unlock();
            if (expired) {
                drop_stream(true);
                wait_backoff(1);
            } else if (closed) {
                failures = 1;
                wait_backoff(failures);
            }
        }
    }

    void drop_stream(bool forget_key) {
        std::uint64_t session = 0;
        {
            std::lock_guard lock(mutex);
            session = current_session;
            if (session != 0) session_floor = session + 1;
            current_session = 0;
            if (connected) ++stats.stream_disconnects;
            connected = false;
        }
        if (session != 0) network->ws_close(session);
        if (forget_key) listen_key.clear();
    }

    void set_catch_up(bool value) {
        std::lock_guard lock(mutex);
        catch_up_pending = value;
    }

    // Orders whose submit ended unknown, and fills whose fee may be incomplete: ask REST.
    void check_unresolved() {
        std::vector<std::tuple<std::string, std::string, std::string>> wanted;
        {
            std::lock_guard lock(mutex);
            const std::int64_t now = wall_ms() + offset_ms;
            for (const auto& [coid, order] : orders) {
                const bool unknown = order.outcome_unknown && !order.in_flight &&
                                     now - order.last_send_ms > config.recv_window_ms + 1000;
                // A short grace: the stream usually brings the fee right after REST showed the fill.
                const bool fee_check = order.fee_uncertain() && is_terminal(order.status) && order.fee_checks < 3 &&
                                       wall_ms() - order.last_update_ms > 2000;
                if (!unknown && !fee_check) continue;
                if (fee_check) ++orders.at(coid).fee_checks;
                wanted.emplace_back(order.symbol, coid, order.venue_order_id);
                if (wanted.size() >= 16) break; // bounded per tick
            }
        }
        for (const auto& [symbol, coid, venue_id] : wanted) {
            if (stopping()) return;
            const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(config.request_timeout_ms * 2);
            QueryOutcome state = query_once(symbol, coid, venue_id, deadline);
            if (state.outcome == CallOutcome::OK && state.order) {
                if (state.order->client_order_id.empty()) state.order->client_order_id = coid;
                absorb_order(*state.order);
            } else if (state.outcome == CallOutcome::NOT_FOUND) {
                resolve_missing(coid);
            }
        }
    }

    void wait_backoff(int failures) {
        const int exponent = std::min(failures - 1, 20);
        std::int64_t delay = static_cast<std::int64_t>(std::max(1, config.reconnect_backoff_min_ms)) << std::max(0, exponent);
        delay = std::min<std::int64_t>(delay, std::max(1, config.reconnect_backoff_max_ms));
        const auto spread = static_cast<std::uint64_t>(delay / 4 + 1);
        delay += static_cast<std::int64_t>(jitter() % spread);
        std::unique_lock lock(supervisor_mutex);
        supervisor_cv.wait_for(lock, std::chrono::milliseconds(delay), [this] { return supervisor_stop; });
    }

    void start_supervisor() {
        if (supervisor.joinable()) return;
        {
            std::lock_guard lock(supervisor_mutex);
            supervisor_stop = false;
        }
        supervisor = std::thread([this] { supervise(); });
    }

    void stop_supervisor() {
        {
            std::lock_guard lock(supervisor_mutex);
            supervisor_stop = true;
            supervisor_cv.notify_all();
        }
        if (supervisor.joinable()) supervisor.join();
    }
};

// ----------------------------------------------------------------------------------------

BingxVenueAdapter::BingxVenueAdapter(BingxConfig config) : impl_(std::make_unique<Impl>(std::move(config))) {}

BingxVenueAdapter::~BingxVenueAdapter() { stop(); }

StartResult BingxVenueAdapter::start() {
    StartResult out;
    Impl& impl = *impl_;
    const auto time = impl.fetch_server_time();
    if (!time.ok()) {
        out.error = "cannot reach " + impl.config.rest_url + ": " + time.detail;
        return out;
    }
    for (const std::string& asset : impl.config.assets) {
        const auto contract = impl.load_contract(asset);
        if (!contract.ok()) {
            out.error = "contract info for " + asset + ": " + contract.detail;
            return out;
        }
    }
    if (impl.config.credentials.empty()) {
        out.error = "no API keys: set BINGX_API_KEY and BINGX_API_SECRET";
        return out;
    }
    if (impl.config.start_stream) {
        impl.start_supervisor();
        const auto deadline = std::chrono::steady_clock::now() +
                              std::chrono::milliseconds(impl.config.ws_handshake_timeout_ms + 2 * impl.config.request_timeout_ms);
        std::unique_lock lock(impl.mutex);
        const bool up = impl.events_cv.wait_until(lock, deadline, [&impl] { return impl.connected; }) ||
                        impl.connected;
        if (!up) {
            out.error = "user-data stream did not connect to " + impl.config.ws_url + " in time (still retrying)";
            return out;
        }
    }
    out.ok = true;
    return out;
}

void BingxVenueAdapter::stop() {
    Impl& impl = *impl_;
    const bool was_running = impl.supervisor.joinable();
    impl.stop_supervisor();
    if (!was_running) return;
    impl.drop_stream(false);
    if (!impl.listen_key.empty()) {
        (void)impl.call_listen_key("DELETE", impl.listen_key);
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
    auto state = impl_->query_definite(*symbol, coid, "", impl_->call_deadline());
    if (state.outcome == CallOutcome::NOT_FOUND) return out;
    if (state.outcome != CallOutcome::OK || !state.order) {
        Impl::Reply reply;
        reply.outcome = state.outcome == CallOutcome::OK ? CallOutcome::UNKNOWN : state.outcome;
        reply.detail = state.detail;
        auto failed = Impl::failed<std::optional<VenueOrder>>(reply);
        return failed;
    }
    if (state.order->client_order_id.empty()) state.order->client_order_id = coid;
    impl_->absorb_order(*state.order);
    out.value = impl_->venue_order_of(*state.order);
    return out;
}

VenueQuery<std::vector<VenueOrder>> BingxVenueAdapter::open_orders(std::string_view asset) {
    const auto symbol = to_bingx_symbol(asset);
    if (!symbol) return no_symbol<std::vector<VenueOrder>>(asset);
    VenueQuery<std::vector<VenueOrder>> out;
    auto reply = impl_->call_retrying("GET", "/openApi/swap/v2/trade/openOrders", {{"symbol", *symbol}},
                                      impl_->call_deadline(), 3);
    if (reply.outcome != CallOutcome::OK) return Impl::failed<std::vector<VenueOrder>>(reply);
    const auto orders = parse_orders_data(reply.envelope.data_json);
    if (!orders.ok()) return Impl::unreadable<std::vector<VenueOrder>>(orders.error);
    for (const BingxOrder& order : *orders.value) {
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
    auto reply = impl_->call_retrying("GET", "/openApi/swap/v2/user/positions", {{"symbol", *symbol}},
                                      impl_->call_deadline(), 3);
    if (reply.outcome != CallOutcome::OK) return Impl::failed<std::vector<VenuePosition>>(reply);
    const auto positions = parse_positions_data(reply.envelope.data_json);
    if (!positions.ok()) return Impl::unreadable<std::vector<VenuePosition>>(positions.error);
    for (const BingxPosition& position : *positions.value) {
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
    auto reply = impl_->call_retrying("DELETE", "/openApi/swap/v2/trade/allOpenOrders", {{"symbol", *symbol}},
                                      impl_->call_deadline(), 3);
    if (reply.outcome != CallOutcome::OK) return Impl::failed<std::vector<VenueOrder>>(reply);
    const auto orders = parse_orders_data(reply.envelope.data_json);
    if (!orders.ok()) return Impl::unreadable<std::vector<VenueOrder>>(orders.error);
    for (BingxOrder order : *orders.value) {
        if (!order.status) order.status = VenueOrderStatus::CANCELED;
        impl_->absorb_order(order);
        out.value.push_back(impl_->venue_order_of(order));
    }
    return out;
}

VenueQuery<BingxBalance> BingxVenueAdapter::balance() {
    auto reply = impl_->call_retrying("GET", "/openApi/swap/v2/user/balance", {}, impl_->call_deadline(), 3);
    if (reply.outcome != CallOutcome::OK) return Impl::failed<BingxBalance>(reply);
    const auto balance = parse_balance_data(reply.envelope.data_json);
    if (!balance.ok()) return Impl::unreadable<BingxBalance>(balance.error);
    VenueQuery<BingxBalance> out;
    out.value = *balance.value;
    return out;
}

VenueQuery<BingxLeverage> BingxVenueAdapter::leverage(std::string_view asset) {
    const auto symbol = to_bingx_symbol(asset);
    if (!symbol) return no_symbol<BingxLeverage>(asset);
    auto reply = impl_->call_retrying("GET", "/openApi/swap/v2/trade/leverage", {{"symbol", *symbol}},
                                      impl_->call_deadline(), 3);
    if (reply.outcome != CallOutcome::OK) return Impl::failed<BingxLeverage>(reply);
    const auto leverage = parse_leverage_data(reply.envelope.data_json);
    if (!leverage.ok()) return Impl::unreadable<BingxLeverage>(leverage.error);
    VenueQuery<BingxLeverage> out;
    out.value = *leverage.value;
    return out;
}

VenueQuery<BingxLeverage> BingxVenueAdapter::set_leverage(std::string_view asset, TradeSide side, int leverage) {
    const auto symbol = to_bingx_symbol(asset);
    if (!symbol) return no_symbol<BingxLeverage>(asset);
    if (leverage <= 0) return {VenueCallStatus::REJECTED, {}, "leverage must be positive"};
    const std::string side_text = impl_->config.position_mode == PositionMode::ONE_WAY
                                      ? "BOTH"
                                      : (side == TradeSide::LONG ? "LONG" : "SHORT");
    auto reply = impl_->call_retrying("POST", "/openApi/swap/v2/trade/leverage",
                                      {{"symbol", *symbol}, {"side", side_text}, {"leverage", std::to_string(leverage)}},
                                      impl_->call_deadline(), 3);
    if (reply.outcome != CallOutcome::OK) return Impl::failed<BingxLeverage>(reply);
    {
        std::lock_guard lock(impl_->mutex);
        impl_->leverage_set[*symbol + "/" + side_text] = leverage;
    }
    const auto parsed = parse_leverage_data(reply.envelope.data_json);
    VenueQuery<BingxLeverage> out;
    if (parsed.ok()) out.value = *parsed.value;
    return out;
}

VenueQuery<InstrumentInfo> BingxVenueAdapter::load_contract(std::string_view asset) {
    return impl_->load_contract(asset);
}

VenueQuery<Decimal> BingxVenueAdapter::mark_price(std::string_view asset) {
    const auto symbol = to_bingx_symbol(asset);
    if (!symbol) return no_symbol<Decimal>(asset);
    auto reply = impl_->call("GET", "/openApi/swap/v2/quote/premiumIndex", {{"symbol", *symbol}}, false);
    if (reply.outcome != CallOutcome::OK) return Impl::failed<Decimal>(reply);
    const auto marks = parse_premium_index_data(reply.envelope.data_json);
    if (!marks.ok()) return Impl::unreadable<Decimal>(marks.error);
    for (const BingxMarkPrice& mark : *marks.value) {
        if (mark.symbol == *symbol && mark.mark_price.is_positive()) {
            VenueQuery<Decimal> out;
            out.value = mark.mark_price;
            return out;
        }
    }
    return Impl::unreadable<Decimal>("no mark price for " + *symbol);
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
    event.timestamp_ns = (wall_ms() + impl_->offset_ms) * 1'000'000;
    impl_->push_event_locked(event);
    return mark;
}

VenueQuery<std::int64_t> BingxVenueAdapter::server_time_ms() { return impl_->fetch_server_time(); }

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
    std::lock_guard lock(impl_->mutex);
    return impl_->stats;
}

std::int64_t BingxVenueAdapter::clock_offset_ms() const {
    std::lock_guard lock(impl_->mutex);
    return impl_->offset_ms;
}

void BingxVenueAdapter::inject_stream_message(std::string_view payload, bool binary) {
    impl_->on_stream_message(0, std::string(payload), binary);
}

// ----------------------------------------------------------------------------------------

BingxAdapterResult make_bingx_adapter(BingxConfig config) {
    BingxAdapterResult out;
    try {
        out.adapter = std::make_unique<BingxVenueAdapter>(std::move(config));
    } catch (const std::invalid_argument& error) {
        out.error = error.what();
        return out;
    }
    const StartResult started = out.adapter->start();
    if (!started.ok) {
        out.error = started.error;
        out.adapter.reset();
    }
    return out;
}

BingxAdapterResult make_bingx_adapter(const BingxAdapterOptions& options) {
    BingxConfig config;
    config.rest_url = options.rest_url;
    config.ws_url = options.ws_url;
    if (config.ws_url.empty()) {
        const net::UrlResult rest = net::parse_url(options.rest_url);
        if (!rest.url) return {nullptr, "rest_url: " + rest.error};
        const bool ipv6 = rest.url->host.find(':') != std::string::npos;
        const std::string host = ipv6 ? "[" + rest.url->host + "]" : rest.url->host;
        config.ws_url = std::string(rest.url->tls ? "wss://" : "ws://") + host + ":" + rest.url->port + "/swap-market";
    }
    config.credentials = options.credentials;
    config.allow_live = options.allow_live;
    config.send_price_with_market = options.send_price_with_market;
    config.order_qty_max = options.order_qty_max;
    config.order_notional_max = options.order_notional_max;
    config.assets = options.assets;
    return make_bingx_adapter(std::move(config));
}

} // namespace dita::bingx
