#pragma once
// The adapter's log: connects, reconnects, retries, clock resyncs, rate limits, catch-ups,
// strangers. Paths and BingX's code and message only: never a query string (the signature),
// a header (the key), a listenKey or a secret. Level: set_bingx_log_level(); default warn.
#include <memory>

#include <spdlog/spdlog.h>

namespace dita::bingx::detail {

spdlog::logger& log();

} // namespace dita::bingx::detail
