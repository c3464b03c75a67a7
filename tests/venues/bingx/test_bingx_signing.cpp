// Request signing against BingX's own worked examples, plus the parameter strings and
// the handling of keys.
#include <gtest/gtest.h>

#include <cstdlib>

#include "dita/venues/bingx/bingx_venue.hpp"

namespace dita::bingx {
namespace {

// The official v2 documentation's example secret (BingX-API/BingX-swap-api-v2-doc,
// Perpetual_Swap_API_Documentation.md, "Signature" section; fact sheet §2 "Verified test
// vectors"). Documentation values, not live keys.
constexpr std::string_view doc_secret =
    "mheO6dR8ovSsxZQCOYEFCtelpuxcWGTfHw7te326y6jOwq5WpvFQ9JNljoTwBXZGv5It07m9RXSPpDQEK2w";

TEST(BingxSigning, OfficialExampleQueryString) {
    EXPECT_EQ(hmac_sha256_hex(doc_secret, "symbol=BTC-USDT&timestamp=1667872120843&side=LONG&leverage=6"),
              "4f581ecdb1fa09b9d6e57886b6f70cffed17f82b93399722939e49a38edec2bf");
}

TEST(BingxSigning, OfficialExampleMixedQueryAndBodyJoinedWithoutAmpersand) {
    EXPECT_EQ(hmac_sha256_hex(doc_secret, "symbol=BTC-USDT&timestamp=1668159715051side=LONG&leverage=6"),
              "8b756b01e7a30f02e19c58a91ab01b29528694316b08a51ecb8dd072942bd47d");
}

TEST(BingxSigning, OutputIsLowercaseHexOf64Characters) {
    const std::string signature = hmac_sha256_hex("k", "");
    ASSERT_EQ(signature.size(), 64u);
    for (const char c : signature) EXPECT_TRUE((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')) << c;
    // RFC 4231 test case 2 pins the HMAC itself.
    EXPECT_EQ(hmac_sha256_hex("Jefe", "what do ya want for nothing?"),
              "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

TEST(BingxSigning, SignedQueryKeepsTheGivenOrderSignsRawValuesAndAppendsTheSignature) {
    const Params params{{"symbol", "BTC-USDT"}, {"timestamp", "1667872120843"}, {"side", "LONG"}, {"leverage", "6"}};
    EXPECT_EQ(raw_param_string(params), "symbol=BTC-USDT&timestamp=1667872120843&side=LONG&leverage=6");
    EXPECT_EQ(signed_query(params, doc_secret),
              "symbol=BTC-USDT&timestamp=1667872120843&side=LONG&leverage=6"
              "&signature=4f581ecdb1fa09b9d6e57886b6f70cffed17f82b93399722939e49a38edec2bf");
    // A value that needs encoding: signed raw, sent encoded.
    const Params json_value{{"batchOrders", R"([{"symbol":"BTC-USDT"}])"}, {"timestamp", "1"}};
    const std::string query = signed_query(json_value, "s");
    EXPECT_EQ(query.substr(0, query.find("&signature=")),
              "batchOrders=%5B%7B%22symbol%22%3A%22BTC-USDT%22%7D%5D&timestamp=1");
    EXPECT_EQ(query.substr(query.find("&signature=") + 11),
              hmac_sha256_hex("s", R"(batchOrders=[{"symbol":"BTC-USDT"}]&timestamp=1)"));
}

TEST(BingxSigning, UrlEncodingRoundTripsAndRefusesBrokenEscapes) {
    EXPECT_EQ(url_encode("a-Z_0.~"), "a-Z_0.~");
    EXPECT_EQ(url_encode("a b&c=d/é"), "a%20b%26c%3Dd%2F%C3%A9");
    EXPECT_EQ(url_decode("a%20b%26c%3Dd%2F%C3%A9").value(), "a b&c=d/é");
    EXPECT_EQ(url_decode("a+b").value(), "a b");
    EXPECT_FALSE(url_decode("%4").has_value());
    EXPECT_FALSE(url_decode("%zz").has_value());
    EXPECT_FALSE(url_decode("abc%").has_value());
}

TEST(BingxSigning, SignerUsesTheCredentialsSecret) {
    const Credentials credentials("doc-key", std::string(doc_secret));
    const Params params{{"symbol", "BTC-USDT"}, {"timestamp", "1667872120843"}, {"side", "LONG"}, {"leverage", "6"}};
    EXPECT_EQ(Signer(credentials).signed_query(params), signed_query(params, doc_secret));
}

TEST(BingxKeys, RedactedKeyShowsTheLastFourCharactersOnly) {
    const Credentials credentials("abcdefgh1234", "top-secret-value");
    EXPECT_EQ(credentials.redacted_key(), "…1234");
    EXPECT_EQ(Credentials().redacted_key(), "(none)");
    EXPECT_TRUE(Credentials("k", "").empty());
}

class EnvGuard {
public:
    EnvGuard() {
        for (const char* name : {"BINGX_API_KEY", "BINGX_API_SECRET"}) {
            const char* value = std::getenv(name);
            saved_.emplace_back(name, value ? std::optional<std::string>(value) : std::nullopt);
        }
    }
    ~EnvGuard() {
        for (const auto& [name, value] : saved_) {
            if (value) {
                setenv(name.c_str(), value->c_str(), 1);
            } else {
                unsetenv(name.c_str());
            }
        }
    }

private:
    std::vector<std::pair<std::string, std::optional<std::string>>> saved_;
};

TEST(BingxKeys, FromEnvNamesWhatIsMissingAndNeverAValue) {
    EnvGuard guard;
    unsetenv("BINGX_API_KEY");
    unsetenv("BINGX_API_SECRET");
    auto missing = credentials_from_env();
    EXPECT_FALSE(missing.ok());
    EXPECT_NE(missing.error().detail.find("BINGX_API_KEY"), std::string::npos);
    EXPECT_NE(missing.error().detail.find("BINGX_API_SECRET"), std::string::npos);

    setenv("BINGX_API_KEY", "env-key-value", 1);
    setenv("BINGX_API_SECRET", "", 1);
    missing = credentials_from_env();
    EXPECT_FALSE(missing.ok());
    EXPECT_EQ(missing.error().detail.find("BINGX_API_KEY"), std::string::npos) << missing.error().detail;
    EXPECT_NE(missing.error().detail.find("BINGX_API_SECRET"), std::string::npos);
    EXPECT_EQ(missing.error().detail.find("env-key-value"), std::string::npos);

    setenv("BINGX_API_SECRET", "env-secret-value", 1);
    const auto found = credentials_from_env();
    ASSERT_TRUE(found.ok()) << found.error().detail;
    EXPECT_EQ(found->api_key(), "env-key-value");
    EXPECT_EQ(found->redacted_key().find("env-key-value"), std::string::npos);
}

TEST(BingxKeys, NoDetailOrErrorTextCarriesTheSecret) {
    BingxConfig config;
    config.rest_url = "http://127.0.0.1:1"; // nothing listens on port 1
    config.ws_url = "ws://127.0.0.1:1/swap-market";
    config.credentials = Credentials("visible-key", "SECRET-must-not-leak");
    config.request_timeout_ms = 300;
    config.call_timeout_ms = 600;
    config.send_attempts_max = 1;
    BingxVenueAdapter adapter(config);
    const auto started = adapter.start();
    EXPECT_FALSE(started.ok());
    EXPECT_EQ(started.error().detail.find("SECRET"), std::string::npos) << started.error().detail;
    const auto positions = adapter.positions("BTCUSDT");
    EXPECT_EQ(positions.status, VenueCallStatus::UNAVAILABLE);
    EXPECT_EQ(positions.detail.find("SECRET"), std::string::npos) << positions.detail;
    try {
        config.rest_url = "https://open-api.bingx.com";
        BingxVenueAdapter live(config);
        ADD_FAILURE() << "a live host without allow_live must be refused";
    } catch (const std::invalid_argument& error) {
        EXPECT_EQ(std::string(error.what()).find("SECRET"), std::string::npos) << error.what();
    }
}

} // namespace
} // namespace dita::bingx
