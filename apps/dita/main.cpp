#include <CLI/CLI.hpp>

#include "demo.hpp"

int main(int argc, char** argv) {
    CLI::App app{"dita: deterministic execution kernel for perpetual futures, with chaos testing"};
    app.require_subcommand(1);

    dita::app::DemoOptions demo;
    CLI::App* demo_cmd = app.add_subcommand("demo", "trade a few lifecycles on the mock venue and print them");
    demo_cmd->add_option("--cycles", demo.cycles, "number of trades")->check(CLI::Range(1, 1000));
    demo_cmd->add_option("--partial-fill-ratio", demo.partial_fill_ratio, "mock venue fill share")
        ->check(CLI::Range(0.0, 1.0));
    bool quiet = false;
    demo_cmd->add_flag("--quiet", quiet, "hide transitions");

    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& error) {
        const int code = app.exit(error);
        return code == 0 ? 0 : 2;
    }
    if (*demo_cmd) {
        demo.show_transitions = !quiet;
        return dita::app::run_demo(demo);
    }
    return 2;
}
