// The adapter's and the simulator's logs (issue 16 item 7): the events people need are there
// at the chosen level, and keys, secrets, signatures and listenKeys never are.
#include <gtest/gtest.h>

#include <algorithm>
#include <regex>
#include <sstream>

#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>

#include "bingx_test_support.hpp"

namespace dita::bingx {
namespace {

using namespace testing;

// Captures both loggers' output at trace level for the test's lifetime.
class LogCapture {
public:
    LogCapture() {
        EXPECT_TRUE(set_bingx_log_level("trace"));
        EXPECT_TRUE(bingx_sim::set_sim_log_level("trace"));
        sink_ = std::make_shared<spdlog::sinks::ostream_sink_mt>(text_);
        for (const char* name : {"bingx", "bingx-sim"}) spdlog::get(name)->sinks().push_back(sink_);
    }
    ~LogCapture() {
        for (const char* name : {"bingx", "bingx-sim"}) {
            auto& sinks = spdlog::get(name)->sinks();
            sinks.erase(std::remove(sinks.begin(), sinks.end(), sink_), sinks.end());
        }
        set_bingx_log_level("warn");
        bingx_sim::set_sim_log_level("warn");
    }
    std::string text() const {
        sink_->flush();
        return text_.str();
    }

private:
    std::ostringstream text_;
    std::shared_ptr<spdlog::sinks::ostream_sink_mt> sink_;
};

TEST(BingxLogging, LevelWordsAreCheckedAndNothingSecretIsLogged) {
    EXPECT_FALSE(set_bingx_log_level("loud"));
    EXPECT_FALSE(bingx_sim::set_sim_log_level("loud"));
    LogCapture capture;
    {
        bingx_sim::SimConfig config = sim_config();
        config.api_key = "KEY-visible-nowhere-1234";
        config.api_secret = "SECRET-visible-nowhere";
        SimPair pair(config);
        ASSERT_TRUE(pair.start_result.ok()) << pair.start_result.error().detail;
        EXPECT_EQ(pair.adapter->submit_order(order("log-1", TradeSide::LONG, OrderPurpose::ENTRY, "0.001")).status,
                  VenueCallStatus::ACCEPTED);
        pair.sim.set_faults([] {
            bingx_sim::SimFaults faults;
            faults.rate_limit_rate = 1.0;
            return faults;
        }());
        (void)pair.adapter->positions("BTCUSDT"); // rate limited, retried
        pair.sim.set_faults(bingx_sim::SimFaults{});
        pair.sim.expire_listen_keys(); // the stream reconnects with a new key and catches up
        EventLog events;
        drain_until(*pair.adapter, events, [&] { return pair.adapter->stats().stream_connects >= 2; },
                    std::chrono::milliseconds(5000));

        BingxConfig wrong = adapter_config(pair.sim, config);
        wrong.credentials = Credentials("KEY-visible-nowhere-1234", "WRONG-secret-visible-nowhere");
        BingxVenueAdapter refused(wrong);
        EXPECT_FALSE(refused.start().ok());
    }
    const std::string text = capture.text();
    EXPECT_NE(text.find("user stream connected"), std::string::npos) << text;
    EXPECT_NE(text.find("account checked"), std::string::npos) << text;
    EXPECT_NE(text.find("rate limited"), std::string::npos) << text;
    EXPECT_NE(text.find("retrying"), std::string::npos) << text;
    EXPECT_NE(text.find("signature does not verify"), std::string::npos) << text;
    for (const char* secret : {"KEY-visible-nowhere", "SECRET-visible-nowhere", "WRONG-secret", "signature=", "listenKey="}) {
        EXPECT_EQ(text.find(secret), std::string::npos) << secret << " in:\n" << text;
    }
    // No signature (64 hex) and no listenKey (64 hex) anywhere.
    EXPECT_FALSE(std::regex_search(text, std::regex("[0-9a-f]{64}"))) << text;
}

} // namespace
} // namespace dita::bingx
