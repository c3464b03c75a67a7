#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <algorithm>
#include <deque>
#include <string>
#include <vector>

#include "dita/contracts/ring.hpp"

namespace dita {
namespace {

std::vector<std::string> contents(const Ring<std::string>& ring) { return {ring.begin(), ring.end()}; }

// Random pushes, pops, filtered erases, clears and swaps: the ring holds what a std::deque
// given the same operations holds, in the same order, through every growth and wrap-around.
RC_GTEST_PROP(RingProperty, BehavesAsADeque, ()) {
    Ring<std::string> ring;
    Ring<std::string> other;
    std::deque<std::string> model;
    std::deque<std::string> other_model;
    const auto steps = *rc::gen::inRange(1, 300);
    for (int step = 0; step < steps; ++step) {
        const int op = *rc::gen::inRange(0, 20);
        if (op < 11) {
            const std::string item = "item-" + std::to_string(step) + std::string(static_cast<std::size_t>(step % 40), 'x');
            ring.push_back(item);
            model.push_back(item);
        } else if (op < 17) {
            if (model.empty()) continue;
            RC_ASSERT(ring.front() == model.front());
            ring.pop_front();
            model.pop_front();
        } else if (op == 17) {
            const std::size_t digit = static_cast<std::size_t>(*rc::gen::inRange(0, 10));
            const auto drop = [&](const std::string& s) { return s.size() % 10 == digit; };
            const std::size_t dropped = ring.erase_if(drop);
            RC_ASSERT(dropped == static_cast<std::size_t>(std::erase_if(model, drop)));
        } else if (op == 18) {
            ring.clear();
            model.clear();
        } else {
            ring.swap(other);
            model.swap(other_model);
        }
        RC_ASSERT(ring.size() == model.size());
        RC_ASSERT(ring.empty() == model.empty());
        RC_ASSERT(contents(ring) == std::vector<std::string>(model.begin(), model.end()));
        if (!model.empty()) RC_ASSERT(ring.back() == model.back());
    }
}

TEST(Ring, StartsEmptyAndKeepsItsRoomWhenCleared) {
    Ring<int> ring;
    EXPECT_TRUE(ring.empty());
    EXPECT_EQ(ring.begin(), ring.end());
    for (int i = 0; i < 20; ++i) ring.push_back(i);
    const int* first = &ring.front();
    ring.clear();
    ring.push_back(7);
    EXPECT_EQ(&ring.front(), first); // the same room, from its start
    EXPECT_EQ(ring.front(), 7);
    EXPECT_EQ(std::find(ring.begin(), ring.end(), 7), ring.begin());
}

} // namespace
} // namespace dita
