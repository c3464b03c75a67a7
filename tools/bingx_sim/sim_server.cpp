// Boost.Asio 1.74's awaitable.hpp uses std::exchange without including <utility>.
#include <utility>

#include <atomic>
#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>
#include <chrono>
#include <deque>
#include <future>
#include <map>
#include <stdexcept>
#include <thread>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "dita/bingx_sim/simulator.hpp"
#include "sim_engine.hpp"
#include "sim_market_stream.hpp"

namespace dita::bingx_sim {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;
using tls_stream = beast::ssl_stream<beast::tcp_stream>;
using error_code = boost::system::error_code;
template <typename T>
using awaitable = asio::awaitable<T>;

namespace {

auto with(error_code& ec) { return asio::redirect_error(asio::use_awaitable, ec); }

constexpr auto http_idle_timeout = std::chrono::seconds(60);
constexpr std::size_t request_body_max = 1u << 20;
constexpr std::size_t stream_outbox_max = 65536;
constexpr int tick_ms = 50;

// A self-signed certificate for 127.0.0.1 and localhost (EC P-256, a year's validity), PEM
// certificate and key; clients trust the certificate itself as their CA.
std::optional<std::pair<std::string, std::string>> self_signed_loopback_certificate() {
    using Key = std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)>;
    using Cert = std::unique_ptr<X509, decltype(&X509_free)>;
    using Bio = std::unique_ptr<BIO, decltype(&BIO_free)>;
    Key key(EVP_EC_gen("P-256"), &EVP_PKEY_free);
    Cert cert(X509_new(), &X509_free);
    if (!key || !cert) return std::nullopt;
    X509_set_version(cert.get(), 2);
    ASN1_INTEGER_set(X509_get_serialNumber(cert.get()), 1);
    X509_gmtime_adj(X509_getm_notBefore(cert.get()), -3600);
    X509_gmtime_adj(X509_getm_notAfter(cert.get()), 365L * 24 * 3600);
    X509_set_pubkey(cert.get(), key.get());
    X509_NAME* name = X509_get_subject_name(cert.get());
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, reinterpret_cast<const unsigned char*>("127.0.0.1"), -1, -1, 0);
    X509_set_issuer_name(cert.get(), name);
    X509V3_CTX context;
    X509V3_set_ctx_nodb(&context);
    X509V3_set_ctx(&context, cert.get(), cert.get(), nullptr, nullptr, 0);
    for (const auto& [nid, value] : {std::pair{NID_subject_alt_name, "IP:127.0.0.1,IP:::1,DNS:localhost"},
                                     std::pair{NID_basic_constraints, "critical,CA:TRUE"}}) {
        X509_EXTENSION* extension = X509V3_EXT_conf_nid(nullptr, &context, nid, value);
        if (extension == nullptr) return std::nullopt;
        X509_add_ext(cert.get(), extension, -1);
        X509_EXTENSION_free(extension);
    }
    if (X509_sign(cert.get(), key.get(), EVP_sha256()) == 0) return std::nullopt;
    auto pem = [](auto write) -> std::string {
        Bio bio(BIO_new(BIO_s_mem()), &BIO_free);
        if (!bio || write(bio.get()) != 1) return {};
        char* data = nullptr;
        const long size = BIO_get_mem_data(bio.get(), &data);
        return std::string(data, static_cast<std::size_t>(size));
    };
    std::string cert_pem = pem([&](BIO* bio) { return PEM_write_bio_X509(bio, cert.get()); });
    std::string key_pem =
        pem([&](BIO* bio) { return PEM_write_bio_PrivateKey(bio, key.get(), nullptr, nullptr, 0, nullptr, nullptr); });
    if (cert_pem.empty() || key_pem.empty()) return std::nullopt;
    return std::pair{std::move(cert_pem), std::move(key_pem)};
}

// What the server needs of a user-stream session, plain or TLS.
class StreamBase {
public:
    virtual ~StreamBase() = default;
    virtual const std::string& listen_key() const = 0;
    virtual bool closed() const = 0;
    virtual void send(std::string text, bool close_after) = 0;
    virtual void cut() = 0;
};

template <typename Stream>
class StreamSession final : public StreamBase, public std::enable_shared_from_this<StreamSession<Stream>> {
public:
    StreamSession(Stream stream, Engine& engine, std::string listen_key, std::uint64_t id)
        : ws(std::move(stream)), engine_(engine), listen_key_(std::move(listen_key)), id_(id),
          ping_timer_(ws.get_executor()) {}

    websocket::stream<Stream> ws;

    const std::string& listen_key() const override { return listen_key_; }
    std::uint64_t id() const { return id_; }
    bool closed() const override { return closed_; }

    void send(std::string text, bool close_after) override {
        if (closed_ || outbox_.size() >= stream_outbox_max) return;
        outbox_.push_back({std::move(text), close_after});
        if (writing_) return;
        writing_ = true;
        auto self = this->shared_from_this();
        asio::co_spawn(ws.get_executor(), [self]() { return self->write_loop(); }, asio::detached);
    }

    // An abrupt cut, as a lost connection looks to the client.
    void cut() override {
        if (closed_) return;
        closed_ = true;
        error_code ec;
        beast::get_lowest_layer(ws).socket().shutdown(tcp::socket::shutdown_both, ec);
        beast::get_lowest_layer(ws).close();
        ping_timer_.cancel();
    }

    void start_pings() {
        auto self = this->shared_from_this();
        asio::co_spawn(ws.get_executor(), [self]() { return self->ping_loop(); }, asio::detached);
    }

    awaitable<void> read_loop() {
        for (;;) {
            beast::flat_buffer buffer;
            error_code ec;
            co_await ws.async_read(buffer, with(ec));
            if (ec) break;
            if (beast::buffers_to_string(buffer.data()) == "Pong") {
                engine_.count([](SimStats& s) { ++s.pongs_received; });
            }
        }
        closed_ = true;
        ping_timer_.cancel();
    }

private:
    struct Out {
        std::string text;
        bool close_after = false;
    };

    awaitable<void> write_loop() {
        while (!outbox_.empty() && !closed_) {
            Out out = std::move(outbox_.front());
            outbox_.pop_front();
            if (!out.text.empty()) {
                error_code ec;
                if (engine_.gzip()) {
                    const std::string packed = sim_gzip(out.text);
                    ws.binary(true);
                    co_await ws.async_write(asio::buffer(packed), with(ec));
                } else {
                    ws.text(true);
                    co_await ws.async_write(asio::buffer(out.text), with(ec));
                }
                if (ec) {
                    cut();
                    break;
                }
                engine_.count([](SimStats& s) { ++s.stream_frames_sent; });
            }
            if (out.close_after) {
                cut();
                break;
            }
        }
        writing_ = false;
    }

    awaitable<void> ping_loop() {
        while (!closed_) {
            ping_timer_.expires_after(std::chrono::milliseconds(std::max(10, engine_.ping_interval_ms())));
            error_code ec;
            co_await ping_timer_.async_wait(with(ec));
            if (ec || closed_) break;
            engine_.count([](SimStats& s) { ++s.pings_sent; });
            send("Ping", false);
        }
    }

    Engine& engine_;
    std::string listen_key_;
    std::uint64_t id_;
    asio::steady_timer ping_timer_;
    std::deque<Out> outbox_;
    bool writing_ = false;
    bool closed_ = false;
};

} // namespace

struct Simulator::Impl {
    Engine engine;
    std::string bind_address;
    std::uint16_t wanted_port;
    std::unique_ptr<asio::io_context> io;
    std::optional<asio::executor_work_guard<asio::io_context::executor_type>> work;
    std::thread thread;
    std::unique_ptr<tcp::acceptor> acceptor;
    std::unique_ptr<asio::steady_timer> ticker;
    std::atomic<std::uint16_t> port{0};
    std::atomic<bool> running{false};
    std::atomic<bool> stopping{false};

    // Network thread only.
    std::map<std::uint64_t, std::shared_ptr<StreamBase>> streams;
    std::map<std::uint64_t, beast::tcp_stream*> connections;
    std::uint64_t next_id = 1;
    std::atomic<std::size_t> open_stream_count{0};

    bool tls = false;
    ssl::context ssl_context{ssl::context::tls_server};
    std::string certificate_pem;

    explicit Impl(SimConfig config)
        : engine(config), bind_address(config.bind_address), wanted_port(config.port), tls(config.tls) {
        if (tls) {
            certificate_pem = config.tls_certificate_pem;
            std::string key_pem = config.tls_private_key_pem;
            if (certificate_pem.empty() || key_pem.empty()) {
                auto generated = self_signed_loopback_certificate();
                if (!generated) throw std::invalid_argument("the BingX simulator could not make a TLS certificate");
                certificate_pem = generated->first;
                key_pem = generated->second;
            }
            error_code tls_ec;
            ssl_context.use_certificate_chain(asio::buffer(certificate_pem), tls_ec);
            if (!tls_ec) ssl_context.use_private_key(asio::buffer(key_pem), ssl::context::pem, tls_ec);
            if (tls_ec) throw std::invalid_argument("SimConfig TLS certificate or key: " + tls_ec.message());
        }
        error_code ec;
        const auto address = asio::ip::make_address(bind_address == "localhost" ? "127.0.0.1" : bind_address, ec);
        if (ec || !address.is_loopback()) {
            throw std::invalid_argument("the BingX simulator binds loopback only, not '" + bind_address + "'");
        }
    }

    ~Impl() { stop(); }

    SimStartResult start() {
        if (running) return port.load();
        io = std::make_unique<asio::io_context>(1);
        error_code ec;
        const auto address = asio::ip::make_address(bind_address == "localhost" ? "127.0.0.1" : bind_address, ec);
        acceptor = std::make_unique<tcp::acceptor>(*io);
        const tcp::endpoint endpoint(address, wanted_port);
        acceptor->open(endpoint.protocol(), ec);
        if (!ec) acceptor->set_option(asio::socket_base::reuse_address(true), ec);
        if (!ec) acceptor->bind(endpoint, ec);
        if (!ec) acceptor->listen(asio::socket_base::max_listen_connections, ec);
        if (ec) {
            acceptor.reset();
            io.reset();
            return dita::Error{"LISTEN_FAILED",
                         "cannot listen on " + bind_address + ":" + std::to_string(wanted_port) + ": " + ec.message()};
        }
        port = acceptor->local_endpoint().port();
        ticker = std::make_unique<asio::steady_timer>(*io);
        work.emplace(asio::make_work_guard(*io));
        stopping = false;
        asio::co_spawn(*io, accept_loop(), asio::detached);
        asio::co_spawn(*io, tick_loop(), asio::detached);
        thread = std::thread([this] { io->run(); });
        running = true;
        return port.load();
    }

    void stop() {
        if (!running.exchange(false)) return;
        stopping = true;
        auto closed = std::make_shared<std::promise<void>>();
        auto done = closed->get_future();
        asio::post(*io, [this, closed] {
            error_code ec;
            acceptor->close(ec);
            ticker->cancel();
            for (auto& [id, session] : streams) session->cut();
            for (auto& [id, stream] : connections) stream->socket().close(ec);
            closed->set_value();
        });
        done.wait_for(std::chrono::seconds(2));
        work.reset();
        // Let the cut sessions unwind; then stop whatever still waits.
        for (int i = 0; i < 100 && !io->stopped(); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10));
        io->stop();
        if (thread.joinable()) thread.join();
        streams.clear();
        connections.clear();
        ticker.reset();
        acceptor.reset();
        io.reset();
        open_stream_count = 0;
    }

    void dispatch(std::vector<StreamPush> pushes) {
        if (pushes.empty() || !io) return;
        asio::post(*io, [this, pushes = std::move(pushes)]() mutable {
            for (StreamPush& push : pushes) {
                if (push.delay_ms <= 0) {
                    deliver(push);
                    continue;
                }
                auto timer = std::make_shared<asio::steady_timer>(*io, std::chrono::milliseconds(push.delay_ms));
                timer->async_wait([this, timer, push = std::move(push)](error_code ec) {
                    if (!ec && !stopping) deliver(push);
                });
            }
        });
    }

    void deliver(const StreamPush& push) {
        int delivered = 0;
        for (auto& [id, session] : streams) {
            if (session->closed()) continue;
            bool addressed = false;
            for (const std::string& key : push.listen_keys) addressed = addressed || key == session->listen_key();
            if (!addressed) continue;
            ++delivered;
            if (push.text.empty()) {
                if (push.close_after) session->cut();
            } else {
                session->send(push.text, push.close_after);
            }
        }
        // A live key with no connected stream: the event is gone, as on the exchange.
        if (delivered == 0 && !push.text.empty()) engine.count([](SimStats& s) { ++s.stream_events_lost; });
    }

    awaitable<void> tick_loop() {
        while (!stopping) {
            ticker->expires_after(std::chrono::milliseconds(tick_ms));
            error_code ec;
            co_await ticker->async_wait(with(ec));
            if (ec || stopping) break;
            dispatch(engine.tick()); // expired keys, due funding
            // Forget finished sessions.
            for (auto it = streams.begin(); it != streams.end();) {
                it = it->second->closed() ? streams.erase(it) : std::next(it);
            }
            open_stream_count = streams.size();
        }
    }

    awaitable<void> accept_loop() {
        while (!stopping) {
            error_code ec;
            tcp::socket socket = co_await acceptor->async_accept(with(ec));
            if (ec) {
                if (stopping || ec == asio::error::operation_aborted) break;
                continue;
            }
            socket.set_option(tcp::no_delay(true), ec);
            asio::co_spawn(*io, serve(std::move(socket)), asio::detached);
        }
    }

    awaitable<void> serve(tcp::socket socket) {
        beast::tcp_stream plain(std::move(socket));
        if (!tls) {
            co_await serve_on(std::move(plain));
            co_return;
        }
        tls_stream stream(std::move(plain), ssl_context);
        beast::get_lowest_layer(stream).expires_after(std::chrono::seconds(10));
        error_code ec;
        co_await stream.async_handshake(ssl::stream_base::server, with(ec));
        if (ec || stopping) co_return;
        co_await serve_on(std::move(stream));
    }

    template <typename Stream>
    awaitable<void> serve_on(Stream stream) {
        const std::uint64_t id = next_id++;
        connections[id] = &beast::get_lowest_layer(stream);
        beast::flat_buffer buffer;
        for (;;) {
            beast::get_lowest_layer(stream).expires_after(http_idle_timeout);
            http::request_parser<http::string_body> parser;
            parser.body_limit(request_body_max);
            error_code ec;
            co_await http::async_read(stream, buffer, parser, with(ec));
            if (ec || stopping) break;
            http::request<http::string_body> request = parser.release();
            if (websocket::is_upgrade(request)) {
                connections.erase(id);
                co_await serve_stream(std::move(stream), std::move(request));
                co_return;
            }
            const std::string target(request.target());
            const auto question = target.find('?');
            SimRequest sim;
            sim.method = std::string(request.method_string());
            sim.path = target.substr(0, question);
            sim.query = question == std::string::npos ? "" : target.substr(question + 1);
            sim.body = request.body();
            sim.content_type = std::string(request[http::field::content_type]);
            sim.api_key = std::string(request["X-BX-APIKEY"]);
            Handled handled = engine.handle(sim);
            dispatch(std::move(handled.pushes));
            if (handled.response.drop) break;
            if (handled.response.delay_ms > 0) {
                asio::steady_timer timer(stream.get_executor(), std::chrono::milliseconds(handled.response.delay_ms));
                co_await timer.async_wait(with(ec));
                if (stopping) break;
            }
            http::response<http::string_body> response{static_cast<http::status>(handled.response.status),
                                                       request.version()};
            response.set(http::field::server, "dita-bingx-sim");
            response.set(http::field::content_type, "application/json");
            response.keep_alive(request.keep_alive());
            response.body() = std::move(handled.response.body);
            response.prepare_payload();
            co_await http::async_write(stream, response, with(ec));
            if (ec || !response.keep_alive()) break;
        }
        connections.erase(id);
        error_code ec;
        beast::get_lowest_layer(stream).socket().shutdown(tcp::socket::shutdown_both, ec);
        beast::get_lowest_layer(stream).close();
    }

    template <typename Stream>
    awaitable<void> serve_stream(Stream stream, http::request<http::string_body> request) {
        const std::string target(request.target());
        std::string listen_key;
        const auto question = target.find('?');
        if (question != std::string::npos) {
            const std::string query = target.substr(question + 1);
            std::size_t start = 0;
            while (start <= query.size()) {
                const auto amp = query.find('&', start);
                const std::string pair = query.substr(start, amp == std::string::npos ? std::string::npos : amp - start);
                if (pair.starts_with("listenKey=")) listen_key = sim_url_decode(pair.substr(10)).value_or("");
                if (amp == std::string::npos) break;
                start = amp + 1;
            }
        }
        const std::string path = target.substr(0, question);
        if (path == "/swap-market" && listen_key.empty()) { // public market data (mark prices)
            co_await market_stream::serve(std::move(stream), std::move(request), engine);
            co_return;
        }
        const Engine::Admit admit = path == "/swap-market" ? engine.admit_stream(listen_key) : Engine::Admit::UNKNOWN_KEY;
        error_code ec;
        if (admit != Engine::Admit::OK) {
            http::response<http::string_body> refusal{http::status::unauthorized, request.version()};
            refusal.set(http::field::content_type, "application/json");
            refusal.body() = admit == Engine::Admit::EXPIRED ? R"({"code":100413,"msg":"listenKey expired"})"
                                                             : R"({"code":100413,"msg":"listenKey not found"})";
            refusal.keep_alive(false);
            refusal.prepare_payload();
            beast::get_lowest_layer(stream).expires_after(std::chrono::seconds(5));
            co_await http::async_write(stream, refusal, with(ec));
            beast::get_lowest_layer(stream).socket().shutdown(tcp::socket::shutdown_both, ec);
            beast::get_lowest_layer(stream).close();
            co_return;
        }
        beast::get_lowest_layer(stream).expires_never();
        const std::uint64_t id = next_id++;
        auto session = std::make_shared<StreamSession<Stream>>(std::move(stream), engine, listen_key, id);
        websocket::stream_base::timeout timeout = websocket::stream_base::timeout::suggested(beast::role_type::server);
        timeout.keep_alive_pings = false;
        timeout.idle_timeout = std::chrono::seconds(120);
        session->ws.set_option(timeout);
        co_await session->ws.async_accept(request, with(ec));
        if (ec || stopping) co_return;
        streams[id] = session;
        open_stream_count = streams.size();
        session->start_pings();
        co_await session->read_loop();
        session->cut();
    }
};

// ----------------------------------------------------------------------------------------

Simulator::Simulator(SimConfig config) : impl_(std::make_unique<Impl>(std::move(config))) {}

Simulator::~Simulator() = default;

SimStartResult Simulator::start() { return impl_->start(); }

void Simulator::stop() { impl_->stop(); }

std::uint16_t Simulator::port() const { return impl_->port; }

std::string Simulator::rest_url() const {
    return std::string(impl_->tls ? "https" : "http") + "://127.0.0.1:" + std::to_string(impl_->port);
}

std::string Simulator::ws_url() const {
    return std::string(impl_->tls ? "wss" : "ws") + "://127.0.0.1:" + std::to_string(impl_->port) + "/swap-market";
}

const std::string& Simulator::tls_certificate_pem() const { return impl_->certificate_pem; }

void Simulator::set_faults(const SimFaults& faults) { impl_->engine.set_faults(faults); }

void Simulator::set_fill_price(std::string_view price) { impl_->engine.set_fill_price(price); }

void Simulator::set_partial_fill_ratio(double ratio) { impl_->engine.set_partial_fill_ratio(ratio); }

void Simulator::set_rejects(bool entries, bool exits, int code) { impl_->engine.set_rejects(entries, exits, code); }

void Simulator::set_cancel_reject(bool on) { impl_->engine.set_cancel_reject(on); }

bool Simulator::set_mark_price(std::string_view symbol, std::string_view price) {
    auto pushes = impl_->engine.set_mark_price(symbol, price);
    if (!pushes) return false;
    impl_->dispatch(std::move(*pushes));
    return true;
}

bool Simulator::adl(std::string_view symbol, std::string_view position_side, std::string_view qty,
                    std::string_view price) {
    auto pushes = impl_->engine.venue_close("ADL", symbol, position_side, qty, price);
    if (!pushes) return false;
    impl_->dispatch(std::move(*pushes));
    return true;
}

bool Simulator::manual_close(std::string_view symbol, std::string_view position_side, std::string_view qty,
                             std::string_view price) {
    auto pushes = impl_->engine.venue_close("MANUAL", symbol, position_side, qty, price);
    if (!pushes) return false;
    impl_->dispatch(std::move(*pushes));
    return true;
}

bool Simulator::settle_funding(std::string_view symbol, std::string_view rate) {
    auto pushes = impl_->engine.settle_funding(symbol, rate);
    if (!pushes) return false;
    impl_->dispatch(std::move(*pushes));
    return true;
}

void Simulator::set_lose_move_reports(bool on) { impl_->engine.set_lose_move_reports(on); }

bool Simulator::fill_working(std::string_view client_order_id, std::string_view qty, std::string_view price) {
    auto pushes = impl_->engine.fill_working(client_order_id, qty, price);
    if (!pushes) return false;
    impl_->dispatch(std::move(*pushes));
    return true;
}

void Simulator::expire_listen_keys() { impl_->dispatch(impl_->engine.expire_all_keys()); }

void Simulator::drop_streams() {
    if (!impl_->io || !impl_->running) return;
    Impl* impl = impl_.get();
    asio::post(*impl->io, [impl] {
        for (auto& [id, session] : impl->streams) session->cut();
    });
}

SimStats Simulator::stats() const { return impl_->engine.stats(); }

std::vector<SimOrder> Simulator::orders() const { return impl_->engine.orders(); }

std::optional<SimOrder> Simulator::order(std::string_view client_order_id) const {
    return impl_->engine.order(client_order_id);
}

std::vector<SimPosition> Simulator::positions() const { return impl_->engine.positions(); }

std::size_t Simulator::open_streams() const { return impl_->open_stream_count; }

} // namespace dita::bingx_sim
