// libFuzzer target: scenario files as `dita chaos --scenario-file` reads them. Whatever the
// bytes, parse_scenarios answers with scenarios or an error; a parsed file also round-trips.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "dita/chaos/scenario_io.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    auto parsed = dita::chaos::parse_scenarios(text, "fuzz.json");
    if (parsed.ok()) {
        // What a file holds saves and reloads to the same scenarios.
        const std::string again = dita::chaos::scenarios_to_json(parsed.value()).dump();
        auto reloaded = dita::chaos::parse_scenarios(again, "again.json");
        if (!reloaded.ok()) __builtin_trap();
    } else if (parsed.error().message().size() > 4096) {
        __builtin_trap(); // error messages quote bounded excerpts only
    }
    return 0;
}
