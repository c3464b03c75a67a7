// The user data stream: inflating frames, order updates, funding, and the venue's own moves
// (fact sheet §6).
#include <zlib.h>

#include <array>

#include "dita/venues/bingx/bingx_protocol.hpp"
#include "protocol_fields.hpp"

namespace dita::bingx {

using namespace detail;

std::optional<std::string> inflate_message(std::string_view compressed, std::size_t output_max) {
    z_stream stream{};
    // 32 + MAX_WBITS: detect gzip or zlib headers automatically.
    if (inflateInit2(&stream, 32 + MAX_WBITS) != Z_OK) return std::nullopt;
    stream.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(compressed.data()));
    stream.avail_in = static_cast<uInt>(compressed.size());
    std::string out;
    std::array<char, 16384> chunk{};
    int result = Z_OK;
    while (result == Z_OK) {
        stream.next_out = reinterpret_cast<Bytef*>(chunk.data());
        stream.avail_out = static_cast<uInt>(chunk.size());
        result = inflate(&stream, Z_NO_FLUSH);
        if (result != Z_OK && result != Z_STREAM_END) break;
        out.append(chunk.data(), chunk.size() - stream.avail_out);
        if (out.size() > output_max) {
            result = Z_BUF_ERROR;
            break;
        }
        if (result == Z_OK && stream.avail_in == 0 && stream.avail_out != 0) {
            result = Z_DATA_ERROR; // input ended before the stream did
        }
    }
    inflateEnd(&stream);
    if (result != Z_STREAM_END) return std::nullopt;
    return out;
}

namespace detail {

std::optional<BingxVenueMove> move_of(const MoveFacts& facts) {
    if (!facts.filled.is_positive()) return std::nullopt;
    const bool buy = facts.side == "BUY";
    if (!buy && facts.side != "SELL") return std::nullopt;
    // The position reduced: hedge names it; one-way (BOTH) reduces the side the order trades against.
    TradeSide side = buy ? TradeSide::SHORT : TradeSide::LONG;
    const bool hedge = facts.position_side == "LONG" || facts.position_side == "SHORT";
    if (hedge) side = facts.position_side == "LONG" ? TradeSide::LONG : TradeSide::SHORT;
    if (facts.type == "LIQUIDATION") return BingxVenueMove{KernelEventKind::LIQUIDATION, side};
    if (facts.calculated || facts.type == "ADL") return BingxVenueMove{KernelEventKind::ADL, side};
    if (facts.forced) return BingxVenueMove{*facts.forced, side};
    const bool reduces = hedge ? buy == (side == TradeSide::SHORT) : facts.reduce_only;
    if (!reduces) return std::nullopt;
    return BingxVenueMove{KernelEventKind::MANUAL_CLOSE, side};
}

} // namespace detail

std::optional<BingxVenueMove> venue_move_of(const BingxOrderUpdate& update) {
    return detail::move_of({.side = update.side,
                            .position_side = update.position_side,
                            .type = update.type,
                            .calculated = update.execution_type == "CALCULATED",
                            .reduce_only = update.reduce_only,
                            .filled = update.cum_filled,
                            .forced = std::nullopt});
}

std::string funding_move_id(std::int64_t time_ms, std::string_view symbol, TradeSide side, std::int64_t bucket_ms) {
    std::int64_t at = time_ms;
    if (bucket_ms > 1 && time_ms >= 0 && time_ms < INT64_MAX - bucket_ms) at = (time_ms + bucket_ms / 2) / bucket_ms * bucket_ms;
    return "F" + std::to_string(at) + "-" + std::string(symbol) + (side == TradeSide::SHORT ? "-S" : "-L");
}

namespace {

std::optional<BingxFunding> funding_of(const json& root) {
    const json* account = find_any(root, {"a"});
    if (account == nullptr || !account->is_object() || text_of(*account, {"m"}) != "FUNDING_FEE") return std::nullopt;
    const json* balances = find_any(*account, {"B"});
    const json* positions = find_any(*account, {"P"});
    // Only a settlement that names its one position can be booked to it; others are left to
    // the income history.
    if (balances == nullptr || !balances->is_array() || positions == nullptr || !positions->is_array() ||
        positions->size() != 1 || !(*positions)[0].is_object()) {
        return std::nullopt;
    }
    FieldReader fields;
    BingxFunding out;
    for (const json& balance : *balances) {
        if (balance.is_object() && text_of(balance, {"a"}) == "USDT") out.balance_change = fields.decimal(balance, {"bc"});
    }
    const json& position = (*positions)[0];
    out.symbol = text_of(position, {"s"});
    out.position_side = text_of(position, {"ps"});
    out.position_amount = fields.decimal(position, {"pa"});
    out.time_ms = int_of(root, {"E"});
    if (out.time_ms == 0) out.time_ms = int_of(root, {"T"});
    if (!fields.problems().empty() || out.symbol.empty() || out.balance_change.is_zero()) return std::nullopt;
    return out;
}

} // namespace

StreamMessage parse_stream_message(std::string_view text) {
    StreamMessage out;
    std::string_view trimmed = text;
    while (!trimmed.empty() && (trimmed.back() == '\n' || trimmed.back() == '\r' || trimmed.back() == ' ')) {
        trimmed.remove_suffix(1);
    }
    if (trimmed == "Ping" || trimmed == "ping") {
        out.kind = StreamMessage::Kind::PING;
        return out;
    }
    const json root = parse_json(trimmed);
    if (root.is_discarded() || !root.is_object()) {
        out.kind = StreamMessage::Kind::INVALID;
        out.error = "stream message is not a JSON object";
        return out;
    }
    out.event_type = text_of(root, {"e"});
    if (out.event_type == "listenKeyExpired") {
        out.kind = StreamMessage::Kind::LISTEN_KEY_EXPIRED;
        out.listen_key = text_of(root, {"listenKey"});
        return out;
    }
    if (out.event_type == "ACCOUNT_UPDATE" || out.event_type == "ACCOUNT_CONFIG_UPDATE" ||
        out.event_type == "SNAPSHOT") {
        out.kind = StreamMessage::Kind::ACCOUNT_UPDATE;
        if (out.event_type == "ACCOUNT_UPDATE") out.funding = funding_of(root);
        return out;
    }
    if (out.event_type != "ORDER_TRADE_UPDATE") {
        out.kind = StreamMessage::Kind::OTHER;
        return out;
    }
    const json* order = find_any(root, {"o"});
    if (order == nullptr || !order->is_object()) {
        out.kind = StreamMessage::Kind::INVALID;
        out.error = "ORDER_TRADE_UPDATE without an order object 'o'";
        return out;
    }
    BingxOrderUpdate& update = out.order;
    FieldReader fields;
    update.event_time_ms = int_of(root, {"E"});
    update.symbol = text_of(*order, {"s"});
    update.client_order_id = text_of(*order, {"c"});
    if (update.client_order_id.empty()) update.client_order_id = text_of(*order, {"C"});
    update.order_id = text_of(*order, {"i"});
    update.side = text_of(*order, {"S"});
    update.type = text_of(*order, {"o"});
    update.execution_type = text_of(*order, {"x"});
    update.status_text = text_of(*order, {"X"});
    update.status = order_status_from(update.status_text);
    update.position_side = text_of(*order, {"ps"});
    update.qty = fields.decimal(*order, {"q"});
    update.price = fields.decimal(*order, {"p"});
    update.avg_price = fields.decimal(*order, {"ap"});
    update.cum_filled = fields.decimal(*order, {"z"});
    update.fee = fields.decimal(*order, {"n"});
    if (find_any(*order, {"l"}) != nullptr) update.last_qty = fields.decimal(*order, {"l"});
    if (find_any(*order, {"L"}) != nullptr) update.last_price = fields.decimal(*order, {"L"});
    update.reduce_only = bool_of(*order, {"ro"});
    update.trade_time_ms = int_of(*order, {"T"});
    if (update.order_id.empty() && update.client_order_id.empty()) {
        fields.note("order update names no order (neither 'i' nor 'c')");
    }
    if (!update.status) fields.note("order update has an unknown status 'X' = '" + update.status_text + "'");
    if (!fields.problems().empty()) {
        out.kind = StreamMessage::Kind::INVALID;
        out.error = fields.problems();
        return out;
    }
    out.kind = StreamMessage::Kind::ORDER_UPDATE;
    return out;
}

} // namespace dita::bingx
