// Symbols, sides and order statuses (fact sheet §4).
#include "dita/venues/bingx/bingx_protocol.hpp"

namespace dita::bingx {

std::optional<std::string> to_bingx_symbol(std::string_view asset) {
    std::string upper(asset);
    for (char& c : upper) {
        if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
    }
    if (upper.empty()) return std::nullopt;
    for (const char c : upper) {
        const bool ok = (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-';
        if (!ok) return std::nullopt;
    }
    const auto hyphen = upper.find('-');
    if (hyphen != std::string::npos) {
        if (hyphen == 0 || hyphen + 1 == upper.size() || upper.find('-', hyphen + 1) != std::string::npos) {
            return std::nullopt;
        }
        return upper;
    }
    for (const std::string_view quote : {"USDT", "USDC"}) {
        if (upper.size() > quote.size() && upper.ends_with(quote)) {
            return upper.substr(0, upper.size() - quote.size()) + "-" + std::string(quote);
        }
    }
    return std::nullopt;
}

std::string from_bingx_symbol(std::string_view symbol) {
    std::string out;
    out.reserve(symbol.size());
    for (const char c : symbol) {
        if (c != '-') out += c;
    }
    return out;
}

OrderSides order_sides(TradeSide position, OrderPurpose purpose, PositionMode mode) {
    const bool opening = purpose == OrderPurpose::ENTRY;
    const bool buy = (position == TradeSide::LONG) == opening;
    OrderSides out;
    out.side = buy ? "BUY" : "SELL";
    if (mode == PositionMode::HEDGE) {
        out.position_side = position == TradeSide::LONG ? "LONG" : "SHORT";
    } else {
        out.position_side = "BOTH";
        out.reduce_only = !opening;
    }
    return out;
}

std::optional<TradeSideAndPurpose> side_and_purpose(std::string_view side, std::string_view position_side,
                                                    bool reduce_only) {
    bool buy = false;
    if (side == "BUY") {
        buy = true;
    } else if (side != "SELL") {
        return std::nullopt;
    }
    TradeSideAndPurpose out;
    if (position_side == "LONG" || position_side == "SHORT") {
        out.side = position_side == "LONG" ? TradeSide::LONG : TradeSide::SHORT;
        const bool opening = buy == (out.side == TradeSide::LONG);
        out.purpose = opening ? OrderPurpose::ENTRY : OrderPurpose::EXIT;
        return out;
    }
    if (position_side == "BOTH" || position_side.empty()) {
        // One-way: a reduce-only order closes the side opposite to its direction.
        out.purpose = reduce_only ? OrderPurpose::EXIT : OrderPurpose::ENTRY;
        const bool long_side = reduce_only ? !buy : buy;
        out.side = long_side ? TradeSide::LONG : TradeSide::SHORT;
        return out;
    }
    return std::nullopt;
}

std::optional<VenueOrderStatus> order_status_from(std::string_view text) {
    if (text == "NEW" || text == "PENDING") return VenueOrderStatus::NEW;
    if (text == "PARTIALLY_FILLED") return VenueOrderStatus::PARTIALLY_FILLED;
    if (text == "FILLED") return VenueOrderStatus::FILLED;
    if (text == "CANCELED" || text == "CANCELLED") return VenueOrderStatus::CANCELED;
    if (text == "FAILED" || text == "REJECTED") return VenueOrderStatus::REJECTED;
    if (text == "EXPIRED") return VenueOrderStatus::EXPIRED;
    return std::nullopt;
}

} // namespace dita::bingx
