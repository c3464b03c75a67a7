#pragma once
#include <cstdint>

namespace dita::app {

struct DemoOptions {
    int cycles = 3;
    double partial_fill_ratio = 1.0;
    bool show_transitions = true;
};

// Trades a few lifecycles on the mock venue and prints transitions and the account.
int run_demo(const DemoOptions& options);

} // namespace dita::app
