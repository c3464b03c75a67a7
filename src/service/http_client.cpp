#include <utility>

#include "dita/service/http_client.hpp"

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

namespace dita::service {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

Result<HttpResult, Error> http_call(const HttpTarget& target, const std::string& method, const std::string& path,
                                    const std::string& body) {
    asio::io_context context;
    beast::tcp_stream stream(context);
    boost::system::error_code ec;
    tcp::resolver resolver(context);
    const auto endpoints = resolver.resolve(target.host, std::to_string(target.port), ec);
    if (ec) return Error{"CONNECT_FAILED", target.host + ": " + ec.message()};
    stream.expires_after(target.timeout);
    stream.connect(endpoints, ec);
    if (ec) return Error{"CONNECT_FAILED", target.host + ":" + std::to_string(target.port) + ": " + ec.message()};
    http::request<http::string_body> request{http::string_to_verb(method), path, 11};
    request.set(http::field::host, target.host);
    request.set(http::field::user_agent, "dita-ctl");
    if (!target.token.empty()) request.set(http::field::authorization, "Bearer " + target.token);
    if (!body.empty() || method == "POST") {
        request.set(http::field::content_type, "application/json");
        request.body() = body;
    }
    request.prepare_payload();
    stream.expires_after(target.timeout);
    http::write(stream, request, ec);
    if (ec) return Error{ec == beast::error::timeout ? "TIMEOUT" : "IO_ERROR", ec.message()};
    beast::flat_buffer buffer;
    http::response_parser<http::string_body> parser;
    parser.body_limit(64 * 1024 * 1024);
    http::read(stream, buffer, parser, ec);
    if (ec) return Error{ec == beast::error::timeout ? "TIMEOUT" : "IO_ERROR", ec.message()};
    stream.socket().shutdown(tcp::socket::shutdown_both, ec);
    return HttpResult{static_cast<int>(parser.get().result_int()), parser.get().body()};
}

Result<HttpTarget, Error> parse_http_url(const std::string& url) {
    std::string rest = url;
    if (rest.starts_with("http://")) rest = rest.substr(7);
    else if (rest.find("://") != std::string::npos) return Error{"BAD_URL", url + ": only http:// is supported"};
    while (!rest.empty() && rest.back() == '/') rest.pop_back();
    const auto colon = rest.rfind(':');
    HttpTarget target;
    if (colon == std::string::npos) {
        target.host = rest;
        target.port = 80;
    } else {
        target.host = rest.substr(0, colon);
        const std::string port = rest.substr(colon + 1);
        int value = 0;
        for (const char c : port) {
            if (c < '0' || c > '9' || value > 65535) return Error{"BAD_URL", url + ": bad port"};
            value = value * 10 + (c - '0');
        }
        if (port.empty() || value == 0 || value > 65535) return Error{"BAD_URL", url + ": bad port"};
        target.port = static_cast<std::uint16_t>(value);
    }
    if (target.host.empty()) return Error{"BAD_URL", url + ": no host"};
    return target;
}

} // namespace dita::service
