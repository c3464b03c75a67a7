#pragma once
// Broken internal invariants are bugs: they abort loudly in every build type.
// Expected bad input never reaches these; it is reported as a diagnostic value.
#include <cstdio>
#include <cstdlib>

#define DITA_ASSERT(cond)                                                        \
    do {                                                                         \
        if (!(cond)) [[unlikely]] {                                              \
            std::fprintf(stderr, "dita: assertion failed: %s (%s:%d)\n", #cond, \
                         __FILE__, __LINE__);                                    \
            std::abort();                                                        \
        }                                                                        \
    } while (0)
