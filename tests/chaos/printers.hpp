#pragma once
// How GoogleTest prints chaos values in test names and failures: by name, not as bytes.
#include <ostream>

#include "dita/chaos/scenario.hpp"

namespace dita::chaos {

inline void PrintTo(const ChaosScenario& scenario, std::ostream* os) { *os << scenario.name; }

} // namespace dita::chaos
