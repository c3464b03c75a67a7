#pragma once
// A FIFO queue in one array that keeps its room: for the bounded histories the hot paths keep
// (retired orders, venue-move ledgers, unmatched events), pushed at the back and trimmed at
// the front. std::deque allocates its map and a first block when constructed and a block every
// few pushes as the queue walks through memory; a short-lived kernel (a replay, a restart) pays
// for that every time. This allocates nothing until the first push and nothing once its room
// has grown to the queue's bound.
#include <cstddef>
#include <iterator>
#include <utility>
#include <vector>

#include "dita/contracts/assert.hpp"

namespace dita {

template <typename T>
class Ring {
public:
    class const_iterator {
    public:
        using iterator_category = std::forward_iterator_tag;
        using value_type = T;
        using difference_type = std::ptrdiff_t;
        using pointer = const T*;
        using reference = const T&;

        const_iterator() = default;
        const_iterator(const Ring* ring, std::size_t index) : ring_(ring), index_(index) {}
        reference operator*() const { return (*ring_)[index_]; }
        pointer operator->() const { return &(*ring_)[index_]; }
        const_iterator& operator++() {
            ++index_;
            return *this;
        }
        const_iterator operator++(int) {
            const_iterator before = *this;
            ++index_;
            return before;
        }
        friend bool operator==(const const_iterator& a, const const_iterator& b) { return a.index_ == b.index_; }

    private:
        const Ring* ring_ = nullptr;
        std::size_t index_ = 0;
    };

    bool empty() const { return size_ == 0; }
    std::size_t size() const { return size_; }
    const T& operator[](std::size_t index) const {
        DITA_ASSERT(index < size_);
        return items_[(head_ + index) & (items_.size() - 1)];
    }
    const T& front() const { return (*this)[0]; }
    const T& back() const { return (*this)[size_ - 1]; }
    const_iterator begin() const { return const_iterator(this, 0); }
    const_iterator end() const { return const_iterator(this, size_); }

    void push_back(const T& item) {
        if (size_ == items_.size()) grow();
        items_[(head_ + size_) & (items_.size() - 1)] = item;
        ++size_;
    }
    void pop_front() {
        DITA_ASSERT(size_ > 0);
        items_[head_] = T{}; // what the entry held is released now, not when its place is reused
        head_ = (head_ + 1) & (items_.size() - 1);
        --size_;
    }
    // Drops the entries `drop` picks; the rest keep their order. Returns how many went.
    template <typename Predicate>
    std::size_t erase_if(Predicate drop) {
        std::size_t kept = 0;
        for (std::size_t i = 0; i < size_; ++i) {
            T& item = items_[(head_ + i) & (items_.size() - 1)];
            if (drop(std::as_const(item))) continue;
            if (kept != i) items_[(head_ + kept) & (items_.size() - 1)] = std::move(item);
            ++kept;
        }
        const std::size_t dropped = size_ - kept;
        for (std::size_t i = kept; i < size_; ++i) items_[(head_ + i) & (items_.size() - 1)] = T{};
        size_ = kept;
        return dropped;
    }
    // Empty, keeping the room.
    void clear() {
        while (size_ > 0) pop_front();
        head_ = 0;
    }
    void swap(Ring& other) noexcept {
        items_.swap(other.items_);
        std::swap(head_, other.head_);
        std::swap(size_, other.size_);
    }

private:
    void grow() {
        // Room in powers of two, so a place is an index masked, not divided. The entries are
        // moved into the new room before the rest of it is filled, so only the new half is
        // written twice (blank, then pushed), not all of it.
        const std::size_t places = items_.empty() ? 8 : 2 * items_.size();
        std::vector<T> room;
        room.reserve(places);
        for (std::size_t i = 0; i < size_; ++i) room.push_back(std::move(items_[(head_ + i) & (items_.size() - 1)]));
        room.resize(places);
        items_.swap(room);
        head_ = 0;
    }

    std::vector<T> items_; // the room; its size is a power of two (or zero)
    std::size_t head_ = 0;
    std::size_t size_ = 0;
};

} // namespace dita
