#pragma once
// The BingX perpetual-swap wire protocol, without networking: request signing, parameter
// strings, symbol and side mapping, and parsing of REST answers and user-stream messages
// into plain values. Facts and their sources: shared/reference/bingx-swap-api.md. Every
// parser accepts each variant the fact sheet marks UNSURE and never throws on bad input.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "dita/contracts/decimal.hpp"
#include "dita/contracts/enums.hpp"
#include "dita/contracts/result.hpp"
#include "dita/contracts/types.hpp"

namespace dita::bingx {

// ----------------------------------------------------------------------------------------
// Signing (fact sheet §2)

// HMAC-SHA256 of payload keyed by secret, as lowercase hex (64 characters).
std::string hmac_sha256_hex(std::string_view secret, std::string_view payload);

// Request parameters in the order they are signed and sent.
using Params = std::vector<std::pair<std::string, std::string>>;

// Percent-encoding for transit: RFC 3986 unreserved characters stay, everything else is %XX.
std::string url_encode(std::string_view value);
// Inverse of url_encode ('+' reads as a space); nullopt for a broken %-escape.
std::optional<std::string> url_decode(std::string_view value);

// "k1=v1&k2=v2": the raw (not encoded) string that is signed.
std::string raw_param_string(const Params& params);
// What goes on the wire: the encoded parameters, then "&signature=<hex over the raw string>".
std::string signed_query(const Params& params, std::string_view secret);

// ----------------------------------------------------------------------------------------
// Symbols and sides (fact sheet §4)

// Kernel asset name to BingX symbol: BTCUSDT -> BTC-USDT (a name that already has a hyphen
// is kept, upper-cased). nullopt when no known quote currency ends the name.
std::optional<std::string> to_bingx_symbol(std::string_view asset);
// BingX symbol to kernel asset name: BTC-USDT -> BTCUSDT.
std::string from_bingx_symbol(std::string_view symbol);

// HEDGE: positionSide LONG/SHORT (BingX "dual" mode). ONE_WAY: positionSide BOTH, exits
// carry reduceOnly=true.
// PositionMode is a contracts enum (dita/contracts/enums.hpp).

struct OrderSides {
    std::string_view side;          // BUY / SELL
    std::string_view position_side; // LONG / SHORT / BOTH
    bool reduce_only = false;
};
// BUY+LONG opens a long, SELL+LONG closes it; SELL+SHORT opens a short, BUY+SHORT closes it.
OrderSides order_sides(TradeSide position, OrderPurpose purpose, PositionMode mode);

struct TradeSideAndPurpose {
    TradeSide side = TradeSide::LONG;
    OrderPurpose purpose = OrderPurpose::ENTRY;
};
// Inverse of order_sides; nullopt for an unknown side/positionSide spelling.
std::optional<TradeSideAndPurpose> side_and_purpose(std::string_view side, std::string_view position_side,
                                                    bool reduce_only);

// NEW, PENDING -> NEW; PARTIALLY_FILLED; FILLED; CANCELED and CANCELLED -> CANCELED;
// FAILED, REJECTED -> REJECTED; EXPIRED. nullopt for anything else.
std::optional<VenueOrderStatus> order_status_from(std::string_view text);

// ----------------------------------------------------------------------------------------
// Exact numbers from JSON. BingX sends decimals as strings (sometimes "" for none) and ids
// as numbers or strings; these read both without going through double where avoidable.

// "0.10000000", "5", "", "-0.0137", digits beyond 1e-8 rounded half away from zero.
std::optional<Decimal> parse_decimal_lenient(std::string_view text);

// ----------------------------------------------------------------------------------------
// Answers

// How a REST answer (or its absence) bears on an order's fate.
enum class CallOutcome : std::uint8_t {
    OK,           // code 0
    REJECTED,     // a definite refusal: nothing was done
    NOT_FOUND,    // 80016: no such order
    RATE_LIMITED, // HTTP 429/418 or code 100410: refused, nothing was done
    UNKNOWN,      // 5xx, timeout, lost connection after sending, internal errors: may have executed
    NOT_SENT,     // the request never left (no connection, no keys): nothing was done
};
std::string_view to_string(CallOutcome outcome);

// Classifies an HTTP status and the envelope's code (nullopt when the body had none).
CallOutcome classify_reply(int http_status, std::optional<std::int64_t> code);

// The envelope {"code","msg","data"} of one REST answer, with data left as JSON text.
struct Envelope {
    bool parsed = false; // the body was JSON
    std::optional<std::int64_t> code;
    std::string msg;
    std::string data_json; // "null" when absent
};
Envelope parse_envelope(std::string_view body);

// A parsed value or the reason it could not be read (error code UNREADABLE).
template <typename T>
using Parsed = Result<T>;

// One order as REST reports it (place, query, cancel, open orders).
struct BingxOrder {
    std::string symbol;
    std::string order_id;
    std::string client_order_id;
    std::string side;
    std::string position_side;
    std::string type;
    std::optional<VenueOrderStatus> status; // nullopt: the answer carried none (place)
    Decimal orig_qty;
    Decimal price;
    Decimal executed_qty;
    Decimal avg_price;
    // As sent (negative means paid); nullopt when absent or "" (place answers, fresh orders).
    std::optional<Decimal> commission;
    bool reduce_only = false;
    std::int64_t time_ms = 0;
    std::int64_t update_time_ms = 0;
};

struct BingxPosition {
    std::string symbol;
    std::string position_side;
    Decimal position_amt; // signed as sent
    Decimal avg_price;
    Decimal unrealized_profit;
    std::int64_t leverage = 0;
};

struct BingxBalance {
    std::string asset;
    Decimal balance;
    Decimal equity;
    Decimal unrealized_profit;
    Decimal realised_profit;
    Decimal available_margin;
    Decimal used_margin;
    Decimal freezed_margin;
};

struct BingxContract {
    std::string symbol;
    int quantity_precision = 0;
    int price_precision = 0;
    Decimal trade_min_quantity;
    Decimal trade_min_usdt;
    Decimal taker_fee_rate;
    Decimal maker_fee_rate;
    int status = 1;

    // 10^-quantityPrecision, 10^-pricePrecision; nullopt beyond 8 places.
    std::optional<Decimal> lot_step() const;
    std::optional<Decimal> tick_size() const;
};

struct BingxLeverage {
    std::int64_t long_leverage = 0;
    std::int64_t short_leverage = 0;
};

struct BingxMarkPrice {
    std::string symbol;
    Decimal mark_price;
    Decimal index_price;
    Decimal last_funding_rate;
    std::int64_t next_funding_time_ms = 0;
};

// Parsers of the data part (Envelope::data_json) of each endpoint's answer.
Parsed<BingxOrder> parse_order_data(std::string_view data_json);              // {"order":{...}} or {...}
Parsed<std::vector<BingxOrder>> parse_orders_data(std::string_view data_json); // {"orders":[...]}, {"success":[...]}, [...]
Parsed<std::vector<BingxPosition>> parse_positions_data(std::string_view data_json);
Parsed<BingxBalance> parse_balance_data(std::string_view data_json);
Parsed<std::vector<BingxContract>> parse_contracts_data(std::string_view data_json);
Parsed<BingxLeverage> parse_leverage_data(std::string_view data_json);
Parsed<std::vector<BingxMarkPrice>> parse_premium_index_data(std::string_view data_json); // object or array
Parsed<std::int64_t> parse_server_time_data(std::string_view data_json);
// /openApi/swap/v1/positionSide/dual: {"dualSidePosition":"true"|"false"|true|false}; true: hedge.
Parsed<bool> parse_position_mode_data(std::string_view data_json);
// listenKey create answers without an envelope: {"listenKey":"..."} (a data-wrapped one is accepted too).
Parsed<std::string> parse_listen_key_body(std::string_view body);

// ----------------------------------------------------------------------------------------
// User data stream (fact sheet §6)

// gzip (or zlib) inflate with a bound on the output; nullopt for bad data or too much of it.
std::optional<std::string> inflate_message(std::string_view compressed, std::size_t output_max);

struct BingxOrderUpdate {
    std::int64_t event_time_ms = 0; // E
    std::string symbol;             // s
    std::string client_order_id;    // c, or C
    std::string order_id;           // i, number or string
    std::string side;               // S
    std::string type;               // o
    std::string execution_type;     // x
    std::string status_text;        // X as sent
    std::optional<VenueOrderStatus> status;
    std::string position_side; // ps
    Decimal qty;               // q
    Decimal price;             // p
    Decimal avg_price;         // ap
    Decimal cum_filled;        // z
    Decimal fee;               // n as sent: negative means paid
    std::optional<Decimal> last_qty;   // l (UNSURE)
    std::optional<Decimal> last_price; // L (UNSURE)
    bool reduce_only = false;          // ro (JKorf only)
    std::int64_t trade_time_ms = 0;    // T
};

// A stream order update the adapter did not place, read as a venue move: LIQUIDATION (type
// `o` = LIQUIDATION), ADL (execution type `x` = CALCULATED on any other type: BingX marks ADL and
// liquidation fills so), MANUAL_CLOSE (a person's order that reduces a position: hedge mode
// SELL+LONG / BUY+SHORT, one-way with reduce-only). nullopt: an order that opens a position, or
// nothing filled yet (the kernel's reconcile deals with those). `side` is the position reduced.
struct BingxVenueMove {
    KernelEventKind kind = KernelEventKind::MANUAL_CLOSE;
    TradeSide side = TradeSide::LONG;
};
std::optional<BingxVenueMove> venue_move_of(const BingxOrderUpdate& update);

// One funding settlement from an ACCOUNT_UPDATE whose reason `a.m` is FUNDING_FEE: the USDT
// balance change `a.B[].bc` (negative: paid) and the one position it names in `a.P[]`.
struct BingxFunding {
    std::string symbol;        // P[].s
    std::string position_side; // P[].ps
    Decimal position_amount;   // P[].pa (signed in one-way mode)
    Decimal balance_change;    // B[].bc of USDT
    std::int64_t time_ms = 0;  // E (or T)
};

// The id a funding settlement is booked under, the same from the stream and from the income
// history: "F<time>-<symbol>-<L|S>", the time rounded to the nearest bucket_ms (the stream's
// event time and the history's settlement time differ by the push delay; settlements of one
// position are an interval, at least an hour on BingX, apart). bucket_ms <= 1: the exact time.
std::string funding_move_id(std::int64_t time_ms, std::string_view symbol, TradeSide side, std::int64_t bucket_ms);

// A venue time in ms as the kernel's ns, or 0 (unknown) for a time before 1970 or past 2262,
// which a count of ns cannot hold: a broken or hostile answer must not overflow it.
constexpr std::int64_t ns_of_ms(std::int64_t time_ms) {
    return time_ms < 0 || time_ms > INT64_MAX / 1'000'000 ? 0 : time_ms * 1'000'000;
}

struct StreamMessage {
    enum class Kind : std::uint8_t {
        PING,               // "Ping": answer "Pong"
        ORDER_UPDATE,       // ORDER_TRADE_UPDATE
        LISTEN_KEY_EXPIRED, // listenKeyExpired
        ACCOUNT_UPDATE,     // ACCOUNT_UPDATE, ACCOUNT_CONFIG_UPDATE, SNAPSHOT: not needed here
        OTHER,              // an unknown "e" or a subscription answer: ignored
        INVALID,            // not JSON, or an order update missing what identifies the order
    };
    Kind kind = Kind::OTHER;
    std::string event_type; // "e"
    BingxOrderUpdate order;
    std::optional<BingxFunding> funding; // ACCOUNT_UPDATE with reason FUNDING_FEE and one position
    std::string listen_key;
    std::string error; // INVALID: why
};
StreamMessage parse_stream_message(std::string_view text);

// ----------------------------------------------------------------------------------------
// History that recovers a lost stream report of a venue move (README "BingX venue moves")

// One row of GET /openApi/swap/v2/user/income.
struct BingxIncome {
    std::string symbol;
    std::string income_type; // incomeType: FUNDING_FEE, REALIZED_PNL, COMMISSION, ...
    Decimal income;          // signed: negative was paid by the account
    std::string asset;
    std::int64_t time_ms = 0;
    std::string tran_id;
    std::string position_side; // positionSide where a row carries one (not in the docs' example)
};
// data: a list, or an object holding it under "list", "rows", "items" or "income"; null is empty.
Parsed<std::vector<BingxIncome>> parse_income_data(std::string_view data_json);

// An order from the history (forceOrders, allOrders) read as a venue move. forced: the
// autoCloseType the forceOrders query asked for (LIQUIDATION or ADL); a row whose own type says
// LIQUIDATION or ADL is that. Without forced, a row is a move only by its type, or as a MANUAL_CLOSE
// when it reduces a position (hedge SELL+LONG / BUY+SHORT, one-way reduce-only). nullopt: nothing
// filled, or an order that opens.
std::optional<BingxVenueMove> history_move_of(const BingxOrder& order, std::optional<KernelEventKind> forced);

// The history of one symbol, as read for venue_moves().
struct BingxHistory {
    std::vector<BingxOrder> liquidations; // forceOrders, autoCloseType=LIQUIDATION
    std::vector<BingxOrder> adl;          // forceOrders, autoCloseType=ADL
    std::vector<BingxOrder> orders;       // allOrders not placed by the adapter
    std::vector<BingxIncome> incomes;     // income, incomeType=FUNDING_FEE
    std::vector<BingxPosition> positions; // now: the side a funding row without one belongs to
};
struct BingxHistoryMoves {
    std::vector<VenueEvent> events;
    // Funding rows whose side could not be told (both sides held, or none): left out rather
    // than booked under an id the stream may have used for the other side.
    std::size_t funding_unattributed = 0;
};
// The events the stream would have delivered for these moves, for `asset` (BingX `symbol`):
// liquidations and ADL by order id (an id in both lists is read once, as LIQUIDATION), manual
// closes from orders with no client order id (the website's and the app's) that are in neither
// list, and funding under funding_move_id(). Pure.
BingxHistoryMoves venue_moves_of(const BingxHistory& history, std::string_view symbol, std::string_view asset,
                                 std::int64_t funding_bucket_ms);

} // namespace dita::bingx
