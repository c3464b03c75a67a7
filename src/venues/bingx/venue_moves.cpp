// venue_moves(): the REST history that recovers a lost stream report of a liquidation, an ADL,
// a person's closing order or a funding settlement (issue 13). Reads are signed, retried with
// the client's backoff, bounded in time (lookback) and pages; the mapping is the pure
// venue_moves_of() (protocol_history.cpp).
#include <algorithm>

#include "adapter_impl.hpp"
#include "log.hpp"

namespace dita::bingx {

using detail::no_symbol;
using detail::RestClient;

namespace {

using Moves = VenueQuery<std::vector<VenueEvent>>;

template <typename Row>
struct Pages {
    std::vector<Row> rows;
    bool truncated = false;
};

// Pages of one history endpoint, oldest first: a full page moves the window past its newest row.
template <typename Row, typename Parse, typename TimeOf>
Result<Pages<Row>, Moves> read_pages(detail::RestClient& rest, std::string_view path, const Params& base,
                                     std::int64_t start_ms, std::int64_t end_ms, int limit, int pages_max,
                                     Parse parse, TimeOf time_of) {
    Pages<Row> out;
    std::int64_t from = start_ms;
    for (int page = 0; page < pages_max; ++page) {
        Params params = base;
        params.emplace_back("startTime", std::to_string(from));
        params.emplace_back("endTime", std::to_string(end_ms));
        params.emplace_back("limit", std::to_string(limit));
        const auto reply = rest.call_retrying("GET", path, params, rest.call_deadline(), 3);
        if (reply.outcome != CallOutcome::OK) return RestClient::failed<std::vector<VenueEvent>>(reply);
        auto rows = parse(reply.envelope.data_json);
        if (!rows.ok()) return RestClient::unreadable<std::vector<VenueEvent>>(std::string(path) + ": " + rows.error().detail);
        std::int64_t newest = from;
        for (auto& row : *rows) {
            newest = std::max(newest, time_of(row));
            out.rows.push_back(std::move(row));
        }
        if (rows->size() < static_cast<std::size_t>(limit)) return out;
        if (newest + 1 <= from || newest >= end_ms) return out; // no progress possible: all of it is read
        from = newest + 1;
    }
    out.truncated = true;
    return out;
}

std::int64_t order_time(const BingxOrder& order) { return std::max(order.update_time_ms, order.time_ms); }
std::int64_t income_time(const BingxIncome& row) { return row.time_ms; }

} // namespace

VenueQuery<std::vector<VenueEvent>> BingxVenueAdapter::venue_moves(std::string_view asset) {
    const auto symbol = to_bingx_symbol(asset);
    if (!symbol || !AssetName::fits(asset)) return no_symbol<std::vector<VenueEvent>>(asset);
    Impl& impl = *impl_;
    const BingxConfig& config = impl.config;
    const std::int64_t end_ms = impl.now_ms();
    const std::int64_t start_ms = end_ms - std::max<std::int64_t>(config.venue_moves_lookback_ms, 1);
    const int pages = std::max(config.venue_moves_pages_max, 1);
    BingxHistory history;
    bool truncated = false;
    auto force_orders = [&](std::string_view kind) {
        return read_pages<BingxOrder>(*impl.rest, "/openApi/swap/v2/trade/forceOrders",
                                      {{"symbol", *symbol}, {"autoCloseType", std::string(kind)}}, start_ms, end_ms,
                                      100, pages, parse_orders_data, order_time);
    };
    auto liquidations = force_orders("LIQUIDATION");
    if (!liquidations.ok()) return liquidations.error();
    auto adl = force_orders("ADL");
    if (!adl.ok()) return adl.error();
    auto orders = read_pages<BingxOrder>(*impl.rest, "/openApi/swap/v2/trade/allOrders", {{"symbol", *symbol}},
                                         start_ms, end_ms, 1000, pages, parse_orders_data, order_time);
    if (!orders.ok()) return orders.error();
    auto incomes = read_pages<BingxIncome>(*impl.rest, "/openApi/swap/v2/user/income",
                                           {{"symbol", *symbol}, {"incomeType", "FUNDING_FEE"}}, start_ms, end_ms,
                                           1000, pages, parse_income_data, income_time);
    if (!incomes.ok()) return incomes.error();
    truncated = liquidations->truncated || adl->truncated || orders->truncated || incomes->truncated;
    history.liquidations = std::move(liquidations->rows);
    history.adl = std::move(adl->rows);
    history.incomes = std::move(incomes->rows);
    if (!history.incomes.empty()) {
        // Which side a funding row is for, when the row does not say: the side held now.
        const auto reply = impl.rest->call_retrying("GET", "/openApi/swap/v2/user/positions", {{"symbol", *symbol}},
                                                    impl.rest->call_deadline(), 3);
        if (reply.outcome != CallOutcome::OK) return RestClient::failed<std::vector<VenueEvent>>(reply);
        auto positions = parse_positions_data(reply.envelope.data_json);
        if (!positions.ok()) return RestClient::unreadable<std::vector<VenueEvent>>(positions.error().detail);
        history.positions = std::move(*positions);
    }
    std::lock_guard lock(impl.mutex);
    for (BingxOrder& order : orders->rows) {
        // The adapter's own orders are never a person's close, whatever their client id says.
        if (impl.find_locked(detail::lower(order.client_order_id), order.order_id) != nullptr) continue;
        history.orders.push_back(std::move(order));
    }
    BingxHistoryMoves moves = venue_moves_of(history, *symbol, asset, config.funding_time_bucket_ms);
    for (VenueEvent& event : moves.events) {
        // Named as the stream named it, if the stream reported it: settled once either way.
        const auto known = impl.move_kinds.find(event.venue_order_id.str());
        if (event.kind != KernelEventKind::FUNDING && known != impl.move_kinds.end()) event.kind = known->second;
    }
    ++impl.stats.venue_move_reads;
    impl.stats.venue_moves_found += moves.events.size();
    impl.stats.funding_unattributed += moves.funding_unattributed;
    if (truncated) ++impl.stats.venue_moves_truncated;
    if (truncated) detail::log().warn("venue moves of {}: more history than {} pages; older moves not read", asset, pages);
    return {VenueCallStatus::ACCEPTED, std::move(moves.events), {}};
}

} // namespace dita::bingx
