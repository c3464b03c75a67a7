#pragma once
#include <string>

namespace dita::app {

// "0.1.0 (git 1a2b3c4d5e6f, Release)": the project version, the git revision it was built from
// when there is one, the build type.
std::string version_text();

} // namespace dita::app
