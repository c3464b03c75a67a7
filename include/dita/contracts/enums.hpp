#pragma once
// Every enum of the contracts, with its names, in one place. The string of a value is
// its own name; to_string/from_string are generated from the same list.
#include <array>
#include <cstdint>
#include <optional>
#include <string_view>

namespace dita {

#define DITA_TRADE_SIDE(X) X(LONG) X(SHORT)

#define DITA_COMMAND_TYPE(X) X(ENTER) X(EXIT) X(CANCEL) X(MARK_PRICE) X(RECONCILE)

#define DITA_TRADE_STAGE(X)                                                                \
    X(IDLE) X(DECISION_CREATED) X(INTENT_CREATED) X(ORDER_REQUESTED) X(ORDER_SENT)         \
    X(ORDER_ACKED) X(ORDER_REJECTED) X(ENTRY_WORKING) X(PARTIAL_FILL) X(POSITION_OPENED)   \
    X(POSITION_OPEN) X(EXIT_REQUESTED) X(EXIT_SENT) X(EXIT_ACKED) X(EXIT_REJECTED)         \
    X(EXIT_WORKING) X(POSITION_PARTIALLY_CLOSED) X(POSITION_CLOSED) X(CLOSED)              \
    X(TRADE_TERMINAL_WRITTEN) X(STALE_STATE_RECONCILING)

#define DITA_DIAGNOSTIC_CODE(X)                                                            \
    X(OK) X(ORDER_REJECTED) X(INVALID_SLOT_ID) X(UNSUPPORTED_INTENT) X(UNKNOWN_EVENT_KIND) \
    X(INVALID_TRANSITION) X(TERMINAL_STATE) X(INVALID_SIZE) X(INVALID_PRICE)               \
    X(INVALID_LEVERAGE) X(INVALID_LEG_RATIOS) X(UNKNOWN_ASSET) X(INVALID_INTENT_ID)        \
    X(INVALID_EVENT) X(INVALID_SNAPSHOT) X(SLOT_BUSY) X(SLOT_RECONCILING)                  \
    X(NOTHING_TO_EXIT) X(NOTHING_TO_CANCEL) X(CANCEL_PENDING) X(CANCEL_REJECTED)           \
    X(UNKNOWN_ORDER) X(DUPLICATE_EVENT) X(STALE_EVENT) X(DUPLICATE_INTENT) X(OVERFILL)     \
    X(RISK_LIMIT) X(KERNEL_HALTED) X(REDUCE_ONLY) X(VENUE_UNAVAILABLE) X(OUTCOME_UNKNOWN)  \
    X(RECONCILED) X(RECONCILE_MISMATCH) X(INVARIANT_BROKEN)            \
    X(POSITION_MODE_CONFLICT) X(VENUE_LIQUIDATION) X(VENUE_ADL) X(VENUE_MANUAL_CLOSE)      \
    X(FUNDING_BOOKED)

#define DITA_SEVERITY(X) X(INFO) X(WARNING) X(ERROR) X(CRITICAL)

#define DITA_EVENT_KIND(X)                                                                 \
    X(ORDER_ACK) X(PARTIAL_FILL) X(FILL) X(ORDER_REJECT) X(CANCEL_ACK) X(CANCEL_REJECT)    \
    X(EXPIRED) X(MARK_PRICE) X(LIQUIDATION) X(ADL) X(MANUAL_CLOSE) X(FUNDING)

// What the venue did by itself to a position (a venue move): LIQUIDATION, ADL (auto-
// deleveraging) and MANUAL_CLOSE (an order the kernel did not make) reduce a position; FUNDING
// charges or pays the holder of one.

// HEDGE: long and short positions of an asset are held apart (BingX "dual" mode). ONE_WAY: one
// net position per asset; an order of the other side reduces it.
#define DITA_POSITION_MODE(X) X(HEDGE) X(ONE_WAY)

#define DITA_ORDER_STATUS(X) X(NEW) X(PARTIALLY_FILLED) X(FILLED) X(CANCELED) X(REJECTED) X(EXPIRED)

// The order status an event reports; INFO for events that are not about an order.
#define DITA_EVENT_STATUS(X) DITA_ORDER_STATUS(X) X(INFO)

#define DITA_KERNEL_MODE(X) X(NORMAL) X(DEBUG) X(REDUCE_ONLY) X(HALTED)

#define DITA_VERBOSITY(X) X(SILENT) X(NORMAL) X(VERBOSE) X(TRACE)

#define DITA_ORDER_PURPOSE(X) X(ENTRY) X(EXIT)

// What the venue said about a submit or cancel call. UNKNOWN: no answer (timeout, lost
// connection); the order's fate is not assumed until the venue reports it.
#define DITA_CALL_STATUS(X) X(ACCEPTED) X(REJECTED) X(UNKNOWN) X(UNAVAILABLE)

// The FSM's vocabulary: what moves a slot from one TradeStage to another.
#define DITA_FSM_INPUT(X)                                                                  \
    X(DECIDE) X(CREATE_INTENT) X(REQUEST_ORDER) X(SEND_ORDER) X(ENTRY_ACKED)               \
    X(ENTRY_WORKS) X(ENTRY_PARTIAL) X(ENTRY_FILLED) X(ENTRY_REJECTED) X(ENTRY_CANCELED)    \
    X(POSITION_SETTLED) X(EXIT_REQUEST) X(EXIT_SEND) X(EXIT_ACK) X(EXIT_WORKS)             \
    X(EXIT_PARTIAL) X(EXIT_LEG_DONE) X(EXIT_ALL_DONE) X(EXIT_REJECT) X(EXIT_CANCELED)      \
    X(EXIT_CANCELED_REDUCED) X(EXIT_RESUME) X(EXIT_RESUME_REDUCED) X(CLOSE_TRADE) X(WRITE_TERMINAL) X(LATE_ENTRY_FILL) X(BEGIN_RECONCILE)  \
    X(RESOLVE_IDLE) X(RESOLVE_ENTRY_WORKING) X(RESOLVE_PARTIAL_FILL)                       \
    X(RESOLVE_POSITION_OPEN) X(RESOLVE_PARTIALLY_CLOSED) X(RESOLVE_EXIT_WORKING)           \
    X(RESOLVE_REJECTED) X(RESOLVE_CLOSED) X(RESOLVE_TERMINAL)

#define DITA_ENUM_MEMBER(name) name,
#define DITA_ENUM_NAME(name) #name,
#define DITA_DECLARE_ENUM(Type, LIST)                                                      \
    enum class Type : std::uint8_t { LIST(DITA_ENUM_MEMBER) };                             \
    template <>                                                                            \
    struct EnumNames<Type> {                                                               \
        static constexpr std::string_view names[] = {LIST(DITA_ENUM_NAME)};               \
        static constexpr std::string_view type_name = #Type;                               \
    };

template <typename E>
struct EnumNames;

DITA_DECLARE_ENUM(TradeSide, DITA_TRADE_SIDE)
DITA_DECLARE_ENUM(KernelCommandType, DITA_COMMAND_TYPE)
DITA_DECLARE_ENUM(TradeStage, DITA_TRADE_STAGE)
DITA_DECLARE_ENUM(KernelDiagnosticCode, DITA_DIAGNOSTIC_CODE)
DITA_DECLARE_ENUM(KernelSeverity, DITA_SEVERITY)
DITA_DECLARE_ENUM(KernelEventKind, DITA_EVENT_KIND)
DITA_DECLARE_ENUM(VenueOrderStatus, DITA_ORDER_STATUS)
DITA_DECLARE_ENUM(VenueEventStatus, DITA_EVENT_STATUS)
DITA_DECLARE_ENUM(KernelMode, DITA_KERNEL_MODE)
DITA_DECLARE_ENUM(KernelVerbosity, DITA_VERBOSITY)
DITA_DECLARE_ENUM(OrderPurpose, DITA_ORDER_PURPOSE)
DITA_DECLARE_ENUM(VenueCallStatus, DITA_CALL_STATUS)
DITA_DECLARE_ENUM(FsmInput, DITA_FSM_INPUT)
DITA_DECLARE_ENUM(PositionMode, DITA_POSITION_MODE)

template <typename E>
constexpr std::size_t enum_count() {
    return std::size(EnumNames<E>::names);
}

template <typename E>
constexpr std::string_view to_string(E value) {
    const auto index = static_cast<std::size_t>(value);
    return index < enum_count<E>() ? EnumNames<E>::names[index] : std::string_view("?");
}

template <typename E>
constexpr std::optional<E> enum_from_string(std::string_view text) {
    for (std::size_t i = 0; i < enum_count<E>(); ++i) {
        if (EnumNames<E>::names[i] == text) return static_cast<E>(i);
    }
    return std::nullopt;
}

template <typename E>
constexpr auto enum_values() {
    std::array<E, enum_count<E>()> out{};
    for (std::size_t i = 0; i < out.size(); ++i) out[i] = static_cast<E>(i);
    return out;
}

constexpr int side_sign(TradeSide side) { return side == TradeSide::LONG ? 1 : -1; }

constexpr bool is_venue_reduction(KernelEventKind kind) {
    return kind == KernelEventKind::LIQUIDATION || kind == KernelEventKind::ADL ||
           kind == KernelEventKind::MANUAL_CLOSE;
}

constexpr bool is_terminal(VenueOrderStatus status) {
    return status == VenueOrderStatus::FILLED || status == VenueOrderStatus::CANCELED ||
           status == VenueOrderStatus::REJECTED || status == VenueOrderStatus::EXPIRED;
}

} // namespace dita
