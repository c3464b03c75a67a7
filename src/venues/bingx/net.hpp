#pragma once
// The adapter's network: HTTP(S) requests and one WebSocket at a time, run on a thread of
// its own. The only part of the adapter that includes Boost.Beast (kept to net.cpp so the
// rest compiles fast). Blocking calls are bounded by their timeout and must not be made
// from the network thread itself (the callbacks run there).
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "dita/contracts/result.hpp"

namespace dita::bingx::net {

struct Url {
    bool tls = false;
    std::string host;
    std::string port;
    std::string path; // without a trailing '/', "" for none
    bool loopback() const;
};
using UrlResult = Result<Url>;
// http://, https://, ws://, wss://; an error for anything else.
UrlResult parse_url(std::string_view text);

struct HttpRequest {
    std::string method = "GET"; // GET, POST, PUT, DELETE
    std::string target;         // path and query, starting with '/'
    std::string body;
    std::string content_type;
    std::vector<std::pair<std::string, std::string>> headers;
    int timeout_ms = 3000;
};

struct HttpResponse {
    enum class Transport : std::uint8_t {
        OK,         // an answer arrived (any HTTP status)
        NOT_SENT,   // no byte of the request left: connection or resolution failed
        LOST,       // the request (or part of it) was sent, then the connection failed
        TIMEOUT,    // the request was sent and no full answer came in time
    };
    Transport transport = Transport::NOT_SENT;
    int status = 0;
    std::string body;
    std::string error; // transport failures: what happened
};

struct TlsOptions {
    bool verify = true;
    std::string ca_file; // empty: the system's trust store
    std::string ca_pem;  // trusted certificates in memory (used instead of the system's store)
};

struct WsCallbacks {
    // payload as received (binary frames are not inflated here); called on the network thread.
    std::function<void(std::uint64_t session, std::string payload, bool binary)> on_message;
    // once per session, after its last message; called on the network thread.
    std::function<void(std::uint64_t session, std::string reason)> on_closed;
};

struct NetStats {
    std::uint64_t http_requests = 0;
    std::uint64_t connections_opened = 0;
    std::uint64_t connections_reused = 0;
    std::uint64_t ws_sessions = 0;
};

class Network {
public:
    explicit Network(TlsOptions tls);
    ~Network();
    Network(const Network&) = delete;
    Network& operator=(const Network&) = delete;

    // One HTTP exchange on a pooled keep-alive connection; blocks at most about timeout_ms.
    HttpResponse http(const Url& base, HttpRequest request);

    using WsConnectResult = Result<std::uint64_t>; // the session id, or why there is none
    // Opens a WebSocket to base + target (closing any previous one) and starts reading.
    // Blocks at most about handshake_timeout_ms. idle_timeout_ms: no frame for this long
    // closes the session.
    WsConnectResult ws_connect(const Url& base, std::string target, int handshake_timeout_ms, int idle_timeout_ms,
                               WsCallbacks callbacks);
    // Queues a text frame on the current session (dropped if it is not session).
    void ws_send(std::uint64_t session, std::string text);
    // Closes the current session, if it is session (0: whichever is current).
    void ws_close(std::uint64_t session);

    bool on_network_thread() const;
    NetStats stats() const;

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

} // namespace dita::bingx::net
