// Boost.Asio 1.74's awaitable.hpp uses std::exchange without including <utility>.
#include <utility>

#include "dita/service/server.hpp"

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>
#include <chrono>
#include <deque>
#include <functional>
#include <map>
#include <thread>

#include <openssl/crypto.h>

namespace dita::service {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
using tcp = asio::ip::tcp;
using error_code = boost::system::error_code;
template <typename T>
using awaitable = asio::awaitable<T>;
using Request = http::request<http::string_body>;
using Response = http::response<http::string_body>;

namespace {

auto with(error_code& ec) { return asio::redirect_error(asio::use_awaitable, ec); }

constexpr auto http_idle_timeout = std::chrono::seconds(60);
constexpr auto kernel_tick = std::chrono::milliseconds(20);

struct Target {
    std::string path;
    std::map<std::string, std::string> query;
};

int hex_value(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

std::string url_decode(std::string_view text) {
    std::string out;
    for (std::size_t i = 0; i < text.size(); ++i) {
        if (text[i] == '%' && i + 2 < text.size() && hex_value(text[i + 1]) >= 0 && hex_value(text[i + 2]) >= 0) {
            out += static_cast<char>(hex_value(text[i + 1]) * 16 + hex_value(text[i + 2]));
            i += 2;
        } else {
            out += text[i] == '+' ? ' ' : text[i];
        }
    }
    return out;
}

Target split_target(std::string_view target) {
    Target out;
    const auto question = target.find('?');
    out.path = std::string(target.substr(0, question));
    if (question == std::string_view::npos) return out;
    std::string_view query = target.substr(question + 1);
    while (!query.empty()) {
        const auto amp = query.find('&');
        const std::string_view pair = query.substr(0, amp);
        const auto eq = pair.find('=');
        out.query[url_decode(pair.substr(0, eq))] = eq == std::string_view::npos ? "" : url_decode(pair.substr(eq + 1));
        if (amp == std::string_view::npos) break;
        query.remove_prefix(amp + 1);
    }
    return out;
}

bool same_secret(std::string_view given, std::string_view token) {
    return given.size() == token.size() && CRYPTO_memcmp(given.data(), token.data(), token.size()) == 0;
}

Response make_response(const Request& request, int status, std::string content_type, std::string body) {
    Response response{static_cast<http::status>(status), request.version()};
    response.set(http::field::server, "dita");
    response.set(http::field::content_type, std::move(content_type));
    response.set(http::field::cache_control, "no-store");
    response.keep_alive(request.keep_alive());
    response.body() = std::move(body);
    response.prepare_payload();
    return response;
}

Response json_response(const Request& request, const Reply& reply) {
    return make_response(request, reply.status, "application/json", reply.body.dump());
}

std::optional<std::int64_t> parse_int(const std::string& text) {
    if (text.empty() || text.size() > 18) return std::nullopt;
    std::int64_t value = 0;
    for (const char c : text) {
        if (c < '0' || c > '9') return std::nullopt;
        value = value * 10 + (c - '0');
    }
    return value;
}

// One WebSocket client of /v1/stream: a bounded queue written in order by one writer.
struct StreamClient {
    explicit StreamClient(tcp::socket socket) : ws(std::move(socket)), wake(ws.get_executor()) {}
    websocket::stream<beast::tcp_stream> ws;
    asio::steady_timer wake;
    std::deque<std::string> queue;
    bool closed = false;

    void push(const std::string& text) {
        if (closed) return;
        if (queue.size() >= stream_queue_max) {
            // A reader this slow would hold memory without bound: cut it; it resumes with
            // GET /v1/outcomes?after=<the last seq it saw>.
            close();
            return;
        }
        queue.push_back(text);
        wake.cancel();
    }
    void close() {
        closed = true;
        wake.cancel();
        error_code ec;
        beast::get_lowest_layer(ws).socket().shutdown(tcp::socket::shutdown_both, ec);
    }
};

} // namespace

struct Server::Impl {
    Impl(Service& s, ServiceLog& l, std::atomic<bool>& f) : service(s), log(l), failed(f) {}

    Service& service;
    ServiceLog& log;
    std::atomic<bool>& failed;
    asio::io_context kernel_context{1};
    asio::io_context net_context{1};
    std::optional<asio::executor_work_guard<asio::io_context::executor_type>> kernel_work;
    std::optional<tcp::acceptor> acceptor;
    std::thread kernel_thread;
    std::thread net_thread;
    std::size_t connections = 0;
    std::map<std::uint64_t, std::shared_ptr<StreamClient>> streams; // net thread only
    std::uint64_t next_stream = 1;
    bool stopping = false; // kernel thread
    std::atomic<bool> stopped{false};

    // Runs f on the kernel thread and resumes the caller on its own with the result.
    // A coroutine's parameters live in its frame (a lambda coroutine's captures would not).
    template <typename F>
    static awaitable<Reply> call(F f) {
        co_return f();
    }
    template <typename F>
    awaitable<Reply> on_kernel(F f) {
        awaitable<Reply> work = call(std::move(f));
        Reply reply = co_await asio::co_spawn(kernel_context, std::move(work), asio::use_awaitable);
        co_return reply;
    }
    static awaitable<void> read_until_closed(std::shared_ptr<StreamClient> client);
    awaitable<void> serve_counted(tcp::socket socket);

    bool authorized(const Request& request, const Target& target) const {
        const std::string& token = service.config().token;
        if (token.empty()) return true;
        const auto raw = request[http::field::authorization];
        const std::string_view header(raw.data(), raw.size());
        if (header.starts_with("Bearer ") && same_secret(header.substr(7), token)) return true;
        const auto given = target.query.find("token");
        return given != target.query.end() && same_secret(given->second, token);
    }

    awaitable<Response> route(const Request& request, const Target& target);
    awaitable<void> serve(tcp::socket socket);
    awaitable<void> serve_stream(beast::tcp_stream stream, Request request);
    awaitable<void> accept_loop();
    awaitable<void> kernel_loop();
    void broadcast(std::string text);
};

awaitable<Response> Server::Impl::route(const Request& request, const Target& target) {
    const auto method = request.method();
    const std::string& path = target.path;
    if (method == http::verb::get && path == "/")
        co_return make_response(request, 200, "text/html; charset=utf-8", web_page_html());
    if (method == http::verb::get && path == "/healthz") co_return json_response(request, Reply{200, Json{{"status", "ok"}}});
    if (method == http::verb::get && path == "/readyz") {
        const bool ready = service.metrics().ready();
        co_return json_response(request, Reply{ready ? 200 : 503, Json{{"ready", ready}}});
    }
    if (!authorized(request, target)) {
        co_return json_response(request, error_reply(401, "UNAUTHORIZED", "a valid bearer token is required"));
    }
    if (method == http::verb::get && path == "/metrics") {
        co_return make_response(request, 200, "text/plain; version=0.0.4", service.metrics().render());
    }
    const bool has_body = method == http::verb::post;
    Json body;
    if (has_body) {
        body = Json::parse(request.body(), nullptr, false);
        if (body.is_discarded()) co_return json_response(request, error_reply(400, "INVALID_JSON", "the body is not JSON"));
    }
    // GCC 12 mishandles temporaries that live across a co_await inside one full-expression:
    // the job is a named local and the await is a statement of its own.
    Service& s = service;
    std::function<Reply()> job;
    if (method == http::verb::post && path == "/v1/intents") {
        job = [&s, body] { return s.submit_intent(body); };
    } else if (method == http::verb::post && path == "/v1/control") {
        job = [&s, body] { return s.control(body); };
    } else if (method == http::verb::get && path == "/v1/snapshot") {
        job = [&s] { return Reply{200, s.snapshot()}; };
    } else if (method == http::verb::get && path.starts_with("/v1/intents/") && path.size() > 12) {
        job = [&s, id = url_decode(path.substr(12))] { return s.intent(id); };
    } else if (method == http::verb::get && path == "/v1/outcomes") {
        const auto after = parse_int(target.query.contains("after") ? target.query.at("after") : "0");
        const auto limit = parse_int(target.query.contains("limit") ? target.query.at("limit") : "100");
        if (!after || !limit) {
            co_return json_response(request, error_reply(400, "INVALID_REQUEST", "after and limit are whole numbers"));
        }
        job = [&s, a = *after, l = *limit] { return s.outcomes(a, static_cast<std::size_t>(l)); };
    }
    if (job) {
        Reply reply = co_await on_kernel(std::move(job));
        co_return json_response(request, reply);
    }
    co_return json_response(request, error_reply(404, "NOT_FOUND", std::string(request.method_string()) + " " + path));
}

awaitable<void> Server::Impl::serve(tcp::socket socket) {
    beast::tcp_stream stream(std::move(socket));
    beast::flat_buffer buffer;
    for (;;) {
        stream.expires_after(http_idle_timeout);
        http::request_parser<http::string_body> parser;
        parser.body_limit(request_body_max);
        parser.header_limit(16 * 1024);
        error_code ec;
        co_await http::async_read(stream, buffer, parser, with(ec));
        if (ec || stopped) break;
        Request request = parser.release();
        const Target target = split_target(std::string_view(request.target().data(), request.target().size()));
        if (websocket::is_upgrade(request)) {
            if (target.path != "/v1/stream" || !authorized(request, target)) {
                Response refusal = json_response(request, error_reply(target.path != "/v1/stream" ? 404 : 401,
                                                                      "REFUSED", "WebSocket: GET /v1/stream with the token"));
                refusal.keep_alive(false);
                co_await http::async_write(stream, refusal, with(ec));
                break;
            }
            co_await serve_stream(std::move(stream), std::move(request));
            co_return;
        }
        Response response = co_await route(request, target);
        co_await http::async_write(stream, response, with(ec));
        if (ec || !response.keep_alive()) break;
    }
    error_code ec;
    stream.socket().shutdown(tcp::socket::shutdown_both, ec);
}

awaitable<void> Server::Impl::serve_stream(beast::tcp_stream stream, Request request) {
    stream.expires_never();
    auto client = std::make_shared<StreamClient>(stream.release_socket());
    websocket::stream_base::timeout timeout = websocket::stream_base::timeout::suggested(beast::role_type::server);
    client->ws.set_option(timeout);
    error_code ec;
    co_await client->ws.async_accept(request, with(ec));
    if (ec || stopped) co_return;
    const std::uint64_t id = next_stream++;
    streams[id] = client;
    client->push(Json{{"type", "hello"}, {"detail", "outcomes and transitions follow; resume with GET /v1/outcomes"}}.dump());
    // The reader notices the client leaving (and answers its pings); the writer sends in order.
    asio::co_spawn(net_context, read_until_closed(client), asio::detached);
    while (!client->closed) {
        if (client->queue.empty()) {
            client->wake.expires_at(asio::steady_timer::time_point::max());
            co_await client->wake.async_wait(with(ec));
            continue;
        }
        const std::string text = std::move(client->queue.front());
        client->queue.pop_front();
        co_await client->ws.async_write(asio::buffer(text), with(ec));
        if (ec) break;
    }
    streams.erase(id);
    client->close();
}

awaitable<void> Server::Impl::read_until_closed(std::shared_ptr<StreamClient> client) {
    beast::flat_buffer in;
    error_code ec;
    while (!client->closed) {
        co_await client->ws.async_read(in, with(ec));
        if (ec) break;
        in.consume(in.size());
    }
    client->closed = true;
    client->wake.cancel();
}

awaitable<void> Server::Impl::serve_counted(tcp::socket socket) {
    co_await serve(std::move(socket));
    --connections;
}

awaitable<void> Server::Impl::accept_loop() {
    for (;;) {
        error_code ec;
        tcp::socket socket = co_await acceptor->async_accept(with(ec));
        if (stopped || !acceptor->is_open()) co_return;
        if (ec) continue;
        if (connections >= connections_max) {
            socket.close(ec); // bounded: a flood of connections cannot take the memory
            continue;
        }
        ++connections;
        asio::co_spawn(net_context, serve_counted(std::move(socket)), asio::detached);
    }
}

awaitable<void> Server::Impl::kernel_loop() {
    auto started = service.start();
    if (!started) {
        log.error("start-up failed", {{"code", started.error().code}, {"detail", started.error().detail}});
        failed = true;
        co_return;
    }
    asio::steady_timer timer(kernel_context);
    while (!stopping) {
        timer.expires_after(kernel_tick);
        error_code ec;
        co_await timer.async_wait(with(ec));
        if (stopping) break;
        service.tick();
    }
}

void Server::Impl::broadcast(std::string text) {
    asio::post(net_context, [this, text = std::move(text)] {
        for (auto& [id, client] : streams) client->push(text);
    });
}

Server::Server(Service& service, ServiceLog& log) : impl_(std::make_unique<Impl>(service, log, failed_)) {}

Server::~Server() { stop(); }

Result<std::uint16_t, Error> Server::start() {
    Impl& i = *impl_;
    error_code ec;
    const auto address = asio::ip::make_address(i.service.config().listen_address == "localhost"
                                                    ? std::string("127.0.0.1")
                                                    : i.service.config().listen_address,
                                                ec);
    if (ec) return Error{"BAD_LISTEN_ADDRESS", i.service.config().listen_address + ": " + ec.message()};
    i.acceptor.emplace(i.net_context);
    const tcp::endpoint endpoint(address, i.service.config().listen_port);
    i.acceptor->open(endpoint.protocol(), ec);
    if (!ec) i.acceptor->set_option(asio::socket_base::reuse_address(true), ec);
    if (!ec) i.acceptor->bind(endpoint, ec);
    if (!ec) i.acceptor->listen(asio::socket_base::max_listen_connections, ec);
    if (ec) {
        return Error{"LISTEN_FAILED", i.service.config().listen_address + ":" +
                                          std::to_string(i.service.config().listen_port) + ": " + ec.message()};
    }
    const std::uint16_t port = i.acceptor->local_endpoint().port();
    i.service.set_broadcast([&i](std::string text) { i.broadcast(std::move(text)); });
    i.kernel_work.emplace(i.kernel_context.get_executor());
    asio::co_spawn(i.kernel_context, i.kernel_loop(), asio::detached);
    asio::co_spawn(i.net_context, i.accept_loop(), asio::detached);
    i.kernel_thread = std::thread([&i] { i.kernel_context.run(); });
    i.net_thread = std::thread([&i] { i.net_context.run(); });
    return port;
}

void Server::stop() {
    Impl& i = *impl_;
    if (i.stopped || !i.kernel_thread.joinable()) return;
    // No new connections; requests already queued for the kernel still run, in order.
    asio::post(i.net_context, [&i] {
        error_code ec;
        if (i.acceptor) i.acceptor->close(ec);
    });
    // Runs after the input in flight (the kernel thread does one thing at a time).
    asio::post(i.kernel_context, [&i] {
        i.stopping = true;
        i.service.stop();
        i.log.info("kernel stopped: journal committed, venue closed");
        i.kernel_work.reset();
        i.kernel_context.stop();
    });
    i.kernel_thread.join();
    i.stopped = true;
    asio::post(i.net_context, [&i] {
        for (auto& [id, client] : i.streams) client->close();
        i.net_context.stop();
    });
    i.net_thread.join();
}

} // namespace dita::service
