#pragma once
// Small helpers shared by the dita subcommands: files, elapsed time, the progress line.
#include <chrono>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "dita/contracts/result.hpp"

namespace dita::app {

// Writes text to a file ("-": stdout); the reason when it cannot.
std::optional<std::string> write_text(const std::string& path, const std::string& text);

// Why a subcommand stops before doing its work (exit 2): the message printed after "dita <command>: ".
struct Refusal {
    std::string message;
};

template <typename T>
using Checked = dita::Result<T, Refusal>;

// Prints "<command>: <message>" on stderr and returns exit 2 (bad usage or input).
int refuse(std::string_view command, const Refusal& refusal);

using SteadyClock = std::chrono::steady_clock;

double ms_since(SteadyClock::time_point start);

// A one-line progress bar on stderr, only when stderr is a terminal and the work is long.
class Progress {
public:
    Progress(std::string label, std::size_t total, bool allowed);
    Progress(const Progress&) = delete;
    Progress& operator=(const Progress&) = delete;
    ~Progress();

    void advance();

private:
    std::string label_;
    std::size_t total_;
    std::size_t done_ = 0;
    bool enabled_;
    bool drawn_ = false;
    SteadyClock::time_point last_draw_{};
};

} // namespace dita::app
