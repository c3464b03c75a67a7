#pragma once
// The adapter's signed REST client: signing, the clock offset to the server (and its resync
// when BingX refuses a timestamp), the one retry backoff, and how an answer (or its absence)
// maps onto a venue call's status. Thread-safe: every adapter thread calls through it.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "dita/venues/bingx/bingx_venue.hpp"
#include "net.hpp"

namespace dita::bingx::detail {

using SteadyTime = std::chrono::steady_clock::time_point;

std::int64_t wall_ms();
std::string lower(std::string_view text);
int ms_until(SteadyTime deadline);

// The pause between attempts of one call: starts at first_ms, doubles, capped.
class Backoff {
public:
    explicit Backoff(int first_ms, int max_ms = 2000) : next_ms_(std::max(1, first_ms)), max_ms_(max_ms) {}
    int next() {
        const int out = next_ms_;
        next_ms_ = std::min(next_ms_ * 2, max_ms_);
        return out;
    }

private:
    int next_ms_;
    int max_ms_;
};

struct Reply {
    CallOutcome outcome = CallOutcome::NOT_SENT;
    int http_status = 0;
    Envelope envelope;
    std::string body;
    std::string detail;
};

struct RestCounters {
    std::uint64_t rest_calls = 0;
    std::uint64_t rest_failures = 0;
    std::uint64_t rate_limited = 0;
    std::uint64_t time_resyncs = 0;
};

class RestClient {
public:
    // sleep: an interruptible pause (returns early when the adapter stops).
    RestClient(const BingxConfig& config, net::Url rest, net::Network& network,
               std::function<void(std::chrono::milliseconds)> sleep);

    // One request. Signed ones carry timestamp, recvWindow and the signature, keys in a header.
    Reply call(std::string_view method, std::string_view path, Params params, bool sign, int timeout_ms = 0);
    // A signed call retried while the venue says "nothing was done" (rate limit, not sent)
    // or the clock drifted, within attempts and the deadline. Only for calls that are safe
    // to repeat (queries, cancels, leverage), or for order sends whose refusal is certain.
    Reply call_retrying(std::string_view method, std::string_view path, const Params& params, SteadyTime deadline,
                        int attempts_max);
    // listenKey endpoints take the API-key header only (fact sheet §3), answer without an
    // envelope, and signal "no such key" by HTTP 404.
    Reply call_listen_key(std::string_view method, const std::string& key);

    VenueQuery<std::int64_t> fetch_server_time();
    void resync_clock();
    std::int64_t now_ms() const { return wall_ms() + offset_ms_.load(); }
    std::int64_t offset_ms() const { return offset_ms_.load(); }

    void pause(int ms, SteadyTime deadline);
    SteadyTime call_deadline() const;
    RestCounters counters() const;

    static bool timestamp_refused(const Reply& reply);

    template <typename T>
    static VenueQuery<T> failed(const Reply& reply) {
        VenueQuery<T> out;
        out.status = status_of(reply.outcome);
        out.detail = reply.detail;
        return out;
    }
    template <typename T>
    static VenueQuery<T> unreadable(const std::string& why) {
        VenueQuery<T> out;
        out.status = VenueCallStatus::UNKNOWN;
        out.detail = "unreadable answer: " + why;
        return out;
    }
    static VenueCallStatus status_of(CallOutcome outcome);

private:
    Reply exchange(net::HttpRequest request);

    const BingxConfig& config_;
    net::Url rest_;
    net::Network& network_;
    std::function<void(std::chrono::milliseconds)> sleep_;
    std::atomic<std::int64_t> offset_ms_{0};
    std::atomic<std::uint64_t> rest_calls_{0};
    std::atomic<std::uint64_t> rest_failures_{0};
    std::atomic<std::uint64_t> rate_limited_{0};
    std::atomic<std::uint64_t> time_resyncs_{0};
};

} // namespace dita::bingx::detail
