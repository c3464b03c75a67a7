#include "dita/chaos/random.hpp"

#include <numeric>

#include "dita/contracts/assert.hpp"

namespace dita::chaos {

std::vector<std::size_t> shuffled_indices(std::size_t n, std::uint64_t seed) {
    std::vector<std::size_t> out(n);
    std::iota(out.begin(), out.end(), std::size_t{0});
    Rng rng(seed);
    rng.shuffle(out);
    return out;
}

Rng stream_rng(std::uint64_t seed, std::uint64_t stream) {
    std::uint64_t mixed = seed ^ (0x9e3779b97f4a7c15ULL * (stream + 1));
    return Rng(Rng::splitmix64(mixed));
}

std::uint64_t factorial_capped(std::size_t n, std::uint64_t cap) {
    std::uint64_t out = 1;
    for (std::size_t k = 2; k <= n; ++k) {
        if (out > cap / k) return cap + 1;
        out *= k;
    }
    return out;
}

std::vector<std::size_t> nth_permutation(std::size_t n, std::uint64_t index) {
    // 20! is the largest factorial in 64 bits; longer permutations are never enumerated.
    DITA_ASSERT(n <= 20);
    std::vector<std::size_t> pool(n);
    std::iota(pool.begin(), pool.end(), std::size_t{0});
    std::vector<std::uint64_t> radix(n, 1);
    for (std::size_t k = 1; k < n; ++k) radix[n - 1 - k] = radix[n - k] * k; // (n-1-p)! per position p
    std::vector<std::size_t> out;
    out.reserve(n);
    for (std::size_t position = 0; position < n; ++position) {
        const std::uint64_t block = radix[position];
        const auto pick = static_cast<std::size_t>(index / block);
        index %= block;
        DITA_ASSERT(pick < pool.size());
        out.push_back(pool[pick]);
        pool.erase(pool.begin() + static_cast<std::ptrdiff_t>(pick));
    }
    return out;
}

} // namespace dita::chaos
