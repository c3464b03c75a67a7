#include <chrono>

#include "dita/contracts/clock.hpp"

namespace dita {

std::int64_t WallClock::now_ns() const {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

} // namespace dita
