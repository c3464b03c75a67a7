#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <cstdint>
#include <map>
#include <set>
#include <string>

#include "dita/contracts/fixed_string.hpp"
#include "dita/contracts/id_table.hpp"

namespace dita {
namespace {

// Random inserts, overwrites and erases on a small key space (so probe runs collide and
// erases shift them): the table answers every lookup as a std::map does, lists the same
// entries in the same order, and an entry's address holds while it lives.
RC_GTEST_PROP(IdTableProperty, BehavesAsAnOrderedMap, ()) {
    IdTable<Id, int> table;
    std::map<Id, int> model;
    std::map<Id, const int*> addresses;
    const auto steps = *rc::gen::inRange(1, 400);
    for (int step = 0; step < steps; ++step) {
        const Id key("order-" + std::to_string(*rc::gen::inRange(0, 60)));
        if (*rc::gen::inRange(0, 3) == 0) {
            RC_ASSERT(table.erase(key) == model.erase(key));
            addresses.erase(key);
        } else {
            const bool fresh = !model.contains(key);
            table.insert_or_assign(key, step);
            model.insert_or_assign(key, step);
            if (fresh) addresses[key] = &table.at(key);
        }
        RC_ASSERT(table.size() == model.size());
    }
    for (int probe = 0; probe <= 60; ++probe) {
        const Id key("order-" + std::to_string(probe));
        const auto found = table.find(key);
        RC_ASSERT(table.contains(key) == model.contains(key));
        RC_ASSERT((found != table.end()) == model.contains(key));
        if (found != table.end()) {
            RC_ASSERT(found->first == key);
            RC_ASSERT(found->second == model.at(key));
            RC_ASSERT(&found->second == addresses.at(key));
        }
    }
    const auto sorted = table.sorted();
    RC_ASSERT(sorted.size() == model.size());
    auto expected = model.begin();
    for (const auto* entry : sorted) {
        RC_ASSERT(entry->first == expected->first);
        RC_ASSERT(entry->second == expected->second);
        ++expected;
    }
}

TEST(IdTable, EmptyTableFindsNothingAndAllocatesOnFirstEntry) {
    IdTable<Id, int> table;
    EXPECT_EQ(table.find(Id("a")), table.end());
    EXPECT_FALSE(table.contains(Id("a")));
    EXPECT_EQ(table.erase(Id("a")), 0u);
    EXPECT_TRUE(table.sorted().empty());
    table.insert_or_assign(Id("a"), 1);
    EXPECT_EQ(table.at(Id("a")), 1);
    table.insert_or_assign(Id("a"), 2);
    EXPECT_EQ(table.size(), 1u);
    EXPECT_EQ(table.at(Id("a")), 2);
    table.clear();
    EXPECT_EQ(table.size(), 0u);
    EXPECT_FALSE(table.contains(Id("a")));
}

TEST(IdTable, EqualTextsHashEqualAndPaddingDoesNotLeak) {
    // Ids of different lengths sharing a prefix, including one that ends in the bytes the
    // padding holds for the shorter: distinct keys, each found.
    IdTable<Id, int> table;
    const std::string with_nul("ab\0", 3);
    table.insert_or_assign(Id("ab"), 1);
    table.insert_or_assign(Id(std::string_view(with_nul)), 2);
    table.insert_or_assign(Id("abcdefgh"), 3);
    table.insert_or_assign(Id("abcdefghi"), 4);
    EXPECT_EQ(table.at(Id("ab")), 1);
    EXPECT_EQ(table.at(Id(std::string_view(with_nul))), 2);
    EXPECT_EQ(table.at(Id("abcdefgh")), 3);
    EXPECT_EQ(table.at(Id("abcdefghi")), 4);
    EXPECT_EQ(Id("abc").hash(), Id(std::string("abc")).hash());
}

TEST(IdTable, SimilarIdsSpreadOverTheLowBits) {
    // A table indexes by a hash's low bits. Ids that differ only in a word's high bytes (the
    // digits of "open-101", bytes 5-7 of the first word) once all shared their low 8 bits, and
    // piled into a few long probe runs: a lifecycle beside 1,024 open slots cost 1.46x. Each
    // family here must reach nearly as many of 4,096 buckets as it has members.
    const auto distinct_low_bits = [](const std::string& prefix, int count) {
        std::set<std::uint64_t> seen;
        for (int i = 0; i < count; ++i) seen.insert(Id(prefix + std::to_string(i)).hash() & 4095);
        return seen.size();
    };
    // 1,000 keys in 4,096 buckets: about 890 distinct expected from a uniform hash.
    EXPECT_GT(distinct_low_bits("open-", 1000), 800U);  // digits in bytes 5-7 (and 8)
    EXPECT_GT(distinct_low_bits("e", 1000), 800U);      // digits in bytes 1-3
    EXPECT_GT(distinct_low_bits("abcdefgh", 1000), 800U); // digits in the second word only
}

} // namespace
} // namespace dita
