#pragma once
// The simulator's exchange: accounts, orders, matching, signature checks and fault draws.
// No networking (sim_server.cpp serves it). Thread-safe: one mutex around everything.
#include <cstdint>
#include <deque>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "dita/bingx_sim/simulator.hpp"

namespace dita::bingx_sim {

// Deterministic PRNG (SplitMix64) owned by the simulator: the same seed and the same
// sequence of requests draw the same faults.
class SplitMix64 {
public:
    explicit SplitMix64(std::uint64_t seed) : state_(seed) {}
    std::uint64_t next() {
        std::uint64_t z = (state_ += 0x9e3779b97f4a7c15ULL);
        z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
        z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
        return z ^ (z >> 31);
    }
    double uniform01() { return static_cast<double>(next() >> 11) * 0x1.0p-53; }
    bool chance(double rate) { return rate > 0.0 && uniform01() < rate; }

private:
    std::uint64_t state_;
};

struct SimRequest {
    std::string method; // GET, POST, PUT, DELETE
    std::string path;
    std::string query; // raw, without '?'
    std::string body;
    std::string content_type;
    std::string api_key; // X-BX-APIKEY
};

struct SimResponse {
    int status = 200;
    std::string body;
    int delay_ms = 0;
    bool drop = false; // close the connection instead of answering
};

// A stream message for the sessions of some listen keys.
struct StreamPush {
    std::string text;
    std::vector<std::string> listen_keys;
    int delay_ms = 0;
    bool close_after = false; // cut those sessions once it is sent
};

struct Handled {
    SimResponse response;
    std::vector<StreamPush> pushes;
};

class Engine {
public:
    explicit Engine(SimConfig config);

    Handled handle(const SimRequest& request);
    // Listen keys that expired by now: listenKeyExpired pushes (and the keys are dead).
    std::vector<StreamPush> tick();

    enum class Admit : std::uint8_t { OK, UNKNOWN_KEY, EXPIRED };
    Admit admit_stream(std::string_view listen_key);
    bool key_alive(std::string_view listen_key);

    // Control and inspection, as in Simulator.
    void set_faults(const SimFaults& faults);
    void set_fill_price(std::string_view price);
    void set_partial_fill_ratio(double ratio);
    void set_rejects(bool entries, bool exits, int code);
    void set_cancel_reject(bool on);
    std::optional<std::vector<StreamPush>> set_mark_price(std::string_view symbol, std::string_view price);
    std::optional<std::vector<StreamPush>> venue_close(std::string_view kind, std::string_view symbol,
                                                       std::string_view position_side, std::string_view qty,
                                                       std::string_view price);
    std::optional<std::vector<StreamPush>> settle_funding(std::string_view symbol, std::string_view rate);
    void set_lose_move_reports(bool on);
    // The contract's mark price as text, for the market stream (sim_market_stream.cpp).
    std::optional<std::string> mark_price(std::string_view symbol) const;
    std::optional<std::vector<StreamPush>> fill_working(std::string_view client_order_id, std::string_view qty,
                                                        std::string_view price);
    std::vector<StreamPush> expire_all_keys();

    const SimConfig& config() const { return config_; }
    int ping_interval_ms() const { return config_.ping_interval_ms; }
    bool gzip() const { return config_.gzip; }

    template <typename F>
    void count(F&& f) {
        std::lock_guard lock(mutex_);
        f(stats_);
    }
    SimStats stats() const;
    std::vector<SimOrder> orders() const;
    std::optional<SimOrder> order(std::string_view client_order_id) const;
    std::vector<SimPosition> positions() const;

    std::int64_t now_ms() const;

private:
    struct Contract {
        SimContract spec;
        Decimal lot_step;
        Decimal tick_size;
        Decimal min_qty;
        Decimal min_notional;
        Decimal mark;
    };
    struct Position {
        Decimal amount; // hedge: >= 0 per side; one-way: signed
        Decimal avg_price;
        Decimal realised;
        std::int64_t update_time_ms = 0;
    };
    struct ListenKey {
        std::int64_t expires_ms = 0;
        bool dead = false;
    };
    using Params = std::vector<std::pair<std::string, std::string>>;
    using json_text_list = std::vector<std::string>; // JSON objects as text (keeps json out of this header)
    // A place request, read and checked against its contract.
    struct OrderDraft {
        Contract* spec = nullptr;
        std::string symbol;
        std::string side;
        std::string position_side;
        std::string type;
        Decimal qty;
        Decimal limit_price;
        std::string client_id;
        bool reduce_only = false;
    };

    // Everything below runs with mutex_ held.
    Handled handle_locked(const SimRequest& request);
    Handled route(const SimRequest& request, const Params& params, std::int64_t now);
    std::optional<SimResponse> check_auth(const SimRequest& request, const Params& params, std::int64_t now);
    Handled place_order(const Params& params, std::int64_t now, bool act);
    Result<OrderDraft, Handled> read_order(const Params& params);
    std::optional<Handled> refusal_of(const OrderDraft& draft, Decimal price);
    Handled cancel_order(const Params& params, std::int64_t now, bool act);
    Handled query_order(const Params& params);
    Handled open_orders(const Params& params);
    Handled cancel_all(const Params& params, std::int64_t now);
    Handled positions_answer(const Params& params);
    Handled balance_answer(bool v3);
    Handled position_mode_answer(const SimRequest& request, const Params& params);
    Handled ticker_answer(const std::string* symbol, std::int64_t now);
    json_text_list position_items(const std::string* symbol, std::int64_t now) const;
    std::int64_t leverage_of(const std::string& symbol, const std::string& side) const;
    bool account_busy() const;
    // The account file (SimConfig::state_path): read once, written after each change.
    void load_state();
    void save_state() const;
    // Venue moves (sim_moves.cpp).
    struct Income {
        std::string symbol;
        Decimal income; // signed: negative paid by the account
        std::int64_t time_ms = 0;
        std::string tran_id;
    };
    Handled force_orders_answer(const Params& params);
    Handled all_orders_answer(const Params& params);
    Handled income_answer(const Params& params);
    Decimal liquidation_price(const std::string& key, const Position& book) const;
    void check_liquidations(const std::string& symbol, std::int64_t now);
    // The venue's own order closing qty of the book under key at price; nullptr when none is held.
    SimOrder* close_by_venue(const std::string& key, std::string_view type, Decimal qty, Decimal price,
                             std::optional<Decimal> fee_rate, std::string_view execution, std::int64_t now);
    void settle_funding_locked(const std::string& symbol, Decimal rate, std::int64_t now);
    void settle_due_funding(std::int64_t now);
    // Queues a stream message with the stream faults drawn (emit's tail).
    void push_event(std::string text, std::int64_t now);
    Handled leverage_answer(const SimRequest& request, const Params& params);
    Handled listen_key_answer(const SimRequest& request, const Params& params, std::int64_t now);
    Handled public_answer(const SimRequest& request, const Params& params, std::int64_t now);

    // Both append stream messages to pending_pushes_, which handle() hands to the server.
    // fee_rate: the taker rate unless given; execution: the stream's `x` for the fill.
    void fill(SimOrder& order, Decimal qty, Decimal price, std::int64_t now, std::optional<Decimal> fee_rate = std::nullopt,
              std::string_view execution = "TRADE");
    void emit(const SimOrder& order, std::string_view execution, std::int64_t now, Decimal last_qty,
              Decimal last_price, Decimal last_fee);
    std::vector<std::string> live_keys(std::int64_t now) const;
    Contract* contract(std::string_view symbol);
    SimOrder* find_order(const Params& params);
    std::string order_json(const SimOrder& order, bool rest) const;
    Position& position(const std::string& symbol, const std::string& side);
    Decimal market_price(const Contract& contract, const Params& params) const;

    mutable std::mutex mutex_;
    SimConfig config_;
    SplitMix64 rng_;
    std::map<std::string, Contract> contracts_;
    std::map<std::int64_t, SimOrder> orders_;
    std::map<std::string, std::int64_t> order_by_client_;
    std::map<std::int64_t, Decimal> notional_; // per order: sum of fill price x qty
    std::map<std::string, Position> positions_; // "BTC-USDT/LONG"
    std::map<std::string, std::int64_t> leverage_; // "BTC-USDT/LONG"
    std::map<std::string, ListenKey> listen_keys_;
    std::deque<std::int64_t> recent_signed_ms_; // rate-limit window
    std::optional<Decimal> fill_price_;
    Decimal fill_ratio_;
    Decimal balance_;
    Decimal fees_paid_;
    std::int64_t next_order_id_ = 1590973236294713344LL;
    SimStats stats_;
    std::vector<StreamPush> pending_pushes_;
    std::map<std::int64_t, std::string> force_kinds_; // order id -> LIQUIDATION / ADL
    std::vector<Income> incomes_;
    std::int64_t next_funding_ms_ = 0;
    bool lose_move_reports_ = false;
    bool muted_ = false; // a venue move's stream reports are being withheld
};

// Percent-decoding of query/body values ('+' is a space); nullopt for a broken escape.
std::optional<std::string> sim_url_decode(std::string_view text);
std::string sim_hmac_sha256_hex(std::string_view secret, std::string_view payload);
std::string sim_gzip(std::string_view text);

} // namespace dita::bingx_sim
