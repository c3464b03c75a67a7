// Order entry: submit (checks, leverage, send, the query that decides a lost answer),
// cancel, and the order queries both use. A submit never makes a second order: before any
// resend, the venue is asked whether the first one exists.
#include <algorithm>

#include "adapter_impl.hpp"
#include "log.hpp"

namespace dita::bingx {

using detail::Backoff;
using detail::lower;
using detail::ms_until;
using detail::path_order;

detail::QueryOutcome BingxVenueAdapter::Impl::query_once(const std::string& symbol, const std::string& coid,
                                                         const std::string& venue_id, SteadyTime deadline) {
    QueryOutcome out;
    Params params{{"symbol", symbol}};
    if (!venue_id.empty()) {
        params.emplace_back("orderId", venue_id);
    } else {
        params.emplace_back("clientOrderId", coid);
    }
    Reply reply = rest->call_retrying("GET", path_order, params, deadline, 3);
    out.outcome = reply.outcome;
    out.detail = reply.detail;
    if (reply.outcome != CallOutcome::OK) return out;
    auto order = parse_order_data(reply.envelope.data_json);
    if (!order.ok()) {
        out.outcome = CallOutcome::UNKNOWN;
        out.detail = "unreadable order: " + order.error().detail;
        return out;
    }
    out.order = std::move(*order);
    return out;
}

// Queries until a definite answer (found / not found) or the deadline.
detail::QueryOutcome BingxVenueAdapter::Impl::query_definite(const std::string& symbol, const std::string& coid,
                                                             const std::string& venue_id, SteadyTime deadline) {
    QueryOutcome out;
    Backoff backoff(config.retry_pause_ms);
    for (int attempt = 0; attempt < detail::query_attempts_max && ms_until(deadline) > 0; ++attempt) {
        out = query_once(symbol, coid, venue_id, deadline);
        if (out.outcome == CallOutcome::OK || out.outcome == CallOutcome::NOT_FOUND) return out;
        rest->pause(backoff.next(), deadline);
    }
    if (out.detail.empty()) out.detail = "no definite answer before the call deadline";
    return out;
}

VenueCallResult BingxVenueAdapter::Impl::accepted_from(const BingxOrder& order, SteadyTime deadline) {
    absorb_order(order);
    settle_fee(lower(order.client_order_id), deadline);
    VenueCallResult result;
    result.status = VenueCallStatus::ACCEPTED;
    result.venue_order_id = Id(order.order_id);
    result.detail = "accepted";
    return result;
}

// A place answer shows fills but no fee. The stream brings the fee within moments; wait
// for it briefly, then ask REST, so the caller's next drain sees each fill with its fee
// (a fee learnt much later may land after the trade is finished).
void BingxVenueAdapter::Impl::settle_fee(const std::string& coid, SteadyTime deadline) {
    if (config.fill_fee_wait_ms <= 0) return;
    const auto wait_until =
        std::min(deadline, std::chrono::steady_clock::now() + std::chrono::milliseconds(config.fill_fee_wait_ms));
    std::string symbol;
    std::string venue_id;
    {
        std::unique_lock lock(mutex);
        auto uncertain = [this, &coid] {
            const auto found = orders.find(coid);
            return found != orders.end() && found->second.fee_uncertain();
        };
        if (!uncertain()) return;
        events_cv.wait_until(lock, wait_until, [&] { return !uncertain(); });
        if (!uncertain()) return;
        const Tracked& order = orders.at(coid);
        symbol = order.symbol;
        venue_id = order.venue_order_id;
    }
    QueryOutcome state = query_once(symbol, coid, venue_id, deadline);
    if (state.outcome == CallOutcome::OK && state.order) {
        if (state.order->client_order_id.empty()) state.order->client_order_id = coid;
        absorb_order(*state.order);
    }
}

VenueCallResult BingxVenueAdapter::Impl::refuse(const std::string& coid, VenueCallStatus status, std::string detail) {
    {
        std::lock_guard lock(mutex);
        const auto found = orders.find(coid);
        if (found != orders.end()) {
            // The kernel records the refusal itself from the call's answer; no event here.
            found->second.status = VenueOrderStatus::REJECTED;
            found->second.outcome_unknown = false;
        }
    }
    return {status, Id(), std::move(detail)};
}

std::string BingxVenueAdapter::Impl::leverage_side(TradeSide side) const {
    if (config.position_mode == PositionMode::ONE_WAY) return "BOTH";
    return side == TradeSide::LONG ? "LONG" : "SHORT";
}

// Sets the symbol's leverage before an entry when it differs from what was last set.
std::optional<VenueCallResult> BingxVenueAdapter::Impl::ensure_leverage(const std::string& symbol, TradeSide side,
                                                                        Decimal leverage, SteadyTime deadline) {
    if (!config.sync_leverage || !leverage.is_positive()) return std::nullopt;
    const int wanted = static_cast<int>(std::max<std::int64_t>(1, leverage.raw() / Decimal::scale));
    const std::string side_text = leverage_side(side);
    const std::string key = symbol + "/" + side_text;
    {
        std::lock_guard lock(mutex);
        const auto found = leverage_set.find(key);
        if (found != leverage_set.end() && found->second == wanted) return std::nullopt;
    }
    Reply reply = rest->call_retrying("POST", "/openApi/swap/v2/trade/leverage",
                                      {{"symbol", symbol}, {"side", side_text}, {"leverage", std::to_string(wanted)}},
                                      deadline, 3);
    if (reply.outcome == CallOutcome::OK) {
        std::lock_guard lock(mutex);
        leverage_set[key] = wanted;
        return std::nullopt;
    }
    const std::string what = "leverage " + std::to_string(wanted) + ": " + reply.detail;
    if (reply.outcome == CallOutcome::REJECTED) return VenueCallResult{VenueCallStatus::REJECTED, Id(), what};
    if (reply.outcome == CallOutcome::RATE_LIMITED || reply.outcome == CallOutcome::NOT_SENT) {
        return VenueCallResult{VenueCallStatus::UNAVAILABLE, Id(), what};
    }
    return std::nullopt; // unknown: the order goes ahead; the leverage is read again next time
}

VenueCallResult BingxVenueAdapter::Impl::submit(const OrderRequest& request) {
    const std::string coid = lower(request.client_order_id.view());
    VenueCallResult result = submit_tracked(request, coid);
    std::lock_guard lock(mutex);
    if (auto found = orders.find(coid); found != orders.end()) found->second.in_flight = false;
    return result;
}

// The local refusals: nothing is sent for an order the venue would refuse or a cap forbids.
Result<InstrumentInfo, VenueCallResult> BingxVenueAdapter::Impl::check_order(const OrderRequest& request,
                                                                            const std::string& coid) const {
    auto refused = [](std::string detail) { return VenueCallResult{VenueCallStatus::REJECTED, Id(), std::move(detail)}; };
    if (!detail::venue_safe_id(coid)) return refused("client order id '" + coid + "' must be 1-40 characters of [a-z0-9._-]");
    const auto info = instrument_info(request.asset.view());
    if (!info) {
        return refused("asset '" + request.asset.str() + "' is not loaded (unknown to the venue or start() not run)");
    }
    if (!request.qty.is_positive() || !request.qty.is_multiple_of(info->spec.lot_step)) {
        return refused("quantity " + request.qty.to_string() + " is not a positive multiple of the lot step " +
                       info->spec.lot_step.to_string());
    }
    if (config.order_qty_max.is_positive() && request.qty > config.order_qty_max) {
        return refused("quantity " + request.qty.to_string() + " above the live cap " + config.order_qty_max.to_string());
    }
    if (config.order_notional_max.is_positive()) {
        const Decimal notional = request.qty.mul(request.reference_price);
        if (!request.reference_price.is_positive() || notional > config.order_notional_max) {
            return refused("notional " + notional.to_string() + " above the live cap " +
                           config.order_notional_max.to_string() + " (a capped run needs a reference price)");
        }
    }
    return *info;
}

// Registers the order (or finds the earlier submit of the same id). The value: whether an
// earlier submit may already have reached the venue; the error: the answer to give now.
Result<bool, VenueCallResult> BingxVenueAdapter::Impl::begin_tracking(const OrderRequest& request,
                                                                      const std::string& coid,
                                                                      const InstrumentInfo& info) {
    std::lock_guard lock(mutex);
    const auto known = orders.find(coid);
    if (known != orders.end() && known->second.acked) {
        // The same client order id again: never a second order. Report what is known.
        return VenueCallResult{VenueCallStatus::ACCEPTED, Id(known->second.venue_order_id), "already submitted"};
    }
    if (known != orders.end() && known->second.in_flight) {
        return VenueCallResult{VenueCallStatus::UNKNOWN, Id(), "a submit of this order is still under way"};
    }
    if (known != orders.end() && known->second.outcome_unknown) {
        known->second.in_flight = true; // an earlier submit's fate is open: ask before sending
        return true;
    }
    if (known != orders.end()) orders.erase(known); // refused before: the venue never had it
    Tracked order;
    order.coid = coid;
    order.symbol = info.symbol;
    order.asset = request.asset;
    order.side = request.side;
    order.purpose = request.purpose;
    order.qty = request.qty;
    order.slot_id = request.slot_id;
    order.trade_id = request.trade_id;
    order.outcome_unknown = true;
    order.in_flight = true;
    order.created_order = ++created_count;
    orders.emplace(coid, order);
    prune_locked();
    return false;
}

Params BingxVenueAdapter::Impl::place_params(const OrderRequest& request, const std::string& coid,
                                             const InstrumentInfo& info) const {
    const OrderSides sides = order_sides(request.side, request.purpose, config.position_mode);
    Params params{{"symbol", info.symbol},
                  {"side", std::string(sides.side)},
                  {"positionSide", std::string(sides.position_side)},
                  {"type", "MARKET"},
                  {"quantity", request.qty.to_string()},
                  {"clientOrderId", coid}};
    if (sides.reduce_only) params.emplace_back("reduceOnly", "true");
    if (config.send_price_with_market && request.reference_price.is_positive()) {
        params.emplace_back("price", request.reference_price.floor_to(info.spec.tick_size).to_string());
    }
    return params;
}

// Asks the venue whether the order exists. An answer when the query decided the submit
// (found: accepted; no definite answer: unknown); nullopt when the venue has no such order.
std::optional<VenueCallResult> BingxVenueAdapter::Impl::adopt_by_query(const std::string& symbol,
                                                                       const std::string& coid, SteadyTime deadline,
                                                                       std::string& detail) {
    QueryOutcome found = query_definite(symbol, coid, "", deadline);
    if (found.outcome == CallOutcome::OK && found.order) {
        if (found.order->client_order_id.empty()) found.order->client_order_id = coid;
        {
            std::lock_guard lock(mutex);
            const auto tracked = orders.find(coid);
            if (tracked != orders.end() && is_stranger_locked(tracked->second, *found.order)) {
                // The venue refuses a client order id it holds already, so our send made nothing.
                settle_as_stranger_locked(tracked->second, false);
                detail::log().warn("order {}: the venue holds another order under this id (venue order {}): not adopted",
                                   coid, found.order->order_id);
                return VenueCallResult{VenueCallStatus::REJECTED, Id(),
                                       "client order id '" + coid + "' is held by another order at the venue (" +
                                           found.order->side + "/" + found.order->position_side + " " +
                                           found.order->orig_qty.to_string() + ", venue order " +
                                           found.order->order_id + "): not ours, not adopted"};
            }
        }
        bump([](BingxAdapterStats& s) { ++s.orders_resolved_by_query; });
        detail::log().info("order {}: found by query after an unknown answer (venue order {})", coid,
                           found.order->order_id);
        return accepted_from(*found.order, deadline);
    }
    if (found.outcome != CallOutcome::NOT_FOUND) {
        detail = found.detail;
        return VenueCallResult{VenueCallStatus::UNKNOWN, Id(), "order fate unknown: " + found.detail};
    }
    return std::nullopt;
}

VenueCallResult BingxVenueAdapter::Impl::submit_tracked(const OrderRequest& request, const std::string& coid) {
    const auto info = check_order(request, coid);
    if (!info.ok()) return info.error();
    const auto maybe_sent = begin_tracking(request, coid, *info);
    if (!maybe_sent.ok()) return maybe_sent.error();

    const auto deadline = rest->call_deadline();
    if (request.purpose == OrderPurpose::ENTRY) {
        if (auto refused = ensure_leverage(info->symbol, request.side, request.leverage, deadline)) {
            return refuse(coid, refused->status, refused->detail);
        }
    }
    if (*maybe_sent) {
        std::string detail;
        if (auto decided = adopt_by_query(info->symbol, coid, deadline, detail)) {
            if (decided->status == VenueCallStatus::UNKNOWN) decided->detail = "order fate still unknown: " + detail;
            return *decided;
        }
    }
    return send_order(coid, *info, place_params(request, coid, *info), *maybe_sent, deadline);
}

// Sends, retrying only what provably did nothing; after an answer that may have executed,
// the venue is asked before any resend, and the order found is the answer.
VenueCallResult BingxVenueAdapter::Impl::send_order(const std::string& coid, const InstrumentInfo& info,
                                                    const Params& params, bool maybe_sent, SteadyTime deadline) {
    std::string last_detail;
    Backoff backoff(config.retry_pause_ms);
    bool resynced = false;
    for (int attempt = 0; attempt < config.send_attempts_max; ++attempt) {
        const int left_ms = ms_until(deadline);
        if (left_ms <= 0) break;
        {
            std::lock_guard lock(mutex);
            ++stats.orders_sent;
            if (auto found = orders.find(coid); found != orders.end()) {
                found->second.last_send_ms = now_ms();
                if (found->second.first_send_ms == 0) found->second.first_send_ms = found->second.last_send_ms;
            }
        }
        Reply reply = rest->call("POST", path_order, params, true, std::min(config.request_timeout_ms, left_ms));
        last_detail = reply.detail;
        if (reply.outcome == CallOutcome::OK) {
            const auto order = parse_order_data(reply.envelope.data_json);
            if (order.ok()) {
                BingxOrder placed = *order;
                if (placed.client_order_id.empty()) placed.client_order_id = coid;
                return accepted_from(placed, deadline);
            }
            last_detail = "unreadable place answer: " + order.error().detail;
            reply.outcome = CallOutcome::UNKNOWN;
        }
        if (reply.outcome == CallOutcome::REJECTED && !maybe_sent) {
            if (!resynced && detail::RestClient::timestamp_refused(reply)) {
                resynced = true;
                rest->resync_clock();
                continue;
            }
            return refuse(coid, VenueCallStatus::REJECTED, reply.detail);
        }
        if (reply.outcome == CallOutcome::RATE_LIMITED || reply.outcome == CallOutcome::NOT_SENT) {
            if (!maybe_sent && attempt + 1 >= config.send_attempts_max) break;
            rest->pause(backoff.next(), deadline);
            if (!maybe_sent) continue;
        } else {
            maybe_sent = true;
        }
        // The order may exist (or an earlier attempt may have made it): ask before resending.
        std::string query_detail;
        if (auto decided = adopt_by_query(info.symbol, coid, deadline, query_detail)) {
            if (decided->status != VenueCallStatus::UNKNOWN) return *decided;
            last_detail += "; query: " + query_detail;
            break; // fate unknown: never resend blind
        }
        if (reply.outcome == CallOutcome::REJECTED) {
            // A retry refused and the first attempt never arrived: a definite refusal.
            return refuse(coid, VenueCallStatus::REJECTED, reply.detail);
        }
        rest->pause(backoff.next(), deadline);
    }
    if (!maybe_sent) return refuse(coid, VenueCallStatus::UNAVAILABLE, "order not placed: " + last_detail);
    // Left unresolved: the supervisor keeps asking and reports the fate as an event.
    return {VenueCallStatus::UNKNOWN, Id(), "order fate unknown: " + last_detail};
}

VenueCallResult BingxVenueAdapter::Impl::cancel(const CancelRequest& request) {
    const std::string coid = lower(request.client_order_id.view());
    const auto symbol = to_bingx_symbol(request.asset.view());
    if (!symbol) return {VenueCallStatus::REJECTED, Id(), detail::no_symbol_detail(request.asset.view())};
    std::string venue_id = request.venue_order_id.str();
    {
        std::lock_guard lock(mutex);
        if (const Tracked* tracked = find_locked(coid, venue_id)) {
            if (venue_id.empty()) venue_id = tracked->venue_order_id;
        }
    }
    if (coid.empty() && venue_id.empty()) return {VenueCallStatus::REJECTED, Id(), "cancel names no order"};
    const auto deadline = rest->call_deadline();
    std::string last_detail;
    for (int attempt = 0; attempt < config.send_attempts_max && ms_until(deadline) > 0; ++attempt) {
        Params params{{"symbol", *symbol}};
        if (!venue_id.empty()) {
            params.emplace_back("orderId", venue_id);
        } else {
            params.emplace_back("clientOrderId", coid);
        }
        Reply reply = rest->call_retrying("DELETE", path_order, params, deadline, 3);
        last_detail = reply.detail;
        if (reply.outcome == CallOutcome::OK) {
            auto order = parse_order_data(reply.envelope.data_json);
            if (order.ok()) {
                if (order->client_order_id.empty()) order->client_order_id = coid;
                if (!order->status) order->status = VenueOrderStatus::CANCELED;
                absorb_order(*order);
                return {VenueCallStatus::ACCEPTED, Id(order->order_id), "canceled"};
            }
            last_detail = "unreadable cancel answer: " + order.error().detail;
        }
        if (reply.outcome == CallOutcome::RATE_LIMITED || reply.outcome == CallOutcome::NOT_SENT) {
            return {VenueCallStatus::UNAVAILABLE, Id(), "cancel not sent: " + reply.detail};
        }
        if (auto decided = cancel_decided_by_query(*symbol, coid, venue_id, reply, deadline, last_detail)) {
            return *decided;
        }
    }
    return {VenueCallStatus::UNKNOWN, Id(), "cancel fate unknown: " + last_detail};
}

// After a cancel that was refused, unknown or not found: the order's state decides.
// nullopt: still working after an unknown answer (cancelling again is harmless), or no answer.
std::optional<VenueCallResult> BingxVenueAdapter::Impl::cancel_decided_by_query(
    const std::string& symbol, const std::string& coid, const std::string& venue_id, const Reply& reply,
    SteadyTime deadline, std::string& last_detail) {
    QueryOutcome state = query_definite(symbol, coid, venue_id, deadline);
    if (state.outcome == CallOutcome::NOT_FOUND) {
        return VenueCallResult{VenueCallStatus::REJECTED, Id(), "order does not exist (" + last_detail + ")"};
    }
    if (state.outcome != CallOutcome::OK || !state.order) {
        last_detail += "; query: " + state.detail;
        return std::nullopt;
    }
    if (state.order->client_order_id.empty()) state.order->client_order_id = coid;
    absorb_order(*state.order);
    const VenueOrderStatus status = state.order->status.value_or(VenueOrderStatus::NEW);
    const Id order_id(state.order->order_id);
    if (status == VenueOrderStatus::CANCELED) {
        // Idempotent: the order ends canceled, by this call or an earlier one.
        return VenueCallResult{VenueCallStatus::ACCEPTED, order_id, "already canceled (" + last_detail + ")"};
    }
    if (is_terminal(status)) {
        return VenueCallResult{VenueCallStatus::REJECTED, order_id,
                               "order is already " + std::string(to_string(status)) + " (" + last_detail + ")"};
    }
    if (reply.outcome == CallOutcome::REJECTED) return VenueCallResult{VenueCallStatus::REJECTED, order_id, reply.detail};
    return std::nullopt;
}

} // namespace dita::bingx
