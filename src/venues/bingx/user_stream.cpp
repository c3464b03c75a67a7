// The user-data stream: listenKey, the WebSocket session, message handling, and the
// supervisor thread that reconnects, catches up over REST after a gap, keeps the key alive
// and chases orders whose fate or fee is still open.
#include <algorithm>

#include "adapter_impl.hpp"
#include "log.hpp"

namespace dita::bingx {

using detail::lower;
using detail::wall_ms;

void BingxVenueAdapter::Impl::on_stream_message(std::uint64_t session, std::string payload, bool binary) {
    {
        std::lock_guard lock(mutex);
        if (session != 0 && session < session_floor) return; // a replaced session
        ++stats.stream_messages;
    }
    std::string text;
    if (binary) {
        auto inflated = inflate_message(payload, detail::stream_message_max);
        if (!inflated) {
            bump([](BingxAdapterStats& s) { ++s.stream_parse_errors; });
            return;
        }
        text = std::move(*inflated);
    } else {
        text = std::move(payload);
    }
    const StreamMessage message = parse_stream_message(text);
    switch (message.kind) {
    case StreamMessage::Kind::PING:
        if (session != 0) network->ws_send(session, "Pong");
        bump([](BingxAdapterStats& s) { ++s.pings_answered; });
        return;
    case StreamMessage::Kind::ORDER_UPDATE: on_order_update(message.order); return;
    case StreamMessage::Kind::LISTEN_KEY_EXPIRED: {
        bump([](BingxAdapterStats& s) { ++s.listen_key_expiries; });
        detail::log().warn("user stream: listenKey expired; making a new one");
        std::lock_guard lock(supervisor_mutex);
        key_expired_signal = true;
        supervisor_cv.notify_all();
        return;
    }
    case StreamMessage::Kind::INVALID: bump([](BingxAdapterStats& s) { ++s.stream_parse_errors; }); return;
    case StreamMessage::Kind::ACCOUNT_UPDATE:
        if (message.funding) on_funding(*message.funding);
        return;
    case StreamMessage::Kind::OTHER: return;
    }
}

void BingxVenueAdapter::Impl::on_funding(const BingxFunding& funding) {
    VenueEvent event;
    event.kind = KernelEventKind::FUNDING;
    event.status = VenueEventStatus::INFO;
    const bool short_side =
        funding.position_side == "SHORT" || (funding.position_side != "LONG" && funding.position_amount.is_negative());
    event.side = short_side ? TradeSide::SHORT : TradeSide::LONG;
    // One settlement per symbol, side and time: the id the kernel books it under, once (the
    // income history names it so too).
    const std::string id = funding_move_id(funding.time_ms, funding.symbol, event.side, config.funding_time_bucket_ms);
    if (!Id::fits(id)) return;
    event.venue_order_id = Id(id);
    event.cum_filled_qty = funding.position_amount.abs();
    event.cum_fee = -funding.balance_change; // charged: a negative change is paid
    event.timestamp_ns = ns_of_ms(funding.time_ms);
    std::lock_guard lock(mutex);
    const auto asset = asset_by_symbol.find(funding.symbol);
    const std::string name = asset != asset_by_symbol.end() ? asset->second : from_bingx_symbol(funding.symbol);
    if (!AssetName::fits(name)) return;
    event.asset = AssetName(name);
    push_event_locked(event);
}

void BingxVenueAdapter::Impl::remember_move_locked(const std::string& venue_order_id, KernelEventKind kind) {
    static constexpr std::size_t move_kinds_max = 4096;
    move_kinds[venue_order_id] = kind;
    // Order ids grow with time: the smallest is about the oldest.
    while (move_kinds.size() > move_kinds_max) move_kinds.erase(move_kinds.begin());
}

void BingxVenueAdapter::Impl::on_order_update(const BingxOrderUpdate& update) {
    const std::string coid = lower(update.client_order_id);
    Report report;
    report.source = Report::Source::STREAM;
    report.status = update.status;
    report.venue_order_id = update.order_id;
    report.cum_filled = update.cum_filled;
    report.avg_price = update.avg_price;
    report.fee = -update.fee;
    report.last_qty = update.last_qty;
    report.time_ms = update.event_time_ms;
    std::lock_guard lock(mutex);
    ++stats.stream_order_updates;
    if (Tracked* tracked = find_locked(coid, update.order_id)) {
        if (!apply_report_locked(*tracked, report)) ++stats.stream_duplicates;
        return;
    }
    // Not an order of this adapter (another client, a liquidation): handed on as is so the
    // kernel can report it; it keeps it for reconciliation.
    VenueEvent event;
    const VenueOrderStatus status = update.status.value_or(VenueOrderStatus::NEW);
    event.kind = event_kind_of(status);
    event.status = static_cast<VenueEventStatus>(status);
    event.venue_order_id = Id(update.order_id);
    event.client_order_id = Id(coid.empty() ? "bx-" + update.order_id : coid);
    if (const auto sides = side_and_purpose(update.side, update.position_side, update.reduce_only)) {
        event.side = sides->side;
    }
    // The venue's own moves (a liquidation, ADL, a person's closing order): venue truth the
    // kernel settles into its slots, named by the venue's order id.
    if (const auto move = venue_move_of(update)) {
        event.kind = move->kind;
        event.side = move->side;
        remember_move_locked(update.order_id, move->kind);
    }
    const auto asset = asset_by_symbol.find(update.symbol);
    event.asset = AssetName(asset != asset_by_symbol.end() ? asset->second : from_bingx_symbol(update.symbol));
    event.order_qty = update.qty;
    event.cum_filled_qty = update.cum_filled;
    event.avg_fill_price = update.avg_price;
    event.cum_fee = -update.fee;
    event.timestamp_ns = ns_of_ms(update.event_time_ms);
    push_event_locked(event);
}

void BingxVenueAdapter::Impl::on_stream_closed(std::uint64_t session) {
    {
        std::lock_guard lock(mutex);
        if (session < session_floor) return;
        session_floor = session + 1;
        if (connected) ++stats.stream_disconnects;
        current_session = 0;
        connected = false;
    }
    detail::log().warn("user stream closed (session {}); reconnecting", session);
    std::lock_guard lock(supervisor_mutex);
    stream_closed_signal = true;
    supervisor_cv.notify_all();
}

bool BingxVenueAdapter::Impl::create_listen_key() {
    Reply reply = rest->call_listen_key("POST", "");
    if (reply.http_status < 200 || reply.http_status >= 300) return false;
    const auto key = parse_listen_key_body(reply.body);
    if (!key.ok()) return false;
    listen_key = *key;
    bump([](BingxAdapterStats& s) { ++s.listen_keys_created; });
    detail::log().debug("user stream: listenKey created"); // never the key itself
    return true;
}

BingxVenueAdapter::Impl::StreamConnect BingxVenueAdapter::Impl::connect_stream() {
    StreamConnect out;
    if (listen_key.empty() && !create_listen_key()) {
        out.error = "listenKey could not be created";
        return out;
    }
    net::WsCallbacks callbacks;
    callbacks.on_message = [this](std::uint64_t session, std::string payload, bool binary) {
        on_stream_message(session, std::move(payload), binary);
    };
    callbacks.on_closed = [this](std::uint64_t session, std::string) { on_stream_closed(session); };
    {
        std::lock_guard lock(supervisor_mutex);
        stream_closed_signal = false;
        key_expired_signal = false;
    }
    const auto opened = network->ws_connect(ws, "?listenKey=" + url_encode(listen_key), config.ws_handshake_timeout_ms,
                                            config.ws_idle_timeout_ms, std::move(callbacks));
    if (!opened.ok()) {
        out.error = opened.error().detail;
        detail::log().warn("user stream connect failed: {}", out.error);
        return out;
    }
    const std::uint64_t session = *opened;
    std::lock_guard lock(mutex);
    if (session < session_floor) {
        out.error = "stream closed right after it opened";
        return out;
    }
    session_floor = session;
    current_session = session;
    connected = true;
    out.gap_possible =
        stats.stream_connects > 0 ||
        std::any_of(orders.begin(), orders.end(), [](const auto& entry) { return !is_terminal(entry.second.status); });
    ++stats.stream_connects;
    detail::log().info("user stream connected (session {}, connect {})", session, stats.stream_connects);
    events_cv.notify_all();
    out.connected = true;
    return out;
}

// After a gap in the stream: ask the venue about every order that may have moved.
bool BingxVenueAdapter::Impl::catch_up() {
    std::vector<detail::OrderKey> wanted;
    {
        std::lock_guard lock(mutex);
        ++stats.catch_ups;
        for (const auto& [coid, order] : orders) {
            if (!is_terminal(order.status) || order.fee_uncertain()) {
                wanted.emplace_back(order.symbol, coid, order.venue_order_id);
            }
        }
    }
    bool complete = true;
    detail::log().info("catch-up after a stream gap: asking about {} order(s)", wanted.size());
    for (const auto& [symbol, coid, venue_id] : wanted) {
        if (stopping()) return false;
        bump([](BingxAdapterStats& s) { ++s.catch_up_queries; });
        const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(config.request_timeout_ms * 2);
        const QueryOutcome state = query_once(symbol, coid, venue_id, deadline);
        absorb_query(state, coid);
        if (state.outcome != CallOutcome::NOT_FOUND && !(state.outcome == CallOutcome::OK && state.order)) {
            complete = false;
        }
    }
    return complete;
}

// Connects when the stream is down. False when the connect failed (the caller loops again).
bool BingxVenueAdapter::Impl::supervise_connect(int& failures, std::int64_t& last_keepalive_ms) {
    const StreamConnect connect = connect_stream();
    if (connect.connected) {
        failures = 0;
        last_keepalive_ms = wall_ms();
        // Anything may have happened while the stream was down.
        if (connect.gap_possible) set_catch_up(true);
        return true;
    }
    ++failures;
    // A refused handshake may mean a dead key: check it, make a new one if so.
    if (failures >= 2 && !listen_key.empty()) {
        Reply extended = rest->call_listen_key("PUT", listen_key);
        if (extended.outcome != CallOutcome::OK) listen_key.clear();
    }
    wait_backoff(failures);
    return false;
}

// One tick's wait, woken early by a closed stream or an expired key.
void BingxVenueAdapter::Impl::supervise_wait(int& failures) {
    std::unique_lock lock(supervisor_mutex);
    supervisor_cv.wait_for(lock, std::chrono::milliseconds(detail::supervisor_tick_ms),
                           [this] { return supervisor_stop || stream_closed_signal || key_expired_signal; });
    const bool expired = key_expired_signal;
    const bool closed = stream_closed_signal;
    key_expired_signal = false;
    stream_closed_signal = false;
    lock.unlock();
    if (expired) {
        drop_stream(true);
        wait_backoff(1);
    } else if (closed) {
        failures = 1;
        wait_backoff(failures);
    }
}

void BingxVenueAdapter::Impl::supervise() {
    int failures = 0;
    std::int64_t last_keepalive_ms = wall_ms();
    while (!stopping()) {
        bool is_connected = false;
        bool pending = false;
        {
            std::lock_guard lock(mutex);
            is_connected = connected;
        }
        if (!is_connected && !supervise_connect(failures, last_keepalive_ms)) continue;
        {
            std::lock_guard lock(mutex);
            pending = catch_up_pending;
        }
        if (pending && catch_up()) set_catch_up(false);
        if (wall_ms() - last_keepalive_ms >= config.listen_key_keepalive_ms && !listen_key.empty()) {
            Reply extended = rest->call_listen_key("PUT", listen_key);
            if (extended.outcome == CallOutcome::OK) {
                last_keepalive_ms = wall_ms();
            } else if (extended.http_status == 404) {
                detail::log().warn("user stream: listenKey keep-alive refused (404); reconnecting with a new key");
                drop_stream(true);
                continue;
            }
        }
        check_unresolved();
        supervise_wait(failures);
    }
}

void BingxVenueAdapter::Impl::drop_stream(bool forget_key) {
    std::uint64_t session = 0;
    {
        std::lock_guard lock(mutex);
        session = current_session;
        if (session != 0) session_floor = session + 1;
        current_session = 0;
        if (connected) ++stats.stream_disconnects;
        connected = false;
    }
    if (session != 0) network->ws_close(session);
    if (forget_key) listen_key.clear();
}

void BingxVenueAdapter::Impl::set_catch_up(bool value) {
    std::lock_guard lock(mutex);
    catch_up_pending = value;
}

// Orders whose submit ended unknown, and fills whose fee may be incomplete (bounded per tick).
std::vector<detail::OrderKey> BingxVenueAdapter::Impl::unresolved_orders() {
    std::vector<detail::OrderKey> wanted;
    std::lock_guard lock(mutex);
    const std::int64_t now = now_ms();
    for (auto& [coid, order] : orders) {
        const bool unknown =
            order.outcome_unknown && !order.in_flight && now - order.last_send_ms > config.recv_window_ms + 1000;
        // A short grace: the stream usually brings the fee right after REST showed the fill.
        const bool fee_check = order.fee_uncertain() && is_terminal(order.status) && order.fee_checks < 3 &&
                               wall_ms() - order.last_update_ms > 2000;
        if (!unknown && !fee_check) continue;
        if (fee_check) ++order.fee_checks;
        wanted.emplace_back(order.symbol, coid, order.venue_order_id);
        if (wanted.size() >= 16) break;
    }
    return wanted;
}

void BingxVenueAdapter::Impl::check_unresolved() {
    for (const auto& [symbol, coid, venue_id] : unresolved_orders()) {
        if (stopping()) return;
        const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(config.request_timeout_ms * 2);
        absorb_query(query_once(symbol, coid, venue_id, deadline), coid);
    }
}

void BingxVenueAdapter::Impl::wait_backoff(int failures) {
    const int exponent = std::min(failures - 1, 20);
    std::int64_t delay = static_cast<std::int64_t>(std::max(1, config.reconnect_backoff_min_ms)) << std::max(0, exponent);
    delay = std::min<std::int64_t>(delay, std::max(1, config.reconnect_backoff_max_ms));
    const auto spread = static_cast<std::uint64_t>(delay / 4 + 1);
    delay += static_cast<std::int64_t>(jitter() % spread);
    sleep_interruptibly(std::chrono::milliseconds(delay));
}

void BingxVenueAdapter::Impl::start_supervisor() {
    if (supervisor.joinable()) return;
    {
        std::lock_guard lock(supervisor_mutex);
        supervisor_stop = false;
    }
    supervisor = std::thread([this] { supervise(); });
}

void BingxVenueAdapter::Impl::stop_supervisor() {
    {
        std::lock_guard lock(supervisor_mutex);
        supervisor_stop = true;
        supervisor_cv.notify_all();
    }
    if (supervisor.joinable()) supervisor.join();
}

} // namespace dita::bingx
