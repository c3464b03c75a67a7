#pragma once
// Pure helpers of the kernel: validation, the event merge, quantities, hashing.
// Private to src/kernel; none of these touch kernel state.
#include <optional>
#include <type_traits>
#include <string>
#include <string_view>
#include <vector>

#include "dita/contracts/fields.hpp"
#include "dita/contracts/types.hpp"
#include "dita/control/control_plane.hpp"
#include "dita/kernel/bounds.hpp"
#include "dita/zinc/zinc_plane.hpp"

namespace dita::detail {

// A vector the kernel keeps between calls, lent whole to one call: its room is reused, so the
// call allocates nothing once warm. A call nested inside another that holds it gets an empty
// one of its own (only room is lost, never contents); the larger room is kept.
template <typename T>
class Lent {
public:
    explicit Lent(std::vector<T>& home) : home_(home) {
        items_.swap(home_);
        items_.clear();
    }
    ~Lent() {
        if (items_.capacity() > home_.capacity()) {
            items_.clear();
            home_.swap(items_);
        }
    }
    Lent(const Lent&) = delete;
    Lent& operator=(const Lent&) = delete;
    std::vector<T>& operator*() { return items_; }

private:
    std::vector<T>& home_;
    std::vector<T> items_;
};

using Bounds = KernelBounds;

struct Validated {
    bool ok = true;
    KernelDiagnosticCode code = KernelDiagnosticCode::OK;
    std::string detail;
    Decimal size;
    Decimal price;
    Decimal leverage;
    ExitLegs legs;
};

std::string fmt_double(double value);

// Builds a detail text with one allocation: strings, Decimals, enums and integers.
inline void append_piece(std::string& out, std::string_view text) { out.append(text); }
inline void append_piece(std::string& out, const char* text) { out.append(text); }
inline void append_piece(std::string& out, const std::string& text) { out.append(text); }
inline void append_piece(std::string& out, Decimal value) { value.append_to(out); }
template <std::size_t N>
void append_piece(std::string& out, const FixedString<N>& text) {
    out.append(text.view());
}
template <typename E>
    requires std::is_enum_v<E>
void append_piece(std::string& out, E value) {
    out.append(to_string(value));
}
template <typename I>
    requires std::is_integral_v<I>
void append_piece(std::string& out, I value) {
    out.append(std::to_string(value));
}
template <typename... Pieces>
std::string cat(const Pieces&... pieces) {
    std::string out;
    out.reserve(96);
    (append_piece(out, pieces), ...);
    return out;
}

Validated validate_enter(const KernelIntent& intent, std::size_t client_order_id_max, std::size_t intent_id_max,
                         const RiskLimits& limits, const std::optional<InstrumentSpec>& spec, const Bounds& bounds,
                         Decimal mark);
// Exit size 0 means "the next leg"; a positive size must sit on the lot step when known.
Validated validate_exit(const KernelIntent& intent, std::size_t client_order_id_max, std::size_t intent_id_max,
                        const Bounds& bounds);
std::optional<std::string> check_size_on_lot(Decimal size, const InstrumentSpec& spec);

// Lower-case, venue-safe, deterministic: the same intent id always gives the same order id,
// so a retried submit can never make a second order. A prefix (KernelConfig::
// client_order_id_prefix) goes first, "<prefix>-<intent>", so ids differ across accounts' runs.
// max_length is at most Id::capacity (the kernel refuses a larger client_order_id_max).
Id client_order_id_for(std::string_view intent_id, std::size_t max_length, std::string_view prefix = {});

// `mark` is the asset's current mark (zero when none): a fill is valued at it too.
std::optional<std::string> check_order_event(const VenueEvent& event, const Bounds& bounds, Decimal mark);
VenueOrderStatus status_of(KernelEventKind kind);

// Venue moves. The kernel keeps each as order records whose ids start with '~' (a venue-safe
// client order id never does): the account's ledger "~<cause letter><venue id>" and one
// "<ledger>.<slot>" per slot it reduced. Ids too long for the limit are hashed.
std::optional<std::string> check_venue_move(const VenueEvent& event, const Bounds& bounds);
bool is_venue_move_id(std::string_view client_order_id);
std::string venue_move_ledger_id(KernelEventKind kind, std::string_view venue_order_id, std::size_t max_length);
std::string venue_move_slot_record_id(std::string_view ledger_id, int slot_id);
// The causes of the venue moves among a trade's order ids, e.g. "liquidation" or "adl+manual_close".
std::string venue_move_causes(const std::vector<Id>& order_ids);
std::string_view venue_move_cause_name(KernelEventKind kind);
// Join of what is known about an order and what an event reports: commutative, associative
// and idempotent, so any delivery order and any duplicates give the same record.
OrderRecord merge_event(const OrderRecord& known, const VenueEvent& event);
bool event_matches(const OrderRecord& known, const VenueEvent& event);
// Equal in everything the venue reports (sequence numbers aside): an event that changes no
// fact is a duplicate or stale, whichever trade the slot holds by now.
bool same_facts(const OrderRecord& a, const OrderRecord& b);
VenueEvent event_from_order(const VenueOrder& order, const TradeSlot& slot);
// The end of an order the venue refused or does not know: rejected when nothing filled,
// otherwise canceled with its known fills kept.
VenueEvent synthetic_end(const OrderRecord& record, const TradeSlot& slot);

// PnL of an exit order's cumulative fills against the entry price.
Decimal pnl_of(const OrderRecord& exit_order, Decimal entry_price, int direction);
Decimal exit_quantity(const TradeSlot& slot, Decimal requested, Decimal lot_step);
int leg_index(const TradeSlot& slot, Decimal lot_step);
FsmInput resolution_for(const TradeSlot& slot, const std::optional<OrderRecord>& entry,
                        const std::optional<OrderRecord>& exit);

std::optional<std::string> check_legs(const ExitLegs& legs);
// An order record from outside (a snapshot, the journal): sizes, fee and enums in range.
std::optional<std::string> check_order_record(const OrderRecord& order, std::size_t client_order_id_max);
// Journaled account totals: not negative where they cannot be, and within the capital bound
// (a tampered realized_pnl would otherwise overflow the account's sums).
std::optional<std::string> check_totals(const AccountTotals& totals, const Bounds& bounds);
// An order record's sizes, price and fee within what the kernel's sums can hold.
std::optional<std::string> check_order_record_bounds(const OrderRecord& order, const Bounds& bounds);
std::optional<std::string> check_snapshot(const SlotSnapshot& snapshot, std::size_t client_order_id_max,
                                          const Bounds& bounds, Decimal mark);
std::optional<std::string> check_kernel_invariants(const std::vector<TradeSlot>& slots, const AccountTotals& totals);

constexpr int severity_rank(KernelDiagnosticCode code, KernelSeverity severity) {
    return static_cast<int>(severity) * 2 + (code != KernelDiagnosticCode::OK ? 1 : 0);
}

class Fnv64 {
public:
    void add_bytes(const void* data, std::size_t size) {
        const auto* bytes = static_cast<const unsigned char*>(data);
        for (std::size_t i = 0; i < size; ++i) {
            value_ ^= bytes[i];
            value_ *= 0x100000001b3ULL;
        }
    }
    void add_int(std::int64_t v) {
        unsigned char bytes[8];
        for (int i = 0; i < 8; ++i) bytes[i] = static_cast<unsigned char>((static_cast<std::uint64_t>(v) >> (8 * i)) & 0xff);
        add_bytes(bytes, 8);
    }
    void add_text(std::string_view text) {
        add_int(static_cast<std::int64_t>(text.size()));
        add_bytes(text.data(), text.size());
    }
    // One field of a field list (contracts/fields.hpp) by its type.
    template <std::size_t N>
    void add(const FixedString<N>& text) {
        add_text(text.view());
    }
    void add(Decimal value) { add_int(value.raw()); }
    void add(const ExitLegs& legs) {
        add_int(legs.count);
        for (std::size_t i = 0; i < legs.count; ++i) add_int(legs[i].raw());
    }
    template <typename I>
        requires std::is_integral_v<I>
    void add(I value) {
        add_int(static_cast<std::int64_t>(value));
    }
    template <typename E>
        requires std::is_enum_v<E>
    void add(E value) {
        add_int(static_cast<int>(value));
    }
    std::uint64_t value() const { return value_; }

private:
    std::uint64_t value_ = 0xcbf29ce484222325ULL;
};

void hash_slot(Fnv64& hash, const TradeSlot& slot);
void hash_order(Fnv64& hash, const OrderRecord& order);

} // namespace dita::detail
