#include "kernel_support.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <cstring>

#include "dita/contracts/result.hpp"
#include "dita/contracts/venue.hpp"
#include "dita/kernel/kernel.hpp"

namespace dita::detail {

namespace {

Validated fail(KernelDiagnosticCode code, std::string detail) {
    Validated out;
    out.ok = false;
    out.code = code;
    out.detail = std::move(detail);
    return out;
}

// Every byte in 0x21..0x7e (no control, space, DEL or non-ASCII byte). Every id of every
// intent is checked, so eight bytes are tested at once: a byte below 0x21 borrows into its top
// bit when 0x21 is taken from it, a byte above 0x7e has its top bit set or gains it when one is
// added; a borrow or carry out of a byte that is itself out of range changes no verdict.
bool printable_ascii(std::string_view text) {
    constexpr std::uint64_t ones = 0x0101010101010101ULL;
    constexpr std::uint64_t tops = 0x8080808080808080ULL;
    std::size_t i = 0;
    for (; i + 8 <= text.size(); i += 8) {
        std::uint64_t word = 0;
        std::memcpy(&word, text.data() + i, 8);
        const std::uint64_t below = (word - ones * 0x21) & ~word & tops;
        const std::uint64_t above = ((word + ones * (0x7f - 0x7e)) | word) & tops;
        if ((below | above) != 0) return false;
    }
    for (; i < text.size(); ++i) {
        const auto c = static_cast<unsigned char>(text[i]);
        if (c < 0x21 || c > 0x7e) return false;
    }
    return true;
}

constexpr bool venue_safe(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_'; }

std::optional<std::string> check_id(std::string_view name, std::string_view id, std::size_t max_length) {
    if (id.empty()) return std::string(name) + " is empty";
    if (id.size() > max_length) {
        return std::string(name) + " has " + std::to_string(id.size()) + " characters, at most " +
               std::to_string(max_length) + " allowed";
    }
    if (!printable_ascii(id)) return std::string(name) + " holds a control, space or non-ASCII character";
    return std::nullopt;
}

std::optional<std::string> check_common_ids(const KernelIntent& intent, std::size_t intent_id_max) {
    if (auto problem = check_id("intent_id", intent.intent_id, intent_id_max)) return problem;
    if (auto problem = check_id("trade_id", intent.trade_id, Id::capacity)) return problem;
    return std::nullopt;
}

bool valid_side(TradeSide side) { return side == TradeSide::LONG || side == TradeSide::SHORT; }

} // namespace

std::string fmt_double(double value) {
    if (std::isnan(value)) return "NaN";
    if (std::isinf(value)) return value > 0 ? "inf" : "-inf";
    char buffer[40];
    std::snprintf(buffer, sizeof buffer, "%.12g", value);
    return buffer;
}

std::optional<std::string> check_size_on_lot(Decimal size, const InstrumentSpec& spec) {
    if (!size.is_multiple_of(spec.lot_step)) {
        return "size " + size.to_string() + " is not a multiple of the lot step " + spec.lot_step.to_string() +
               " of " + spec.asset.str();
    }
    if (size < spec.min_qty) {
        return "size " + size.to_string() + " is below the minimum " + spec.min_qty.to_string() + " of " +
               spec.asset.str();
    }
    return std::nullopt;
}

std::optional<std::string> check_legs(const ExitLegs& legs) {
    if (legs.count == 0) return "exit_leg_ratios is empty";
    Decimal previous;
    for (std::size_t i = 0; i < legs.count; ++i) {
        if (!legs[i].is_positive()) return "exit leg " + std::to_string(i) + " ratio must be above 0";
        if (legs[i] <= previous) return "exit_leg_ratios must be strictly increasing (leg " + std::to_string(i) + ")";
        previous = legs[i];
    }
    if (previous != Decimal::from_units(1)) return "the last exit leg ratio must be 1.0, got " + previous.to_string();
    return std::nullopt;
}

// An ENTER's or EXIT's reference price: finite, positive and within the kernel's bound.
Result<Decimal, Validated> reference_price_of(const KernelIntent& intent, const Bounds& bounds) {
    const auto price = Decimal::from_double(intent.reference_price);
    if (!price || !price->is_positive()) {
        return fail(KernelDiagnosticCode::INVALID_PRICE,
                    "reference_price must be a finite positive number, got " + fmt_double(intent.reference_price));
    }
    if (*price > bounds.price_max) {
        return fail(KernelDiagnosticCode::INVALID_PRICE, "reference_price " + price->to_string() +
                                                             " is beyond the kernel's bound " + bounds.price_max.to_string());
    }
    return *price;
}

Result<ExitLegs, Validated> exit_legs_of(const KernelIntent& intent) {
    if (intent.exit_leg_ratios.size() > exit_legs_max) {
        return fail(KernelDiagnosticCode::INVALID_LEG_RATIOS,
                    std::to_string(intent.exit_leg_ratios.size()) + " exit legs, at most " +
                        std::to_string(exit_legs_max) + " allowed");
    }
    ExitLegs legs;
    for (std::size_t i = 0; i < intent.exit_leg_ratios.size(); ++i) {
        const auto ratio = Decimal::from_double(intent.exit_leg_ratios[i]);
        if (!ratio) {
            return fail(KernelDiagnosticCode::INVALID_LEG_RATIOS,
                        "exit leg " + std::to_string(i) + " ratio is " + fmt_double(intent.exit_leg_ratios[i]));
        }
        legs.ratios[i] = *ratio;
    }
    legs.count = static_cast<std::uint8_t>(intent.exit_leg_ratios.size());
    if (auto problem = check_legs(legs)) return fail(KernelDiagnosticCode::INVALID_LEG_RATIOS, *problem);
    return legs;
}

Validated validate_enter(const KernelIntent& intent, std::size_t client_order_id_max, std::size_t intent_id_max,
                         const RiskLimits& limits, const std::optional<InstrumentSpec>& spec, const Bounds& bounds,
                         Decimal mark) {
    (void)client_order_id_max;
    if (auto problem = check_common_ids(intent, intent_id_max)) {
        return fail(KernelDiagnosticCode::INVALID_INTENT_ID, *problem);
    }
    if (!valid_side(intent.side)) return fail(KernelDiagnosticCode::UNSUPPORTED_INTENT, "side is neither LONG nor SHORT");
    if (!spec) return fail(KernelDiagnosticCode::UNKNOWN_ASSET, "asset '" + intent.asset + "' is not traded on this venue");
    Validated out;
    Result<Decimal, Validated> price = reference_price_of(intent, bounds);
    if (!price) return std::move(price).error();
    // Below one tick a fill's value rounds away: no venue trades there.
    if (*price < spec->tick_size) {
        return fail(KernelDiagnosticCode::INVALID_PRICE, "reference_price " + price->to_string() +
                                                             " is below the tick " + spec->tick_size.to_string() +
                                                             " of " + spec->asset.str());
    }
    const auto size = Decimal::from_double(intent.target_size);
    if (!size || !size->is_positive()) {
        return fail(KernelDiagnosticCode::INVALID_SIZE,
                    "target_size must be a finite positive number, got " + fmt_double(intent.target_size));
    }
    if (*size > bounds.size_max) {
        return fail(KernelDiagnosticCode::INVALID_SIZE,
                    "target_size " + size->to_string() + " is beyond the kernel's bound " + bounds.size_max.to_string());
    }
    if (auto problem = check_size_on_lot(*size, *spec)) return fail(KernelDiagnosticCode::INVALID_SIZE, *problem);
    if (!Bounds::product_within(*size, max(*price, mark), bounds.slot_notional_max)) {
        return fail(KernelDiagnosticCode::RISK_LIMIT, "notional of " + size->to_string() + " at " +
                                                          max(*price, mark).to_string() + " is beyond the slot bound " +
                                                          bounds.slot_notional_max.to_string());
    }
    const auto leverage = Decimal::from_double(intent.leverage);
    if (!leverage || *leverage < Decimal::from_units(1) || *leverage > Decimal::from_units(125)) {
        return fail(KernelDiagnosticCode::INVALID_LEVERAGE,
                    "leverage must be a finite number from 1 to 125, got " + fmt_double(intent.leverage));
    }
    Result<ExitLegs, Validated> legs = exit_legs_of(intent);
    if (!legs) return std::move(legs).error();
    out.legs = *legs;
    const Decimal notional = size->mul(*price);
    if (limits.max_position_size.is_positive() && *size > limits.max_position_size) {
        return fail(KernelDiagnosticCode::RISK_LIMIT, "size " + size->to_string() + " exceeds max_position_size " +
                                                          limits.max_position_size.to_string());
    }
    if (limits.max_notional.is_positive() && notional > limits.max_notional) {
        return fail(KernelDiagnosticCode::RISK_LIMIT,
                    "notional " + notional.to_string() + " exceeds max_notional " + limits.max_notional.to_string());
    }
    if (*leverage > limits.max_leverage) {
        return fail(KernelDiagnosticCode::RISK_LIMIT,
                    "leverage " + leverage->to_string() + " exceeds max_leverage " + limits.max_leverage.to_string());
    }
    out.size = *size;
    out.price = *price;
    out.leverage = *leverage;
    return out;
}

Validated validate_exit(const KernelIntent& intent, std::size_t client_order_id_max, std::size_t intent_id_max,
                        const Bounds& bounds) {
    (void)client_order_id_max;
    if (auto problem = check_common_ids(intent, intent_id_max)) {
        return fail(KernelDiagnosticCode::INVALID_INTENT_ID, *problem);
    }
    Result<Decimal, Validated> price = reference_price_of(intent, bounds);
    if (!price) return std::move(price).error();
    const auto size = Decimal::from_double(intent.target_size);
    if (!size || size->is_negative() || *size > bounds.size_max) {
        return fail(KernelDiagnosticCode::INVALID_SIZE,
                    "exit target_size must be finite, not negative (0: next leg) and within the kernel's bound, got " +
                        fmt_double(intent.target_size));
    }
    Validated out;
    out.size = *size;
    out.price = *price;
    return out;
}

namespace {

// Each byte as an order id carries it (lowered), or 0 where a venue would not take it.
constexpr std::array<char, 256> order_id_chars = [] {
    std::array<char, 256> table{};
    for (int c = 0; c < 256; ++c) {
        const char lowered = c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : static_cast<char>(c);
        if (venue_safe(lowered)) table[static_cast<std::size_t>(c)] = lowered;
    }
    return table;
}();

} // namespace

Id client_order_id_for(std::string_view intent_id, std::size_t max_length, std::string_view prefix) {
    // Built in place, in one pass: an ENTER or EXIT makes its order id on the hot path.
    const std::size_t prefix_length = prefix.empty() ? 0 : prefix.size() + 1;
    DITA_ASSERT(max_length <= Id::capacity && prefix_length + 17 <= Id::capacity);
    std::array<char, Id::capacity> text; // only [0, size) is read
    std::size_t size = 0;
    bool safe = !intent_id.empty() && prefix_length + intent_id.size() <= max_length;
    for (const char c : prefix) {
        safe = safe && venue_safe(c);
        text[size++] = c;
    }
    if (!prefix.empty()) text[size++] = '-';
    for (std::size_t i = 0; safe && i < intent_id.size(); ++i) {
        const char c = order_id_chars[static_cast<unsigned char>(intent_id[i])];
        safe = c != 0;
        text[size++] = c;
    }
    if (safe) return Id(std::string_view(text.data(), size));
    size = prefix_length;
    Fnv64 hash;
    hash.add_text(intent_id);
    static constexpr char digits[] = "0123456789abcdef";
    text[size++] = 'h';
    for (int shift = 60; shift >= 0; shift -= 4) text[size++] = digits[(hash.value() >> shift) & 0xf];
    return Id(std::string_view(text.data(), size));
}


VenueOrderStatus status_of(KernelEventKind kind) {
    switch (kind) {
    case KernelEventKind::ORDER_ACK: return VenueOrderStatus::NEW;
    case KernelEventKind::PARTIAL_FILL: return VenueOrderStatus::PARTIALLY_FILLED;
    case KernelEventKind::FILL: return VenueOrderStatus::FILLED;
    case KernelEventKind::ORDER_REJECT: return VenueOrderStatus::REJECTED;
    case KernelEventKind::CANCEL_ACK: return VenueOrderStatus::CANCELED;
    case KernelEventKind::EXPIRED: return VenueOrderStatus::EXPIRED;
    case KernelEventKind::LIQUIDATION:
    case KernelEventKind::ADL:
    case KernelEventKind::MANUAL_CLOSE: return VenueOrderStatus::FILLED;
    case KernelEventKind::CANCEL_REJECT:
    case KernelEventKind::MARK_PRICE:
    case KernelEventKind::FUNDING: break;
    }
    return VenueOrderStatus::NEW;
}

std::optional<std::string> check_venue_move(const VenueEvent& event, const Bounds& bounds) {
    const std::string_view kind = to_string(event.kind);
    if (event.venue_order_id.empty()) return cat(kind, " event has no venue_order_id");
    if (static_cast<std::size_t>(event.side) >= enum_count<TradeSide>()) return cat(kind, " event has an unknown side");
    if (event.cum_filled_qty.is_negative() || event.cum_filled_qty > bounds.size_max) {
        return cat(kind, " size ", event.cum_filled_qty, " is negative or beyond the kernel's bound");
    }
    const Decimal price = event.kind == KernelEventKind::FUNDING ? event.price : event.avg_fill_price;
    if (price.is_negative() || price > bounds.price_max) return cat(kind, " price ", price, " is negative or beyond the bound");
    if (event.cum_fee.abs() > bounds.capital_max) return cat(kind, " fee ", event.cum_fee, " beyond the kernel's bound");
    if (!Bounds::product_within(event.cum_filled_qty, price, bounds.slot_notional_max + bounds.slot_notional_max)) {
        return cat(kind, " notional beyond twice the slot bound");
    }
    if (event.kind != KernelEventKind::FUNDING) {
        if (event.cum_fee.is_negative()) return cat(kind, " fee ", event.cum_fee, " is negative");
        if (event.cum_filled_qty.is_positive() && !price.is_positive()) return cat(kind, " fills without a price");
    }
    return std::nullopt;
}

bool is_venue_move_id(std::string_view client_order_id) {
    return !client_order_id.empty() && client_order_id.front() == '~';
}

namespace {
char cause_letter(KernelEventKind kind) {
    switch (kind) {
    case KernelEventKind::LIQUIDATION: return 'L';
    case KernelEventKind::ADL: return 'A';
    case KernelEventKind::MANUAL_CLOSE: return 'M';
    default: return 'F';
    }
}
} // namespace

std::string_view venue_move_cause_name(KernelEventKind kind) {
    switch (kind) {
    case KernelEventKind::LIQUIDATION: return "liquidation";
    case KernelEventKind::ADL: return "adl";
    case KernelEventKind::MANUAL_CLOSE: return "manual_close";
    default: return "funding";
    }
}

std::string venue_move_ledger_id(KernelEventKind kind, std::string_view venue_order_id, std::size_t max_length) {
    std::string out(1, '~');
    out += cause_letter(kind);
    // Room for ".<slot>" (slot ids below 10,000) after the ledger id.
    if (out.size() + venue_order_id.size() + 5 <= max_length) {
        out.append(venue_order_id);
        return out;
    }
    Fnv64 hash;
    hash.add_text(venue_order_id);
    char buffer[24];
    std::snprintf(buffer, sizeof buffer, "h%016llx", static_cast<unsigned long long>(hash.value()));
    return out + buffer;
}

std::string venue_move_slot_record_id(std::string_view ledger_id, int slot_id) {
    return cat(ledger_id, ".", slot_id);
}

std::string venue_move_causes(const std::vector<Id>& order_ids) {
    std::string out;
    for (const KernelEventKind kind : {KernelEventKind::LIQUIDATION, KernelEventKind::ADL, KernelEventKind::MANUAL_CLOSE}) {
        const char letter = cause_letter(kind);
        const bool any = std::any_of(order_ids.begin(), order_ids.end(), [&](const Id& id) {
            return is_venue_move_id(id.view()) && id.size() > 1 && id.view()[1] == letter;
        });
        if (!any) continue;
        if (!out.empty()) out += "+";
        out += venue_move_cause_name(kind);
    }
    return out;
}

std::optional<std::string> check_order_event(const VenueEvent& event, const Bounds& bounds, Decimal mark) {
    if (event.client_order_id.empty()) return std::string("event has no client_order_id");
    if (event.cum_filled_qty > bounds.size_max || event.order_qty > bounds.size_max) {
        return "sizes beyond the kernel's bound " + bounds.size_max.to_string();
    }
    if (event.avg_fill_price > bounds.price_max) {
        return "average price " + event.avg_fill_price.to_string() + " beyond the kernel's bound";
    }
    if (event.cum_fee.abs() > bounds.capital_max) return "fee " + event.cum_fee.to_string() + " beyond the kernel's bound";
    if (!Bounds::product_within(event.cum_filled_qty, max(event.avg_fill_price, mark),
                                bounds.slot_notional_max + bounds.slot_notional_max)) {
        return "filled notional beyond twice the slot bound " + bounds.slot_notional_max.to_string();
    }
    if (event.cum_filled_qty.is_negative()) return "cumulative filled size " + event.cum_filled_qty.to_string() + " is negative";
    if (event.order_qty.is_negative()) return "order size " + event.order_qty.to_string() + " is negative";
    if (event.avg_fill_price.is_negative()) return "average fill price " + event.avg_fill_price.to_string() + " is negative";
    if (event.cum_filled_qty.is_positive() && !event.avg_fill_price.is_positive()) {
        return "fills of " + event.cum_filled_qty.to_string() + " without an average price";
    }
    if ((event.kind == KernelEventKind::FILL || event.kind == KernelEventKind::PARTIAL_FILL) &&
        !event.cum_filled_qty.is_positive()) {
        return std::string(to_string(event.kind)) + " with nothing filled";
    }
    return std::nullopt;
}

OrderRecord merge_event(const OrderRecord& known, const VenueEvent& event) {
    OrderRecord out = known;
    const VenueOrderStatus reported = status_of(event.kind);
    if (event.cum_filled_qty > known.cum_filled_qty) {
        out.cum_filled_qty = event.cum_filled_qty;
        out.avg_fill_price = event.avg_fill_price;
    } else if (event.cum_filled_qty == known.cum_filled_qty) {
        out.avg_fill_price = max(known.avg_fill_price, event.avg_fill_price);
    }
    out.cum_fee = max(known.cum_fee, event.cum_fee);
    if (event.kind != KernelEventKind::ORDER_REJECT) out.acked = true;
    if (out.venue_order_id.empty()) out.venue_order_id = event.venue_order_id;
    out.last_venue_sequence = std::max(known.last_venue_sequence, event.venue_sequence);
    // Terminal beats working; among terminals and among working statuses the larger wins.
    const bool known_done = is_terminal(known.status);
    const bool reported_done = is_terminal(reported);
    if (known_done == reported_done) {
        out.status = std::max(known.status, reported);
    } else if (reported_done) {
        out.status = reported;
    }
    if (!is_terminal(out.status) && out.cum_filled_qty.is_positive()) out.status = VenueOrderStatus::PARTIALLY_FILLED;
    if (out.qty.is_positive() && out.cum_filled_qty >= out.qty) out.status = VenueOrderStatus::FILLED;
    if (is_terminal(out.status)) out.outcome_unknown = false;
    if (is_terminal(out.status)) out.cancel_requested = false;
    return out;
}

bool same_facts(const OrderRecord& a, const OrderRecord& b) {
    // Every field but the sequence, the ones an event changes first: most events change a fill
    // or a status, and a duplicate reaches the ids only at the end. A field added to OrderRecord
    // must be added here too; the size check is the reminder.
    static_assert(sizeof(OrderRecord) == 152, "same_facts compares every field of OrderRecord but the sequence");
    return a.cum_filled_qty == b.cum_filled_qty && a.status == b.status && a.cum_fee == b.cum_fee &&
           a.avg_fill_price == b.avg_fill_price && a.acked == b.acked && a.cancel_requested == b.cancel_requested &&
           a.outcome_unknown == b.outcome_unknown && a.qty == b.qty && a.purpose == b.purpose && a.side == b.side &&
           a.venue_order_id == b.venue_order_id && a.client_order_id == b.client_order_id;
}

bool event_matches(const OrderRecord& known, const VenueEvent& event) {
    return status_of(event.kind) == known.status && event.cum_filled_qty == known.cum_filled_qty &&
           event.cum_fee == known.cum_fee;
}

VenueEvent event_from_order(const VenueOrder& order, const TradeSlot& slot) {
    VenueEvent event = event_stating(order, event_kind_of(order.status));
    event.slot_id = slot.slot_id;
    event.trade_id = slot.trade_id;
    return event;
}

VenueEvent synthetic_end(const OrderRecord& record, const TradeSlot& slot) {
    VenueEvent event;
    const bool filled = record.cum_filled_qty.is_positive();
    event.kind = filled ? KernelEventKind::CANCEL_ACK : KernelEventKind::ORDER_REJECT;
    event.status = filled ? VenueEventStatus::CANCELED : VenueEventStatus::REJECTED;
    event.client_order_id = record.client_order_id;
    event.venue_order_id = record.venue_order_id;
    event.slot_id = slot.slot_id;
    event.trade_id = slot.trade_id;
    event.side = record.side;
    event.asset = slot.asset;
    event.order_qty = record.qty;
    event.cum_filled_qty = record.cum_filled_qty;
    event.avg_fill_price = record.avg_fill_price;
    event.cum_fee = record.cum_fee;
    return event;
}

Decimal pnl_of(const OrderRecord& exit_order, Decimal entry_price, int direction) {
    const Decimal move = exit_order.avg_fill_price.mul(exit_order.cum_filled_qty) -
                         entry_price.mul(exit_order.cum_filled_qty);
    return direction > 0 ? move : -move;
}

Decimal exit_quantity(const TradeSlot& slot, Decimal requested, Decimal lot_step) {
    if (requested.is_positive()) return min(requested, slot.size);
    const int next = slot.active_leg_index;
    if (next >= static_cast<int>(slot.exit_legs.count) - 1) return slot.size;
    const Decimal threshold = slot.exit_legs[static_cast<std::size_t>(next)].mul(slot.entry_filled).floor_to(lot_step);
    Decimal qty = threshold - slot.exit_filled;
    // A leg smaller than one lot still closes one lot: a leg never closes nothing.
    if (!qty.is_positive()) qty = lot_step;
    return min(qty, slot.size);
}

int leg_index(const TradeSlot& slot, Decimal lot_step) {
    int index = 0;
    for (std::size_t i = 0; i < slot.exit_legs.count; ++i) {
        const bool last = i + 1 == slot.exit_legs.count;
        const Decimal threshold = last ? slot.entry_filled : slot.exit_legs[i].mul(slot.entry_filled).floor_to(lot_step);
        if (!threshold.is_positive() || slot.exit_filled < threshold) break;
        index = static_cast<int>(i) + 1;
    }
    return index;
}

FsmInput resolution_for(const TradeSlot& slot, const std::optional<OrderRecord>& entry,
                        const std::optional<OrderRecord>& exit) {
    if (slot.trade_id.empty() && !entry && !slot.size.is_positive()) return FsmInput::RESOLVE_IDLE;
    if (entry && entry->working()) {
        return entry->cum_filled_qty.is_positive() ? FsmInput::RESOLVE_PARTIAL_FILL : FsmInput::RESOLVE_ENTRY_WORKING;
    }
    if (entry && entry->status == VenueOrderStatus::REJECTED && !slot.entry_filled.is_positive()) {
        return FsmInput::RESOLVE_REJECTED;
    }
    if (exit && exit->working() && slot.size.is_positive()) return FsmInput::RESOLVE_EXIT_WORKING;
    if (slot.size.is_positive()) {
        return slot.exit_filled.is_positive() ? FsmInput::RESOLVE_PARTIALLY_CLOSED : FsmInput::RESOLVE_POSITION_OPEN;
    }
    if (slot.trade_id.empty()) return FsmInput::RESOLVE_IDLE;
    return slot.closed ? FsmInput::RESOLVE_TERMINAL : FsmInput::RESOLVE_CLOSED;
}

std::optional<std::string> check_order_record(const OrderRecord& order, std::size_t client_order_id_max) {
    if (order.client_order_id.empty() || order.client_order_id.size() > client_order_id_max) {
        return "order id '" + order.client_order_id.str() + "' is empty or too long";
    }
    if (order.qty.is_negative() || order.cum_filled_qty.is_negative() || order.cum_fee.is_negative() ||
        order.avg_fill_price.is_negative()) {
        return "order " + order.client_order_id.str() + " has a negative size, price or fee";
    }
    if (static_cast<std::size_t>(order.status) >= enum_count<VenueOrderStatus>() ||
        static_cast<std::size_t>(order.purpose) >= enum_count<OrderPurpose>() ||
        static_cast<std::size_t>(order.side) >= enum_count<TradeSide>()) {
        return "order " + order.client_order_id.str() + " has an unknown status, purpose or side";
    }
    return std::nullopt;
}

std::optional<std::string> check_totals(const AccountTotals& totals, const Bounds& bounds) {
    if (totals.initial_capital.is_negative() || totals.fees_paid.is_negative()) return std::string("negative capital or fees");
    if (totals.initial_capital > bounds.capital_max || totals.fees_paid > bounds.capital_max ||
        totals.realized_pnl.abs() > bounds.capital_max) {
        return "capital " + totals.initial_capital.to_string() + ", realized " + totals.realized_pnl.to_string() +
               " or fees " + totals.fees_paid.to_string() + " beyond the capital bound " + bounds.capital_max.to_string();
    }
    return std::nullopt;
}

std::optional<std::string> check_order_record_bounds(const OrderRecord& order, const Bounds& bounds) {
    // Venue reports may reach twice a slot's bounds (overfills); a record beyond that did not
    // come from this kernel and would overflow the sums it enters.
    const Decimal twice_size = bounds.size_max + bounds.size_max;
    const Decimal twice_notional = bounds.slot_notional_max + bounds.slot_notional_max;
    if (order.qty > twice_size || order.cum_filled_qty > twice_size || order.avg_fill_price > bounds.price_max ||
        order.cum_fee > bounds.capital_max ||
        !Bounds::product_within(order.cum_filled_qty, order.avg_fill_price, twice_notional)) {
        return "order " + order.client_order_id.str() + " has a size, price or fee beyond the kernel's bounds";
    }
    // A fee is a share of what filled: never more than the fills' notional.
    __extension__ typedef __int128 wide;
    const wide notional = static_cast<wide>(order.cum_filled_qty.raw()) * order.avg_fill_price.raw();
    if (static_cast<wide>(order.cum_fee.raw()) * Decimal::scale > notional + Decimal::scale) {
        return "order " + order.client_order_id.str() + " has a fee of " + order.cum_fee.to_string() +
               ", more than its fills' notional";
    }
    return std::nullopt;
}

namespace {

// An intent's leverage is 1..125 (an idle slot's 0): below 1, margin (notional / leverage)
// would leave Decimal's range.
constexpr std::int64_t leverage_units_max = 125;

// The fields check_snapshot's first test leaves out: every one is later multiplied or summed.
std::optional<std::string> check_slot_extents(const TradeSlot& slot, const Bounds& bounds) {
    const Decimal twice_size = bounds.size_max + bounds.size_max;
    if (slot.target_size.is_negative() || slot.target_size > twice_size || slot.pending_exit_size.is_negative() ||
        slot.pending_exit_size > twice_size || slot.pending_exit_price.is_negative() ||
        slot.pending_exit_price > bounds.price_max || slot.leverage > Decimal::from_units(leverage_units_max) ||
        (slot.leverage.is_positive() && slot.leverage < Decimal::from_units(1))) {
        return std::string("target, pending exit or leverage beyond the kernel's bounds");
    }
    // Exit fills at their prices: never negative, never above the exit fills at the highest price.
    __extension__ typedef __int128 wide;
    const wide most = static_cast<wide>(slot.exit_filled.raw()) * static_cast<wide>(bounds.price_max.raw());
    if (slot.exit_notional.is_negative() || static_cast<wide>(slot.exit_notional.raw()) * Decimal::scale > most) {
        return "exit notional " + slot.exit_notional.to_string() + " is not what exit fills of " +
               slot.exit_filled.to_string() + " can make";
    }
    if (slot.active_leg_index < 0 || static_cast<std::size_t>(slot.active_leg_index) > slot.exit_legs.count) {
        return "active leg " + std::to_string(slot.active_leg_index) + " outside its " +
               std::to_string(slot.exit_legs.count) + " exit legs";
    }
    // A trade lives on one asset: without it the position would be netted with no venue's.
    if (slot.asset.empty() && (!slot.trade_id.empty() || slot.size.is_positive() || slot.entry_filled.is_positive())) {
        return std::string("a trade without an asset");
    }
    return std::nullopt;
}

} // namespace

std::optional<std::string> check_snapshot(const SlotSnapshot& snapshot, std::size_t client_order_id_max,
                                          const Bounds& bounds, Decimal mark) {
    const TradeSlot& slot = snapshot.slot;
    const Decimal twice = bounds.slot_notional_max + bounds.slot_notional_max;
    if (slot.entry_filled > bounds.size_max + bounds.size_max || slot.entry_price > bounds.price_max ||
        !Bounds::product_within(slot.entry_filled, max(slot.entry_price, mark), twice) ||
        slot.realized_pnl.abs() > bounds.capital_max || slot.fees.abs() > bounds.capital_max ||
        !Bounds::product_within(slot.exit_filled, bounds.price_max, bounds.capital_max + twice)) {
        return std::string("values beyond the kernel's bounds");
    }
    if (static_cast<std::size_t>(slot.fsm_state) >= enum_count<TradeStage>()) return std::string("fsm_state is unknown");
    if (slot.size.is_negative() || slot.entry_filled.is_negative() || slot.exit_filled.is_negative()) {
        return std::string("negative size or fill");
    }
    if (slot.size != slot.entry_filled - slot.exit_filled) {
        return "size " + slot.size.to_string() + " differs from entry fills " + slot.entry_filled.to_string() +
               " minus exit fills " + slot.exit_filled.to_string();
    }
    if (slot.trade_id.empty() && slot.size.is_positive()) return std::string("an open position without a trade id");
    if (!slot.trade_id.empty()) {
        if (auto problem = check_legs(slot.exit_legs)) return problem;
        if (slot.size.is_positive() && !slot.entry_price.is_positive()) return std::string("open position without an entry price");
    }
    if (slot.leverage.is_negative()) return std::string("negative leverage");
    if (auto problem = check_slot_extents(slot, bounds)) return problem;
    for (const OrderRecord& order : snapshot.orders) {
        if (auto problem = check_order_record(order, client_order_id_max)) return problem;
        if (auto problem = check_order_record_bounds(order, bounds)) return problem;
    }
    return std::nullopt;
}

std::optional<std::string> check_kernel_invariants(const std::vector<TradeSlot>& slots, const AccountTotals& totals) {
    Decimal fees;
    for (const TradeSlot& slot : slots) {
        if (slot.size.is_negative()) return "slot " + std::to_string(slot.slot_id) + " has a negative size";
        if (slot.size != slot.entry_filled - slot.exit_filled) {
            return "slot " + std::to_string(slot.slot_id) + ": size " + slot.size.to_string() +
                   " != entry fills - exit fills";
        }
        fees += slot.fees;
    }
    if (totals.fees_paid < Decimal() && fees >= Decimal()) return std::string("account fees are negative");
    return std::nullopt;
}

void hash_order(Fnv64& hash, const OrderRecord& value) {
#define DITA_HASH_FIELD(member, key, required, hashed) \
    if constexpr (hashed != 0) hash.add(value.member);
    DITA_ORDER_RECORD_FIELDS(DITA_HASH_FIELD)
#undef DITA_HASH_FIELD
}

namespace {

template <int pass>
void hash_slot_pass(Fnv64& hash, const TradeSlot& value) {
#define DITA_HASH_FIELD(member, key, required, hashed) \
    if constexpr (hashed == pass) hash.add(value.member);
    DITA_TRADE_SLOT_FIELDS(DITA_HASH_FIELD)
#undef DITA_HASH_FIELD
}

} // namespace

void hash_slot(Fnv64& hash, const TradeSlot& slot) {
    hash_slot_pass<1>(hash, slot);
    hash_slot_pass<2>(hash, slot);
    hash_slot_pass<3>(hash, slot);
}

} // namespace dita::detail

namespace dita {

bool valid_client_order_id_prefix(std::string_view prefix) {
    if (prefix.size() > client_order_id_prefix_max) return false;
    for (const char c : prefix) {
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.')) return false;
    }
    return true;
}

} // namespace dita
