#include "cli_io.hpp"
#include "chaos_cli.hpp"

#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <fstream>

#include <fmt/format.h>

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

namespace {

constexpr std::size_t progress_threshold_runs = 50;
constexpr auto progress_redraw_interval = std::chrono::milliseconds(100);
constexpr int progress_bar_cells = 30;

} // namespace

int refuse(std::string_view command, const Refusal& refusal) {
    fmt::print(stderr, "{}: {}\n", command, refusal.message);
    return exit_bad_input;
}

double ms_since(SteadyClock::time_point start) {
    return std::chrono::duration<double, std::milli>(SteadyClock::now() - start).count();
}

Progress::Progress(std::string label, std::size_t total, bool allowed)
    : label_(std::move(label)), total_(total),
      enabled_(allowed && total >= progress_threshold_runs && isatty(STDERR_FILENO) == 1) {}

Progress::~Progress() {
    if (enabled_ && drawn_) std::fprintf(stderr, "\r\033[2K");
}

void Progress::advance() {
    ++done_;
    if (!enabled_) return;
    const auto now = SteadyClock::now();
    if (drawn_ && now - last_draw_ < progress_redraw_interval && done_ < total_) return;
    last_draw_ = now;
    drawn_ = true;
    const auto filled = static_cast<int>(progress_bar_cells * done_ / std::max<std::size_t>(total_, 1));
    std::fprintf(stderr, "\r[%s%s] %zu/%zu %s", std::string(static_cast<std::size_t>(filled), '#').c_str(),
                 std::string(static_cast<std::size_t>(progress_bar_cells - filled), '.').c_str(), done_, total_,
                 label_.c_str());
    std::fflush(stderr);
}

} // namespace dita::app
