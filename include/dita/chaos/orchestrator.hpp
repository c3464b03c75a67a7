#pragma once
// The chaos orchestrator: a kernel, its venue and clock (a ChaosStack), and the run of a
// scenario on it. Virtual time by default: delay_before advances the clock and nothing sleeps,
// so minutes of scenario delays take microseconds. Wall-clock time (real sleeps) is for live
// venues, whose events arrive on their own schedule.
//
// Every kernel input of a run goes through the stack, which logs it with the venue's answers
// (InputLog), so a run can be replayed exactly, reordered and compared.
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "dita/chaos/input_log.hpp"
#include "dita/chaos/result.hpp"
#include "dita/chaos/scenario.hpp"
#include "dita/chaos/venue_factory.hpp"
#include "dita/contracts/clock.hpp"
#include "dita/control/control_plane.hpp"
#include "dita/kernel/kernel.hpp"
#include "dita/zinc/zinc_plane.hpp"

namespace dita::chaos {

enum class TimeMode : std::uint8_t { VIRTUAL, WALL };

struct StackOptions {
    int max_slots = scenario_slots;
    Decimal initial_capital = Decimal::from_units(10'000);
    KernelMode mode = KernelMode::DEBUG;
    bool trace_transitions = true;
    TimeMode time = TimeMode::VIRTUAL;
};

// A kernel as the seed's build_test_kernel makes it (max_slots 2, DEBUG, transition tracing,
// in-memory zinc plane) on a venue from a factory, with its clock and input log.
class ChaosStack {
public:
    // An empty factory means the mock venue.
    static Result<std::unique_ptr<ChaosStack>> create(const VenueSettings& venue, const StackOptions& options = {},
                                                      const VenueFactory& factory = {});
    // Back to what create(venue, options(), the same factory) gives, on other venue settings:
    // a new kernel, venue, journal, control plane and log, the clock at its start. Cheaper
    // than a new stack (campaigns and suites run thousands). On an error the stack is unusable
    // (reset again or drop it).
    std::optional<Error> reset(const VenueSettings& venue);
    // `stack` reset to `venue` when there is one, else created: how suites and campaigns keep
    // one stack across runs. On an error `stack` is empty and the error says why.
    static std::optional<Error> reset_or_create(std::unique_ptr<ChaosStack>& stack, const VenueSettings& venue,
                                                const StackOptions& options = {}, const VenueFactory& factory = {});
    ChaosStack(const ChaosStack&) = delete;
    ChaosStack& operator=(const ChaosStack&) = delete;
    ~ChaosStack();

    // The kernel's inputs. Use these, not kernel().process_intent(...), so the log stays whole.
    KernelOutcome process_intent(const KernelIntent& intent);
    KernelOutcome process_intent(KernelIntent&& intent);
    KernelOutcome on_venue_event(const VenueEvent& event);
    KernelOutcome pump_venue();
    KernelOutcome reconcile_from_slots(std::span<const SlotSnapshot> snapshots);
    // A crash and restart: the kernel is dropped and a new one is built from the zinc plane's
    // journal (ExecutionKernel::restore), which reconciles with the venue's truth. Logged as a
    // RESTART input, so replays restart too. kernel() references taken before are invalid.
    KernelOutcome restart();
    // Stops the venue drawing faults (see VenueHandle::calm); false when it cannot be calmed.
    bool calm_venue();
    // The market moves to `price` on `asset` (a simulated venue liquidates, funds and draws its
    // own moves there). True when the venue produced events by it.
    bool move_market(std::string_view asset, double price);
    // VenueHandle::trading_problem, when the venue has one.
    std::optional<std::string> venue_trading_problem() const;
    // The snapshot of every slot, as RECONCILE steps feed them back (crash-recovery drill).
    std::vector<SlotSnapshot> own_snapshots() const;

    // Virtual time: advances the clock. Wall-clock time: sleeps. Bounded by step_delay_seconds_max.
    void wait_seconds(double seconds);

    ExecutionKernel& kernel() { return *kernel_; }
    const ExecutionKernel& kernel() const { return *kernel_; }
    // The venue itself, not the recording wrapper the kernel talks to: reads here are not logged.
    VenueAdapter& venue() { return *venue_.venue; }
    const Clock& clock() const { return *clock_; }
    VirtualClock* virtual_clock() { return virtual_clock_; }
    InMemoryZincPlane& zinc() { return zinc_; }
    InMemoryControlPlane& control() { return control_; }
    const StackOptions& options() const { return options_; }
    const VenueSettings& venue_settings() const { return settings_; }
    const InputLog& log() const { return log_; }
    InputLog& log() { return log_; }
    // Events the venue still holds for the kernel; nullopt when the venue cannot tell.
    std::optional<std::size_t> pending_venue_events() const;
    // When the venue's earliest held event becomes deliverable; nullopt when none is held or
    // the venue cannot tell.
    std::optional<std::int64_t> next_venue_due_ns() const;
    // Stamps the log with the kernel's current state hash (what an exact replay must reach).
    void seal_log();
    // The kernel's state_hash (reusing the seal's while no input came since).
    std::uint64_t state_hash() const;

private:
    ChaosStack(const VenueSettings& venue, const StackOptions& options);
    // The venue, the log's setup, the recorder and the kernel, on the current settings.
    std::optional<Error> build();

    VenueSettings settings_;
    StackOptions options_;
    VenueFactory factory_; // empty: the mock venue
    std::unique_ptr<Clock> clock_;
    VirtualClock* virtual_clock_ = nullptr;
    InMemoryControlPlane control_;
    VenueHandle venue_;
    InputLog log_;
    std::unique_ptr<RecordingVenue> recorder_;
    // The run result keeps every outcome and transition; the journal's copies of them are a
    // window (a restart reads slots, finished orders and totals, never those), so a long run's
    // memory does not hold them twice. Terminal records stay whole: the checks read them.
    static constexpr std::size_t journal_outcomes_kept = 1024;
    InMemoryZincPlane zinc_{InMemoryZincPlane::default_capacity, journal_outcomes_kept};
    KernelConfig config_;
    std::unique_ptr<ExecutionKernel> kernel_;
    std::optional<std::uint64_t> sealed_at_input_;
};

// The seed's build_test_kernel: the mock venue with these settings.
std::unique_ptr<ChaosStack> build_test_kernel(const VenueSettings& venue = {});

struct RunOptions {
    std::optional<int> slot_id;          // overrides the scenario's slot
    EventSink* capture = nullptr;        // receives every event of the run (e.g. an EventSequencer)
    std::function<void(std::size_t steps_done, std::size_t steps_total)> on_step;
    // After each step the kernel pumps the venue (unless the venue reports nothing pending).
    // Wall-clock mode: then up to this many more pumps, settle_poll_seconds apart, so a live
    // venue's late events arrive before the next step.
    int settle_polls = 0;
    double settle_poll_seconds = 0.05;
    // The process's thread count as the caller last measured it (e.g. at the end of the previous
    // run of a sequence); measured here when absent.
    std::optional<std::size_t> threads_at_start;
};

// Where a step's outcomes sit in ChaosRunResult::outcomes.
struct StepTrace {
    std::size_t step_index = 0;
    ChaosAction action = ChaosAction::ENTER;
    std::int64_t at_ns = 0;
    std::size_t outcomes_begin = 0;
    std::size_t outcomes_end = 0; // the step's own outcome, then any pump that did something
};

// What the seed's ChaosRunResult holds, plus where each step's outcomes are.
struct ChaosRunResult {
    std::string scenario_name;
    int slot_id = 0;
    std::vector<KernelOutcome> outcomes;     // per non-WAIT step, plus pumps that delivered something
                                             // (those after the last step: settling at rest)
    std::vector<VenueEvent> events;          // every event the kernel received, in order
    std::vector<TradeSlot> slot_states;      // the scenario's slot after each non-WAIT step
    std::vector<AccountSnapshot> account_snapshots; // the account after each non-WAIT step
    std::vector<StepTrace> steps;            // aligned with slot_states
    std::optional<KernelOutcome> final_outcome; // the last step's own outcome
    std::optional<std::size_t> threads_at_start; // for the leak check
    std::size_t unmatched_events_at_start = 0;
    AccountSnapshot account_at_start;
    std::int64_t elapsed_ns = 0;             // on the stack's clock
    bool quiesced = false;                   // quiesce() ran: the liveness check applies
    bool passed = false;
    std::string failure_reason;
};

ChaosRunResult run_chaos_scenario(ChaosStack& stack, const ChaosScenario& scenario, const RunOptions& options = {});
// The same in the room of `spare`, an earlier result whose vectors keep their capacity (a
// campaign runs thousands of scenarios). `seal` false leaves the log unsealed, for a caller that
// feeds the kernel more and seals after (quiesce does).
ChaosRunResult run_chaos_scenario_reusing(ChaosStack& stack, const ChaosScenario& scenario, const RunOptions& options,
                                          ChaosRunResult spare, bool seal);

// Brings a run to rest for the liveness check: the venue is calmed, time moves past every
// held event, every slot's working order is canceled, then every slot is reconciled with the
// venue (twice at most, bounded). The inputs are logged and their outcomes appended to the
// run's, so every check sees them. Virtual time only; a wall-clock stack is left alone.
void quiesce(ChaosStack& stack, ChaosRunResult& result);

// Threads of this process (Linux: /proc/self/stat); nullopt where that cannot be read.
std::optional<std::size_t> count_process_threads();

} // namespace dita::chaos
