// Runs N units of one kind of work and prints what it allocated, for bench/instructions.sh, which
// runs this under callgrind at two values of N: the difference of the instruction counts divided
// by the difference of N is the cost of one unit (start-up and set-up cancel out). Deterministic:
// the same unit and N execute the same instructions (virtual time, fixed seeds, fixed id pools).
//
//   dita-instruction-units UNIT N
//
// Units (each as the benchmark or command it stands for does the work):
//   fill                 one venue fill applied to a slot (BM_ApplyVenueFill)
//   lifecycle            ENTER filled + EXIT filled on the mock venue (BM_WholeLifecycle)
//   demo-trade           one `dita demo` trade: enter, mark, two exit legs, through process_intent
//   suite                the built-in chaos suite with the default replay, as `dita chaos` runs it
//   fuzz-run             one `dita fuzz` run with every check, seeds 3000.., no shrink (after a
//                        warm-up run of seed 2999)
//   lifecycle-S-open     a lifecycle in a kernel of S slots whose other S-2 slots hold open
//                        positions (S from 2 to 4096; set-up is not part of the unit)
//   cycles-C             one chaos scenario of C enter/exit cycles (2C steps), as `dita chaos` runs it
//
// Output, one JSON line on stdout: unit, n, allocations (global operator new calls during the
// units, not the set-up), peak_rss_kb (of the whole process), digest (a check value of the work
// done, so a unit that did nothing shows). Exit 0; 1 when the work failed (an invariant broke,
// a lifecycle did not complete); 2 on a bad command line.
#include <sys/resource.h>

#include <atomic>
#include <charconv>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <new>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <fmt/format.h>

#include "dita/chaos/campaign.hpp"
#include "dita/chaos/scenario.hpp"
#include "dita/chaos/suite.hpp"
#include "dita/contracts/clock.hpp"
#include "dita/contracts/result.hpp"
#include "dita/kernel/kernel.hpp"
#include "dita/venues/mock/mock_venue.hpp"
#include "fill_bench.hpp"

namespace {

// Every global operator new of the process. Relaxed: the count is read by the thread that ran
// the work, after it.
std::atomic<std::uint64_t> allocations{0};

} // namespace

// Not inlined: GCC 12 then sees free() under an inlined delete of memory from new and flags
// a mismatch (-Wmismatched-new-delete) that is not one (both ends are the ones defined here).
[[gnu::noinline]] void* operator new(std::size_t bytes) {
    allocations.fetch_add(1, std::memory_order_relaxed);
    if (void* memory = std::malloc(bytes == 0 ? 1 : bytes)) return memory;
    throw std::bad_alloc();
}
[[gnu::noinline]] void operator delete(void* memory) noexcept { std::free(memory); }
[[gnu::noinline]] void operator delete(void* memory, std::size_t) noexcept { std::free(memory); }

namespace dita::bench {
namespace {

// What one call of a unit produced: whether the work succeeded and a check value of it.
struct UnitResult {
    bool ok = true;
    std::uint64_t digest = 0;
    std::uint64_t allocations = 0;
};

constexpr std::uint64_t units_max = 10'000'000;
constexpr int open_slots_max = 4096; // KernelConfig::slots_max
constexpr int cycles_max = static_cast<int>(chaos::scenario_steps_max / 2);

std::uint64_t allocations_now() { return allocations.load(std::memory_order_relaxed); }

// --- fill: BM_ApplyVenueFill's work --------------------------------------------------------

UnitResult run_fills(std::uint64_t n) {
    FillBench bench;
    UnitResult out;
    const std::uint64_t before = allocations_now();
    for (std::uint64_t i = 0; i < n; ++i) {
        if (bench.order_full()) bench.next_order();
        const KernelOutcome outcome = bench.fill_one_lot();
        out.digest += static_cast<std::uint64_t>(outcome.diagnostic_code);
    }
    out.allocations = allocations_now() - before;
    out.ok = out.ok && !bench.kernel.slot(0).size.is_negative();
    out.digest ^= bench.kernel.state_hash();
    return out;
}

// --- lifecycle and lifecycle-S-open: BM_WholeLifecycle's work --------------------------------

// Intent ids are prepared up front, far more of them than the kernel retains (as the benchmark
// does): the pool's cost is set-up, the same at every N.
constexpr std::size_t lifecycle_ids = 1 << 14;

// Opens a position in every slot but the last two, then runs n lifecycles in the last slot.
UnitResult run_lifecycles(std::uint64_t n, int slots) {
    VirtualClock clock;
    InMemoryControlPlane control;
    MockVenueAdapter venue(MockVenueScenario{}, &clock);
    InMemoryZincPlane zinc(1024);
    ExecutionKernel kernel(KernelConfig{.max_slots = slots, .initial_capital = Decimal::from_units(1'000'000)},
                           control, venue, zinc, clock);
    UnitResult out;
    for (int slot = 0; slot + 2 < slots; ++slot) {
        KernelIntent open = bench_intent(KernelCommandType::ENTER, fmt::format("open-{}", slot), slot, 0.01, 100.0);
        open.trade_id = fmt::format("open-trade-{}", slot);
        kernel.process_intent(open);
        out.ok = out.ok && kernel.slot(slot).fsm_state == TradeStage::POSITION_OPEN;
    }
    const int slot = slots - 1;
    std::vector<KernelIntent> enters;
    std::vector<KernelIntent> exits;
    for (std::size_t i = 0; i < lifecycle_ids; ++i) {
        enters.push_back(bench_intent(KernelCommandType::ENTER, "e" + std::to_string(i), slot, 0.01, 100.0));
        exits.push_back(bench_intent(KernelCommandType::EXIT, "x" + std::to_string(i), slot, 0.0, 101.0));
    }
    const std::uint64_t before = allocations_now();
    for (std::uint64_t i = 0; i < n; ++i) {
        const KernelOutcome entered = kernel.process_intent(enters[i % lifecycle_ids]);
        const KernelOutcome exited = kernel.process_intent(exits[i % lifecycle_ids]);
        out.digest += static_cast<std::uint64_t>(entered.diagnostic_code) + static_cast<std::uint64_t>(exited.diagnostic_code);
        out.ok = out.ok && kernel.slot(slot).fsm_state == TradeStage::TRADE_TERMINAL_WRITTEN;
    }
    out.allocations = allocations_now() - before;
    out.digest ^= kernel.state_hash();
    return out;
}

// --- demo-trade: `dita demo`'s trades (apps/dita/demo.cpp) without the printing -------------

// One trade's intents as `dita demo` makes them; `price` is the price before the trade.
struct DemoTrade {
    KernelIntent enter;
    KernelIntent cancel;
    KernelIntent mark;
    KernelIntent exits[2];
};

DemoTrade demo_trade(int cycle, double price) {
    const bool long_side = cycle % 2 == 0;
    DemoTrade out;
    out.enter.intent_id = fmt::format("demo-{}-enter", cycle);
    out.enter.trade_id = fmt::format("demo-trade-{}", cycle);
    out.enter.slot_id = 0;
    out.enter.asset = "BTCUSDT";
    out.enter.side = long_side ? TradeSide::LONG : TradeSide::SHORT;
    out.enter.action = KernelCommandType::ENTER;
    out.enter.reference_price = price;
    out.enter.target_size = 0.010;
    out.enter.leverage = 5.0;
    out.enter.exit_leg_ratios = {0.5, 1.0};
    out.cancel = out.enter;
    out.cancel.intent_id = fmt::format("demo-{}-cancel", cycle);
    out.cancel.action = KernelCommandType::CANCEL;
    const double marked = price + (long_side ? 150.0 : -80.0);
    out.mark = out.enter;
    out.mark.intent_id = fmt::format("demo-{}-mark", cycle);
    out.mark.action = KernelCommandType::MARK_PRICE;
    out.mark.reference_price = marked;
    for (int leg = 0; leg < 2; ++leg) {
        out.exits[leg] = out.enter;
        out.exits[leg].intent_id = fmt::format("demo-{}-exit-{}", cycle, leg);
        out.exits[leg].action = KernelCommandType::EXIT;
        out.exits[leg].target_size = 0.0; // next leg
        out.exits[leg].reference_price = marked;
    }
    return out;
}

// Trades of the pool repeat with a period of demo_trade_ids; the prices keep `dita demo`'s walk
// (+150 after a long, -80 after a short) over one period and start again.
constexpr int demo_trade_ids = 4096;

UnitResult run_demo_trades(std::uint64_t n) {
    VirtualClock clock;
    InMemoryControlPlane control;
    control.update(ControlUpdate{.trace_transitions = true});
    MockVenueAdapter venue(MockVenueScenario{}, &clock);
    InMemoryZincPlane zinc;
    ExecutionKernel kernel(KernelConfig{.max_slots = 2}, control, venue, zinc, clock);
    std::vector<DemoTrade> trades;
    double price = 67000.0;
    for (int cycle = 0; cycle < demo_trade_ids; ++cycle) {
        trades.push_back(demo_trade(cycle, price));
        price += cycle % 2 == 0 ? 150.0 : -80.0;
    }
    UnitResult out;
    const std::uint64_t before = allocations_now();
    for (std::uint64_t i = 0; i < n; ++i) {
        const DemoTrade& trade = trades[i % demo_trade_ids];
        out.digest += static_cast<std::uint64_t>(kernel.process_intent(trade.enter).diagnostic_code);
        if (kernel.slot(0).fsm_state != TradeStage::POSITION_OPEN) kernel.process_intent(trade.cancel);
        clock.advance_ns(1'000'000'000);
        out.digest += static_cast<std::uint64_t>(kernel.process_intent(trade.mark).diagnostic_code);
        for (const KernelIntent& exit : trade.exits) {
            out.digest += static_cast<std::uint64_t>(kernel.process_intent(exit).diagnostic_code);
            clock.advance_ns(500'000'000);
        }
        out.ok = out.ok && kernel.slot(0).closed;
    }
    out.allocations = allocations_now() - before;
    out.digest ^= kernel.state_hash();
    return out;
}

// --- suite, cycles-C: `dita chaos` (apps/dita/chaos_cli.cpp run_rounds) -----------------------

// Runs the scenarios with `dita chaos`'s defaults (one reordered replay, seed 42), each run's
// thread count passed on to the next and one stack reset for each run, as the command does.
UnitResult run_chaos(std::uint64_t n, std::span<const chaos::ChaosScenario> scenarios) {
    chaos::SuiteOptions suite;
    std::unique_ptr<chaos::ChaosStack> stack; // reset for every run, as the command does
    UnitResult out;
    const std::uint64_t before = allocations_now();
    for (std::uint64_t i = 0; i < n; ++i) {
        for (const chaos::ChaosScenario& scenario : scenarios) {
            const chaos::ScenarioReport report = chaos::run_scenario_and_check(scenario, suite, stack);
            suite.run.threads_at_start = report.threads_at_end;
            out.ok = out.ok && report.passed;
            out.digest += report.steps + report.checks.size() + report.log.inputs.size();
        }
    }
    out.allocations = allocations_now() - before;
    return out;
}

// entry_exit_10x's steps (ENTER and EXIT 5 ms apart, reason chaos_cycle_i), `cycles` times.
chaos::ChaosScenario cycles_scenario(int cycles) {
    chaos::ChaosScenario out;
    out.name = fmt::format("cycles_{}", cycles);
    out.description = fmt::format("{} rapid entry-exit cycles: cost per step as runs grow", cycles);
    for (int i = 0; i < 2 * cycles; ++i) {
        chaos::ChaosStep one;
        one.action = i % 2 == 0 ? ChaosAction::ENTER : ChaosAction::EXIT;
        one.delay_before = 0.005;
        one.reason = fmt::format("chaos_cycle_{}", i / 2);
        out.steps.push_back(std::move(one));
    }
    return out;
}

// --- fuzz-run: `dita fuzz --start 3000 --seeds N --no-shrink` (apps/dita/fuzz_cli.cpp) --------

constexpr std::uint64_t fuzz_start_seed = 3000;

UnitResult run_fuzz(std::uint64_t n) {
    chaos::CampaignOptions campaign;
    campaign.shrink = false;
    // A warm-up run of the seed before the first: what happens once per process (static tables,
    // the first thread count) is then not part of the units, so N = 0 against N = 350 gives
    // exactly the mean of seeds 3000..3349.
    campaign.start = fuzz_start_seed - 1;
    campaign.seeds = 1;
    chaos::run_campaign(campaign);
    campaign.start = fuzz_start_seed;
    campaign.seeds = n;
    UnitResult out;
    const std::uint64_t before = allocations_now();
    const chaos::CampaignReport report = chaos::run_campaign(campaign);
    out.allocations = allocations_now() - before;
    out.ok = report.failures.empty() && report.runs == n && report.replayed_runs == n;
    out.digest = report.runs + report.replayed_runs;
    return out;
}

// --- command line ---------------------------------------------------------------------------

template <typename Number>
std::optional<Number> parse_number(std::string_view text) {
    Number value{};
    const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (error != std::errc() || end != text.data() + text.size()) return std::nullopt;
    return value;
}

// The number between `prefix` and `suffix` in `unit`, within [low, high].
std::optional<int> unit_parameter(std::string_view unit, std::string_view prefix, std::string_view suffix, int low,
                                  int high) {
    if (!unit.starts_with(prefix) || !unit.ends_with(suffix) || unit.size() <= prefix.size() + suffix.size()) {
        return std::nullopt;
    }
    const auto value = parse_number<int>(unit.substr(prefix.size(), unit.size() - prefix.size() - suffix.size()));
    if (!value || *value < low || *value > high) return std::nullopt;
    return value;
}

Result<UnitResult, std::string> run_unit(std::string_view unit, std::uint64_t n) {
    if (unit == "fill") return run_fills(n);
    if (unit == "lifecycle") return run_lifecycles(n, 2);
    if (unit == "demo-trade") return run_demo_trades(n);
    if (unit == "suite") return run_chaos(n, chaos::builtin_scenarios());
    if (unit == "fuzz-run") return run_fuzz(n);
    if (const auto slots = unit_parameter(unit, "lifecycle-", "-open", 2, open_slots_max)) {
        return run_lifecycles(n, *slots);
    }
    if (const auto cycles = unit_parameter(unit, "cycles-", "", 1, cycles_max)) {
        const chaos::ChaosScenario scenario = cycles_scenario(*cycles);
        return run_chaos(n, std::span<const chaos::ChaosScenario>(&scenario, 1));
    }
    return fmt::format("unknown unit '{}' (fill, lifecycle, demo-trade, suite, fuzz-run, lifecycle-S-open with S in "
                       "2..{}, cycles-C with C in 1..{})",
                       unit, open_slots_max, cycles_max);
}

long peak_rss_kb() {
    rusage usage{};
    return getrusage(RUSAGE_SELF, &usage) == 0 ? usage.ru_maxrss : -1;
}

int run_main(int argc, char** argv) {
    if (argc != 3) {
        fmt::print(stderr, "usage: {} UNIT N\n", argc > 0 ? argv[0] : "dita-instruction-units");
        return 2;
    }
    const auto n = parse_number<std::uint64_t>(argv[2]);
    if (!n || *n > units_max) {
        fmt::print(stderr, "N must be a whole number from 0 to {}, not '{}'\n", units_max, argv[2]);
        return 2;
    }
    const auto result = run_unit(argv[1], *n);
    if (!result.ok()) {
        fmt::print(stderr, "{}\n", result.error());
        return 2;
    }
    const UnitResult& unit = result.value();
    fmt::print("{{\"unit\": \"{}\", \"n\": {}, \"ok\": {}, \"allocations\": {}, \"peak_rss_kb\": {}, \"digest\": {}}}\n",
               argv[1], *n, unit.ok, unit.allocations, peak_rss_kb(), unit.digest);
    if (!unit.ok) fmt::print(stderr, "{}: the work failed (see the tests for which check)\n", argv[1]);
    return unit.ok ? 0 : 1;
}

} // namespace
} // namespace dita::bench

int main(int argc, char** argv) { return dita::bench::run_main(argc, argv); }
