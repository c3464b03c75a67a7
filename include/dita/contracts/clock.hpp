#pragma once
// Time is injected: the kernel and the chaos layer read only a Clock.
#include <cstdint>

namespace dita {

class Clock {
public:
    virtual ~Clock() = default;
    virtual std::int64_t now_ns() const = 0;
};

// Deterministic time for tests and chaos runs: moves only when told to.
class VirtualClock final : public Clock {
public:
    explicit VirtualClock(std::int64_t start_ns = 1'700'000'000'000'000'000) : now_ns_(start_ns) {}
    std::int64_t now_ns() const override { return now_ns_; }
    void advance_ns(std::int64_t delta_ns) { now_ns_ += delta_ns > 0 ? delta_ns : 0; }
    void set_ns(std::int64_t now_ns) {
        if (now_ns > now_ns_) now_ns_ = now_ns;
    }

private:
    std::int64_t now_ns_;
};

// Live runs only. Defined in src/contracts/wall_clock.cpp, the one place allowed to read
// the system clock (the determinism guard checks this).
class WallClock final : public Clock {
public:
    std::int64_t now_ns() const override;
};

} // namespace dita
