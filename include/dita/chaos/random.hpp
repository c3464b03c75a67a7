#pragma once
// Orderings for the chaos layer, drawn from dita::Rng (xoshiro256** seeded through splitmix64,
// with its own Fisher-Yates): a seed gives the same orders on every platform and standard
// library, unlike std::shuffle, whose use of the generator is implementation-defined.
#include <cstdint>
#include <vector>

#include "dita/contracts/rng.hpp"

namespace dita::chaos {

// 0, 1, ..., n-1 in a seeded random order.
std::vector<std::size_t> shuffled_indices(std::size_t n, std::uint64_t seed);

// A generator for one of many independent streams (e.g. one per event batch) from one seed.
Rng stream_rng(std::uint64_t seed, std::uint64_t stream);

// n! when it does not exceed `cap`, otherwise cap + 1 (enough to tell "too many").
std::uint64_t factorial_capped(std::size_t n, std::uint64_t cap);

// The index-th permutation of 0..n-1 in lexicographic order (factorial number system);
// index must be below n!.
std::vector<std::size_t> nth_permutation(std::size_t n, std::uint64_t index);

} // namespace dita::chaos
