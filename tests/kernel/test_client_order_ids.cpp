#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <cstdint>
#include <cstdio>
#include <string>

#include "kernel/harness.hpp"

namespace dita::test {
namespace {

// The rule, stated independently of the kernel's code: the intent id lower-cased after
// "<prefix>-" when every character is [a-z0-9_-] and it fits; otherwise "<prefix>-h" and the
// 64-bit FNV-1a (offset 0xcbf29ce484222325, prime 0x100000001b3) of the id's length as 8
// little-endian bytes followed by the id, in 16 hex digits.
std::string reference_order_id(const std::string& intent_id, std::size_t max_length, const std::string& prefix) {
    std::string lowered = prefix.empty() ? "" : prefix + "-";
    const std::size_t prefix_length = lowered.size();
    for (const char c : intent_id) lowered += (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
    bool safe = !intent_id.empty() && lowered.size() <= max_length;
    for (const char c : lowered) {
        safe = safe && ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_');
    }
    if (safe) return lowered;
    std::uint64_t hash = 0xcbf29ce484222325ULL;
    const auto add = [&hash](unsigned char byte) {
        hash ^= byte;
        hash *= 0x100000001b3ULL;
    };
    for (int i = 0; i < 8; ++i) add(static_cast<unsigned char>((intent_id.size() >> (8 * i)) & 0xff));
    for (const char c : intent_id) add(static_cast<unsigned char>(c));
    char hex[24];
    std::snprintf(hex, sizeof hex, "h%016llx", static_cast<unsigned long long>(hash));
    return lowered.substr(0, prefix_length) + hex;
}

TEST(ClientOrderIds, FollowTheRule) {
    Harness h;
    EXPECT_EQ(h.kernel.client_order_id_of("Entry-1_A"), "entry-1_a");
    EXPECT_EQ(h.kernel.client_order_id_of("a b"), reference_order_id("a b", 40, ""));
    EXPECT_EQ(h.kernel.client_order_id_of(std::string(40, 'x')), std::string(40, 'x'));
    EXPECT_EQ(h.kernel.client_order_id_of(std::string(41, 'x')), reference_order_id(std::string(41, 'x'), 40, ""));
    EXPECT_EQ(h.kernel.client_order_id_of("a b").size(), 17u);
}

// Random ids over an alphabet with every kind of character (upper case, the venue's own
// punctuation, what it refuses, bytes above 127) and lengths around the limit; with and
// without a prefix, whose '.' makes every id hashed.
RC_GTEST_PROP(ClientOrderIdsProperty, MatchTheReference, ()) {
    static const std::string alphabet = "aZz09_-. /\x01\xe9Q";
    const std::string prefix = *rc::gen::element<std::string>("", "acct1", "run.7");
    const auto length = *rc::gen::inRange<std::size_t>(0, 60);
    std::string intent_id;
    for (std::size_t i = 0; i < length; ++i) intent_id += alphabet[*rc::gen::inRange<std::size_t>(0, alphabet.size())];
    KernelConfig config{.max_slots = 2};
    config.client_order_id_prefix = prefix;
    VirtualClock clock;
    InMemoryControlPlane control;
    MockVenueAdapter venue(MockVenueScenario{}, &clock);
    InMemoryZincPlane zinc;
    ExecutionKernel kernel(config, control, venue, zinc, clock);
    RC_ASSERT(kernel.client_order_id_of(intent_id) == reference_order_id(intent_id, config.client_order_id_max, prefix));
}

} // namespace
} // namespace dita::test
