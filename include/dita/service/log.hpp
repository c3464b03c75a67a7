#pragma once
// The service's log: spdlog, human lines or JSON lines, a level. Messages carry fields as JSON;
// nothing secret is ever passed in (keys, signatures and the API token stay out by construction:
// no code path hands them to the log).
#include <memory>
#include <string>
#include <string_view>

#include <spdlog/spdlog.h>

#include "dita/contracts/json.hpp"
#include "dita/contracts/result.hpp"

namespace dita::service {

class ServiceLog {
public:
    // format: human | json; level: trace | debug | info | warn | error; file: empty for stderr.
    static Result<std::unique_ptr<ServiceLog>, Error> open(const std::string& format, const std::string& level,
                                                            const std::string& file);
    void write(spdlog::level::level_enum level, std::string_view message, const Json& fields = Json::object());
    void info(std::string_view message, const Json& fields = Json::object()) { write(spdlog::level::info, message, fields); }
    void warn(std::string_view message, const Json& fields = Json::object()) { write(spdlog::level::warn, message, fields); }
    void error(std::string_view message, const Json& fields = Json::object()) { write(spdlog::level::err, message, fields); }
    void debug(std::string_view message, const Json& fields = Json::object()) { write(spdlog::level::debug, message, fields); }
    bool enabled(spdlog::level::level_enum level) const { return logger_->should_log(level); }
    void flush() { logger_->flush(); }

private:
    ServiceLog(std::shared_ptr<spdlog::logger> logger, bool json) : logger_(std::move(logger)), json_(json) {}
    std::shared_ptr<spdlog::logger> logger_;
    bool json_;
};

} // namespace dita::service
