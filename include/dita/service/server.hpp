#pragma once
// Hosts a Service: one thread owns the kernel (every kernel call runs there, in order), one
// thread serves HTTP and WebSocket (Boost.Beast) and posts requests to the kernel thread.
//
// Routes: GET / (web page), GET /healthz, GET /readyz, GET /metrics, POST /v1/intents,
// GET /v1/intents/{id}, GET /v1/snapshot, GET /v1/outcomes?after=N&limit=M, POST /v1/control,
// GET /v1/stream (WebSocket: outcomes with their transitions, and control changes).
// With a token configured, everything but /, /healthz and /readyz needs
// "Authorization: Bearer <token>" (the WebSocket and the page may pass ?token=).
#include <atomic>
#include <cstdint>
#include <memory>
#include <string>

#include "dita/contracts/result.hpp"
#include "dita/service/service.hpp"

namespace dita::service {

inline constexpr std::size_t connections_max = 256;
inline constexpr std::size_t request_body_max = 64 * 1024;
inline constexpr std::size_t stream_queue_max = 4096;

class Server {
public:
    Server(Service& service, ServiceLog& log);
    ~Server();
    Server(const Server&) = delete;
    Server& operator=(const Server&) = delete;

    // Binds, starts both threads and the service's start-up on the kernel thread.
    // The bound port (useful with port 0).
    Result<std::uint16_t, Error> start();
    // The start-up failed (restore or reconcile): the process should exit non-zero.
    bool failed() const { return failed_; }
    // Graceful: stops accepting, lets the kernel finish the input in flight, closes the venue,
    // joins both threads. Idempotent.
    void stop();

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
    std::atomic<bool> failed_{false};
};

// The self-contained web page served at "/".
const std::string& web_page_html();

} // namespace dita::service
