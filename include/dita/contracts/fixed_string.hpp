#pragma once
// Inline, fixed-capacity string for identifiers: no heap allocation on the hot path.
#include <algorithm>
#include <array>
#include <compare>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

namespace dita {

// The end of a hash table's key hash (the second half of MurmurHash3's 64-bit finalizer): a
// multiply carries a difference only upwards, and this brings it down into the low bits a table
// indexes by, so keys that differ in a few bits still land far apart. The caller multiplies
// first (0xff51afd7ed558ccd, the finalizer's first half).
constexpr std::uint64_t spread_bits(std::uint64_t x) {
    x ^= x >> 33;
    x *= 0xc4ceb9fe1a85ec53ULL;
    return x ^ (x >> 33);
}

template <std::size_t Capacity>
class FixedString {
public:
    static constexpr std::size_t capacity = Capacity;

    constexpr FixedString() = default;
    // Callers validate length first (fits()); text beyond capacity is a programming error
    // that truncates rather than overflows.
    FixedString(std::string_view text) { assign(text); } // NOLINT: implicit by design
    FixedString(const char* text) : FixedString(std::string_view(text)) {}
    FixedString(const std::string& text) : FixedString(std::string_view(text)) {}

    static constexpr bool fits(std::string_view text) { return text.size() <= Capacity; }

    void assign(std::string_view text) {
        size_ = static_cast<unsigned char>(std::min(text.size(), Capacity));
        // Zero padding keeps comparisons on the first eight bytes lexicographic. All of it is
        // cleared first: a fixed size is a few stores, a variable one a call.
        data_.fill(0);
        // An empty view may hold no pointer at all, and memcpy from null is undefined even
        // for no bytes (UBSan stops there).
        if (size_ != 0) std::memcpy(data_.data(), text.data(), size_);
    }
    std::string_view view() const { return {data_.data(), size_}; }
    std::string str() const { return std::string(view()); }
    bool empty() const { return size_ == 0; }
    std::size_t size() const { return size_; }
    operator std::string_view() const { return view(); } // NOLINT

    // For hash tables: mixes the words the text occupies (the padding is zero, so equal texts
    // hash equal); not stable across versions, never stored.
    std::uint64_t hash() const {
        std::uint64_t out = 0x9e3779b97f4a7c15ULL ^ size_;
        const std::size_t used = (static_cast<std::size_t>(size_) + 7) / 8;
        for (std::size_t i = 0; i < used; ++i) {
            out = (out ^ word(i)) * 0xff51afd7ed558ccdULL;
            out ^= out >> 32;
        }
        // Without spread_bits, ids that differ in a word's high bytes alone ("open-101",
        // "open-102") would share their low bits and pile into one probe run.
        return spread_bits(out);
    }

    // Ids are map keys on the hot path: compared as big-endian 64-bit words of the zero-padded
    // text, then by size. That is the texts' lexicographic order: where one text is a prefix of
    // the other, the longer one's next bytes meet the padding's zeros (a zero byte ties, and the
    // size then puts the shorter first).
    friend bool operator==(const FixedString& a, const FixedString& b) {
        if (a.size_ != b.size_) return false;
        std::uint64_t differ = 0;
        for (std::size_t i = 0; i < words; ++i) differ |= a.word(i) ^ b.word(i);
        return differ == 0;
    }
    friend std::strong_ordering operator<=>(const FixedString& a, const FixedString& b) {
        for (std::size_t i = 0; i < words; ++i) {
            const std::uint64_t wa = a.word(i);
            const std::uint64_t wb = b.word(i);
            if (wa != wb) return __builtin_bswap64(wa) <=> __builtin_bswap64(wb);
        }
        return a.size_ <=> b.size_;
    }

private:
    static_assert(Capacity < 256);
    static constexpr std::size_t words = (Capacity + 7) / 8;
    // The i-th eight bytes of the text (zero-padded past Capacity).
    std::uint64_t word(std::size_t i) const {
        std::uint64_t out = 0;
        const std::size_t from = i * 8;
        if (from + 8 <= Capacity) {
            std::memcpy(&out, data_.data() + from, 8);
        } else {
            std::memcpy(&out, data_.data() + from, Capacity - from);
        }
        return out;
    }
    std::array<char, Capacity> data_{};
    unsigned char size_ = 0;
};

using Id = FixedString<48>;
using AssetName = FixedString<23>;

} // namespace dita
