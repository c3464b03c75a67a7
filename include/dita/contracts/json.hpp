#pragma once
// JSON views of the contract types, shared by the chaos layer, the CLI, the Python binding
// and the fuzzers.
//
// Two kinds of view:
//  - *_to_dict: the user-facing dicts of SPEC section 6 (numbers as JSON doubles);
//  - *_to_json / *_from_json: exact, lossless forms (Decimals as exact strings, every field),
//    used for files that must reproduce a run bit for bit (captures, input logs).
// Readers never throw: they return the value or the JSON pointer of the first problem and why.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "dita/contracts/fields.hpp"
#include "dita/contracts/json_text.hpp"
#include "dita/contracts/result.hpp"
#include "dita/contracts/types.hpp"

namespace dita {

// Keys keep their insertion order, so reports read in the order they are written.
using Json = nlohmann::ordered_json;

struct JsonError {
    std::string pointer; // RFC 6901 pointer into the document ("" is the root)
    std::string reason;
    std::string message() const { return (pointer.empty() ? std::string("(root)") : pointer) + ": " + reason; }
};

// A JSON reader's answer: the value, or where the document went wrong and why.
template <typename T>
using JsonResult = Result<T, JsonError>;

// Why a JSON text was refused: the byte offset (for "line L, column C"), the JSON pointer when
// the problem is inside a parsed value (a duplicate key), and a reason that quotes the input
// only through bounded_excerpt.
struct JsonTextError {
    std::size_t offset = 0;
    std::string pointer;
    std::string reason;
};

// Strict JSON: the limits of scan_json_text first, then exactly one document (only
// whitespace after it) and no object with the same key twice (the last would silently win).
// Never throws.
Result<Json, JsonTextError> parse_json_text(std::string_view text, const JsonTextLimits& limits = {});

// Escapes one reference token for a JSON pointer ("~" -> "~0", "/" -> "~1").
std::string json_pointer_token(std::string_view key);
// A short description of a value for error messages: its type and a truncated rendering.
std::string describe_json(const Json& value);

// Reads the fields of one JSON object. Getters return the field's value, a fallback when the
// field is absent, and remember the first problem (wrong type, out of range, unknown key).
class JsonObjectReader {
public:
    JsonObjectReader(const Json& object, std::string pointer);

    bool ok() const { return !error_.has_value(); }
    const JsonError& error() const { return *error_; }
    const std::string& pointer() const { return pointer_; }
    bool has(std::string_view key) const;
    std::string field_pointer(std::string_view key) const { return pointer_ + "/" + json_pointer_token(key); }
    // The raw field, or nullptr when absent.
    const Json* raw(std::string_view key) const;

    // Required fields record "missing field" when absent and return the fallback.
    std::string string(std::string_view key, std::string fallback = {}, bool required = false);
    double number(std::string_view key, double fallback = 0.0, bool required = false);
    std::int64_t integer(std::string_view key, std::int64_t fallback = 0, bool required = false,
                         std::int64_t min = INT64_MIN, std::int64_t max = INT64_MAX);
    std::uint64_t unsigned_integer(std::string_view key, std::uint64_t fallback = 0, bool required = false);
    bool boolean(std::string_view key, bool fallback = false, bool required = false);
    // Exact decimal from a string such as "0.01" (8 fractional digits at most).
    Decimal decimal(std::string_view key, Decimal fallback = {}, bool required = false);
    // A double that may also be written "NaN", "inf" or "-inf" (JSON has no such numbers).
    double any_double(std::string_view key, double fallback = 0.0, bool required = false);
    template <typename Fixed>
    Fixed fixed(std::string_view key, bool required = false) {
        const std::string text = string(key, {}, required);
        if (!Fixed::fits(text)) {
            fail(field_pointer(key), "text of " + std::to_string(text.size()) + " characters, at most " +
                                         std::to_string(Fixed::capacity) + " allowed");
            return Fixed();
        }
        return Fixed(text);
    }
    template <typename E>
    E enumeration(std::string_view key, E fallback, bool required = false) {
        const Json* value = raw(key);
        if (value == nullptr) {
            if (required) fail(field_pointer(key), "missing field");
            return fallback;
        }
        if (!value->is_string()) {
            fail(field_pointer(key), "expected one of " + enum_choices<E>() + ", got " + describe_json(*value));
            return fallback;
        }
        const auto parsed = enum_from_string<E>(value->template get_ref<const std::string&>());
        if (!parsed) {
            fail(field_pointer(key), "expected one of " + enum_choices<E>() + ", got " + describe_json(*value));
            return fallback;
        }
        return *parsed;
    }
    // Records an error for the first key not in `known`.
    void reject_unknown_keys(std::initializer_list<std::string_view> known);
    // Records a problem found by the caller (only the first problem is kept).
    void fail(std::string pointer, std::string reason);

    template <typename E>
    static std::string enum_choices() {
        std::string out;
        for (const std::string_view name : EnumNames<E>::names) {
            if (!out.empty()) out += "|";
            out += name;
        }
        return out;
    }

private:
    const Json& object_;
    std::string pointer_;
    std::optional<JsonError> error_;
};

// One field read into `out` (left as it is when absent), for the field lists of
// contracts/fields.hpp.
inline void read_json_field(JsonObjectReader& r, std::string_view key, std::string& out, bool required) {
    out = r.string(key, out, required);
}
inline void read_json_field(JsonObjectReader& r, std::string_view key, DetailText& out, bool required) {
    out = DetailText(r.string(key, out.str(), required));
}
template <std::size_t N>
void read_json_field(JsonObjectReader& r, std::string_view key, FixedString<N>& out, bool required) {
    out = r.fixed<FixedString<N>>(key, required);
}
inline void read_json_field(JsonObjectReader& r, std::string_view key, Decimal& out, bool required) {
    out = r.decimal(key, out, required);
}
inline void read_json_field(JsonObjectReader& r, std::string_view key, bool& out, bool required) {
    out = r.boolean(key, out, required);
}
inline void read_json_field(JsonObjectReader& r, std::string_view key, int& out, bool required) {
    out = static_cast<int>(r.integer(key, out, required, INT32_MIN, INT32_MAX));
}
inline void read_json_field(JsonObjectReader& r, std::string_view key, std::uint64_t& out, bool required) {
    out = r.unsigned_integer(key, out, required);
}
inline void read_json_field(JsonObjectReader& r, std::string_view key, std::int64_t& out, bool required) {
    out = r.integer(key, out, required);
}
// Exit legs: an array of at most exit_legs_max exact decimal strings.
void read_json_field(JsonObjectReader& r, std::string_view key, ExitLegs& out, bool required);
template <typename E>
    requires std::is_enum_v<E>
void read_json_field(JsonObjectReader& r, std::string_view key, E& out, bool required) {
    out = r.enumeration(key, out, required);
}

// Decimal <-> exact string.
Json decimal_to_json(Decimal value);
// Finite doubles as numbers; NaN and infinities as the strings "NaN", "inf", "-inf".
Json double_to_json(double value);

// One field's exact form, for the field lists of contracts/fields.hpp.
inline Json json_field(const std::string& value) { return value; }
inline Json json_field(const DetailText& value) { return value.str(); }
template <std::size_t N>
Json json_field(const FixedString<N>& value) {
    return value.str();
}
inline Json json_field(Decimal value) { return decimal_to_json(value); }
inline Json json_field(bool value) { return value; }
inline Json json_field(int value) { return value; }
inline Json json_field(std::uint64_t value) { return value; }
inline Json json_field(std::int64_t value) { return value; }
Json json_field(const ExitLegs& legs);
template <typename E>
    requires std::is_enum_v<E>
Json json_field(E value) {
    return std::string(to_string(value));
}

// SPEC 6 dicts.
Json slot_to_dict(const TradeSlot& slot);
Json account_to_dict(const AccountSnapshot& account);

// Exact forms.
Json event_to_json(const VenueEvent& event);
JsonResult<VenueEvent> event_from_json(const Json& json, const std::string& pointer = {});
Json intent_to_json(const KernelIntent& intent);
JsonResult<KernelIntent> intent_from_json(const Json& json, const std::string& pointer = {});
Json order_record_to_json(const OrderRecord& order);
JsonResult<OrderRecord> order_record_from_json(const Json& json, const std::string& pointer = {});
Json slot_to_json(const TradeSlot& slot);
JsonResult<TradeSlot> slot_from_json(const Json& json, const std::string& pointer = {});
Json snapshot_to_json(const SlotSnapshot& snapshot);
JsonResult<SlotSnapshot> snapshot_from_json(const Json& json, const std::string& pointer = {});
Json account_to_json(const AccountSnapshot& account);
JsonResult<AccountSnapshot> account_from_json(const Json& json, const std::string& pointer = {});
Json venue_order_to_json(const VenueOrder& order);
JsonResult<VenueOrder> venue_order_from_json(const Json& json, const std::string& pointer = {});
Json venue_position_to_json(const VenuePosition& position);
JsonResult<VenuePosition> venue_position_from_json(const Json& json, const std::string& pointer = {});
Json instrument_to_json(const InstrumentSpec& spec);
JsonResult<InstrumentSpec> instrument_from_json(const Json& json, const std::string& pointer = {});
Json call_result_to_json(const VenueCallResult& result);
JsonResult<VenueCallResult> call_result_from_json(const Json& json, const std::string& pointer = {});
Json diagnostic_to_json(const KernelDiagnostic& diagnostic);
JsonResult<KernelDiagnostic> diagnostic_from_json(const Json& json, const std::string& pointer = {});
Json outcome_to_json(const KernelOutcome& outcome);

} // namespace dita
