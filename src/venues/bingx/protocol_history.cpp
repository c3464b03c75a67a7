// The REST history that recovers a lost stream report of a venue move: forceOrders
// (liquidations, ADL), allOrders (a person's closing order) and income (funding). Sources of
// every field value: README "BingX venue moves".
#include <set>

#include "dita/venues/bingx/bingx_protocol.hpp"
#include "protocol_fields.hpp"

namespace dita::bingx {

using namespace detail;

namespace {

constexpr std::size_t income_rows_max = 100'000; // far beyond any page BingX sends (1000)

Parsed<BingxIncome> income_from(const json& item) {
    FieldReader fields;
    BingxIncome row;
    row.symbol = text_of(item, {"symbol"});
    row.income_type = text_of(item, {"incomeType"});
    row.income = fields.decimal(item, {"income"});
    row.asset = text_of(item, {"asset"});
    row.time_ms = int_of(item, {"time"});
    row.tran_id = text_of(item, {"tranId", "tradeId"});
    row.position_side = text_of(item, {"positionSide"});
    if (!fields.problems().empty()) return unreadable(fields.problems());
    return row;
}

} // namespace

Parsed<std::vector<BingxIncome>> parse_income_data(std::string_view data_json) {
    const json data = parse_json(data_json);
    if (data.is_discarded()) return unreadable("income data is not JSON");
    if (data.is_null()) return std::vector<BingxIncome>{};
    const json* list = data.is_array() ? &data : find_any(data, {"list", "rows", "items", "income"});
    if (list != nullptr && list->is_null()) return std::vector<BingxIncome>{};
    if (list == nullptr || !list->is_array()) return unreadable("no income list in data");
    if (list->size() > income_rows_max) return unreadable("income list longer than " + std::to_string(income_rows_max));
    std::vector<BingxIncome> rows;
    rows.reserve(list->size());
    for (const json& item : *list) {
        if (!item.is_object()) return unreadable("income list holds a non-object");
        auto row = income_from(item);
        if (!row.ok()) return row.error();
        rows.push_back(std::move(*row));
    }
    return rows;
}

std::optional<BingxVenueMove> history_move_of(const BingxOrder& order, std::optional<KernelEventKind> forced) {
    return move_of({.side = order.side,
                    .position_side = order.position_side,
                    .type = order.type,
                    .calculated = false,
                    .reduce_only = order.reduce_only,
                    .filled = order.executed_qty,
                    .forced = forced});
}

namespace {

VenueEvent reduction_event(const BingxOrder& order, const BingxVenueMove& move, std::string_view asset) {
    // As the stream path makes it (user_stream.cpp on_order_update), so either settles it once.
    VenueEvent event;
    event.kind = move.kind;
    event.status = static_cast<VenueEventStatus>(order.status.value_or(VenueOrderStatus::FILLED));
    event.venue_order_id = Id(order.order_id);
    event.client_order_id = Id(order.client_order_id.empty() ? "bx-" + order.order_id : order.client_order_id);
    event.side = move.side;
    event.asset = AssetName(asset);
    event.order_qty = order.orig_qty;
    event.cum_filled_qty = order.executed_qty;
    event.avg_fill_price = order.avg_price;
    event.cum_fee = -order.commission.value_or(Decimal());
    event.timestamp_ns = ns_of_ms(order.update_time_ms);
    return event;
}

bool fits_ids(const BingxOrder& order) {
    return !order.order_id.empty() && Id::fits(order.order_id) && Id::fits("bx-" + order.order_id) &&
           (order.client_order_id.empty() || Id::fits(order.client_order_id));
}

// The side a funding row is for: its own positionSide, else the one side the symbol holds now.
std::optional<TradeSide> funding_side(const BingxIncome& row, const std::vector<BingxPosition>& positions,
                                      std::string_view symbol, Decimal& size) {
    bool held[2] = {false, false};
    Decimal sizes[2];
    for (const BingxPosition& position : positions) {
        if (position.symbol != symbol || position.position_amt.is_zero()) continue;
        const bool short_side = position.position_side == "SHORT" ||
                                (position.position_side != "LONG" && position.position_amt.is_negative());
        held[short_side ? 1 : 0] = true;
        sizes[short_side ? 1 : 0] += position.position_amt.abs();
    }
    std::optional<TradeSide> side;
    if (row.position_side == "LONG" || row.position_side == "SHORT") {
        side = row.position_side == "LONG" ? TradeSide::LONG : TradeSide::SHORT;
    } else if (held[0] != held[1]) {
        side = held[0] ? TradeSide::LONG : TradeSide::SHORT;
    }
    if (side) size = sizes[*side == TradeSide::SHORT ? 1 : 0];
    return side;
}

} // namespace

BingxHistoryMoves venue_moves_of(const BingxHistory& history, std::string_view symbol, std::string_view asset,
                                 std::int64_t funding_bucket_ms) {
    BingxHistoryMoves out;
    if (!AssetName::fits(asset)) return out;
    std::set<std::string> forced_ids;
    auto add_forced = [&](const std::vector<BingxOrder>& rows, KernelEventKind kind) {
        for (const BingxOrder& order : rows) {
            if ((!order.symbol.empty() && order.symbol != symbol) || !fits_ids(order)) continue;
            if (!forced_ids.insert(order.order_id).second) continue;
            if (const auto move = history_move_of(order, kind)) out.events.push_back(reduction_event(order, *move, asset));
        }
    };
    add_forced(history.liquidations, KernelEventKind::LIQUIDATION);
    add_forced(history.adl, KernelEventKind::ADL);
    for (const BingxOrder& order : history.orders) {
        if ((!order.symbol.empty() && order.symbol != symbol) || !fits_ids(order)) continue;
        // Orders with a client order id are an API client's (the kernel's own among them): only
        // the stream, which knows which are the adapter's, reports those.
        if (!order.client_order_id.empty() || forced_ids.contains(order.order_id)) continue;
        const auto move = history_move_of(order, std::nullopt);
        if (move) out.events.push_back(reduction_event(order, *move, asset));
    }
    for (const BingxIncome& row : history.incomes) {
        if (row.income_type != "FUNDING_FEE" || row.symbol != symbol || row.income.is_zero()) continue;
        if (!row.asset.empty() && row.asset != "USDT" && row.asset != "USDC") continue;
        Decimal size;
        const auto side = funding_side(row, history.positions, symbol, size);
        const std::string id = side ? funding_move_id(row.time_ms, symbol, *side, funding_bucket_ms) : std::string();
        if (!side || !Id::fits(id)) {
            ++out.funding_unattributed;
            continue;
        }
        VenueEvent event;
        event.kind = KernelEventKind::FUNDING;
        event.status = VenueEventStatus::INFO;
        event.venue_order_id = Id(id);
        event.side = *side;
        event.asset = AssetName(asset);
        event.cum_filled_qty = size;
        event.cum_fee = -row.income; // charged: a negative income was paid
        event.timestamp_ns = ns_of_ms(row.time_ms);
        out.events.push_back(event);
    }
    return out;
}

} // namespace dita::bingx
