#pragma once
// Reading BingX JSON answers field by field (private to the adapter's parsers): exact decimals
// from strings or numbers, the first of several spellings of a name, and a reader that collects
// every unreadable field instead of throwing.
#include <cstdint>
#include <initializer_list>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "dita/venues/bingx/bingx_protocol.hpp"

namespace dita::bingx::detail {

using nlohmann::json;

// A field's value as exact decimal: string, number or absent (zero). nullopt when unreadable.
std::optional<Decimal> decimal_of(const json& value);
// The first of names present in object (nullptr when none is, or object is no object).
const json* find_any(const json& object, std::initializer_list<const char*> names);
// A field as text ("" when absent or null; numbers and booleans printed).
std::string text_of(const json& object, std::initializer_list<const char*> names);
// A field as an integer (0 when absent or unreadable).
std::int64_t int_of(const json& object, std::initializer_list<const char*> names);
// A field as a boolean (true, "true" or a non-zero integer).
bool bool_of(const json& object, std::initializer_list<const char*> names);
Error unreadable(std::string detail);
// Parses an answer within limits no real BingX answer reaches; discarded when it is not JSON
// or exceeds them.
json parse_json(std::string_view text);

// What tells an order (stream update or history row) as a venue move.
struct MoveFacts {
    std::string_view side;
    std::string_view position_side;
    std::string_view type;
    bool calculated = false; // stream execution type CALCULATED
    bool reduce_only = false;
    Decimal filled;
    std::optional<KernelEventKind> forced; // the forceOrders autoCloseType asked for
};
std::optional<BingxVenueMove> move_of(const MoveFacts& facts);

// Reads decimal fields and remembers every one that was present but unreadable.
class FieldReader {
public:
    // The first of names present; zero when none is (or the value is unreadable: noted).
    Decimal decimal(const json& object, std::initializer_list<const char*> names);
    // As decimal(), but nullopt when the field is absent, null or "".
    std::optional<Decimal> optional_decimal(const json& object, std::initializer_list<const char*> names);
    void note(const std::string& problem);
    const std::string& problems() const { return problems_; }

private:
    std::string problems_;
};

} // namespace dita::bingx::detail
