#pragma once
// A diagnostic's text for people, formatted only when someone reads it (CLI, Python, JSON,
// journal export). The kernel says something about every input; most of it is never read, so
// the hot paths keep the pieces (literals, numbers, ids) and the text is built from them on
// demand: the same text, character for character, as concatenating the pieces at once.
// Rare paths still hand over a finished std::string.
#include <array>
#include <cstdint>
#include <iosfwd>
#include <string>
#include <string_view>
#include <type_traits>

#include "dita/contracts/assert.hpp"
#include "dita/contracts/decimal.hpp"
#include "dita/contracts/enums.hpp"
#include "dita/contracts/fixed_string.hpp"

namespace dita {

class DetailText {
public:
    static constexpr std::size_t pieces_max = 12;
    static constexpr std::size_t ids_max = 2;

    DetailText() = default;
    DetailText(std::string text) : owned_(std::move(text)) {} // NOLINT: implicit by design
    // A string literal: static storage, kept as a pointer.
    template <std::size_t N>
    DetailText(const char (&text)[N]) { // NOLINT: implicit by design
        if constexpr (N - 1 <= UINT16_MAX) {
            add_static(std::string_view(text, N - 1));
        } else {
            owned_.assign(text, N - 1);
        }
    }

    // The text that concatenating `pieces` would give; only literals, enums (their static
    // names), integers, Decimals, Ids and asset names: nothing that could dangle.
    template <typename... Pieces>
    static DetailText of(const Pieces&... pieces) {
        DetailText out;
        out.assign(pieces...);
        return out;
    }
    // The same, in place: a text that is replaced often (an input's newest progress note)
    // is rewritten where it lives instead of built aside and copied in.
    template <typename... Pieces>
    void assign(const Pieces&... pieces) {
        static_assert(sizeof...(Pieces) <= pieces_max);
        static_assert((0 + ... + std::is_same_v<Pieces, Id>) <= ids_max);
        static_assert((0 + ... + std::is_same_v<Pieces, AssetName>) <= 1);
        owned_.clear();
        count_ = 0;
        id_count_ = 0;
        (add(pieces), ...);
    }

    std::string str() const;
    void append_to(std::string& out) const;
    bool empty() const;
    operator std::string() const { return str(); } // NOLINT: readers take it as text

    std::size_t find(std::string_view needle, std::size_t from = 0) const { return str().find(needle, from); }
    friend bool operator==(const DetailText& a, const DetailText& b) { return a.str() == b.str(); }
    friend bool operator==(const DetailText& a, std::string_view b) { return a.str() == b; }
    friend bool operator==(const DetailText& a, const std::string& b) { return a.str() == b; }
    friend bool operator==(const DetailText& a, const char* b) { return a.str() == b; }
    friend std::string operator+(std::string a, const DetailText& b) {
        b.append_to(a);
        return a;
    }
    friend std::string operator+(const char* a, const DetailText& b) { return std::string(a) + b; }
    friend std::string operator+(const DetailText& a, std::string_view b) { return a.str().append(b); }
    friend std::ostream& operator<<(std::ostream& out, const DetailText& text);

private:
    enum class Tag : std::uint8_t { TEXT, DECIMAL, INT, UINT, ID, ASSET };
    union Value {
        const char* text;
        std::int64_t number; // ID: the index in ids_
    };

    [[gnu::always_inline]] void add_static(std::string_view text) {
        DITA_ASSERT(text.size() <= UINT16_MAX); // literals and enum names
        tags_[count_] = Tag::TEXT;
        sizes_[count_] = static_cast<std::uint16_t>(text.size());
        values_[count_++].text = text.data();
    }
    template <std::size_t N>
    void add(const char (&text)[N]) {
        static_assert(N - 1 <= UINT16_MAX);
        add_static(std::string_view(text, N - 1));
    }
    void add(Decimal value) { add_number(Tag::DECIMAL, value.raw()); }
    template <typename E>
        requires std::is_enum_v<E>
    void add(E value) {
        add_static(to_string(value));
    }
    template <typename I>
        requires std::is_integral_v<I>
    void add(I value) {
        if constexpr (std::is_signed_v<I>) {
            add_number(Tag::INT, static_cast<std::int64_t>(value));
        } else {
            add_number(Tag::UINT, static_cast<std::int64_t>(value));
        }
    }
    void add(const Id& id) {
        ids_[id_count_] = id;
        add_number(Tag::ID, id_count_++);
    }
    void add(const AssetName& asset) {
        asset_ = asset;
        add_number(Tag::ASSET, 0);
    }
    [[gnu::always_inline]] void add_number(Tag tag, std::int64_t number) {
        tags_[count_] = tag;
        values_[count_++].number = number;
    }

    std::string owned_; // the text itself, when it came finished (count_ == 0)
    std::array<Value, pieces_max> values_{};
    std::array<std::uint16_t, pieces_max> sizes_{};
    std::array<Tag, pieces_max> tags_{};
    std::uint8_t count_ = 0;
    std::uint8_t id_count_ = 0;
    std::array<Id, ids_max> ids_{};
    AssetName asset_;
};

} // namespace dita
