#include "dita/service/log.hpp"

#include <spdlog/sinks/basic_file_sink.h>
#include <spdlog/sinks/stdout_sinks.h>

namespace dita::service {

Result<std::unique_ptr<ServiceLog>, Error> ServiceLog::open(const std::string& format, const std::string& level,
                                                            const std::string& file) {
    std::shared_ptr<spdlog::sinks::sink> sink;
    try {
        if (file.empty()) sink = std::make_shared<spdlog::sinks::stderr_sink_mt>();
        else sink = std::make_shared<spdlog::sinks::basic_file_sink_mt>(file);
    } catch (const spdlog::spdlog_ex& error) {
        return Error{"LOG_UNAVAILABLE", file + ": " + error.what()};
    }
    auto logger = std::make_shared<spdlog::logger>("dita", sink);
    const bool json = format == "json";
    // UTC, to the microsecond; JSON lines carry the message and fields as members.
    if (json) logger->set_pattern(R"({"time":"%Y-%m-%dT%H:%M:%S.%fZ","level":"%l",%v})", spdlog::pattern_time_type::utc);
    else logger->set_pattern("%Y-%m-%dT%H:%M:%S.%fZ %l %v", spdlog::pattern_time_type::utc);
    const auto parsed = spdlog::level::from_str(level);
    logger->set_level(parsed);
    logger->flush_on(spdlog::level::info);
    return std::unique_ptr<ServiceLog>(new ServiceLog(std::move(logger), json));
}

void ServiceLog::write(spdlog::level::level_enum level, std::string_view message, const Json& fields) {
    if (!logger_->should_log(level)) return;
    std::string line;
    if (json_) {
        line = "\"msg\":" + Json(std::string(message)).dump();
        for (const auto& [key, value] : fields.items()) line += "," + Json(key).dump() + ":" + value.dump();
    } else {
        line = std::string(message);
        for (const auto& [key, value] : fields.items()) {
            line += " " + key + "=" + (value.is_string() ? value.get<std::string>() : value.dump());
        }
    }
    logger_->log(level, "{}", line);
}

} // namespace dita::service
