#pragma once
// The adapter's private state, shared by its parts. Each part lives in a file of its own:
//   rest_client.cpp    signed REST calls, clock offset, retry backoff
//   instruments.cpp    contract rules per asset
//   order_tracker.cpp  what is known of each order; events for the kernel
//   order_entry.cpp    submit, cancel, order queries, leverage
//   user_stream.cpp    the user-data WebSocket and the supervisor that keeps it up
//   bingx_venue.cpp    the public class, credentials, make_bingx_adapter
// Locking: `mutex` guards the order book, instruments, event queue, stats and stream flags;
// `supervisor_mutex` guards the supervisor's signals. Neither is held across a network call.
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <random>
#include <string>
#include <thread>
#include <tuple>
#include <vector>

#include "dita/venues/bingx/bingx_venue.hpp"
#include "net.hpp"
#include "rest_client.hpp"

namespace dita::bingx {

namespace detail {

constexpr std::size_t client_order_id_max = 40; // BingX: 1 to 40 characters
constexpr std::size_t stream_message_max = 1u << 20;
constexpr int query_attempts_max = 4;
constexpr int supervisor_tick_ms = 250;
constexpr std::string_view path_order = "/openApi/swap/v2/trade/order";
// How much earlier than our first send (by our estimate of the server clock) an order found
// under our client order id may be stamped and still be ours: the estimate's error.
constexpr std::int64_t adoption_clock_slack_ms = 2000;


std::string no_symbol_detail(std::string_view asset);

// What a query about an asset BingX does not list answers.
template <typename T>
VenueQuery<T> no_symbol(std::string_view asset) {
    return {VenueCallStatus::REJECTED, {}, no_symbol_detail(asset)};
}

// 1-40 characters of [a-z0-9._-] (lower case: the adapter's keys are lower-cased ids).
bool venue_safe_id(std::string_view id);

// One order as this adapter knows it.
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
    std::int64_t first_send_ms = 0; // venue time of the first send (0: never sent)
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

struct QueryOutcome {
    CallOutcome outcome = CallOutcome::NOT_SENT;
    std::optional<BingxOrder> order;
    std::string detail;
};

// symbol, client order id, venue order id: an order to ask REST about.
using OrderKey = std::tuple<std::string, std::string, std::string>;

} // namespace detail

struct BingxVenueAdapter::Impl {
    using Tracked = detail::Tracked;
    using Report = detail::Report;
    using QueryOutcome = detail::QueryOutcome;
    using Reply = detail::Reply;
    using SteadyTime = detail::SteadyTime;

    BingxConfig config;
    net::Url rest_url;
    net::Url ws;
    std::unique_ptr<net::Network> network;
    std::unique_ptr<detail::RestClient> rest;

    mutable std::mutex mutex; // everything below until the supervisor block
    std::condition_variable events_cv;
    std::map<std::string, Tracked> orders;            // by lower-case client order id
    std::map<std::string, std::string> coid_by_venue; // venue order id -> client order id
    std::map<std::string, InstrumentInfo> instruments; // by kernel asset name
    std::map<std::string, std::string> asset_by_symbol;
    std::map<std::string, int> leverage_set; // "BTC-USDT/LONG" -> leverage
    std::deque<VenueEvent> events;
    // The kind each venue move the stream reported was given, by venue order id (bounded): the
    // history names the same order the same way, so the kernel settles it once.
    std::map<std::string, KernelEventKind> move_kinds;
    std::chrono::steady_clock::time_point last_event_at{};
    std::uint64_t sequence = 0;
    std::uint64_t created_count = 0;
    BingxAdapterStats stats;

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
    std::optional<BingxAccountState> starting_account; // set by start() before any thread reads it
    std::mt19937_64 jitter;

    explicit Impl(BingxConfig in);
    ~Impl();

    std::int64_t now_ms() const { return rest->now_ms(); }
    template <typename F>
    void bump(F&& f) {
        std::lock_guard lock(mutex);
        f(stats);
    }
    void sleep_interruptibly(std::chrono::milliseconds duration);
    bool stopping();
    BingxAdapterStats stats_snapshot() const;

    // instruments.cpp
    std::string asset_of_symbol(const std::string& symbol) const;
    VenueQuery<InstrumentInfo> load_contract(std::string_view asset);
    std::optional<InstrumentInfo> instrument_info(std::string_view asset) const;

    // order_tracker.cpp (the _locked ones under mutex)
    void push_event_locked(VenueEvent event);
    void coalesce_locked();
    VenueEvent event_of_locked(const Tracked& order, std::int64_t time_ms) const;
    bool apply_report_locked(Tracked& order, const Report& report);
    void apply_fee_locked(Tracked& order, const Report& report);
    Report report_of(const BingxOrder& order) const;
    void absorb_order(const BingxOrder& order);
    Tracked* find_locked(const std::string& coid, const std::string& venue_id);
    void prune_locked();
    VenueOrder venue_order_of(const BingxOrder& order);
    void resolve_missing(const std::string& coid);
    void absorb_query(const QueryOutcome& state, const std::string& coid);
    // An order the venue holds under a client order id this adapter used, but that is not
    // provably the one it sent (see order_tracker.cpp). Such an order is never adopted.
    bool is_stranger_locked(const Tracked& tracked, const BingxOrder& found) const;
    // Our submit under that id cannot have made an order (the venue refuses a taken id).
    void settle_as_stranger_locked(Tracked& tracked, bool tell_kernel);

    // order_entry.cpp
    QueryOutcome query_once(const std::string& symbol, const std::string& coid, const std::string& venue_id,
                            SteadyTime deadline);
    QueryOutcome query_definite(const std::string& symbol, const std::string& coid, const std::string& venue_id,
                                SteadyTime deadline);
    VenueCallResult accepted_from(const BingxOrder& order, SteadyTime deadline);
    void settle_fee(const std::string& coid, SteadyTime deadline);
    VenueCallResult refuse(const std::string& coid, VenueCallStatus status, std::string detail);
    std::string leverage_side(TradeSide side) const;
    std::optional<VenueCallResult> ensure_leverage(const std::string& symbol, TradeSide side, Decimal leverage,
                                                   SteadyTime deadline);
    VenueCallResult submit(const OrderRequest& request);
    Result<InstrumentInfo, VenueCallResult> check_order(const OrderRequest& request, const std::string& coid) const;
    Result<bool, VenueCallResult> begin_tracking(const OrderRequest& request, const std::string& coid,
                                                 const InstrumentInfo& info);
    Params place_params(const OrderRequest& request, const std::string& coid, const InstrumentInfo& info) const;
    std::optional<VenueCallResult> adopt_by_query(const std::string& symbol, const std::string& coid,
                                                  SteadyTime deadline, std::string& detail);
    Result<BingxAccountState, Error> check_account(); // account.cpp
    Result<PositionMode, Error> read_position_mode();
    VenueCallResult submit_tracked(const OrderRequest& request, const std::string& coid);
    VenueCallResult send_order(const std::string& coid, const InstrumentInfo& info, const Params& params,
                               bool maybe_sent, SteadyTime deadline);
    VenueCallResult cancel(const CancelRequest& request);
    std::optional<VenueCallResult> cancel_decided_by_query(const std::string& symbol, const std::string& coid,
                                                           const std::string& venue_id, const Reply& reply,
                                                           SteadyTime deadline, std::string& last_detail);

    // user_stream.cpp
    void on_stream_message(std::uint64_t session, std::string payload, bool binary);
    void on_order_update(const BingxOrderUpdate& update);
    void on_funding(const BingxFunding& funding);
    void remember_move_locked(const std::string& venue_order_id, KernelEventKind kind);
    void on_stream_closed(std::uint64_t session);
    bool create_listen_key();
    struct StreamConnect {
        bool connected = false;
        // Events may have been missed before this session (an earlier session existed, or
        // orders were already open when it came up).
        bool gap_possible = false;
        std::string error;
    };
    StreamConnect connect_stream();
    bool catch_up();
    void supervise();
    bool supervise_connect(int& failures, std::int64_t& last_keepalive_ms);
    void supervise_wait(int& failures);
    void drop_stream(bool forget_key);
    void set_catch_up(bool value);
    void check_unresolved();
    std::vector<detail::OrderKey> unresolved_orders();
    void wait_backoff(int failures);
    void start_supervisor();
    void stop_supervisor();
};

} // namespace dita::bingx
