#pragma once
// BingxVenueAdapter: dita's VenueAdapter on the BingX USDT-M perpetual-swap API (signed REST
// plus the user-data WebSocket stream). The same adapter talks to the real exchange, its
// demo (VST) host, or the local simulator (tools/bingx_sim); only the URLs and keys differ.
//
// Threading: the network runs on the adapter's own threads (one for I/O, one supervising
// the user stream). Venue events are queued there and handed over only in drain_events(),
// on the caller's thread. Every VenueAdapter call blocks for at most about call_timeout_ms.
//
// Keys: read from the environment (BINGX_API_KEY, BINGX_API_SECRET) by credentials_from_env();
// the secret is never printed, logged, or put into any detail text or exception.
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "dita/contracts/result.hpp"
#include "dita/contracts/venue.hpp"
#include "dita/venues/bingx/bingx_protocol.hpp"

namespace dita::bingx {

// An API key pair. The secret can be read only by the signing code; printing a Credentials
// shows the key's last four characters at most.
class Credentials {
public:
    Credentials() = default;
    Credentials(std::string api_key, std::string api_secret)
        : api_key_(std::move(api_key)), api_secret_(std::move(api_secret)) {}

    const std::string& api_key() const { return api_key_; }
    bool empty() const { return api_key_.empty() || api_secret_.empty(); }
    // "…abcd": safe to show.
    std::string redacted_key() const;

private:
    friend class Signer;
    std::string api_key_;
    std::string api_secret_;
};

// Signs parameter strings; the only reader of the secret.
class Signer {
public:
    explicit Signer(const Credentials& credentials) : credentials_(credentials) {}
    std::string signed_query(const Params& params) const;

private:
    const Credentials& credentials_;
};

// The keys, or an error (code KEYS_MISSING) naming the missing variable(s), never a value.
using CredentialsResult = Result<Credentials>;
// BINGX_API_KEY and BINGX_API_SECRET; a clear error naming what is missing.
CredentialsResult credentials_from_env();

// Hosts (fact sheet §1).
inline constexpr std::string_view live_rest_url = "https://open-api.bingx.com";
inline constexpr std::string_view live_ws_url = "wss://open-api-swap.bingx.com/swap-market";
inline constexpr std::string_view demo_rest_url = "https://open-api-vst.bingx.com";
inline constexpr std::string_view demo_ws_url = "wss://vst-open-api-ws.bingx.com/swap-market";

struct BingxConfig {
    std::string rest_url{live_rest_url};
    std::string ws_url{live_ws_url};
    Credentials credentials;
    std::vector<std::string> assets{"BTCUSDT"}; // kernel names; mapped to BTC-USDT etc.
    PositionMode position_mode = PositionMode::HEDGE;

    int recv_window_ms = 5000;
    int request_timeout_ms = 3000; // one HTTP exchange
    int call_timeout_ms = 10000;   // one adapter call, retries and the query before a retry included
    int send_attempts_max = 3;     // order sends per submit (a retry only after the venue says "no such order")
    int retry_pause_ms = 100;      // first pause between attempts; doubles, capped at 2 s
    int ws_handshake_timeout_ms = 5000;
    int ws_idle_timeout_ms = 30000; // no frame (the server pings every ~5 s) for this long: reconnect
    int reconnect_backoff_min_ms = 100;
    int reconnect_backoff_max_ms = 10000;
    int listen_key_keepalive_ms = 30 * 60 * 1000;
    std::size_t event_queue_max = 65536;
    std::size_t tracked_orders_max = 4096; // finished orders beyond this are forgotten, oldest first

    // Sends the kernel's reference price with MARKET orders. The simulator then fills there
    // (as the mock venue does); the real exchange does not need it, so it is off by default.
    bool send_price_with_market = false;
    // Sets the symbol's leverage (per position side) before an entry whose integral
    // leverage differs from the last one set.
    bool sync_leverage = true;
    // ORDER_TRADE_UPDATE 'n' is per fill (false, as in Binance's format) or cumulative (UNSURE).
    bool fee_is_cumulative = false;
    // A place answer carries fills but no fee: wait this long for the stream's fee before
    // submit_order returns, then ask REST (0: do not wait).
    int fill_fee_wait_ms = 300;

    // Live-use caps: an order above either is refused locally. Zero means no cap.
    Decimal order_qty_max;
    Decimal order_notional_max;
    // Hosts other than loopback are refused unless this is set (a deliberate live opt-in).
    bool allow_live = false;

    bool tls_verify = true;       // peer certificate and host name checked (https/wss)
    std::string tls_ca_file;      // extra trust anchors from a file; empty: the system's store
    std::string tls_ca_pem;       // trust anchors in memory (e.g. a test server's own certificate)
    bool start_stream = true;     // open the user-data stream in start()
    // start() reads the account's position mode (/openApi/swap/v1/positionSide/dual) and uses
    // it (true), or refuses to start when it differs from position_mode (false).
    bool follow_account_position_mode = true;
    // start() proves the keys with a signed call and records the account (starting_account()).
    bool check_account = true;
    std::uint64_t seed = 1;       // reconnect jitter

    // venue_moves() reads the REST history of this much time back (BingX serves at most 7 days
    // of forceOrders and allOrders per query), at most this many pages per endpoint.
    std::int64_t venue_moves_lookback_ms = 7LL * 24 * 3600 * 1000 - 60'000;
    int venue_moves_pages_max = 5;
    // A funding settlement's id rounds its time to this bucket (funding_move_id), so the
    // stream's report and the income history's row name the same settlement.
    std::int64_t funding_time_bucket_ms = 60'000;
};

struct InstrumentInfo {
    InstrumentSpec spec;
    std::string symbol;
    Decimal taker_fee_rate;
    Decimal maker_fee_rate;
};

struct BingxAdapterStats {
    std::uint64_t rest_calls = 0;
    std::uint64_t rest_failures = 0; // transport failures and 5xx
    std::uint64_t orders_sent = 0;   // place-order requests, retries included
    std::uint64_t orders_resolved_by_query = 0;
    std::uint64_t rate_limited = 0;
    std::uint64_t stream_messages = 0;
    std::uint64_t stream_order_updates = 0;
    std::uint64_t stream_duplicates = 0; // updates that told nothing new
    std::uint64_t stream_parse_errors = 0;
    std::uint64_t pings_answered = 0;
    std::uint64_t stream_connects = 0;
    std::uint64_t stream_disconnects = 0;
    std::uint64_t listen_keys_created = 0;
    std::uint64_t listen_key_expiries = 0;
    std::uint64_t catch_ups = 0;
    std::uint64_t catch_up_queries = 0;
    std::uint64_t events_queued = 0;
    std::uint64_t events_coalesced = 0; // queue overflow: superseded events merged
    std::uint64_t time_resyncs = 0;
    // Orders found under one of this adapter's client order ids that are not the order it sent
    // (another symbol, side or size, or placed before the submit): reported, never adopted.
    std::uint64_t strangers = 0;
    // venue_moves(): REST reads, moves found there, funding rows whose side could not be
    // told, and reads that hit venue_moves_pages_max (older history not read).
    std::uint64_t venue_move_reads = 0;
    std::uint64_t venue_moves_found = 0;
    std::uint64_t funding_unattributed = 0;
    std::uint64_t venue_moves_truncated = 0;
};

// The account as start() found it: what the keys may see before this adapter traded.
struct BingxAccountState {
    BingxBalance balance;
    PositionMode position_mode = PositionMode::HEDGE; // as read from the account
    std::vector<VenuePosition> positions;             // per configured asset, non-zero only
    std::vector<VenueOrder> open_orders;
};

// start() succeeded; the error's code says what failed (UNREACHABLE, CONTRACT, KEYS_MISSING,
// STREAM, ...), its detail says it for people.
struct Started {};
using StartResult = Result<Started>;

class BingxVenueAdapter final : public VenueAdapter {
public:
    // No network activity; call start() next. Throws std::invalid_argument for a config it
    // cannot use (bad URL, non-loopback host without allow_live, unknown asset name).
    explicit BingxVenueAdapter(BingxConfig config);
    ~BingxVenueAdapter() override;
    BingxVenueAdapter(const BingxVenueAdapter&) = delete;
    BingxVenueAdapter& operator=(const BingxVenueAdapter&) = delete;

    // Syncs the clock with the server, loads contract info for every configured asset, proves
    // the keys with a signed call (refused: code KEYS_REFUSED, BingX's code and message in the
    // detail), reads the position mode (POSITION_MODE when it cannot be used), records the
    // starting positions and open orders, opens the user-data stream (listenKey + WebSocket).
    // Bounded by the timeouts.
    StartResult start();
    // What start() found (nullopt before a successful start, or with check_account off).
    std::optional<BingxAccountState> starting_account() const;
    // Closes the stream and deletes the listenKey (best effort, bounded). Idempotent.
    void stop();

    // VenueAdapter
    std::string_view name() const override { return "bingx"; }
    std::optional<InstrumentSpec> instrument(std::string_view asset) const override;
    VenueCallResult submit_order(const OrderRequest& request) override;
    VenueCallResult cancel_order(const CancelRequest& request) override;
    void drain_events(EventSink& sink) override;
    VenueQuery<std::optional<VenueOrder>> query_order(std::string_view asset,
                                                      std::string_view client_order_id) override;
    VenueQuery<std::vector<VenueOrder>> open_orders(std::string_view asset) override;
    VenueQuery<std::vector<VenuePosition>> positions(std::string_view asset) override;
    // The position mode orders are sent in (BingxConfig::position_mode; the account's, once
    // start() read it).
    PositionMode position_mode() const override;
    // The account's recent liquidations and ADL (forceOrders), closing orders of the website or
    // app (allOrders without a client order id) and funding (income) on the asset, read over
    // REST as the events the stream reports for them (venue_moves_of), so a lost stream report
    // is recovered and one seen both ways is settled once. Bounded: lookback and pages.
    VenueQuery<std::vector<VenueEvent>> venue_moves(std::string_view asset) override;

    // The rest of the REST surface.
    VenueQuery<std::vector<VenueOrder>> cancel_all(std::string_view asset);
    VenueQuery<BingxBalance> balance();
    VenueQuery<BingxLeverage> leverage(std::string_view asset);
    VenueQuery<BingxLeverage> set_leverage(std::string_view asset, TradeSide side, int leverage);
    VenueQuery<InstrumentInfo> load_contract(std::string_view asset); // refreshes instrument()
    VenueQuery<Decimal> mark_price(std::string_view asset);
    // Reads the mark price and queues a MARK_PRICE event for the kernel.
    VenueQuery<Decimal> poll_mark_price(std::string_view asset);
    VenueQuery<std::int64_t> server_time_ms();

    // Blocks until an event is queued or the timeout passes; true when events wait.
    bool wait_for_events(std::chrono::milliseconds timeout);
    // Blocks until the adapter is at rest: the stream is up, no catch-up is due, no order's
    // fate or fee is still being found out, and no event arrived for `quiet`. False when the
    // timeout passes first. For wall-clock chaos runs: "at rest" before invariants are checked.
    bool wait_quiet(std::chrono::milliseconds quiet, std::chrono::milliseconds timeout);
    std::size_t pending_events() const;
    bool stream_connected() const;
    BingxAdapterStats stats() const;
    // Server time minus local time, as last measured.
    std::int64_t clock_offset_ms() const;

    // Feeds one user-stream message as if it had arrived on the WebSocket (text, or gzip
    // bytes with binary=true). For tests of the parsing path and for replaying captures.
    void inject_stream_message(std::string_view payload, bool binary);

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

// What `dita chaos --venue bingx|bingx-sim` needs: an adapter from URLs and keys, started.
struct BingxAdapterOptions {
    std::string rest_url;
    std::string ws_url; // empty: derived from rest_url (stream_url_for)
    Credentials credentials;
    bool allow_live = false;
    bool send_price_with_market = false;
    Decimal order_qty_max;
    Decimal order_notional_max;
    std::vector<std::string> assets{"BTCUSDT"};
};
// A started adapter, or why there is none (code CONFIG for a config it cannot use, else as start()).
using BingxAdapterResult = Result<std::unique_ptr<BingxVenueAdapter>>;
BingxAdapterResult make_bingx_adapter(const BingxAdapterOptions& options);
// The config make_bingx_adapter(options) starts: each option copied, the stream URL derived
// when not given (stream_url_for's error when it cannot be). For callers that set more.
Result<BingxConfig> bingx_config_of(const BingxAdapterOptions& options);
// As above with full control of the config.
BingxAdapterResult make_bingx_adapter(BingxConfig config);

// The adapter's log (spdlog logger "bingx", stderr): trace, debug, info, warn (default), error,
// critical or off. False for any other word. Keys, signatures and listenKeys never appear in it.
bool set_bingx_log_level(std::string_view level);

// The user stream's URL for a REST URL: BingX's own pairs (production open-api.bingx.com ->
// live_ws_url, demo open-api-vst.bingx.com -> demo_ws_url); a loopback host (the simulator):
// the same host and port, ws(s)://, path /swap-market. Any other host: an error
// (STREAM_HOST_UNKNOWN) rather than a guess; give the stream URL then.
Result<std::string> stream_url_for(std::string_view rest_url);

} // namespace dita::bingx
