#pragma once
// `dita run --config FILE`: the kernel as a long-running service (see include/dita/service/).
// `dita ctl ...`: operates a running `dita run` over its HTTP API.
#include <string>

#include <CLI/CLI.hpp>

namespace dita::app {

struct RunOptions {
    std::string config;
    bool check = false; // validate the config and exit
};

struct CtlOptions {
    std::string url;        // default: $DITA_URL or http://127.0.0.1:8080
    std::string token_env = "DITA_API_TOKEN";
    std::string token_file;
    double timeout_s = 15.0;
    std::string command;    // status | halt | reduce-only | normal | flatten | intent | outcomes
    std::string action;     // intent: enter | exit | cancel
    std::string intent_id;
    std::string trade_id;
    int slot = 0;
    std::string asset = "BTCUSDT";
    std::string side = "LONG";
    double size = 0.0;
    double price = 0.0;
    double leverage = 1.0;
    std::string reason;
    long long after = 0;
};

CLI::App* add_run_command(CLI::App& app, RunOptions& options);
CLI::App* add_ctl_command(CLI::App& app, CtlOptions& options);
int run_run_command(const RunOptions& options);
int run_ctl_command(const CtlOptions& options);

} // namespace dita::app
