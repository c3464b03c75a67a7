#pragma once
// Value types shared by the kernel, the venues, the chaos layer and the bindings.
#include <array>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "dita/contracts/decimal.hpp"
#include "dita/contracts/detail_text.hpp"
#include "dita/contracts/enums.hpp"
#include "dita/contracts/fixed_string.hpp"

namespace dita {

inline constexpr std::size_t exit_legs_max = 8;

// An intent as the strategy states it: floating point, as users write it. The kernel
// validates and converts every field to fixed point before anything changes.
struct KernelIntent {
    std::int64_t timestamp_ns = 0;
    std::string intent_id;
    std::string trade_id;
    int slot_id = 0;
    std::string asset = "BTCUSDT";
    TradeSide side = TradeSide::LONG;
    KernelCommandType action = KernelCommandType::ENTER;
    double reference_price = 0.0;
    double target_size = 0.0; // EXIT: 0 means "the next exit leg"
    double leverage = 1.0;
    std::vector<double> exit_leg_ratios{1.0};
    std::string reason;
    std::map<std::string, std::string> metadata;
};

// Everything the venue reports is cumulative per order (filled size, average price, fee),
// so the latest report carries the whole truth and replay order does not matter.
//
// Venue moves (kinds LIQUIDATION, ADL, MANUAL_CLOSE): the venue's own order reducing the
// position of `side` on `asset`, named by venue_order_id (client_order_id empty or the venue's
// own); cum_filled_qty, avg_fill_price and cum_fee are that order's, cumulative.
// FUNDING: one funding settlement of the `side` position on `asset`, named by venue_order_id
// (unique per asset, side and settlement); cum_filled_qty is the position's size, price the mark
// it was valued at, cum_fee the amount charged to the account (negative: paid to it).
struct VenueEvent {
    KernelEventKind kind = KernelEventKind::ORDER_ACK;
    VenueEventStatus status = VenueEventStatus::NEW;
    Id venue_order_id;
    Id client_order_id;
    int slot_id = -1;
    Id trade_id;
    TradeSide side = TradeSide::LONG;
    AssetName asset;
    Decimal order_qty;
    Decimal cum_filled_qty;
    Decimal avg_fill_price;
    Decimal cum_fee;
    Decimal price; // mark price for MARK_PRICE events
    std::uint64_t venue_sequence = 0;
    std::int64_t timestamp_ns = 0;

    friend bool operator==(const VenueEvent&, const VenueEvent&) = default;
};

struct Transition {
    int slot_id = -1;
    TradeStage from = TradeStage::IDLE;
    TradeStage to = TradeStage::IDLE;
    FsmInput input = FsmInput::DECIDE;
    std::int64_t timestamp_ns = 0;
};

// What one venue move did to one slot (slot_id -1: the part no slot held, left to
// reconciliation), or one funding settlement booked (slot_id -1): machine-readable.
struct VenueMoveReport {
    KernelEventKind cause = KernelEventKind::LIQUIDATION;
    AssetName asset;
    TradeSide side = TradeSide::LONG;
    int slot_id = -1;
    Id trade_id;
    Id venue_order_id;
    Decimal size;  // reduced in this input (FUNDING: the position's size)
    Decimal price; // the venue's price (FUNDING: the mark)
    Decimal fee;   // charged in this input (FUNDING: charged; negative: paid to the account)
    friend bool operator==(const VenueMoveReport&, const VenueMoveReport&) = default;
};

// The machine-readable facts a diagnostic is about (empty, zero or -1 where it is about none).
// What `size` and `limit` hold depends on the code, e.g. OVERFILL: filled and ordered (an
// exit's: filled and the open size); RECONCILE_MISMATCH: the gap (venue minus kernel) and the
// kernel's net; RISK_LIMIT: the margin and the free equity; DUPLICATE_EVENT and STALE_EVENT:
// the reported and the known cumulative fill; INVALID_SIZE and INVALID_PRICE: the value and
// the step or tick it missed.
struct DiagnosticFields {
    int slot_id = -1;
    Id client_order_id;
    Id trade_id;
    AssetName asset;
    Decimal size;
    Decimal limit;

    friend bool operator==(const DiagnosticFields&, const DiagnosticFields&) = default;
};

// One thing the kernel said about an input: its fields, a code and a severity. Programs read
// those; the detail is for people and may be reworded at any time.
struct KernelDiagnostic : DiagnosticFields {
    KernelDiagnosticCode code = KernelDiagnosticCode::OK;
    KernelSeverity severity = KernelSeverity::INFO;
    DetailText detail; // formatted when read

    friend bool operator==(const KernelDiagnostic&, const KernelDiagnostic&) = default;
};

inline constexpr std::size_t kernel_diagnostics_max = 64;

struct KernelOutcome {
    // The input's result: its most severe diagnostic (the first among equals), or its newest
    // progress note (OK at INFO) when it has no diagnostic.
    KernelDiagnosticCode diagnostic_code = KernelDiagnosticCode::OK;
    KernelSeverity severity = KernelSeverity::INFO;
    DetailText details; // formatted when read
    std::vector<VenueEvent> emitted_events;
    std::vector<Transition> transitions;
    std::vector<VenueMoveReport> venue_moves; // what the venue did by itself, settled here
    int slot_id = -1;
    std::uint64_t input_sequence = 0; // the kernel's count of inputs, this one included
    std::int64_t timestamp_ns = 0;
    // Every diagnostic of the input, in the order said (progress notes aside), at most
    // kernel_diagnostics_max; the result always among them. `diagnostics_dropped` counts the rest.
    std::vector<KernelDiagnostic> diagnostics;
    std::uint64_t diagnostics_dropped = 0;
    int result_index = -1; // the result's place in `diagnostics`; -1 when it is a progress note

    bool ok() const { return diagnostic_code == KernelDiagnosticCode::OK; }
    // The result as a diagnostic with its fields, or nullptr for a progress note.
    const KernelDiagnostic* result() const {
        if (result_index < 0 || static_cast<std::size_t>(result_index) >= diagnostics.size()) return nullptr;
        return &diagnostics[static_cast<std::size_t>(result_index)];
    }
};

struct InstrumentSpec {
    AssetName asset;
    Decimal lot_step = Decimal::from_raw(100'000);  // 0.001
    Decimal tick_size = Decimal::from_raw(10'000'000); // 0.1
    Decimal min_qty = Decimal::from_raw(100'000);
    Decimal min_notional;
};

struct OrderRequest {
    Id client_order_id;
    AssetName asset;
    TradeSide side = TradeSide::LONG; // the position's side; exits reduce it
    OrderPurpose purpose = OrderPurpose::ENTRY;
    Decimal qty;
    Decimal reference_price;
    Decimal leverage;
    int slot_id = -1;
    Id trade_id;
    std::int64_t timestamp_ns = 0;
};

struct CancelRequest {
    Id client_order_id;
    Id venue_order_id;
    AssetName asset;
    int slot_id = -1;
};

struct VenueCallResult {
    VenueCallStatus status = VenueCallStatus::ACCEPTED;
    Id venue_order_id;
    std::string detail;
};

// The venue's view of one order.
struct VenueOrder {
    Id client_order_id;
    Id venue_order_id;
    AssetName asset;
    TradeSide side = TradeSide::LONG;
    OrderPurpose purpose = OrderPurpose::ENTRY;
    Decimal qty;
    VenueOrderStatus status = VenueOrderStatus::NEW;
    Decimal cum_filled_qty;
    Decimal avg_fill_price;
    Decimal cum_fee;
    std::uint64_t venue_sequence = 0;
    int slot_id = -1;
    Id trade_id;

    friend bool operator==(const VenueOrder&, const VenueOrder&) = default;
};

struct VenuePosition {
    AssetName asset;
    TradeSide side = TradeSide::LONG;
    Decimal size;
    Decimal entry_price;

    friend bool operator==(const VenuePosition&, const VenuePosition&) = default;
};

template <typename T>
struct VenueQuery {
    VenueCallStatus status = VenueCallStatus::ACCEPTED;
    T value{};
    std::string detail;
    bool ok() const { return status == VenueCallStatus::ACCEPTED; }
};

// The kernel's knowledge of one of its orders: the latest cumulative truth seen.
struct OrderRecord {
    Id client_order_id;
    Id venue_order_id;
    OrderPurpose purpose = OrderPurpose::ENTRY;
    TradeSide side = TradeSide::LONG;
    Decimal qty;
    VenueOrderStatus status = VenueOrderStatus::NEW;
    bool acked = false;
    bool cancel_requested = false;
    bool outcome_unknown = false; // submitted, answer lost: fate decided only by the venue
    Decimal cum_filled_qty;
    Decimal avg_fill_price;
    Decimal cum_fee;
    std::uint64_t last_venue_sequence = 0;

    bool working() const { return !is_terminal(status); }
    friend bool operator==(const OrderRecord&, const OrderRecord&) = default;
};

struct ExitLegs {
    std::array<Decimal, exit_legs_max> ratios{};
    std::uint8_t count = 0;

    Decimal operator[](std::size_t i) const { return ratios[i]; }
    friend bool operator==(const ExitLegs&, const ExitLegs&) = default;
};

// One slot's state: at most one trade at a time.
struct TradeSlot {
    int slot_id = 0;
    TradeStage fsm_state = TradeStage::IDLE;
    Id trade_id;
    TradeSide side = TradeSide::LONG;
    AssetName asset;
    Decimal target_size;
    Decimal size; // open position
    Decimal entry_filled;
    Decimal exit_filled;
    Decimal entry_price;
    Decimal exit_notional; // sum of exit fills at their prices; exit_price derives from it
    Decimal leverage;
    ExitLegs exit_legs;
    int active_leg_index = 0;
    Decimal realized_pnl;
    Decimal fees;
    bool closed = false;
    Id entry_order_id;  // the trade's entry order (empty before the first ENTER)
    Id exit_order_id;   // the latest exit order of the trade (empty before the first EXIT)
    Id working_order_id; // the order currently working at the venue, if any
    bool pending_exit = false; // EXIT asked while the entry was working: exit once it is done
    Decimal pending_exit_size; // zero: the next leg
    Decimal pending_exit_price;
    Id pending_exit_order_id;
    std::uint64_t trades_completed = 0;

    Decimal exit_price() const {
        return exit_filled.is_positive() ? exit_notional.div(exit_filled) : Decimal();
    }
    friend bool operator==(const TradeSlot&, const TradeSlot&) = default;
};

// What reconcile_from_slots accepts: a slot and the records of its trade's orders.
struct SlotSnapshot {
    TradeSlot slot;
    std::vector<OrderRecord> orders;
    friend bool operator==(const SlotSnapshot&, const SlotSnapshot&) = default;
};

struct AccountSnapshot {
    Decimal initial_capital;
    Decimal capital;
    Decimal equity;
    Decimal realized_pnl;
    Decimal fees_paid;
    Decimal unrealized_pnl;
    Decimal used_margin;
    Decimal funding; // funding received (negative: paid); capital includes it
    friend bool operator==(const AccountSnapshot&, const AccountSnapshot&) = default;
};

// What the terminal record of a trade holds; written to the zinc plane once per trade.
struct TradeRecord {
    int slot_id = 0;
    Id trade_id;
    TradeSide side = TradeSide::LONG;
    AssetName asset;
    Decimal target_size;
    Decimal entry_filled;
    Decimal entry_price;
    Decimal exit_filled;
    Decimal exit_price;
    Decimal realized_pnl;
    Decimal fees;
    std::int64_t closed_at_ns = 0;
    std::string reason;
};

} // namespace dita
