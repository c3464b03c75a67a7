// BingX's public mark-price stream: the push format, and the client against the simulator's
// market stream (started by the test on 127.0.0.1).
#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "dita/bingx_sim/simulator.hpp"
#include "dita/venues/bingx/mark_price_stream.hpp"

namespace dita::bingx {
namespace {

TEST(MarkPricePush, ReadsTheTopicAndThePrice) {
    const auto push = parse_mark_price_push(
        R"({"code":0,"dataType":"BTC-USDT@markPrice","data":{"e":"markPriceUpdate","E":1,"s":"BTC-USDT","p":"50123.4"}})");
    ASSERT_TRUE(push.has_value());
    EXPECT_EQ(push->asset, "BTCUSDT");
    EXPECT_EQ(push->price, *Decimal::parse("50123.4"));
    // Some clients read the price from "c".
    EXPECT_EQ(parse_mark_price_push(R"({"dataType":"ETH-USDT@markPrice","data":{"c":3000.5}})")->price, *Decimal::parse("3000.5"));
}

TEST(MarkPricePush, IgnoresEverythingElse) {
    for (const char* text : {R"({"id":"x","code":0,"msg":""})", R"({"dataType":"BTC-USDT@trade","data":{"p":"1"}})",
                             R"({"dataType":"@markPrice","data":{"p":"1"}})", R"({"dataType":"BTC-USDT@markPrice","data":{"p":"-1"}})",
                             R"({"dataType":"BTC-USDT@markPrice","data":{"p":"abc"}})", "Ping", "{", "[]"}) {
        EXPECT_FALSE(parse_mark_price_push(text).has_value()) << text;
    }
}

TEST(MarkPriceStream, FollowsTheSimulatorsMark) {
    bingx_sim::Simulator sim(bingx_sim::SimConfig{});
    const auto started = sim.start();
    ASSERT_TRUE(started.ok()) << started.error().detail;
    MarkPriceStreamConfig config;
    config.ws_url = sim.ws_url();
    config.assets = {"BTCUSDT"};
    MarkPriceStream stream(config);
    stream.start();
    const auto wait_for = [&](const char* price) {
        for (int i = 0; i < 300; ++i) {
            if (stream.mark("BTCUSDT") == Decimal::parse(price)) return true;
            std::this_thread::sleep_for(std::chrono::milliseconds(20));
        }
        return false;
    };
    EXPECT_TRUE(wait_for("50000"));
    ASSERT_TRUE(sim.set_mark_price("BTC-USDT", "51234.5"));
    EXPECT_TRUE(wait_for("51234.5"));
    EXPECT_GE(stream.connects(), 1u);
    EXPECT_FALSE(stream.mark("ETHUSDT").has_value());
    stream.stop();
}

} // namespace
} // namespace dita::bingx
