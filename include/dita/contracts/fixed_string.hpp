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
        std::memcpy(data_.data(), text.data(), size_);
        // Zero padding keeps comparisons on the first eight bytes lexicographic.
        std::memset(data_.data() + size_, 0, Capacity - size_);
    }
    std::string_view view() const { return {data_.data(), size_}; }
    std::string str() const { return std::string(view()); }
    bool empty() const { return size_ == 0; }
    std::size_t size() const { return size_; }
    operator std::string_view() const { return view(); } // NOLINT

    friend bool operator==(const FixedString& a, const FixedString& b) { return a.view() == b.view(); }
    // Ids are map keys on the hot path: most differ within their first eight bytes, which
    // compare as one big-endian integer before any byte-wise comparison.
    friend std::strong_ordering operator<=>(const FixedString& a, const FixedString& b) {
        if constexpr (Capacity >= 8) {
            const std::uint64_t pa = a.prefix();
            const std::uint64_t pb = b.prefix();
            if (pa != pb) return pa <=> pb;
        }
        return a.view() <=> b.view();
    }

private:
    static_assert(Capacity < 256);
    std::uint64_t prefix() const {
        std::uint64_t word = 0;
        std::memcpy(&word, data_.data(), sizeof word);
        return __builtin_bswap64(word);
    }
    std::array<char, Capacity> data_{};
    unsigned char size_ = 0;
};

using Id = FixedString<48>;
using AssetName = FixedString<23>;

} // namespace dita
