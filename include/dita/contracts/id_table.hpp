#pragma once
// A table keyed by ids (FixedString) for the hot paths' order books: a lookup hashes the id
// once, where a std::map compares 48-byte keys ~log2(n) times. Entries never move once
// inserted, so a reference stays valid until that entry is erased (as with std::map), and the
// table allocates only when it grows past the largest size it has had (reserve() at start-up).
// There is deliberately no begin()/end() walk: where entries sit depends on the ids' hashes,
// so a caller that walks the table (visit_unordered) must sort what it collects before the
// order can reach an output.
#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <utility>
#include <vector>

#include "dita/contracts/assert.hpp"

namespace dita {

template <typename Key, typename Value>
class IdTable {
public:
    using value_type = std::pair<const Key, Value>;

    // What find() gives: the entry or nothing; compares equal to end() when nothing.
    template <typename Pointee>
    class basic_iterator {
    public:
        basic_iterator() = default;
        explicit basic_iterator(Pointee* item) : item_(item) {}
        Pointee& operator*() const { return *item_; }
        Pointee* operator->() const { return item_; }
        friend bool operator==(basic_iterator a, basic_iterator b) { return a.item_ == b.item_; }

    private:
        Pointee* item_ = nullptr;
    };
    using iterator = basic_iterator<value_type>;
    using const_iterator = basic_iterator<const value_type>;

    // Allocates nothing until the first entry: tables of short-lived kernels (a replay) stay cheap.
    IdTable() = default;

    std::size_t size() const { return size_; }
    iterator end() { return iterator(); }
    const_iterator end() const { return const_iterator(); }

    iterator find(const Key& key) {
        if (size_ == 0) return iterator();
        const std::size_t at = bucket_of(key);
        return index_[at] == empty ? iterator() : iterator(&*item(index_[at]));
    }
    const_iterator find(const Key& key) const {
        if (size_ == 0) return const_iterator();
        const std::size_t at = bucket_of(key);
        return index_[at] == empty ? const_iterator() : const_iterator(&*item(index_[at]));
    }
    bool contains(const Key& key) const { return size_ != 0 && index_[bucket_of(key)] != empty; }
    // The entry must exist (std::map's at() would throw; here it is an assertion).
    Value& at(const Key& key) {
        const iterator found = find(key);
        DITA_ASSERT(found != end());
        return found->second;
    }
    const Value& at(const Key& key) const {
        const const_iterator found = find(key);
        DITA_ASSERT(found != end());
        return found->second;
    }

    iterator insert_or_assign(const Key& key, const Value& value) {
        std::size_t at = index_.empty() ? 0 : bucket_of(key);
        if (!index_.empty() && index_[at] != empty) {
            value_type& found = *item(index_[at]);
            found.second = value;
            return iterator(&found);
        }
        // A new entry: the index grows first (an assignment never makes it grow). At most a
        // quarter full: a lookup then probes ~1.2 buckets on a hit and ~1.4 on a miss, the same
        // with 2 orders or thousands (half full, a miss probed 2.5). A bucket is 4 bytes.
        if (4 * (size_ + 1) > index_.size()) {
            rehash(index_.empty() ? 16 : 2 * index_.size());
            at = bucket_of(key);
        }
        std::uint32_t place = 0;
        if (!free_.empty()) {
            place = free_.back();
            free_.pop_back();
        } else {
            DITA_ASSERT(places_ < UINT32_MAX);
            place = static_cast<std::uint32_t>(places_++);
            if (place % chunk_size == 0) chunks_.push_back(std::make_unique<Chunk>());
        }
        item(place).emplace(key, value);
        index_[at] = place;
        ++size_;
        return iterator(&*item(place));
    }

    std::size_t erase(const Key& key) {
        if (size_ == 0) return 0;
        const std::size_t at = bucket_of(key);
        if (index_[at] == empty) return 0;
        erase_bucket(at);
        return 1;
    }
    void erase(iterator found) {
        DITA_ASSERT(found != end());
        // The entry's own bucket, found by address: no key comparisons on the way.
        const std::size_t mask = index_.size() - 1;
        std::size_t at = found->first.hash() & mask;
        for (;; at = (at + 1) & mask) {
            DITA_ASSERT(index_[at] != empty); // the entry is in the table, so its run reaches it
            if (&*item(index_[at]) == &*found) break;
        }
        erase_bucket(at);
    }

    // Every entry once, in an order that depends on the keys' hashes: sort what you collect.
    template <typename Visit>
    void visit_unordered(Visit&& visit) const {
        for (std::size_t place = 0; place < places_; ++place) {
            const std::optional<value_type>& entry = item(place);
            if (entry) visit(entry->first, entry->second);
        }
    }
    template <typename Visit>
    void visit_unordered(Visit&& visit) {
        for (std::size_t place = 0; place < places_; ++place) {
            std::optional<value_type>& entry = item(place);
            if (entry) visit(entry->first, entry->second);
        }
    }
    // The entries in key order (a std::map's order): for cold paths (hashes, listings).
    std::vector<const value_type*> sorted() const {
        std::vector<const value_type*> out;
        out.reserve(size_);
        for (std::size_t place = 0; place < places_; ++place) {
            if (item(place)) out.push_back(&*item(place));
        }
        std::sort(out.begin(), out.end(), [](const value_type* a, const value_type* b) { return a->first < b->first; });
        return out;
    }

    void clear() {
        chunks_.clear();
        places_ = 0;
        free_.clear();
        std::fill(index_.begin(), index_.end(), empty);
        size_ = 0;
    }

private:
    static constexpr std::uint32_t empty = UINT32_MAX;

    void erase_bucket(std::size_t at) {
        const std::uint32_t place = index_[at];
        item(place).reset();
        free_.push_back(place);
        --size_;
        // Backward-shift deletion: later entries of the probe run move up, so no tombstones.
        const std::size_t mask = index_.size() - 1;
        std::size_t next = (at + 1) & mask;
        while (index_[next] != empty) {
            const std::size_t home = item(index_[next])->first.hash() & mask;
            // `next` may fill the hole at `at` unless its home lies cyclically in (at, next].
            const bool stays = at <= next ? (at < home && home <= next) : (at < home || home <= next);
            if (!stays) {
                index_[at] = index_[next];
                at = next;
            }
            next = (next + 1) & mask;
        }
        index_[at] = empty;
    }

    // The bucket holding `key`, or the empty bucket where it would go (linear probing; the
    // index is at most half full, so a run ends).
    std::size_t bucket_of(const Key& key) const {
        const std::size_t mask = index_.size() - 1;
        std::size_t at = key.hash() & mask;
        while (index_[at] != empty && item(index_[at])->first != key) at = (at + 1) & mask;
        return at;
    }
    void rehash(std::size_t buckets) {
        DITA_ASSERT((buckets & (buckets - 1)) == 0 && buckets < UINT32_MAX);
        index_.assign(buckets, empty);
        const std::size_t mask = buckets - 1;
        for (std::size_t place = 0; place < places_; ++place) {
            if (!item(place)) continue;
            std::size_t at = item(place)->first.hash() & mask;
            while (index_[at] != empty) at = (at + 1) & mask;
            index_[at] = static_cast<std::uint32_t>(place);
        }
    }

    // Entries live in fixed chunks, so they never move; erased places are reused.
    static constexpr std::size_t chunk_size = 16;
    using Chunk = std::array<std::optional<value_type>, chunk_size>;
    std::optional<value_type>& item(std::size_t place) { return (*chunks_[place / chunk_size])[place % chunk_size]; }
    const std::optional<value_type>& item(std::size_t place) const {
        return (*chunks_[place / chunk_size])[place % chunk_size];
    }

    std::vector<std::unique_ptr<Chunk>> chunks_;
    std::size_t places_ = 0; // places used so far (live or free)
    std::vector<std::uint32_t> free_;
    std::vector<std::uint32_t> index_; // slab places, `empty` where none; a power of two
    std::size_t size_ = 0;
};

} // namespace dita
