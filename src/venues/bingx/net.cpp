// Boost.Asio 1.74's awaitable.hpp uses std::exchange without including <utility>.
#include <utility>

#include "net.hpp"

#include <atomic>
#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>
#include <cerrno>
#include <chrono>
#include <deque>
#include <future>
#include <map>
#include <mutex>
#include <thread>

#include <sys/socket.h>

namespace dita::bingx::net {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;
using error_code = boost::system::error_code;
using steady = std::chrono::steady_clock;
template <typename T>
using awaitable = asio::awaitable<T>;

namespace {

constexpr std::size_t idle_connections_max = 8;
constexpr auto idle_age_max = std::chrono::seconds(10);
constexpr std::uint64_t http_body_max = 16u << 20;
constexpr std::size_t ws_message_max = 4u << 20;
constexpr std::size_t ws_outbox_max = 1024;

auto with(error_code& ec) { return asio::redirect_error(asio::use_awaitable, ec); }

// SNI carries host names only, never address literals (RFC 6066).
bool is_ip_literal(const std::string& host) {
    error_code ec;
    asio::ip::make_address(host, ec);
    return !ec;
}

std::string lower(std::string_view text) {
    std::string out(text);
    for (char& c : out) {
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    }
    return out;
}

} // namespace

bool Url::loopback() const {
    return host == "127.0.0.1" || host == "localhost" || host == "::1" || host.starts_with("127.");
}

UrlResult parse_url(std::string_view text) {
    Url url;
    std::string error;
    const auto scheme_end = text.find("://");
    if (scheme_end == std::string_view::npos) {
        error = "URL '" + std::string(text) + "' has no scheme (http://, https://, ws://, wss://)";
        return Error{"BAD_URL", error};
    }
    const std::string scheme = lower(text.substr(0, scheme_end));
    if (scheme == "https" || scheme == "wss") {
        url.tls = true;
    } else if (scheme != "http" && scheme != "ws") {
        error = "URL scheme '" + scheme + "' is not one of http, https, ws, wss";
        return Error{"BAD_URL", error};
    }
    std::string_view rest = text.substr(scheme_end + 3);
    const auto slash = rest.find('/');
    std::string_view authority = rest.substr(0, slash);
    url.path = slash == std::string_view::npos ? "" : std::string(rest.substr(slash));
    while (!url.path.empty() && url.path.back() == '/') url.path.pop_back();
    if (authority.find('@') != std::string_view::npos) {
        error = "URL must not carry credentials";
        return Error{"BAD_URL", error};
    }
    url.port = url.tls ? "443" : "80";
    if (authority.starts_with("[")) { // [IPv6]:port
        const auto close = authority.find(']');
        if (close == std::string_view::npos) {
            error = "URL '" + std::string(text) + "' has an unclosed IPv6 bracket";
            return Error{"BAD_URL", error};
        }
        url.host = std::string(authority.substr(1, close - 1));
        const std::string_view rest_of = authority.substr(close + 1);
        if (rest_of.starts_with(":")) {
            url.port = std::string(rest_of.substr(1));
        } else if (!rest_of.empty()) {
            error = "URL '" + std::string(text) + "' has junk after the IPv6 address";
            return Error{"BAD_URL", error};
        }
    } else if (const auto colon = authority.rfind(':'); colon != std::string_view::npos) {
        url.host = std::string(authority.substr(0, colon));
        url.port = std::string(authority.substr(colon + 1));
    } else {
        url.host = std::string(authority);
    }
    if (url.host.empty()) {
        error = "URL '" + std::string(text) + "' has no host";
        return Error{"BAD_URL", error};
    }
    if (url.port.empty() || url.port.size() > 5 || url.port.find_first_not_of("0123456789") != std::string::npos) {
        error = "URL '" + std::string(text) + "' has a bad port";
        return Error{"BAD_URL", error};
    }
    return url;
}

// ----------------------------------------------------------------------------------------

namespace {

struct Conn {
    std::unique_ptr<beast::tcp_stream> plain;
    std::unique_ptr<beast::ssl_stream<beast::tcp_stream>> tls;
    beast::flat_buffer buffer;
    steady::time_point idle_since{};

    beast::tcp_stream& lowest() { return tls ? beast::get_lowest_layer(*tls) : *plain; }
};

class WsSessionBase {
public:
    virtual ~WsSessionBase() = default;
    virtual void send(std::string text) = 0;
    virtual void close() = 0;
    std::uint64_t id = 0;
};

} // namespace

struct Network::Impl {
    TlsOptions tls_options;
    ssl::context ssl_context{ssl::context::tls_client};
    std::unique_ptr<asio::io_context> io = std::make_unique<asio::io_context>(1);
    std::optional<asio::executor_work_guard<asio::io_context::executor_type>> work;
    std::thread thread;
    std::thread::id thread_id;
    std::atomic<bool> stopping{false};

    // Touched only on the network thread.
    std::map<std::string, std::vector<std::unique_ptr<Conn>>> idle;
    std::shared_ptr<WsSessionBase> session;
    std::uint64_t next_session_id = 1;

    mutable std::mutex stats_mutex;
    NetStats stats;

    explicit Impl(TlsOptions options) : tls_options(std::move(options)) {
        ssl_context.set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                                ssl::context::no_sslv3 | ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1);
        if (tls_options.verify) {
            error_code ec;
            if (!tls_options.ca_pem.empty()) {
                ssl_context.add_certificate_authority(asio::buffer(tls_options.ca_pem), ec);
            } else if (tls_options.ca_file.empty()) {
                ssl_context.set_default_verify_paths(ec);
            } else {
                ssl_context.load_verify_file(tls_options.ca_file, ec);
            }
            ssl_context.set_verify_mode(ssl::verify_peer);
        } else {
            ssl_context.set_verify_mode(ssl::verify_none);
        }
        work.emplace(asio::make_work_guard(*io));
        std::promise<std::thread::id> started;
        auto id = started.get_future();
        thread = std::thread([this, &started] {
            started.set_value(std::this_thread::get_id());
            io->run();
        });
        thread_id = id.get();
    }

    ~Impl() {
        stopping = true;
        work.reset();
        io->stop();
        if (thread.joinable()) thread.join();
        // Sockets must go before the io_context that owns their services; coroutine
        // frames still pending are destroyed with the io_context.
        idle.clear();
        session.reset();
        io.reset();
    }

    void count(std::uint64_t NetStats::*field) {
        std::lock_guard lock(stats_mutex);
        ++(stats.*field);
    }

    static std::string pool_key(const Url& url) {
        return (url.tls ? "s:" : "p:") + url.host + ":" + url.port;
    }

    struct Resolved {
        tcp::resolver::results_type results;
        error_code ec;
    };
    awaitable<Resolved> resolve(const Url& url, steady::time_point deadline) {
        Resolved out;
        auto executor = co_await asio::this_coro::executor;
        auto resolver = std::make_shared<tcp::resolver>(executor);
        auto timer = std::make_shared<asio::steady_timer>(executor);
        timer->expires_at(deadline);
        timer->async_wait([resolver](error_code wait_ec) {
            if (!wait_ec) resolver->cancel();
        });
        out.results = co_await resolver->async_resolve(url.host, url.port, with(out.ec));
        timer->cancel();
        co_return out;
    }

    struct Opened {
        std::unique_ptr<Conn> conn;
        std::string error; // why there is no connection
    };
    // A connected (and for TLS, handshaken) stream.
    awaitable<Opened> open(const Url& url, steady::time_point deadline) {
        Opened out;
        std::string& error = out.error;
        error_code ec;
        const Resolved resolved = co_await resolve(url, deadline);
        if (resolved.ec) {
            error = "resolve " + url.host + ": " + resolved.ec.message();
            co_return out;
        }
        const auto& results = resolved.results;
        auto executor = co_await asio::this_coro::executor;
        auto conn = std::make_unique<Conn>();
        if (url.tls) {
            conn->tls = std::make_unique<beast::ssl_stream<beast::tcp_stream>>(executor, ssl_context);
        } else {
            conn->plain = std::make_unique<beast::tcp_stream>(executor);
        }
        conn->lowest().expires_at(deadline);
        co_await conn->lowest().async_connect(results, with(ec));
        if (ec) {
            error = "connect " + url.host + ":" + url.port + ": " + ec.message();
            co_return out;
        }
        conn->lowest().socket().set_option(tcp::no_delay(true), ec);
        if (url.tls) {
            if (!is_ip_literal(url.host) && !SSL_set_tlsext_host_name(conn->tls->native_handle(), url.host.c_str())) {
                error = "TLS: cannot set the server name";
                co_return out;
            }
            if (tls_options.verify) conn->tls->set_verify_callback(ssl::host_name_verification(url.host));
            co_await conn->tls->async_handshake(ssl::stream_base::client, with(ec));
            if (ec) {
                error = "TLS handshake with " + url.host + ": " + ec.message();
                co_return out;
            }
        }
        count(&NetStats::connections_opened);
        out.conn = std::move(conn);
        co_return out;
    }

    // A pooled connection the server has closed (or written to unasked) would turn the next
    // request's fate into "unknown": such connections are dropped before reuse.
    static bool still_quiet(Conn& conn) {
        char byte = 0;
        const auto got = ::recv(conn.lowest().socket().native_handle(), &byte, 1, MSG_PEEK | MSG_DONTWAIT);
        return got < 0 && (errno == EAGAIN || errno == EWOULDBLOCK);
    }

    std::unique_ptr<Conn> take_idle(const std::string& key) {
        auto found = idle.find(key);
        if (found == idle.end()) return nullptr;
        auto& list = found->second;
        const auto now = steady::now();
        while (!list.empty()) {
            std::unique_ptr<Conn> conn = std::move(list.back());
            list.pop_back();
            if (now - conn->idle_since < idle_age_max && conn->buffer.size() == 0 && still_quiet(*conn)) return conn;
        }
        return nullptr;
    }

    void give_back(const std::string& key, std::unique_ptr<Conn> conn) {
        auto& list = idle[key];
        if (list.size() >= idle_connections_max) list.erase(list.begin());
        conn->idle_since = steady::now();
        list.push_back(std::move(conn));
    }

    struct Exchanged {
        error_code write_ec;
        std::size_t written = 0;
        error_code read_ec;
    };
    template <typename Stream>
    static awaitable<Exchanged> exchange(Stream& stream, beast::flat_buffer& buffer,
                                         http::request<http::string_body>& request,
                                         http::response_parser<http::string_body>& parser) {
        Exchanged out;
        out.written = co_await http::async_write(stream, request, with(out.write_ec));
        if (out.write_ec) co_return out;
        co_await http::async_read(stream, buffer, parser, with(out.read_ec));
        co_return out;
    }

    awaitable<HttpResponse> request(Url base, HttpRequest in) {
        HttpResponse out;
        count(&NetStats::http_requests);
        const auto deadline = steady::now() + std::chrono::milliseconds(std::max(1, in.timeout_ms));
        const std::string key = pool_key(base);
        std::unique_ptr<Conn> conn = take_idle(key);
        const bool reused = conn != nullptr;
        if (reused) {
            count(&NetStats::connections_reused);
        } else {
            Opened opened = co_await open(base, deadline);
            if (!opened.conn) {
                out.transport = HttpResponse::Transport::NOT_SENT;
                out.error = opened.error;
                co_return out;
            }
            conn = std::move(opened.conn);
        }
        const auto verb = http::string_to_verb(in.method);
        http::request<http::string_body> request{verb, base.path + in.target, 11};
        const bool default_port = base.port == (base.tls ? "443" : "80");
        const std::string host = base.host.find(':') != std::string::npos ? "[" + base.host + "]" : base.host;
        request.set(http::field::host, default_port ? host : host + ":" + base.port);
        request.set(http::field::user_agent, "dita-bingx/0.1");
        request.keep_alive(true);
        for (const auto& [name, value] : in.headers) request.set(name, value);
        if (!in.content_type.empty()) request.set(http::field::content_type, in.content_type);
        request.body() = std::move(in.body);
        request.prepare_payload();

        http::response_parser<http::string_body> parser;
        parser.body_limit(http_body_max);
        conn->lowest().expires_at(deadline);
        const Exchanged exchanged = conn->tls ? co_await exchange(*conn->tls, conn->buffer, request, parser)
                                              : co_await exchange(*conn->plain, conn->buffer, request, parser);
        const error_code& write_ec = exchanged.write_ec;
        const error_code& read_ec = exchanged.read_ec;
        const std::size_t written = exchanged.written;
        if (write_ec) {
            out.transport = written == 0 && write_ec != beast::error::timeout ? HttpResponse::Transport::NOT_SENT
                                                                               : HttpResponse::Transport::LOST;
            if (write_ec == beast::error::timeout) out.transport = HttpResponse::Transport::TIMEOUT;
            out.error = "send: " + write_ec.message();
            co_return out;
        }
        if (read_ec) {
            out.transport = read_ec == beast::error::timeout ? HttpResponse::Transport::TIMEOUT
                                                             : HttpResponse::Transport::LOST;
            out.error = std::string(reused ? "reused connection: " : "") + "receive: " + read_ec.message();
            co_return out;
        }
        auto& response = parser.get();
        out.transport = HttpResponse::Transport::OK;
        out.status = static_cast<int>(response.result_int());
        out.body = std::move(response.body());
        if (response.keep_alive() && !stopping) {
            conn->lowest().expires_never();
            give_back(key, std::move(conn));
        }
        co_return out;
    }
};

// ----------------------------------------------------------------------------------------
// WebSocket sessions

namespace {

template <typename Stream>
class WsSession final : public WsSessionBase, public std::enable_shared_from_this<WsSession<Stream>> {
public:
    template <typename... Args>
    explicit WsSession(WsCallbacks callbacks, Args&&... args)
        : ws(std::forward<Args>(args)...), callbacks_(std::move(callbacks)) {}

    websocket::stream<Stream> ws;

    void start() {
        auto self = this->shared_from_this();
        asio::co_spawn(ws.get_executor(), [self]() { return self->read_loop(); }, asio::detached);
    }

    void send(std::string text) override {
        if (closed_ || outbox_.size() >= ws_outbox_max) return;
        outbox_.push_back(std::move(text));
        if (writing_) return;
        writing_ = true;
        auto self = this->shared_from_this();
        asio::co_spawn(ws.get_executor(), [self]() { return self->write_loop(); }, asio::detached);
    }

    void close() override {
        if (closing_ || closed_) return;
        closing_ = true;
        auto self = this->shared_from_this();
        asio::co_spawn(
            ws.get_executor(),
            [self]() -> awaitable<void> {
                error_code ec;
                co_await self->ws.async_close(websocket::close_code::normal, with(ec));
                if (ec) beast::get_lowest_layer(self->ws).close();
            },
            asio::detached);
    }

private:
    awaitable<void> read_loop() {
        std::string reason;
        for (;;) {
            beast::flat_buffer buffer;
            error_code ec;
            co_await ws.async_read(buffer, with(ec));
            if (ec) {
                reason = ec == websocket::error::closed ? "closed by the server" : ec.message();
                break;
            }
            if (callbacks_.on_message) callbacks_.on_message(id, beast::buffers_to_string(buffer.data()), ws.got_binary());
        }
        closed_ = true;
        outbox_.clear();
        if (callbacks_.on_closed) callbacks_.on_closed(id, closing_ ? "closed by the client" : reason);
    }

    awaitable<void> write_loop() {
        while (!outbox_.empty() && !closed_) {
            std::string text = std::move(outbox_.front());
            outbox_.pop_front();
            ws.text(true);
            error_code ec;
            co_await ws.async_write(asio::buffer(text), with(ec));
            if (ec) break;
        }
        writing_ = false;
    }

    WsCallbacks callbacks_;
    std::deque<std::string> outbox_;
    bool writing_ = false;
    bool closing_ = false;
    bool closed_ = false;
};

template <typename Stream>
void set_ws_options(websocket::stream<Stream>& ws, int handshake_timeout_ms, int idle_timeout_ms) {
    websocket::stream_base::timeout timeout;
    timeout.handshake_timeout = std::chrono::milliseconds(handshake_timeout_ms);
    timeout.idle_timeout = std::chrono::milliseconds(idle_timeout_ms);
    timeout.keep_alive_pings = false; // BingX keeps the stream alive with its own Ping/Pong text
    ws.set_option(timeout);
    ws.read_message_max(ws_message_max);
    ws.set_option(websocket::stream_base::decorator(
        [](websocket::request_type& request) { request.set(http::field::user_agent, "dita-bingx/0.1"); }));
}

// The WebSocket upgrade once the transport (plain or TLS) is up: "" or why it failed.
template <typename Stream>
awaitable<std::string> ws_upgrade(websocket::stream<Stream>& ws, const std::string& host_header,
                                  const std::string& path, int handshake_timeout_ms, int idle_timeout_ms) {
    beast::get_lowest_layer(ws).expires_never();
    set_ws_options(ws, handshake_timeout_ms, idle_timeout_ms);
    error_code ec;
    co_await ws.async_handshake(host_header, path, with(ec));
    if (ec) co_return "WebSocket handshake: " + ec.message();
    co_return std::string();
}

} // namespace

Network::Network(TlsOptions tls) : impl_(std::make_unique<Impl>(std::move(tls))) {}

Network::~Network() = default;

bool Network::on_network_thread() const { return std::this_thread::get_id() == impl_->thread_id; }

NetStats Network::stats() const {
    std::lock_guard lock(impl_->stats_mutex);
    return impl_->stats;
}

HttpResponse Network::http(const Url& base, HttpRequest request) {
    HttpResponse out;
    if (on_network_thread() || impl_->stopping) {
        out.error = on_network_thread() ? "blocking HTTP call from the network thread" : "network stopped";
        return out;
    }
    const int timeout_ms = std::max(1, request.timeout_ms);
    auto future = asio::co_spawn(*impl_->io, impl_->request(base, std::move(request)), asio::use_future);
    // The exchange bounds itself; the margin only covers a stalled network thread.
    if (future.wait_for(std::chrono::milliseconds(timeout_ms + 2000)) != std::future_status::ready) {
        out.transport = HttpResponse::Transport::TIMEOUT;
        out.error = "network thread did not answer in time";
        return out;
    }
    try {
        return future.get();
    } catch (const std::exception& error) {
        out.transport = HttpResponse::Transport::LOST;
        out.error = std::string("network failure: ") + error.what();
        return out;
    }
}

Network::WsConnectResult Network::ws_connect(const Url& base, std::string target, int handshake_timeout_ms,
                                             int idle_timeout_ms, WsCallbacks callbacks) {
    if (on_network_thread() || impl_->stopping) {
        return Error{"WS_CONNECT", on_network_thread() ? "blocking connect from the network thread" : "network stopped"};
    }
    Impl* impl = impl_.get();
    const int timeout_ms = std::max(1, handshake_timeout_ms);
    auto task = [impl, base, target = std::move(target), timeout_ms, idle_timeout_ms,
                 callbacks = std::move(callbacks)]() mutable -> awaitable<std::pair<std::uint64_t, std::string>> {
        if (impl->session) {
            impl->session->close();
            impl->session.reset();
        }
        const auto deadline = steady::now() + std::chrono::milliseconds(timeout_ms);
        error_code ec;
        const Impl::Resolved resolved = co_await impl->resolve(base, deadline);
        if (resolved.ec) co_return std::pair<std::uint64_t, std::string>{0, "resolve " + base.host + ": " + resolved.ec.message()};
        const auto& results = resolved.results;
        auto executor = co_await asio::this_coro::executor;
        const std::string bracketed = base.host.find(':') != std::string::npos ? "[" + base.host + "]" : base.host;
        const bool default_port = base.port == (base.tls ? "443" : "80");
        const std::string host_header = default_port ? bracketed : bracketed + ":" + base.port;
        const std::string path = base.path + target;
        std::shared_ptr<WsSessionBase> session;
        if (base.tls) {
            auto s = std::make_shared<WsSession<beast::ssl_stream<beast::tcp_stream>>>(std::move(callbacks), executor,
                                                                                       impl->ssl_context);
            auto& lowest = beast::get_lowest_layer(s->ws);
            lowest.expires_at(deadline);
            co_await lowest.async_connect(results, with(ec));
            if (ec) co_return std::pair<std::uint64_t, std::string>{0, "connect: " + ec.message()};
            if (!is_ip_literal(base.host) && !SSL_set_tlsext_host_name(s->ws.next_layer().native_handle(), base.host.c_str())) {
                co_return std::pair<std::uint64_t, std::string>{0, "TLS: cannot set the server name"};
            }
            if (impl->tls_options.verify) s->ws.next_layer().set_verify_callback(ssl::host_name_verification(base.host));
            co_await s->ws.next_layer().async_handshake(ssl::stream_base::client, with(ec));
            if (ec) co_return std::pair<std::uint64_t, std::string>{0, "TLS handshake: " + ec.message()};
            if (auto why = co_await ws_upgrade(s->ws, host_header, path, timeout_ms, idle_timeout_ms); !why.empty()) {
                co_return std::pair<std::uint64_t, std::string>{0, std::move(why)};
            }
            session = s;
            s->id = impl->next_session_id++;
            s->start();
        } else {
            auto s = std::make_shared<WsSession<beast::tcp_stream>>(std::move(callbacks), executor);
            auto& lowest = beast::get_lowest_layer(s->ws);
            lowest.expires_at(deadline);
            co_await lowest.async_connect(results, with(ec));
            if (ec) co_return std::pair<std::uint64_t, std::string>{0, "connect: " + ec.message()};
            lowest.socket().set_option(tcp::no_delay(true), ec);
            if (auto why = co_await ws_upgrade(s->ws, host_header, path, timeout_ms, idle_timeout_ms); !why.empty()) {
                co_return std::pair<std::uint64_t, std::string>{0, std::move(why)};
            }
            session = s;
            s->id = impl->next_session_id++;
            s->start();
        }
        if (impl->stopping) {
            session->close();
            co_return std::pair<std::uint64_t, std::string>{0, "network stopped"};
        }
        impl->session = session;
        impl->count(&NetStats::ws_sessions);
        co_return std::pair<std::uint64_t, std::string>{session->id, std::string()};
    };
    auto future = asio::co_spawn(*impl_->io, std::move(task), asio::use_future);
    if (future.wait_for(std::chrono::milliseconds(timeout_ms + 2000)) != std::future_status::ready) {
        return Error{"WS_CONNECT", "network thread did not answer in time"};
    }
    try {
        auto [id, why] = future.get();
        if (id == 0) return Error{"WS_CONNECT", why};
        return id;
    } catch (const std::exception& failure) {
        return Error{"WS_CONNECT", std::string("network failure: ") + failure.what()};
    }
}

void Network::ws_send(std::uint64_t session, std::string text) {
    Impl* impl = impl_.get();
    asio::post(*impl->io, [impl, session, text = std::move(text)]() mutable {
        if (impl->session && impl->session->id == session) impl->session->send(std::move(text));
    });
}

void Network::ws_close(std::uint64_t session) {
    Impl* impl = impl_.get();
    asio::post(*impl->io, [impl, session] {
        if (impl->session && (session == 0 || impl->session->id == session)) {
            impl->session->close();
            impl->session.reset();
        }
    });
}

} // namespace dita::bingx::net
