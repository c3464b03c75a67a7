#pragma once
// A small blocking HTTP/1.1 client for `dita ctl` and the tests: one request per connection,
// bounded by a timeout.
#include <chrono>
#include <cstdint>
#include <string>

#include "dita/contracts/result.hpp"

namespace dita::service {

struct HttpResult {
    int status = 0;
    std::string body;
};

struct HttpTarget {
    std::string host = "127.0.0.1";
    std::uint16_t port = 8080;
    std::string token; // sent as "Authorization: Bearer ..." when not empty
    std::chrono::milliseconds timeout{10'000};
};

// Error codes: CONNECT_FAILED (nothing listening), TIMEOUT, IO_ERROR.
Result<HttpResult, Error> http_call(const HttpTarget& target, const std::string& method, const std::string& path,
                                    const std::string& body = {});

// "http://host:port" or "host:port" into host and port.
Result<HttpTarget, Error> parse_http_url(const std::string& url);

} // namespace dita::service
