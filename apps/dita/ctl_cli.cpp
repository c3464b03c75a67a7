#include <cstdlib>
#include <fstream>
#include <random>

#include <fmt/core.h>

#include "chaos_cli.hpp"
#include "dita/contracts/json.hpp"
#include "dita/service/http_client.hpp"
#include "run_cli.hpp"

namespace dita::app {

// Exit codes of `dita ctl`: 0 done; 1 the kernel refused (the outcome's code is not OK);
// 2 bad usage or a request the service refused (4xx); 3 the service is unreachable or failed (5xx).
inline constexpr int exit_kernel_refused = 1;
inline constexpr int exit_unreachable = 3;

CLI::App* add_ctl_command(CLI::App& app, CtlOptions& o) {
    CLI::App* cmd = app.add_subcommand("ctl", "operate a running `dita run`: status, halt, reduce-only, normal, flatten, "
                                              "intent enter|exit|cancel, outcomes (JSON on stdout)");
    cmd->add_option("--url", o.url, "the service (default: $DITA_URL, else http://127.0.0.1:8080)");
    cmd->add_option("--token-env", o.token_env, "environment variable holding the bearer token");
    cmd->add_option("--token-file", o.token_file, "file holding the bearer token");
    cmd->add_option("--timeout-s", o.timeout_s, "per request")->check(CLI::Range(0.1, 600.0));
    cmd->require_subcommand(1);
    const auto named = [&o](CLI::App* sub) {
        sub->callback([&o, name = sub->get_name()] { o.command = name; });
        return sub;
    };
    named(cmd->add_subcommand("status", "the snapshot: account, slots, mode, readiness"));
    for (const char* mode : {"halt", "reduce-only", "normal"}) {
        named(cmd->add_subcommand(mode, std::string("set the kernel's mode: ") + mode))
            ->add_option("--reason", o.reason, "why (logged)");
    }
    named(cmd->add_subcommand("flatten", "cancel everything and exit every slot; leaves the kernel REDUCE_ONLY"))
        ->add_option("--reason", o.reason, "why (logged)");
    CLI::App* outcomes = named(cmd->add_subcommand("outcomes", "journaled outcomes after a sequence number"));
    outcomes->add_option("--after", o.after, "the last seq seen (0: from the start)");
    CLI::App* intent =
        named(cmd->add_subcommand("intent", "send an intent (idempotent by --id: a retry gets the first outcome)"));
    intent->add_option("action", o.action, "enter | exit | cancel")->required()->check(CLI::IsMember({"enter", "exit", "cancel"}));
    intent->add_option("--id", o.intent_id, "intent id (default: a fresh one)");
    intent->add_option("--trade-id", o.trade_id, "trade id for enter (default: the intent id)");
    intent->add_option("--slot", o.slot, "slot id")->required();
    intent->add_option("--asset", o.asset, "asset, e.g. BTCUSDT");
    intent->add_option("--side", o.side, "LONG | SHORT")->check(CLI::IsMember({"LONG", "SHORT"}));
    intent->add_option("--size", o.size, "enter: the size; exit: the size to close (0: the next exit leg)");
    intent->add_option("--price", o.price, "reference price");
    intent->add_option("--leverage", o.leverage, "leverage for enter");
    intent->add_option("--reason", o.reason, "free text, journaled");
    return cmd;
}

namespace {

std::string fresh_intent_id() {
    std::random_device device; // apps only: an id that never repeats, not a kernel input order
    std::mt19937_64 rng((static_cast<std::uint64_t>(device()) << 32) ^ device());
    return fmt::format("ctl-{:016x}", rng());
}

Result<std::string, Error> token_of(const CtlOptions& o) {
    if (!o.token_file.empty()) {
        std::ifstream in(o.token_file);
        if (!in) return Error{"BAD_TOKEN_FILE", "cannot read " + o.token_file};
        std::string token;
        std::getline(in, token);
        return token;
    }
    const char* value = std::getenv(o.token_env.c_str());
    return std::string(value != nullptr ? value : "");
}

Json intent_body(const CtlOptions& o) {
    Json body;
    body["intent_id"] = o.intent_id.empty() ? fresh_intent_id() : o.intent_id;
    body["slot_id"] = o.slot;
    body["action"] = o.action == "enter" ? "ENTER" : o.action == "exit" ? "EXIT" : "CANCEL";
    if (o.action == "enter") {
        body["trade_id"] = o.trade_id.empty() ? body["intent_id"].get<std::string>() : o.trade_id;
        body["asset"] = o.asset;
        body["side"] = o.side;
        body["leverage"] = o.leverage;
    }
    body["target_size"] = o.size;
    body["reference_price"] = o.price;
    if (!o.reason.empty()) body["reason"] = o.reason;
    return body;
}

struct Call {
    std::string method;
    std::string path;
    std::string body;
};

Call call_for(const std::string& command, const CtlOptions& o) {
    const std::string reason = o.reason.empty() ? "dita ctl " + command : o.reason;
    if (command == "status") return {"GET", "/v1/snapshot", ""};
    if (command == "outcomes") return {"GET", "/v1/outcomes?after=" + std::to_string(o.after) + "&limit=1000", ""};
    if (command == "flatten") return {"POST", "/v1/control", Json{{"flatten", true}, {"reason", reason}}.dump()};
    if (command == "intent") return {"POST", "/v1/intents", intent_body(o).dump()};
    const char* mode = command == "halt" ? "HALTED" : command == "reduce-only" ? "REDUCE_ONLY" : "NORMAL";
    return {"POST", "/v1/control", Json{{"mode", mode}, {"reason", reason}}.dump()};
}

} // namespace

int run_ctl_command(const CtlOptions& options) {
    std::string url = options.url;
    if (url.empty()) {
        const char* env = std::getenv("DITA_URL");
        url = env != nullptr && *env != '\0' ? env : "http://127.0.0.1:8080";
    }
    auto target = service::parse_http_url(url);
    if (!target) {
        fmt::print(stderr, "dita ctl: --url: {}\n", target.error().detail);
        return exit_bad_input;
    }
    auto token = token_of(options);
    if (!token) {
        fmt::print(stderr, "dita ctl: {}\n", token.error().detail);
        return exit_bad_input;
    }
    target->token = *token;
    target->timeout = std::chrono::milliseconds(static_cast<std::int64_t>(options.timeout_s * 1000.0));
    const Call call = call_for(options.command, options);
    const auto answer = service::http_call(*target, call.method, call.path, call.body);
    if (!answer) {
        fmt::print(stderr, "dita ctl: {} {}: {}: {}\n", call.method, url + call.path, answer.error().code,
                   answer.error().detail);
        return exit_unreachable;
    }
    const Json body = Json::parse(answer->body, nullptr, false);
    fmt::print("{}\n", body.is_discarded() ? answer->body : body.dump(2));
    if (answer->status >= 500) return exit_unreachable;
    if (answer->status >= 400) return exit_bad_input;
    if (options.command == "intent" && body.contains("outcome") &&
        body["outcome"].value("diagnostic_code", std::string("OK")) != "OK") {
        return exit_kernel_refused;
    }
    return exit_ok;
}

} // namespace dita::app
