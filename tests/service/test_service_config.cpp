// `dita run`'s config: every refusal names the file, the key and the reason.
#include <gtest/gtest.h>

#include <cstdlib>

#include "dita/service/config.hpp"

namespace dita::service {
namespace {

ConfigError refused(const std::string& text) {
    auto parsed = parse_service_config(text, "/etc/dita/acct.toml");
    EXPECT_FALSE(parsed.ok()) << text;
    return parsed.ok() ? ConfigError{} : parsed.error();
}

constexpr const char* journal = "[journal]\npath = \"j.sqlite\"\n";

TEST(ServiceConfig, FullConfigIsRead) {
    auto parsed = parse_service_config(std::string(journal) + R"(
[venue]
kind = "bingx-sim"
rest_url = "http://127.0.0.1:18080"
max_order_qty = "0.05"
[kernel]
slots = 3
initial_capital = "2500.5"
assets = ["BTCUSDT", "ETHUSDT"]
[risk]
max_position_size = "0.5"
max_notional = 30000
max_leverage = "20"
[reconcile]
interval_ms = 5000
[marks]
interval_ms = 250
[api]
listen = "127.0.0.1"
port = 0
[log]
format = "json"
level = "debug"
)",
                                         "/etc/dita/acct.toml");
    ASSERT_TRUE(parsed.ok()) << parsed.error().message();
    const ServiceConfig& c = *parsed;
    EXPECT_EQ(c.venue.kind, VenueKind::BINGX_SIM);
    EXPECT_EQ(c.venue.max_order_qty, *Decimal::parse("0.05"));
    EXPECT_EQ(c.journal_path, "/etc/dita/j.sqlite"); // relative to the config file
    EXPECT_EQ(c.slots, 3);
    EXPECT_EQ(c.initial_capital, *Decimal::parse("2500.5"));
    EXPECT_EQ(c.assets, (std::vector<std::string>{"BTCUSDT", "ETHUSDT"}));
    EXPECT_EQ(c.risk.max_notional, Decimal::from_units(30000));
    EXPECT_EQ(c.risk.max_leverage, Decimal::from_units(20));
    EXPECT_EQ(c.reconcile_interval_ms, 5000);
    EXPECT_EQ(c.mark_interval_ms, 250);
    EXPECT_EQ(c.listen_port, 0);
    EXPECT_EQ(c.log_format, "json");
}

TEST(ServiceConfig, DefaultsNeedOnlyTheJournal) {
    auto parsed = parse_service_config(journal, "a.toml");
    ASSERT_TRUE(parsed.ok());
    EXPECT_EQ(parsed->venue.kind, VenueKind::MOCK);
    EXPECT_EQ(parsed->listen_address, "127.0.0.1");
    EXPECT_TRUE(parsed->token.empty());
}

TEST(ServiceConfig, RefusalsNameFileKeyAndReason) {
    const ConfigError missing = refused("[venue]\nkind = \"mock\"\n");
    EXPECT_EQ(missing.file, "/etc/dita/acct.toml");
    EXPECT_EQ(missing.key, "journal.path");

    const ConfigError kind = refused(std::string(journal) + "[venue]\nkind = \"binance\"\n");
    EXPECT_EQ(kind.key, "venue.kind");
    EXPECT_NE(kind.reason.find("bingx-sim"), std::string::npos);

    EXPECT_EQ(refused(std::string(journal) + "[venue]\nkind = \"mock\"\ntypo = 1\n").key, "venue.typo");
    EXPECT_EQ(refused(std::string(journal) + "[kernal]\nslots = 2\n").key, "kernal");
    EXPECT_EQ(refused(std::string(journal) + "[kernel]\nslots = 0\n").key, "kernel.slots");
    EXPECT_EQ(refused(std::string(journal) + "[kernel]\nslots = \"2\"\n").key, "kernel.slots");
    EXPECT_EQ(refused(std::string(journal) + "[risk]\nmax_notional = 1.5\n").key, "risk.max_notional"); // float: inexact
    EXPECT_EQ(refused(std::string(journal) + "[risk]\nmax_notional = \"abc\"\n").key, "risk.max_notional");
    EXPECT_EQ(refused(std::string(journal) + "[risk]\nmax_leverage = \"0.5\"\n").key, "risk.max_leverage");
    EXPECT_EQ(refused(std::string(journal) + "[kernel]\nassets = []\n").key, "kernel.assets");
    EXPECT_EQ(refused(std::string(journal) + "[venue]\nkind = \"mock\"\nrest_url = \"http://x\"\n").key, "venue.rest_url");

    const ConfigError syntax = refused("[journal\npath = 1\n");
    EXPECT_EQ(syntax.key, "");
    EXPECT_NE(syntax.reason.find("line 1"), std::string::npos) << syntax.reason;
}

TEST(ServiceConfig, LiveBingxNeedsTheGuardAndBothCaps) {
    const std::string base = std::string(journal) + "[venue]\nkind = \"bingx\"\n";
    EXPECT_EQ(refused(base).key, "venue.rest_url");
    const std::string url = base + "rest_url = \"https://open-api.bingx.com\"\n";
    EXPECT_EQ(refused(url).key, "venue.live");
    EXPECT_EQ(refused(url + "live = true\n").key, "venue.max_order_qty");
    EXPECT_EQ(refused(url + "live = true\nmax_order_qty = \"0.01\"\n").key, "venue.max_order_notional");
    EXPECT_TRUE(parse_service_config(url + "live = true\nmax_order_qty = \"0.01\"\nmax_order_notional = 100\n", "a.toml").ok());
}

TEST(ServiceConfig, NonLoopbackListenNeedsAToken) {
    EXPECT_EQ(refused(std::string(journal) + "[api]\nlisten = \"0.0.0.0\"\n").key, "api.listen");
    ::setenv("DITA_TEST_TOKEN_SHORT", "short", 1);
    EXPECT_EQ(refused(std::string(journal) + "[api]\ntoken_env = \"DITA_TEST_TOKEN_SHORT\"\n").key, "api.token_env");
    EXPECT_EQ(refused(std::string(journal) + "[api]\ntoken_env = \"DITA_TEST_TOKEN_UNSET_X\"\n").key, "api.token_env");
    ::setenv("DITA_TEST_TOKEN", "0123456789abcdef0123", 1);
    auto parsed = parse_service_config(std::string(journal) + "[api]\nlisten = \"0.0.0.0\"\ntoken_env = \"DITA_TEST_TOKEN\"\n", "a.toml");
    ASSERT_TRUE(parsed.ok()) << parsed.error().message();
    EXPECT_EQ(parsed->token, "0123456789abcdef0123");
}

TEST(ServiceConfig, MockMarksOnlyForTheMock) {
    auto parsed = parse_service_config(std::string(journal) + "[marks]\nmock_prices = { BTCUSDT = [\"50000\", 50100] }\n", "a.toml");
    ASSERT_TRUE(parsed.ok()) << parsed.error().message();
    EXPECT_EQ(parsed->mock_marks.at("BTCUSDT").size(), 2u);
    EXPECT_EQ(refused(std::string(journal) + "[venue]\nkind = \"bingx-sim\"\n[marks]\nmock_prices = { BTCUSDT = [\"1\"] }\n").key,
              "marks.mock_prices");
    EXPECT_EQ(refused(std::string(journal) + "[marks]\nmock_prices = { BTCUSDT = [\"-1\"] }\n").key,
              "marks.mock_prices.BTCUSDT");
}

} // namespace
} // namespace dita::service
