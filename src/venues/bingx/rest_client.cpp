#include "rest_client.hpp"

#include "log.hpp"

#include <utility>

namespace dita::bingx::detail {

std::int64_t wall_ms() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
        .count();
}

std::string lower(std::string_view text) {
    std::string out(text);
    for (char& c : out) {
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    }
    return out;
}

int ms_until(SteadyTime deadline) {
    const auto left = deadline - std::chrono::steady_clock::now();
    return static_cast<int>(std::chrono::duration_cast<std::chrono::milliseconds>(left).count());
}

RestClient::RestClient(const BingxConfig& config, net::Url rest, net::Network& network,
                       std::function<void(std::chrono::milliseconds)> sleep)
    : config_(config), rest_(std::move(rest)), network_(network), sleep_(std::move(sleep)) {}

Reply RestClient::call(std::string_view method, std::string_view path, Params params, bool sign, int timeout_ms) {
    net::HttpRequest request;
    request.method = std::string(method);
    request.timeout_ms = timeout_ms > 0 ? timeout_ms : config_.request_timeout_ms;
    std::string query;
    if (sign) {
        if (config_.credentials.empty()) {
            Reply reply;
            reply.outcome = CallOutcome::NOT_SENT;
            reply.detail = "no API keys: set BINGX_API_KEY and BINGX_API_SECRET";
            return reply;
        }
        params.emplace_back("timestamp", std::to_string(now_ms()));
        params.emplace_back("recvWindow", std::to_string(config_.recv_window_ms));
        std::stable_sort(params.begin(), params.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
        query = Signer(config_.credentials).signed_query(params);
        request.headers.emplace_back("X-BX-APIKEY", config_.credentials.api_key());
    } else {
        // Public calls need no signature; BingX's newer docs and public clients (ccxt) still
        // send a timestamp with them, so this adapter does too.
        params.emplace_back("timestamp", std::to_string(now_ms()));
        for (const auto& [key, value] : params) {
            if (!query.empty()) query += '&';
            query += url_encode(key) + "=" + url_encode(value);
        }
    }
    request.target = std::string(path) + (query.empty() ? "" : "?" + query);
    Reply reply = exchange(std::move(request));
    // The path only: the query holds the signature.
    if (reply.outcome == CallOutcome::RATE_LIMITED) log().warn("rate limited: {} {}: {}", method, path, reply.detail);
    return reply;
}

Reply RestClient::exchange(net::HttpRequest request) {
    Reply reply;
    ++rest_calls_;
    net::HttpResponse response = network_.http(rest_, std::move(request));
    switch (response.transport) {
    case net::HttpResponse::Transport::NOT_SENT:
        reply.outcome = CallOutcome::NOT_SENT;
        reply.detail = "not sent: " + response.error;
        ++rest_failures_;
        return reply;
    case net::HttpResponse::Transport::LOST:
    case net::HttpResponse::Transport::TIMEOUT:
        reply.outcome = CallOutcome::UNKNOWN;
        reply.detail = std::string(response.transport == net::HttpResponse::Transport::TIMEOUT ? "timeout: "
                                                                                               : "connection lost: ") +
                       response.error;
        ++rest_failures_;
        return reply;
    case net::HttpResponse::Transport::OK: break;
    }
    reply.http_status = response.status;
    reply.body = std::move(response.body);
    reply.envelope = parse_envelope(reply.body);
    reply.outcome = classify_reply(reply.http_status, reply.envelope.code);
    if (reply.outcome != CallOutcome::OK) {
        reply.detail = "HTTP " + std::to_string(reply.http_status);
        if (reply.envelope.code) {
            reply.detail += ", bingx " + std::to_string(*reply.envelope.code) + ": " + reply.envelope.msg;
        }
    }
    if (reply.http_status >= 500) ++rest_failures_;
    if (reply.outcome == CallOutcome::RATE_LIMITED) ++rate_limited_;
    return reply;
}

Reply RestClient::call_retrying(std::string_view method, std::string_view path, const Params& params,
                                SteadyTime deadline, int attempts_max) {
    Reply reply;
    Backoff backoff(config_.retry_pause_ms);
    bool resynced = false;
    for (int attempt = 0; attempt < attempts_max; ++attempt) {
        const int left_ms = ms_until(deadline);
        if (left_ms <= 0) {
            if (attempt == 0) reply.detail = "call deadline passed";
            break;
        }
        reply = call(method, path, params, true, std::min(config_.request_timeout_ms, left_ms));
        if (reply.outcome == CallOutcome::REJECTED && !resynced && timestamp_refused(reply)) {
            resynced = true;
            resync_clock();
            continue;
        }
        // A read changes nothing at the venue, so an unknown answer may be asked again.
        const bool retry_unknown = method == "GET" && reply.outcome == CallOutcome::UNKNOWN;
        if (reply.outcome != CallOutcome::RATE_LIMITED && reply.outcome != CallOutcome::NOT_SENT && !retry_unknown) {
            return reply;
        }
        const int pause_ms = backoff.next();
        log().debug("retrying {} {} in {} ms: {}", method, path, pause_ms, reply.detail);
        pause(pause_ms, deadline);
    }
    return reply;
}

Reply RestClient::call_listen_key(std::string_view method, const std::string& key) {
    if (config_.credentials.empty()) {
        Reply reply;
        reply.detail = "no API keys";
        return reply;
    }
    net::HttpRequest request;
    request.method = std::string(method);
    request.timeout_ms = config_.request_timeout_ms;
    request.target = "/openApi/user/auth/userDataStream";
    if (!key.empty()) request.target += "?listenKey=" + url_encode(key);
    request.headers.emplace_back("X-BX-APIKEY", config_.credentials.api_key());
    ++rest_calls_;
    net::HttpResponse response = network_.http(rest_, std::move(request));
    Reply reply;
    if (response.transport != net::HttpResponse::Transport::OK) {
        reply.outcome = CallOutcome::UNKNOWN;
        reply.detail = response.error;
        return reply;
    }
    reply.http_status = response.status;
    reply.body = std::move(response.body);
    reply.outcome = response.status >= 200 && response.status < 300 ? CallOutcome::OK : CallOutcome::REJECTED;
    return reply;
}

VenueQuery<std::int64_t> RestClient::fetch_server_time() {
    VenueQuery<std::int64_t> out;
    const std::int64_t sent_ms = wall_ms();
    Reply reply = call("GET", "/openApi/swap/v2/server/time", {}, false);
    const std::int64_t received_ms = wall_ms();
    if (reply.outcome != CallOutcome::OK) return failed<std::int64_t>(reply);
    const auto time = parse_server_time_data(reply.envelope.data_json);
    if (!time.ok()) return unreadable<std::int64_t>(time.error().detail);
    out.value = *time;
    offset_ms_ = *time - (sent_ms + received_ms) / 2;
    return out;
}

void RestClient::resync_clock() {
    ++time_resyncs_;
    const auto time = fetch_server_time();
    if (time.ok()) {
        log().info("clock resynced after a refused timestamp: server minus local {} ms", offset_ms());
    } else {
        log().warn("clock resync failed: {}", time.detail);
    }
}

void RestClient::pause(int ms, SteadyTime deadline) {
    const int wait_ms = std::min(ms, std::max(0, ms_until(deadline)));
    sleep_(std::chrono::milliseconds(wait_ms));
}

SteadyTime RestClient::call_deadline() const {
    return std::chrono::steady_clock::now() + std::chrono::milliseconds(config_.call_timeout_ms);
}

RestCounters RestClient::counters() const {
    return {rest_calls_.load(), rest_failures_.load(), rate_limited_.load(), time_resyncs_.load()};
}

bool RestClient::timestamp_refused(const Reply& reply) {
    if (!reply.envelope.code) return false;
    if (*reply.envelope.code == 100421) return true;
    return lower(reply.envelope.msg).find("timestamp") != std::string::npos;
}

VenueCallStatus RestClient::status_of(CallOutcome outcome) {
    switch (outcome) {
    case CallOutcome::OK: break;
    case CallOutcome::REJECTED:
    case CallOutcome::NOT_FOUND: return VenueCallStatus::REJECTED;
    case CallOutcome::UNKNOWN: return VenueCallStatus::UNKNOWN;
    case CallOutcome::RATE_LIMITED:
    case CallOutcome::NOT_SENT: return VenueCallStatus::UNAVAILABLE;
    }
    return VenueCallStatus::ACCEPTED;
}

} // namespace dita::bingx::detail
