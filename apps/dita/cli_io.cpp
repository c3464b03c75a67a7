#include "cli_io.hpp"

#include <cstdio>
#include <fstream>

namespace dita::app {

std::optional<std::string> write_text(const std::string& path, const std::string& text) {
    if (path == "-") {
        std::fwrite(text.data(), 1, text.size(), stdout);
        std::fflush(stdout);
        return std::nullopt;
    }
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    if (!out) return "cannot open " + path + " for writing";
    out << text;
    out.flush();
    if (!out) return "cannot write " + path;
    return std::nullopt;
}

} // namespace dita::app
