#pragma once
#include <optional>
#include <string>

namespace dita::app {

// Writes text to a file ("-": stdout); the reason when it cannot.
std::optional<std::string> write_text(const std::string& path, const std::string& text);

} // namespace dita::app
