// The simulator on its own, spoken to with raw HTTP over a plain socket (so neither the
// adapter's client nor Beast is involved): it must check keys, signatures and timestamps
// the way the exchange does, answer with the exchange's codes, and draw faults from its seed.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <nlohmann/json.hpp>

#include "dita/bingx_sim/simulator.hpp"
#include "dita/venues/bingx/bingx_protocol.hpp"

namespace dita::bingx_sim {
namespace {

struct RawReply {
    int status = 0; // 0: the connection closed without an answer
    std::string body;
};

// One request on a fresh connection, bounded by a 5 s socket timeout and a 1 MiB read.
RawReply raw_http(std::uint16_t port, const std::string& method, const std::string& target, const std::string& body = "",
                  const std::vector<std::string>& headers = {}) {
    RawReply reply;
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0) return reply;
    timeval timeout{5, 0};
    ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
    ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof timeout);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(port);
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) {
        ::close(fd);
        return reply;
    }
    std::string request = method + " " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\n";
    bool has_connection = false;
    for (const std::string& header : headers) {
        request += header + "\r\n";
        has_connection = has_connection || header.rfind("Connection:", 0) == 0;
    }
    if (!has_connection) request += "Connection: close\r\n";
    if (!body.empty()) {
        request += "Content-Type: application/x-www-form-urlencoded\r\nContent-Length: " + std::to_string(body.size()) + "\r\n";
    }
    request += "\r\n" + body;
    if (::send(fd, request.data(), request.size(), MSG_NOSIGNAL) != static_cast<ssize_t>(request.size())) {
        ::close(fd);
        return reply;
    }
    std::string received;
    char chunk[4096];
    while (received.size() < (1u << 20)) {
        const ssize_t got = ::recv(fd, chunk, sizeof chunk, 0);
        if (got <= 0) break;
        received.append(chunk, static_cast<std::size_t>(got));
    }
    ::close(fd);
    if (received.rfind("HTTP/1.1 ", 0) != 0 || received.size() < 12) return reply;
    reply.status = std::stoi(received.substr(9, 3));
    const auto split = received.find("\r\n\r\n");
    if (split != std::string::npos) reply.body = received.substr(split + 4);
    return reply;
}

std::int64_t code_of(const RawReply& reply) {
    const auto body = nlohmann::json::parse(reply.body, nullptr, false);
    if (!body.is_object() || !body.contains("code") || !body["code"].is_number_integer()) return -1;
    return body["code"].get<std::int64_t>();
}

std::int64_t wall_ms() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

// A signed request as a client builds it: parameters in the given order, the signature last.
std::string signed_target(const std::string& path, bingx::Params params, const std::string& secret,
                          std::int64_t timestamp_ms) {
    params.emplace_back("timestamp", std::to_string(timestamp_ms));
    return path + "?" + bingx::signed_query(params, secret);
}

struct Running {
    explicit Running(SimConfig config) : sim(std::move(config)) {
        const auto started = sim.start();
        EXPECT_TRUE(started.ok()) << started.error().detail;
        port = started.ok() ? started.value() : 0;
    }
    Simulator sim;
    std::uint16_t port = 0;
};

const std::string key_header = "X-BX-APIKEY: dita-sim-key";

// The official documentation's example (fact sheet §2): secret and API key as published,
// the server clock set to just after the example's timestamp so the request is fresh.
constexpr const char* doc_key = "hO6oQotzTE0S5FRYze2Jx2wGx7eVnJGMolpA1nZyehsoMgCcgKNWQHd4QgTFZuwl4Zt4xMe2PqGBegWXO4A";
constexpr const char* doc_secret = "mheO6dR8ovSsxZQCOYEFCtelpuxcWGTfHw7te326y6jOwq5WpvFQ9JNljoTwBXZGv5It07m9RXSPpDQEK2w";

// start() is a value or an error: the port it listens on; a port already taken is LISTEN_FAILED
// with the reason, and starting again while running gives the same port.
TEST(BingxSim, StartGivesItsPortOrWhyItCannotListen) {
    Running first{SimConfig{}};
    ASSERT_NE(first.port, 0);
    const auto again = first.sim.start();
    ASSERT_TRUE(again.ok());
    EXPECT_EQ(again.value(), first.port);
    SimConfig taken;
    taken.port = first.port;
    Simulator second(taken);
    const auto refused = second.start();
    ASSERT_FALSE(refused.ok());
    EXPECT_EQ(refused.error().code, "LISTEN_FAILED");
    EXPECT_NE(refused.error().detail.find(std::to_string(first.port)), std::string::npos) << refused.error().detail;
}

TEST(BingxSim, AcceptsTheOfficialQueryStringExampleInItsUnsortedOrder) {
    SimConfig config;
    config.api_key = doc_key;
    config.api_secret = doc_secret;
    config.time_offset_ms = 1667872120843 + 300 - wall_ms();
    Running running(config);
    const RawReply reply = raw_http(
        running.port, "POST",
        "/openApi/swap/v2/trade/leverage?symbol=BTC-USDT&timestamp=1667872120843&side=LONG&leverage=6"
        "&signature=4f581ecdb1fa09b9d6e57886b6f70cffed17f82b93399722939e49a38edec2bf",
        "", {std::string("X-BX-APIKEY: ") + doc_key});
    EXPECT_EQ(reply.status, 200);
    EXPECT_EQ(code_of(reply), 0) << reply.body;
    // The same parameters reordered make another string: the signature no longer matches.
    const RawReply reordered = raw_http(
        running.port, "POST",
        "/openApi/swap/v2/trade/leverage?side=LONG&leverage=6&symbol=BTC-USDT&timestamp=1667872120843"
        "&signature=4f581ecdb1fa09b9d6e57886b6f70cffed17f82b93399722939e49a38edec2bf",
        "", {std::string("X-BX-APIKEY: ") + doc_key});
    EXPECT_EQ(code_of(reordered), 100001) << reordered.body;
}

TEST(BingxSim, AcceptsTheOfficialMixedQueryAndBodyExample) {
    SimConfig config;
    config.api_key = doc_key;
    config.api_secret = doc_secret;
    config.time_offset_ms = 1668159715051 + 300 - wall_ms();
    Running running(config);
    const RawReply reply = raw_http(
        running.port, "POST", "/openApi/swap/v2/trade/leverage?symbol=BTC-USDT&timestamp=1668159715051",
        "side=LONG&leverage=6&signature=8b756b01e7a30f02e19c58a91ab01b29528694316b08a51ecb8dd072942bd47d",
        {std::string("X-BX-APIKEY: ") + doc_key});
    EXPECT_EQ(code_of(reply), 0) << reply.body;
}

TEST(BingxSim, BodyOnlyParametersAndUpperCaseHexAreAccepted) {
    Running running(SimConfig{});
    bingx::Params params{{"symbol", "BTC-USDT"}, {"side", "SHORT"}, {"leverage", "3"}, {"timestamp", std::to_string(wall_ms())}};
    std::string body = bingx::signed_query(params, "dita-sim-secret");
    EXPECT_EQ(code_of(raw_http(running.port, "POST", "/openApi/swap/v2/trade/leverage", body, {key_header})), 0);
    params.back().second = std::to_string(wall_ms());
    std::string upper = bingx::signed_query(params, "dita-sim-secret");
    const auto at = upper.find("signature=") + 10;
    for (std::size_t i = at; i < upper.size(); ++i) upper[i] = static_cast<char>(std::toupper(upper[i]));
    EXPECT_EQ(code_of(raw_http(running.port, "POST", "/openApi/swap/v2/trade/leverage?" + upper, "", {key_header})), 0);
}

TEST(BingxSim, RefusesBadKeysSignaturesAndTimestampsWithTheExchangesCodes) {
    Running running(SimConfig{});
    const std::string path = "/openApi/swap/v2/user/balance";
    const std::int64_t now = wall_ms();
    EXPECT_EQ(code_of(raw_http(running.port, "GET", signed_target(path, {}, "dita-sim-secret", now), "", {key_header})), 0);
    EXPECT_EQ(code_of(raw_http(running.port, "GET", signed_target(path, {}, "wrong", now), "", {key_header})), 100001);
    EXPECT_EQ(code_of(raw_http(running.port, "GET", path + "?timestamp=" + std::to_string(now), "", {key_header})), 100001);
    EXPECT_EQ(code_of(raw_http(running.port, "GET", signed_target(path, {}, "dita-sim-secret", now), "",
                               {"X-BX-APIKEY: someone-else"})),
              100413);
    EXPECT_EQ(code_of(raw_http(running.port, "GET", signed_target(path, {}, "dita-sim-secret", now))), 100413);
    // Older than the default 5 s window; a wider recvWindow admits it; from the future: refused.
    EXPECT_EQ(code_of(raw_http(running.port, "GET", signed_target(path, {}, "dita-sim-secret", now - 6000), "", {key_header})),
              100421);
    EXPECT_EQ(code_of(raw_http(running.port, "GET",
                               signed_target(path, {{"recvWindow", "10000"}}, "dita-sim-secret", now - 6000), "",
                               {key_header})),
              0);
    EXPECT_EQ(code_of(raw_http(running.port, "GET", signed_target(path, {}, "dita-sim-secret", now + 5000), "", {key_header})),
              100421);
    EXPECT_EQ(code_of(raw_http(running.port, "GET", path + "?" + bingx::signed_query({}, "dita-sim-secret"), "", {key_header})),
              100421);
    EXPECT_EQ(code_of(raw_http(running.port, "GET",
                               signed_target(path, {{"recvWindow", "99999999"}}, "dita-sim-secret", now), "", {key_header})),
              100400);
    const auto stats = running.sim.stats();
    EXPECT_EQ(stats.auth_failures, 4u);
    EXPECT_EQ(stats.timestamp_failures, 3u);
}

TEST(BingxSim, OrdersTruncateQuantityAndReportCancelledWithDoubleLInRest) {
    Running running(SimConfig{});
    const std::string order_path = "/openApi/swap/v2/trade/order";
    auto place = raw_http(running.port, "POST",
                          signed_target(order_path,
                                        {{"symbol", "BTC-USDT"}, {"side", "BUY"}, {"positionSide", "LONG"},
                                         {"type", "LIMIT"}, {"price", "40000.17"}, {"quantity", "0.00129"},
                                         {"newClientOrderId", "Raw-1"}},
                                        "dita-sim-secret", wall_ms()),
                          "", {key_header});
    ASSERT_EQ(code_of(place), 0) << place.body;
    const auto order = running.sim.order("raw-1"); // lower-cased, whatever name the id came under
    ASSERT_TRUE(order.has_value());
    EXPECT_EQ(order->qty, Decimal::parse("0.0012").value());
    EXPECT_EQ(order->price, Decimal::parse("40000.1").value());
    EXPECT_EQ(order->status, "NEW");
    auto cancel = raw_http(running.port, "DELETE",
                           signed_target(order_path, {{"symbol", "BTC-USDT"}, {"clientOrderId", "raw-1"}},
                                         "dita-sim-secret", wall_ms()),
                           "", {key_header});
    ASSERT_EQ(code_of(cancel), 0) << cancel.body;
    EXPECT_NE(cancel.body.find("\"CANCELLED\""), std::string::npos) << cancel.body;
    EXPECT_EQ(running.sim.order("raw-1")->status, "CANCELED");
    auto again = raw_http(running.port, "GET",
                          signed_target(order_path, {{"symbol", "BTC-USDT"}, {"orderId", std::to_string(order->order_id)}},
                                        "dita-sim-secret", wall_ms()),
                          "", {key_header});
    EXPECT_NE(again.body.find("\"CANCELLED\""), std::string::npos) << again.body;
    auto missing = raw_http(running.port, "GET",
                            signed_target(order_path, {{"symbol", "BTC-USDT"}, {"clientOrderId", "nope"}},
                                          "dita-sim-secret", wall_ms()),
                            "", {key_header});
    EXPECT_EQ(code_of(missing), 80016);
    // The test endpoint checks without making an order.
    auto test_order = raw_http(running.port, "POST",
                               signed_target(order_path + "/test",
                                             {{"symbol", "BTC-USDT"}, {"side", "BUY"}, {"positionSide", "LONG"},
                                              {"type", "MARKET"}, {"quantity", "0.001"}},
                                             "dita-sim-secret", wall_ms()),
                               "", {key_header});
    EXPECT_EQ(code_of(test_order), 0) << test_order.body;
    EXPECT_EQ(running.sim.orders().size(), 1u);
}

TEST(BingxSim, UniqueClientOrderIdsAreEnforcedUnlessSwitchedOff) {
    for (const bool unique : {true, false}) {
        SimConfig config;
        config.unique_client_order_ids = unique;
        Running running(config);
        for (int i = 0; i < 2; ++i) {
            raw_http(running.port, "POST",
                     signed_target("/openApi/swap/v2/trade/order",
                                   {{"symbol", "BTC-USDT"}, {"side", "BUY"}, {"positionSide", "LONG"}, {"type", "MARKET"},
                                    {"quantity", "0.001"}, {"clientOrderId", "same"}},
                                   "dita-sim-secret", wall_ms()),
                     "", {key_header});
        }
        EXPECT_EQ(running.sim.orders().size(), unique ? 1u : 2u);
        EXPECT_EQ(running.sim.stats().duplicate_client_ids, unique ? 1u : 0u);
    }
}

TEST(BingxSim, RateLimitAnswers429WithCode100410) {
    SimConfig config;
    config.faults.rate_limit_per_s = 3;
    Running running(config);
    int limited = 0;
    for (int i = 0; i < 6; ++i) {
        const auto reply = raw_http(running.port, "GET",
                                    signed_target("/openApi/swap/v2/user/balance", {}, "dita-sim-secret", wall_ms()), "",
                                    {key_header});
        if (reply.status == 429) {
            EXPECT_EQ(code_of(reply), 100410);
            ++limited;
        }
    }
    // Six requests well within a second or two: at least the ones past three in a window are refused.
    EXPECT_GE(limited, 1);
    EXPECT_EQ(running.sim.stats().faults_rate_limit, static_cast<std::uint64_t>(limited));
}

TEST(BingxSim, FaultsAnswer5xxOrDropTheConnection) {
    SimConfig config;
    config.faults.http_5xx_rate = 1.0;
    config.faults.http_5xx_status = 504;
    Running running(config);
    const auto gateway = raw_http(running.port, "GET",
                                  signed_target("/openApi/swap/v2/user/balance", {}, "dita-sim-secret", wall_ms()), "",
                                  {key_header});
    EXPECT_EQ(gateway.status, 504);
    SimFaults drop;
    drop.drop_rate = 1.0;
    running.sim.set_faults(drop);
    const auto dropped = raw_http(running.port, "GET",
                                  signed_target("/openApi/swap/v2/user/balance", {}, "dita-sim-secret", wall_ms()), "",
                                  {key_header});
    EXPECT_EQ(dropped.status, 0); // no answer at all
    // Public endpoints are never faulted.
    EXPECT_EQ(code_of(raw_http(running.port, "GET", "/openApi/swap/v2/server/time")), 0);
    EXPECT_EQ(running.sim.stats().faults_5xx, 1u);
    EXPECT_EQ(running.sim.stats().faults_drop, 1u);
}

TEST(BingxSim, ListenKeyLifecycle) {
    Running running(SimConfig{});
    const std::string path = "/openApi/user/auth/userDataStream";
    EXPECT_EQ(raw_http(running.port, "POST", path).status, 401);
    const auto created = raw_http(running.port, "POST", path, "", {key_header});
    ASSERT_EQ(created.status, 200);
    const auto body = nlohmann::json::parse(created.body, nullptr, false);
    ASSERT_TRUE(body.is_object() && body.contains("listenKey")) << created.body;
    EXPECT_FALSE(body.contains("code")); // no envelope
    const std::string key = body["listenKey"];
    EXPECT_EQ(key.size(), 64u);
    EXPECT_EQ(raw_http(running.port, "PUT", path + "?listenKey=" + key, "", {key_header}).status, 200);
    EXPECT_EQ(raw_http(running.port, "PUT", path + "?listenKey=unknown", "", {key_header}).status, 404);
    EXPECT_EQ(raw_http(running.port, "DELETE", path + "?listenKey=" + key, "", {key_header}).status, 200);
    EXPECT_EQ(raw_http(running.port, "DELETE", path + "?listenKey=" + key, "", {key_header}).status, 404);
    const auto stats = running.sim.stats();
    EXPECT_EQ(stats.listen_keys_created, 1u);
    EXPECT_EQ(stats.listen_keys_extended, 1u);
    EXPECT_EQ(stats.listen_keys_deleted, 1u);
}

TEST(BingxSim, StreamUpgradeWithAnUnknownKeyIsRefused) {
    Running running(SimConfig{});
    const auto reply = raw_http(running.port, "GET", "/swap-market?listenKey=nope", "",
                                {"Upgrade: websocket", "Connection: Upgrade", "Sec-WebSocket-Version: 13",
                                 "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ=="});
    EXPECT_EQ(reply.status, 401);
    EXPECT_EQ(running.sim.stats().stream_sessions, 0u);
}

TEST(BingxSim, PublicEndpointsAndUnknownPaths) {
    SimConfig config;
    config.contracts.front().mark_price = "43000.5";
    Running running(config);
    const auto contracts = raw_http(running.port, "GET", "/openApi/swap/v2/quote/contracts?symbol=BTC-USDT");
    EXPECT_EQ(code_of(contracts), 0);
    EXPECT_NE(contracts.body.find("\"quantityPrecision\":4"), std::string::npos) << contracts.body;
    const auto mark = raw_http(running.port, "GET", "/openApi/swap/v2/quote/premiumIndex?symbol=BTC-USDT");
    EXPECT_NE(mark.body.find("\"markPrice\":\"43000.5\""), std::string::npos) << mark.body;
    EXPECT_EQ(code_of(raw_http(running.port, "GET", "/openApi/swap/v2/quote/premiumIndex?symbol=NOPE-USDT")), 80014);
    EXPECT_EQ(raw_http(running.port, "GET", "/no/such/thing").status, 404);
    EXPECT_EQ(raw_http(running.port, "GET", signed_target("/openApi/swap/v2/trade/nothing", {}, "dita-sim-secret", wall_ms()),
                       "", {key_header})
                  .status,
              404);
}

TEST(BingxSim, BindsLoopbackOnlyAndPicksFreePorts) {
    SimConfig open;
    open.bind_address = "0.0.0.0";
    EXPECT_THROW(Simulator{open}, std::invalid_argument);
    open.bind_address = "192.168.1.10";
    EXPECT_THROW(Simulator{open}, std::invalid_argument);
    Running first(SimConfig{});
    Running second(SimConfig{});
    EXPECT_NE(first.port, 0);
    EXPECT_NE(first.port, second.port);
    EXPECT_EQ(first.sim.rest_url(), "http://127.0.0.1:" + std::to_string(first.port));
    first.sim.stop();
    first.sim.stop(); // idempotent
    EXPECT_EQ(raw_http(first.port, "GET", "/openApi/swap/v2/server/time").status, 0);
    SimConfig bad;
    bad.partial_fill_ratio = 1.5;
    EXPECT_THROW(Simulator{bad}, std::invalid_argument);
}

TEST(BingxSim, SameSeedDrawsTheSameFaults) {
    auto statuses = [](std::uint64_t seed) {
        SimConfig config;
        config.seed = seed;
        config.faults.http_5xx_rate = 0.4;
        config.faults.rate_limit_rate = 0.2;
        Running running(config);
        std::vector<int> out;
        for (int i = 0; i < 20; ++i) {
            out.push_back(raw_http(running.port, "GET",
                                   signed_target("/openApi/swap/v2/user/balance", {}, "dita-sim-secret", wall_ms()), "",
                                   {key_header})
                              .status);
        }
        return out;
    };
    const auto first = statuses(5);
    EXPECT_EQ(first, statuses(5));
    EXPECT_NE(first, statuses(6));
    EXPECT_NE(std::count(first.begin(), first.end(), 200), 20);
}

} // namespace
} // namespace dita::bingx_sim
