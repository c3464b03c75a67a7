#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <numeric>
#include <vector>

#include "dita/contracts/rng.hpp"

namespace dita {
namespace {

TEST(Rng, SameSeedSameStreamDifferentSeedDifferentStream) {
    Rng a(42);
    Rng b(42);
    Rng c(43);
    bool differs = false;
    for (int i = 0; i < 100; ++i) {
        const auto x = a.next();
        EXPECT_EQ(x, b.next());
        differs |= x != c.next();
    }
    EXPECT_TRUE(differs);
}

TEST(Rng, KnownFirstValuesPinTheAlgorithm) {
    // Pinned so that a seed reproduces the same campaign on every platform and release.
    Rng rng(0);
    const std::uint64_t first = rng.next();
    Rng again(0);
    EXPECT_EQ(again.next(), first);
    EXPECT_EQ(first, 0x99ec5f36cb75f2b4ULL);
}

TEST(Rng, BelowStaysInRangeAndCoversIt) {
    Rng rng(7);
    std::array<int, 6> seen{};
    for (int i = 0; i < 6000; ++i) {
        const auto v = rng.below(6);
        ASSERT_LT(v, 6u);
        ++seen[v];
    }
    for (const int count : seen) EXPECT_GT(count, 800);
    EXPECT_EQ(rng.between(5, 5), 5);
}

TEST(Rng, ShuffleIsAPermutationAndSeeded) {
    std::vector<int> a(50);
    std::iota(a.begin(), a.end(), 0);
    std::vector<int> b = a;
    Rng(9).shuffle(a);
    Rng(9).shuffle(b);
    EXPECT_EQ(a, b);
    std::vector<int> sorted = a;
    std::sort(sorted.begin(), sorted.end());
    std::vector<int> expected(50);
    std::iota(expected.begin(), expected.end(), 0);
    EXPECT_EQ(sorted, expected);
    EXPECT_NE(a, expected);
}

} // namespace
} // namespace dita
