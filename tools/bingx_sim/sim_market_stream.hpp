#pragma once
// The simulator's public market stream: a WebSocket on /swap-market without a listenKey, as
// BingX serves market data. Clients subscribe {"id":..,"reqType":"sub","dataType":"BTC-USDT@markPrice"}
// (answered {"id":..,"code":0,"msg":""}) and get the contract's mark price every push interval as
// {"code":0,"dataType":"BTC-USDT@markPrice","data":{"e":"markPriceUpdate","E":<ms>,"s":"BTC-USDT","p":"<mark>"}};
// "Ping" every ping interval; frames gzipped like the user stream. One reader and one writer
// per session (Beast allows one of each at a time); answers queue for the writer.
#include <utility>

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>
#include <chrono>
#include <deque>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "sim_engine.hpp"

namespace dita::bingx_sim::market_stream {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
using error_code = boost::system::error_code;

inline constexpr int push_interval_ms = 500;
inline constexpr std::size_t outbox_max = 1024;
inline constexpr std::size_t subscriptions_max = 64;

template <typename Stream>
struct Session {
    Session(Stream stream, Engine& e) : ws(std::move(stream)), engine(e), timer(ws.get_executor()) {}
    websocket::stream<Stream> ws;
    Engine& engine;
    asio::steady_timer timer;
    std::deque<std::string> outbox;
    std::vector<std::string> symbols;
    bool closed = false;
};

// A subscribe or unsubscribe request: its answer, queued; anything else is ignored.
template <typename Stream>
void on_request(Session<Stream>& s, const std::string& text) {
    const auto request = nlohmann::json::parse(text, nullptr, false);
    if (request.is_discarded() || !request.is_object()) return;
    const std::string id = request.value("id", "");
    const std::string kind = request.value("reqType", "");
    const std::string topic = request.value("dataType", "");
    const std::string suffix = "@markPrice";
    const bool mark = topic.size() > suffix.size() && topic.ends_with(suffix);
    const std::string symbol = mark ? topic.substr(0, topic.size() - suffix.size()) : "";
    const bool known = mark && s.engine.mark_price(symbol).has_value();
    if (kind == "sub" && known && s.symbols.size() < subscriptions_max) {
        if (std::find(s.symbols.begin(), s.symbols.end(), symbol) == s.symbols.end()) s.symbols.push_back(symbol);
    } else if (kind == "unsub" && known) {
        s.symbols.erase(std::remove(s.symbols.begin(), s.symbols.end(), symbol), s.symbols.end());
    }
    const nlohmann::json answer = (kind == "sub" || kind == "unsub") && known
                                      ? nlohmann::json{{"id", id}, {"code", 0}, {"msg", ""}}
                                      : nlohmann::json{{"id", id}, {"code", 100400}, {"msg", "unknown dataType " + topic}};
    if (s.outbox.size() < outbox_max) s.outbox.push_back(answer.dump());
    s.timer.cancel();
}

template <typename Stream>
asio::awaitable<void> read_loop(std::shared_ptr<Session<Stream>> s) {
    beast::flat_buffer buffer;
    while (!s->closed) {
        error_code ec;
        co_await s->ws.async_read(buffer, asio::redirect_error(asio::use_awaitable, ec));
        if (ec) break;
        const std::string text = beast::buffers_to_string(buffer.data());
        buffer.consume(buffer.size());
        if (text != "Pong") on_request(*s, text);
    }
    s->closed = true;
    s->timer.cancel();
}

template <typename Stream>
asio::awaitable<void> write(Session<Stream>& s, const std::string& text, error_code& ec) {
    if (s.engine.gzip()) {
        const std::string packed = sim_gzip(text);
        s.ws.binary(true);
        co_await s.ws.async_write(asio::buffer(packed), asio::redirect_error(asio::use_awaitable, ec));
    } else {
        s.ws.text(true);
        co_await s.ws.async_write(asio::buffer(text), asio::redirect_error(asio::use_awaitable, ec));
    }
}

template <typename Stream>
asio::awaitable<void> push_loop(std::shared_ptr<Session<Stream>> s) {
    using clock = std::chrono::steady_clock;
    auto next_push = clock::now();
    auto next_ping = clock::now() + std::chrono::milliseconds(s->engine.ping_interval_ms());
    error_code ec;
    while (!s->closed && !ec) {
        while (!s->outbox.empty() && !ec) {
            const std::string text = std::move(s->outbox.front());
            s->outbox.pop_front();
            co_await write(*s, text, ec);
        }
        const auto now = clock::now();
        if (!ec && now >= next_ping) {
            next_ping = now + std::chrono::milliseconds(s->engine.ping_interval_ms());
            co_await write(*s, std::string("Ping"), ec);
        }
        if (!ec && now >= next_push) {
            next_push = now + std::chrono::milliseconds(push_interval_ms);
            for (const std::string& symbol : s->symbols) {
                const auto mark = s->engine.mark_price(symbol);
                if (!mark || ec) continue;
                const nlohmann::json push{{"code", 0}, {"dataType", symbol + "@markPrice"},
                                          {"data", {{"e", "markPriceUpdate"}, {"E", s->engine.now_ms()}, {"s", symbol}, {"p", *mark}}}};
                co_await write(*s, push.dump(), ec);
            }
        }
        if (ec || s->closed) break;
        s->timer.expires_at(std::min(next_push, next_ping));
        error_code wait_ec;
        co_await s->timer.async_wait(asio::redirect_error(asio::use_awaitable, wait_ec));
    }
    s->closed = true;
    error_code close_ec;
    beast::get_lowest_layer(s->ws).socket().shutdown(asio::ip::tcp::socket::shutdown_both, close_ec);
}

template <typename Stream, typename Request>
asio::awaitable<void> serve(Stream stream, Request request, Engine& engine) {
    beast::get_lowest_layer(stream).expires_never();
    auto session = std::make_shared<Session<Stream>>(std::move(stream), engine);
    session->ws.set_option(websocket::stream_base::timeout::suggested(beast::role_type::server));
    error_code ec;
    co_await session->ws.async_accept(request, asio::redirect_error(asio::use_awaitable, ec));
    if (ec) co_return;
    asio::co_spawn(session->ws.get_executor(), read_loop(session), asio::detached);
    co_await push_loop(session);
}

} // namespace dita::bingx_sim::market_stream
