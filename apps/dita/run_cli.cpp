#include "run_cli.hpp"

#include <csignal>
#include <ctime>

#include <fmt/core.h>

#include "chaos_cli.hpp"
#include "dita/service/config.hpp"
#include "dita/service/server.hpp"
#include "dita/service/service.hpp"

namespace dita::app {

CLI::App* add_run_command(CLI::App& app, RunOptions& options) {
    CLI::App* cmd = app.add_subcommand(
        "run", "run the kernel as a service for one account: restores the journal, reconciles with the venue, "
               "then serves the HTTP API, metrics and web page until SIGTERM/SIGINT");
    cmd->add_option("--config", options.config, "the TOML config file (see examples/sim.toml)")->required();
    cmd->add_flag("--check", options.check, "check the config and exit (0: usable, 2: refused)");
    return cmd;
}

namespace {

// SIGINT/SIGTERM are taken by the main thread only, synchronously: the threads the service
// starts inherit the blocked mask.
sigset_t blocked_stop_signals() {
    sigset_t signals;
    sigemptyset(&signals);
    sigaddset(&signals, SIGINT);
    sigaddset(&signals, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &signals, nullptr);
    return signals;
}

int wait_for_stop(const sigset_t& signals, const service::Server& server) {
    timespec tick{0, 200'000'000};
    for (;;) {
        const int got = sigtimedwait(&signals, nullptr, &tick);
        if (got == SIGINT || got == SIGTERM) return got;
        if (server.failed()) return 0;
    }
}

} // namespace

int run_run_command(const RunOptions& options) {
    auto config = service::load_service_config(options.config);
    if (!config) {
        fmt::print(stderr, "dita run: {}\n", config.error().message());
        return exit_bad_input;
    }
    if (options.check) {
        fmt::print("dita run: {} is usable (venue {}, journal {})\n", options.config,
                   service::venue_kind_name(config->venue.kind), config->journal_path);
        return exit_ok;
    }
    auto log = service::ServiceLog::open(config->log_format, config->log_level, config->log_file);
    if (!log) {
        fmt::print(stderr, "dita run: {}: log.file: {}\n", options.config, log.error().detail);
        return exit_bad_input;
    }
    const sigset_t signals = blocked_stop_signals();
    auto made = service::Service::create(*config, *log.value());
    if (!made) {
        log.value()->error("start-up refused", {{"code", made.error().code}, {"detail", made.error().detail}});
        fmt::print(stderr, "dita run: {}: {}\n", made.error().code, made.error().detail);
        return exit_bad_input;
    }
    service::Server server(*made.value(), *log.value());
    const auto port = server.start();
    if (!port) {
        fmt::print(stderr, "dita run: {}: api.listen: {}\n", options.config, port.error().detail);
        return exit_bad_input;
    }
    fmt::print("dita run: listening on http://{}:{} (venue {}, journal {})\n", config->listen_address, *port,
               service::venue_kind_name(config->venue.kind), config->journal_path);
    std::fflush(stdout);
    log.value()->info("listening", {{"address", config->listen_address}, {"port", *port},
                                    {"venue", std::string(service::venue_kind_name(config->venue.kind))},
                                    {"token", config->token.empty() ? "none (loopback)" : "required"}});
    const int signal = wait_for_stop(signals, server);
    if (signal != 0) log.value()->info("stop requested", {{"signal", signal == SIGTERM ? "SIGTERM" : "SIGINT"}});
    server.stop();
    made.value().reset(); // closes the journal
    log.value()->info("stopped");
    log.value()->flush();
    return server.failed() ? exit_invariant_failed : exit_ok;
}

} // namespace dita::app
