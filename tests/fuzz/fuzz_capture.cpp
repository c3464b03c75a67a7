// libFuzzer target: captures as `dita replay` reads them (input logs and event streams).
#include <cstddef>
#include <cstdint>
#include <sstream>
#include <string>

#include "dita/chaos/input_log.hpp"
#include "dita/chaos/sequencer.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string text(reinterpret_cast<const char*>(data), size);
    const auto newline = text.find('\n');
    (void)dita::chaos::looks_like_input_log(std::string_view(text).substr(0, newline));
    {
        std::istringstream in(text);
        auto log = dita::chaos::read_input_log(in, "fuzz.inputs.jsonl");
        if (log.ok()) {
            std::ostringstream out;
            dita::chaos::write_input_log(log.value(), out);
        } else if (log.error().message().size() > 4096) {
            __builtin_trap();
        }
    }
    std::istringstream in(text);
    auto events = dita::chaos::read_events_jsonl(in, "fuzz.events.jsonl");
    if (!events.ok() && events.error().message().size() > 4096) __builtin_trap();
    return 0;
}
