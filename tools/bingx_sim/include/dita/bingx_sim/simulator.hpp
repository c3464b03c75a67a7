#pragma once
// A local BingX perpetual-swap simulator: the REST endpoints and the user-data WebSocket
// stream of shared/reference/bingx-swap-api.md, served on loopback only. It checks API
// keys, signatures and timestamps the way the exchange does (same error codes), fills
// MARKET orders by a simple configurable model, and injects faults from a seeded PRNG it
// owns: HTTP 5xx, slow answers, dropped connections, rate-limit answers, duplicated and
// delayed stream events, dropped stream connections, listenKey expiry.
//
// In-process use (tests, `dita chaos --venue bingx-sim`):
//     dita::bingx_sim::Simulator sim(config);
//     auto started = sim.start();           // port 0 picks a free port
//     ... sim.rest_url(), sim.ws_url() ...
//     sim.stop();                           // also in the destructor
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "dita/contracts/result.hpp"

#include "dita/contracts/decimal.hpp"

namespace dita::bingx_sim {

// Shares (0..1) of requests or stream events a fault hits. All zero: no faults.
struct SimFaults {
    double http_5xx_rate = 0.0;       // signed requests answered with an HTTP 5xx
    int http_5xx_status = 0;          // 0: 500, 502, 503 or 504 drawn at random
    double slow_rate = 0.0;           // answers held back slow_ms (the action itself happens)
    int slow_ms = 0;
    double drop_rate = 0.0;           // connections closed without an answer
    double execute_on_fault = 0.5;    // share of failed order/cancel requests that still act
    double rate_limit_rate = 0.0;     // HTTP 429 {"code":100410}
    int rate_limit_per_s = 0;         // signed requests per second beyond which 429 (0: no limit)
    double stream_duplicate_rate = 0.0; // stream events sent twice
    double stream_delay_rate = 0.0;     // stream events held back stream_delay_ms (so reordered)
    int stream_delay_ms = 0;
    double stream_drop_rate = 0.0; // the user stream is cut after an event; events until the
                                   // client reconnects are lost, as on the exchange
};

// Every fault at a modest rate, for chaos runs "with faults on". Slow answers take twice the
// client's request timeout, so each one really is a lost answer to the client.
inline SimFaults moderate_faults(int client_request_timeout_ms) {
    SimFaults faults;
    faults.http_5xx_rate = 0.05;
    faults.slow_rate = 0.03;
    faults.slow_ms = 2 * client_request_timeout_ms;
    faults.drop_rate = 0.05;
    faults.execute_on_fault = 0.5;
    faults.rate_limit_rate = 0.03;
    faults.stream_duplicate_rate = 0.2;
    faults.stream_delay_rate = 0.2;
    faults.stream_delay_ms = 50;
    faults.stream_drop_rate = 0.05;
    return faults;
}

struct SimContract {
    std::string symbol = "BTC-USDT";
    int quantity_precision = 4;
    int price_precision = 1;
    std::string trade_min_quantity = "0.0001";
    std::string trade_min_usdt = "2";
    std::string mark_price = "50000";
    int max_leverage = 125;
};

struct SimConfig {
    std::string bind_address = "127.0.0.1"; // loopback only; anything else is refused
    std::uint16_t port = 0;                 // 0: a free port
    std::string api_key = "dita-sim-key";
    std::string api_secret = "dita-sim-secret";
    // https/wss instead of http/ws. Without a certificate and key (PEM), a self-signed one for
    // 127.0.0.1 and localhost is made; clients trust tls_certificate_pem() as their CA.
    bool tls = false;
    std::string tls_certificate_pem;
    std::string tls_private_key_pem;
    std::uint64_t seed = 1;
    std::vector<SimContract> contracts{SimContract{}};
    bool hedge_mode = true; // positionSide LONG/SHORT; false: one-way (BOTH + reduceOnly)
    // The account as a file: loaded at construction when it exists (orders, client order ids,
    // positions, leverage, balance, position mode), written after every change. Scenarios,
    // runs and processes that share the file share one account, as on the exchange.
    std::string state_path;

    // Matching: MARKET orders fill at fill_price when set, else at the request's price when
    // it has one, else at the contract's mark price.
    std::string fill_price;
    double partial_fill_ratio = 1.0; // share filled at once; the rest stays working
    bool reject_entries = false;
    bool reject_exits = false;
    int reject_code = 101204; // insufficient margin
    bool cancel_reject = false;
    double taker_fee_rate = 0.0005;
    bool unique_client_order_ids = true; // the exchange's rule; off lets a blind retry double

    // Venue moves (issue 13). Isolated margin: a position is liquidated (the venue's own order,
    // type LIQUIDATION, a liquidation fee) when the mark crosses entry x (1 -+ (1/leverage -
    // maintenance_margin_rate)). Funding every funding_interval_ms of the server's clock (0: only
    // when settle_funding() is called), at funding_rate of the position's value at the mark.
    std::string maintenance_margin_rate = "0.005";
    double liquidation_fee_rate = 0.0005;
    std::int64_t funding_interval_ms = 0;
    std::string funding_rate = "0.0001";

    std::string initial_balance = "100000";
    std::int64_t time_offset_ms = 0; // the server clock's skew against this machine's
    std::int64_t listen_key_ttl_ms = 60LL * 60 * 1000;
    int ping_interval_ms = 5000;
    bool gzip = true; // stream frames as gzip binary (the exchange's way) or plain text
    SimFaults faults;
};

struct SimStats {
    std::uint64_t http_requests = 0;
    std::uint64_t signed_requests = 0;
    std::uint64_t auth_failures = 0; // bad key or signature
    std::uint64_t timestamp_failures = 0;
    std::uint64_t orders_created = 0;
    std::uint64_t orders_rejected = 0;
    std::uint64_t duplicate_client_ids = 0;
    std::uint64_t fills = 0;
    std::uint64_t cancels = 0;
    std::uint64_t faults_5xx = 0;
    std::uint64_t faults_slow = 0;
    std::uint64_t faults_drop = 0;
    std::uint64_t faults_rate_limit = 0;
    std::uint64_t faulted_but_executed = 0;
    std::uint64_t stream_events = 0;     // events generated for the stream
    std::uint64_t stream_frames_sent = 0;
    std::uint64_t stream_duplicates = 0;
    std::uint64_t stream_delays = 0;
    std::uint64_t stream_drops = 0;
    std::uint64_t stream_events_lost = 0; // generated while no valid stream was connected
    std::uint64_t stream_sessions = 0;
    std::uint64_t pings_sent = 0;
    std::uint64_t pongs_received = 0;
    std::uint64_t listen_keys_created = 0;
    std::uint64_t listen_keys_extended = 0;
    std::uint64_t listen_keys_deleted = 0;
    std::uint64_t listen_keys_expired = 0;
    std::uint64_t liquidations = 0;
    std::uint64_t adls = 0;
    std::uint64_t manual_closes = 0;
    std::uint64_t funding_settlements = 0; // one per position settled
    std::uint64_t move_reports_lost = 0;   // stream reports of venue moves withheld (lose_move_reports)
};

// One order as the simulator holds it.
struct SimOrder {
    std::string symbol;
    std::int64_t order_id = 0;
    std::string client_order_id;
    std::string side;
    std::string position_side;
    std::string type;
    std::string status; // NEW, PARTIALLY_FILLED, FILLED, CANCELED
    Decimal qty;
    Decimal price;
    Decimal executed_qty;
    Decimal avg_price;
    Decimal fee; // paid, positive
    bool reduce_only = false;
    std::int64_t time_ms = 0;        // created
    std::int64_t update_time_ms = 0; // last change
    std::int64_t leverage = 0;       // of its position side when placed
};

struct SimPosition {
    std::string symbol;
    std::string position_side;
    Decimal amount; // signed in one-way mode, positive in hedge mode
    Decimal avg_price;
};

// The simulator's log level (spdlog logger "bingx-sim", stderr): trace, debug, info, warn
// (default), error, critical or off; false for any other word.
bool set_sim_log_level(std::string_view level);

// The port it listens on, or why it cannot (code LISTEN_FAILED).
using SimStartResult = dita::Result<std::uint16_t>;

class Simulator {
public:
    // Throws std::invalid_argument for a config it cannot serve (non-loopback bind, bad numbers).
    explicit Simulator(SimConfig config);
    ~Simulator();
    Simulator(const Simulator&) = delete;
    Simulator& operator=(const Simulator&) = delete;

    SimStartResult start();
    void stop(); // idempotent; closes every connection

    std::uint16_t port() const;
    std::string rest_url() const; // http(s)://127.0.0.1:<port>
    std::string ws_url() const;   // ws(s)://127.0.0.1:<port>/swap-market
    const std::string& tls_certificate_pem() const; // empty without TLS

    // Control (thread-safe).
    void set_faults(const SimFaults& faults);
    void set_fill_price(std::string_view price); // "" restores the default rule
    void set_partial_fill_ratio(double ratio);
    void set_rejects(bool entries, bool exits, int code);
    void set_cancel_reject(bool on);
    // Moves the mark; a position whose liquidation price it crosses is liquidated.
    bool set_mark_price(std::string_view symbol, std::string_view price);
    // Venue moves, as BingX makes them: the venue's own order (no client order id) on the user
    // stream (ORDER_TRADE_UPDATE; funding: ACCOUNT_UPDATE reason FUNDING_FEE) and in the REST
    // history (forceOrders, allOrders, income). position_side: LONG/SHORT (hedge) or BOTH.
    // False when there is no such position or a number is unreadable.
    bool adl(std::string_view symbol, std::string_view position_side, std::string_view qty, std::string_view price);
    bool manual_close(std::string_view symbol, std::string_view position_side, std::string_view qty,
                      std::string_view price);
    // One funding settlement of every open position on the symbol at `rate` (positive: longs pay).
    bool settle_funding(std::string_view symbol, std::string_view rate);
    // Withholds the stream reports of venue moves (a lost report; the REST history still has them).
    void set_lose_move_reports(bool on);
    // Fills part of a working order (a resting order meeting the market).
    bool fill_working(std::string_view client_order_id, std::string_view qty, std::string_view price);
    // Pushes listenKeyExpired on every stream and invalidates every key.
    void expire_listen_keys();
    // Cuts every user-stream connection (events until the client reconnects are lost).
    void drop_streams();

    // Inspection (thread-safe).
    SimStats stats() const;
    std::vector<SimOrder> orders() const;
    std::optional<SimOrder> order(std::string_view client_order_id) const;
    std::vector<SimPosition> positions() const;
    std::size_t open_streams() const;

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

} // namespace dita::bingx_sim
