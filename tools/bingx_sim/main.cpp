// bingx-sim: the local BingX perpetual-swap simulator as a process. Binds loopback only;
// port 0 picks a free port, printed on the first line. Runs until SIGINT/SIGTERM or
// --duration-s, then prints its counters as JSON.
#include <csignal>
#include <cstdio>
#include <ctime>
#include <memory>
#include <string>
#include <variant>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "dita/bingx_sim/simulator.hpp"

namespace {

using dita::bingx_sim::SimConfig;

struct Command {
    SimConfig config;
    double duration_s = 0.0;
    std::string log_level = "warn";
};

// The command line, or the exit code when it is refused (2) or only asked for help (0).
std::variant<Command, int> parse_command(int argc, char** argv) {
    Command command;
    SimConfig& config = command.config;
    double& duration_s = command.duration_s;
    std::string& log_level = command.log_level;
    bool no_gzip = false;
    bool one_way = false;
    bool allow_duplicate_ids = false;

    CLI::App app{"bingx-sim: a local BingX perpetual-swap (USDT-M) simulator on loopback"};
    app.add_option("--port", config.port, "port on 127.0.0.1 (0: a free one, printed)");
    app.add_option("--bind", config.bind_address, "loopback address to bind (127.0.0.1 or ::1)");
    app.add_option("--seed", config.seed, "seed of the fault PRNG");
    app.add_option("--api-key", config.api_key, "API key clients must send");
    app.add_option("--api-secret", config.api_secret, "secret clients sign with");
    app.add_option("--fill-price", config.fill_price, "MARKET fill price (default: the request's price, else the mark)");
    app.add_option("--partial-fill-ratio", config.partial_fill_ratio, "share filled at once")->check(CLI::Range(0.0, 1.0));
    app.add_flag("--reject-entries", config.reject_entries, "refuse opening orders");
    app.add_flag("--reject-exits", config.reject_exits, "refuse closing orders");
    app.add_option("--reject-code", config.reject_code, "error code of refused orders");
    app.add_flag("--cancel-reject", config.cancel_reject, "refuse cancels");
    app.add_flag("--one-way", one_way, "one-way position mode (positionSide BOTH)");
    app.add_option("--log-level", log_level, "log to stderr from this level: trace, debug, info, warn, error, off")
        ->check(CLI::IsMember({"trace", "debug", "info", "warn", "error", "critical", "off"}));
    app.add_option("--state", config.state_path,
                   "the account as a file: loaded when it exists, written after every change (orders, client ids, "
                   "positions, leverage, balance, position mode persist across runs and restarts)");
    app.add_flag("--allow-duplicate-client-ids", allow_duplicate_ids, "do not enforce unique clientOrderId");
    app.add_option("--taker-fee-rate", config.taker_fee_rate, "taker fee rate")->check(CLI::Range(0.0, 0.1));
    app.add_option("--time-offset-ms", config.time_offset_ms, "server clock skew");
    app.add_option("--listen-key-ttl-ms", config.listen_key_ttl_ms, "listenKey lifetime");
    app.add_option("--ping-interval-ms", config.ping_interval_ms, "stream Ping interval")->check(CLI::Range(10, 600000));
    app.add_flag("--no-gzip", no_gzip, "send stream frames as plain text");
    app.add_flag("--tls", config.tls, "serve https/wss with a self-signed certificate for 127.0.0.1 (printed)");
    auto& f = config.faults;
    app.add_option("--fault-5xx", f.http_5xx_rate, "share of signed requests answered 5xx")->check(CLI::Range(0.0, 1.0));
    app.add_option("--fault-5xx-status", f.http_5xx_status, "5xx status (0: random 500/502/503/504)");
    app.add_option("--fault-slow", f.slow_rate, "share of answers held back")->check(CLI::Range(0.0, 1.0));
    app.add_option("--slow-ms", f.slow_ms, "hold-back time")->check(CLI::Range(0, 600000));
    app.add_option("--fault-drop", f.drop_rate, "share of connections closed unanswered")->check(CLI::Range(0.0, 1.0));
    app.add_option("--execute-on-fault", f.execute_on_fault, "share of failed order calls that still act")->check(CLI::Range(0.0, 1.0));
    app.add_option("--fault-rate-limit", f.rate_limit_rate, "share of signed requests answered 429")->check(CLI::Range(0.0, 1.0));
    app.add_option("--rate-limit-per-s", f.rate_limit_per_s, "signed requests per second before 429 (0: none)");
    app.add_option("--stream-duplicate", f.stream_duplicate_rate, "share of stream events sent twice")->check(CLI::Range(0.0, 1.0));
    app.add_option("--stream-delay", f.stream_delay_rate, "share of stream events delayed")->check(CLI::Range(0.0, 1.0));
    app.add_option("--stream-delay-ms", f.stream_delay_ms, "stream delay")->check(CLI::Range(0, 600000));
    app.add_option("--stream-drop", f.stream_drop_rate, "share of stream events after which the stream is cut")->check(CLI::Range(0.0, 1.0));
    app.add_option("--duration-s", duration_s, "exit after this long (0: until SIGINT/SIGTERM)")->check(CLI::Range(0.0, 1e7));
    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& error) {
        const int code = app.exit(error);
        return code == 0 ? 0 : 2;
    }
    config.gzip = !no_gzip;
    config.hedge_mode = !one_way;
    config.unique_client_order_ids = !allow_duplicate_ids;
    return command;
}

// Until SIGINT or SIGTERM, or duration_s when it is positive.
void wait_for_stop(const sigset_t& signals, double duration_s) {
    timespec wait{};
    const bool forever = duration_s <= 0.0;
    wait.tv_sec = forever ? 3600 : static_cast<time_t>(duration_s);
    wait.tv_nsec = forever ? 0 : static_cast<long>((duration_s - static_cast<double>(wait.tv_sec)) * 1e9);
    for (;;) {
        const int got = sigtimedwait(&signals, nullptr, &wait);
        if (got == SIGINT || got == SIGTERM || !forever) break;
    }
}

nlohmann::json report_of(const dita::bingx_sim::SimStats& s) {
    return nlohmann::json{{"http_requests", s.http_requests},       {"signed_requests", s.signed_requests},
                          {"auth_failures", s.auth_failures},       {"timestamp_failures", s.timestamp_failures},
                          {"orders_created", s.orders_created},     {"orders_rejected", s.orders_rejected},
                          {"fills", s.fills},                       {"cancels", s.cancels},
                          {"faults_5xx", s.faults_5xx},             {"faults_slow", s.faults_slow},
                          {"faults_drop", s.faults_drop},           {"faults_rate_limit", s.faults_rate_limit},
                          {"stream_events", s.stream_events},       {"stream_frames_sent", s.stream_frames_sent},
                          {"stream_duplicates", s.stream_duplicates}, {"stream_delays", s.stream_delays},
                          {"stream_drops", s.stream_drops},         {"stream_sessions", s.stream_sessions},
                          {"pings_sent", s.pings_sent},             {"pongs_received", s.pongs_received},
                          {"listen_keys_created", s.listen_keys_created},
                          {"duplicate_client_ids", s.duplicate_client_ids}};
}

int serve(const Command& command) {
    dita::bingx_sim::set_sim_log_level(command.log_level);
    // Signals are taken synchronously by this thread only (blocked before any thread starts).
    sigset_t signals;
    sigemptyset(&signals);
    sigaddset(&signals, SIGINT);
    sigaddset(&signals, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &signals, nullptr);

    std::unique_ptr<dita::bingx_sim::Simulator> sim;
    try {
        sim = std::make_unique<dita::bingx_sim::Simulator>(command.config);
    } catch (const std::invalid_argument& error) {
        std::fprintf(stderr, "bingx-sim: %s\n", error.what());
        return 2;
    }
    const auto started = sim->start();
    if (!started.ok()) {
        std::fprintf(stderr, "bingx-sim: %s\n", started.error().detail.c_str());
        return 1;
    }
    std::printf("bingx-sim listening on 127.0.0.1:%u\n", static_cast<unsigned>(started.value()));
    std::printf("rest_url=%s ws_url=%s\n", sim->rest_url().c_str(), sim->ws_url().c_str());
    if (command.config.tls) std::printf("%s", sim->tls_certificate_pem().c_str());
    std::fflush(stdout);
    wait_for_stop(signals, command.duration_s);
    sim->stop();
    std::printf("%s\n", report_of(sim->stats()).dump().c_str());
    return 0;
}

} // namespace

int main(int argc, char** argv) {
    auto parsed = parse_command(argc, argv);
    if (const int* code = std::get_if<int>(&parsed)) return *code;
    return serve(std::get<Command>(parsed));
}
