#pragma once
// Seeded randomness the chaos layer owns, so a seed gives the same orderings on every
// platform and standard library: splitmix64 to expand the seed, xoshiro256** to draw,
// unbiased bounded draws, and our own Fisher-Yates (std::shuffle's use of the generator is
// implementation-defined, so it is not used).
#include <cstdint>
#include <span>
#include <utility>
#include <vector>

namespace dita::chaos {

class SplitMix64 {
public:
    explicit SplitMix64(std::uint64_t seed) : state_(seed) {}
    std::uint64_t next() {
        std::uint64_t z = (state_ += 0x9e3779b97f4a7c15ULL);
        z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
        z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
        return z ^ (z >> 31);
    }

private:
    std::uint64_t state_;
};

class Xoshiro256 {
public:
    explicit Xoshiro256(std::uint64_t seed) {
        SplitMix64 expand(seed);
        for (std::uint64_t& word : state_) word = expand.next();
    }

    std::uint64_t next() {
        const std::uint64_t result = rotl(state_[1] * 5, 7) * 9;
        const std::uint64_t t = state_[1] << 17;
        state_[2] ^= state_[0];
        state_[3] ^= state_[1];
        state_[1] ^= state_[2];
        state_[0] ^= state_[3];
        state_[2] ^= t;
        state_[3] = rotl(state_[3], 45);
        return result;
    }

    // Uniform in [0, bound); bound 0 gives 0. Rejecting the 2^64 mod bound lowest draws makes
    // the modulo unbiased (the arc4random_uniform method), in plain 64-bit arithmetic.
    std::uint64_t below(std::uint64_t bound) {
        if (bound == 0) return 0;
        const std::uint64_t threshold = (0 - bound) % bound;
        for (;;) {
            const std::uint64_t draw = next();
            if (draw >= threshold) return draw % bound;
        }
    }

private:
    static std::uint64_t rotl(std::uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
    std::uint64_t state_[4];
};

// Fisher-Yates, from the back.
template <typename T>
void shuffle_in_place(std::span<T> items, Xoshiro256& rng) {
    for (std::size_t i = items.size(); i > 1; --i) {
        const auto j = static_cast<std::size_t>(rng.below(i));
        std::swap(items[i - 1], items[j]);
    }
}

// 0, 1, ..., n-1 in a seeded random order.
std::vector<std::size_t> shuffled_indices(std::size_t n, std::uint64_t seed);

// n! when it does not exceed `cap`, otherwise cap + 1 (enough to tell "too many").
std::uint64_t factorial_capped(std::size_t n, std::uint64_t cap);

// The index-th permutation of 0..n-1 in lexicographic order (factorial number system);
// index must be below n!.
std::vector<std::size_t> nth_permutation(std::size_t n, std::uint64_t index);

} // namespace dita::chaos
