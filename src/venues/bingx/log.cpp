#include "log.hpp"

#include <spdlog/sinks/stdout_sinks.h>

#include "dita/venues/bingx/bingx_venue.hpp"

namespace dita::bingx {

namespace detail {

spdlog::logger& log() {
    static const std::shared_ptr<spdlog::logger> logger = [] {
        auto made = spdlog::get("bingx");
        if (!made) {
            made = std::make_shared<spdlog::logger>("bingx", std::make_shared<spdlog::sinks::stderr_sink_mt>());
            made->set_level(spdlog::level::warn);
            made->set_pattern("%Y-%m-%dT%H:%M:%S.%e %n %l: %v");
            spdlog::register_logger(made);
        }
        return made;
    }();
    return *logger;
}

} // namespace detail

bool set_bingx_log_level(std::string_view level) {
    const spdlog::level::level_enum parsed = spdlog::level::from_str(std::string(level));
    // from_str answers "off" for anything it does not know: only a real "off" may mean off.
    if (parsed == spdlog::level::off && level != "off") return false;
    detail::log().set_level(parsed);
    return true;
}

} // namespace dita::bingx
