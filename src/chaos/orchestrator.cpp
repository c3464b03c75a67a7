#include "dita/chaos/orchestrator.hpp"

#include <dirent.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <mutex>
#include <string_view>
#include <thread>

namespace dita::chaos {

namespace {

// A pump that delivered nothing and changed nothing is not worth an outcome entry.
bool did_something(const KernelOutcome& outcome) {
    return !outcome.emitted_events.empty() || !outcome.transitions.empty() ||
           outcome.diagnostic_code != KernelDiagnosticCode::OK;
}

constexpr int settle_rounds_max = 256;

// Moves virtual time to each held event's due time and pumps, until the venue holds nothing.
template <typename Collect>
void settle(ChaosStack& stack, const Collect& collect) {
    if (stack.virtual_clock() == nullptr) return;
    for (int round = 0; round < settle_rounds_max; ++round) {
        const std::optional<std::size_t> pending = stack.pending_venue_events();
        if (!pending || *pending == 0) break;
        const std::optional<std::int64_t> due = stack.next_venue_due_ns();
        if (due && *due > stack.clock().now_ns()) stack.virtual_clock()->set_ns(*due);
        collect(stack.pump_venue(), false);
        if (!due) break; // nothing tells when the rest comes: one pump, no spinning
    }
}

std::int64_t seconds_to_ns(double seconds) {
    if (!(seconds > 0.0)) return 0; // also NaN
    const double bounded = std::min(seconds, step_delay_seconds_max);
    return static_cast<std::int64_t>(std::llround(bounded * 1e9));
}

} // namespace

// ---------------------------------------------------------------------------------------
// ChaosStack

ChaosStack::ChaosStack(const VenueSettings& venue, const StackOptions& options) : settings_(venue), options_(options) {}

ChaosStack::~ChaosStack() = default;

Result<std::unique_ptr<ChaosStack>> ChaosStack::create(const VenueSettings& venue, const StackOptions& options,
                                                       const VenueFactory& factory) {
    const KernelConfig defaults;
    if (options.max_slots < 1 || options.max_slots > defaults.slots_max) {
        return Error{"", "max_slots", "must be from 1 to " + std::to_string(defaults.slots_max)};
    }
    if (options.initial_capital.is_negative()) return Error{"", "initial_capital", "must not be negative"};

    std::unique_ptr<ChaosStack> stack(new ChaosStack(venue, options));
    stack->factory_ = factory;
    if (options.time == TimeMode::VIRTUAL) {
        auto clock = std::make_unique<VirtualClock>();
        stack->virtual_clock_ = clock.get();
        stack->clock_ = std::move(clock);
    } else {
        stack->clock_ = std::make_unique<WallClock>();
    }
    if (auto error = stack->build()) return *error;
    return stack;
}

std::optional<Error> ChaosStack::reset(const VenueSettings& venue) {
    // Dependents first: the kernel uses the recorder, which uses the venue.
    kernel_.reset();
    recorder_.reset();
    venue_ = VenueHandle{};
    settings_ = venue;
    if (virtual_clock_ != nullptr) *virtual_clock_ = VirtualClock();
    control_ = InMemoryControlPlane();
    zinc_.clear(); // keeps its records' room: the next run journals without allocating
    // The log starts empty; its input array keeps its room (no regrowth run after run).
    std::vector<LoggedInput> inputs = std::move(log_.inputs);
    inputs.clear();
    log_ = InputLog();
    log_.inputs = std::move(inputs);
    config_ = KernelConfig();
    sealed_at_input_.reset();
    return build();
}

std::optional<Error> ChaosStack::build() {
    ControlUpdate update;
    update.mode = options_.mode;
    update.trace_transitions = options_.trace_transitions;
    update.reason = "chaos stack";
    const ControlResult applied = control_.update(update);
    if (!applied.accepted) return Error{"", "control", applied.detail};

    const VenueFactory& make = factory_ ? factory_ : mock_venue_factory();
    auto handle = make(settings_, *clock_);
    if (!handle.ok()) return handle.error();
    venue_ = std::move(handle).value();
    if (!venue_.venue) return Error{"", "venue", "the venue factory returned no venue"};

    log_.setup.max_slots = options_.max_slots;
    log_.setup.initial_capital = options_.initial_capital;
    log_.setup.mode = options_.mode;
    log_.setup.trace_transitions = options_.trace_transitions;
    log_.setup.risk_limits = control_.state().risk_limits;
    recorder_ = std::make_unique<RecordingVenue>(*venue_.venue, log_);

    config_.max_slots = options_.max_slots;
    config_.initial_capital = options_.initial_capital;
    config_.client_order_id_prefix = venue_.client_order_id_prefix;
    log_.setup.client_order_id_prefix = venue_.client_order_id_prefix;
    kernel_ = std::make_unique<ExecutionKernel>(config_, control_, *recorder_, zinc_, *clock_);
    return std::nullopt;
}

std::optional<Error> ChaosStack::reset_or_create(std::unique_ptr<ChaosStack>& stack, const VenueSettings& venue,
                                                 const StackOptions& options, const VenueFactory& factory) {
    std::optional<Error> problem;
    if (stack) {
        problem = stack->reset(venue);
    } else {
        auto created = create(venue, options, factory);
        if (created.ok()) {
            stack = std::move(created).value();
        } else {
            problem = created.error();
        }
    }
    if (problem) stack.reset();
    return problem;
}

std::unique_ptr<ChaosStack> build_test_kernel(const VenueSettings& venue) {
    auto stack = ChaosStack::create(venue);
    // The built-in settings always build; a failure here is a bug, not an input.
    DITA_ASSERT(stack.ok());
    return std::move(stack).value();
}

KernelOutcome ChaosStack::process_intent(const KernelIntent& intent) { return process_intent(KernelIntent(intent)); }

KernelOutcome ChaosStack::process_intent(KernelIntent&& intent) {
    // Built in place in the log (no copy of a whole input per step); the kernel reads the
    // logged intent, or the caller's when the log is full.
    LoggedInput* logged = recorder_->open(InputKind::INTENT, clock_->now_ns());
    if (logged != nullptr) logged->intent = std::move(intent);
    KernelOutcome outcome = kernel_->process_intent(logged != nullptr ? logged->intent : intent);
    recorder_->end();
    return outcome;
}

KernelOutcome ChaosStack::on_venue_event(const VenueEvent& event) {
    if (LoggedInput* logged = recorder_->open(InputKind::EVENT, clock_->now_ns())) logged->event = event;
    KernelOutcome outcome = kernel_->on_venue_event(event);
    recorder_->end();
    return outcome;
}

KernelOutcome ChaosStack::pump_venue() {
    recorder_->open(InputKind::PUMP, clock_->now_ns());
    KernelOutcome outcome = kernel_->pump_venue();
    recorder_->end();
    return outcome;
}

KernelOutcome ChaosStack::reconcile_from_slots(std::span<const SlotSnapshot> snapshots) {
    if (LoggedInput* logged = recorder_->open(InputKind::RECONCILE, clock_->now_ns())) {
        logged->snapshots.assign(snapshots.begin(), snapshots.end());
    }
    KernelOutcome outcome = kernel_->reconcile_from_slots(snapshots);
    recorder_->end();
    return outcome;
}

KernelOutcome ChaosStack::restart() {
    recorder_->open(InputKind::RESTART, clock_->now_ns());
    kernel_.reset(); // the crash: nothing of the old kernel survives but its journal
    KernelOutcome outcome;
    kernel_ = restart_kernel(config_, control_, *recorder_, zinc_, *clock_, outcome);
    recorder_->end();
    sealed_at_input_.reset();
    return outcome;
}

std::optional<std::string> ChaosStack::venue_trading_problem() const {
    if (!venue_.trading_problem) return std::nullopt;
    return venue_.trading_problem();
}

bool ChaosStack::calm_venue() {
    if (!venue_.calm) return false;
    venue_.calm();
    return true;
}

bool ChaosStack::move_market(std::string_view asset, double price) {
    const auto mark = Decimal::from_double(price);
    if (!venue_.set_mark || !mark || !mark->is_positive()) return false;
    const std::size_t before = venue_.pending_events ? venue_.pending_events() : 0;
    venue_.set_mark(asset, *mark);
    return venue_.pending_events && venue_.pending_events() > before;
}

std::vector<SlotSnapshot> ChaosStack::own_snapshots() const {
    std::vector<SlotSnapshot> out;
    out.reserve(static_cast<std::size_t>(kernel_->max_slots()));
    for (int i = 0; i < kernel_->max_slots(); ++i) out.push_back(kernel_->slot_snapshot(i));
    return out;
}

void ChaosStack::wait_seconds(double seconds) {
    const std::int64_t delay_ns = seconds_to_ns(seconds);
    if (delay_ns == 0) return;
    if (virtual_clock_ != nullptr) {
        virtual_clock_->advance_ns(delay_ns);
        return;
    }
    std::this_thread::sleep_for(std::chrono::nanoseconds(delay_ns));
}

std::optional<std::size_t> ChaosStack::pending_venue_events() const {
    if (!venue_.pending_events) return std::nullopt;
    return venue_.pending_events();
}

std::optional<std::int64_t> ChaosStack::next_venue_due_ns() const {
    if (!venue_.next_due_ns) return std::nullopt;
    return venue_.next_due_ns();
}

void ChaosStack::seal_log() {
    log_.final_state_hash = kernel_->state_hash();
    sealed_at_input_ = kernel_->input_sequence();
}

std::uint64_t ChaosStack::state_hash() const {
    // Every change of kernel state is an input, so the sealed hash stands until the next one.
    if (sealed_at_input_ && *sealed_at_input_ == kernel_->input_sequence()) return log_.final_state_hash;
    return kernel_->state_hash();
}

// ---------------------------------------------------------------------------------------
// Run

namespace {

// A run's result before its first step: where it starts, and room for what every step adds
// (the vectors of a reused result keep theirs).
ChaosRunResult begin_run(ChaosStack& stack, const ChaosScenario& scenario, const RunOptions& options,
                         ChaosRunResult spare) {
    ChaosRunResult result;
    result.outcomes = std::move(spare.outcomes);
    result.events = std::move(spare.events);
    result.slot_states = std::move(spare.slot_states);
    result.account_snapshots = std::move(spare.account_snapshots);
    result.steps = std::move(spare.steps);
    result.outcomes.clear();
    result.events.clear();
    result.slot_states.clear();
    result.account_snapshots.clear();
    result.steps.clear();
    result.scenario_name = scenario.name;
    result.slot_id = options.slot_id.value_or(scenario.slot_id);
    result.threads_at_start = options.threads_at_start ? options.threads_at_start : count_process_threads();
    result.unmatched_events_at_start = stack.kernel().unmatched_events().size();
    result.account_at_start = stack.kernel().account();
    if (stack.log().scenario.empty()) stack.log().scenario = scenario.name;
    stack.log().inputs.reserve(stack.log().inputs.size() + std::min<std::size_t>(2 * scenario.steps.size() + 1, 1024));
    result.outcomes.reserve(scenario.steps.size() + 1);
    result.slot_states.reserve(scenario.steps.size());
    result.account_snapshots.reserve(scenario.steps.size());
    result.steps.reserve(scenario.steps.size());
    result.events.reserve(2 * scenario.steps.size());
    return result;
}

} // namespace

ChaosRunResult run_chaos_scenario(ChaosStack& stack, const ChaosScenario& scenario, const RunOptions& options) {
    return run_chaos_scenario_reusing(stack, scenario, options, {}, true);
}

ChaosRunResult run_chaos_scenario_reusing(ChaosStack& stack, const ChaosScenario& scenario, const RunOptions& options,
                                          ChaosRunResult spare, bool seal) {
    ChaosRunResult result = begin_run(stack, scenario, options, std::move(spare));
    const std::int64_t started_ns = stack.clock().now_ns();
    const bool slot_valid = stack.kernel().valid_slot(result.slot_id);
    const auto collect = [&](KernelOutcome&& outcome, bool keep_always) {
        for (const VenueEvent& event : outcome.emitted_events) {
            result.events.push_back(event);
            if (options.capture != nullptr) options.capture->deliver(event);
        }
        if (keep_always || did_something(outcome)) result.outcomes.push_back(std::move(outcome));
    };
    // After every step: an asynchronous venue hands over what arrived meanwhile. A venue that
    // can tell it holds nothing is not pumped (a pump would change nothing); one that cannot
    // tell always is.
    const auto pump = [&] {
        const std::optional<std::size_t> pending = stack.pending_venue_events();
        if (!pending || *pending > 0) collect(stack.pump_venue(), false);
        if (stack.virtual_clock() != nullptr) return;
        for (int poll = 0; poll < options.settle_polls; ++poll) {
            stack.wait_seconds(options.settle_poll_seconds);
            collect(stack.pump_venue(), false);
        }
    };

    int trade_seq = 0;
    const std::size_t total = scenario.steps.size();
    for (std::size_t index = 0; index < total; ++index) {
        const ChaosStep& step = scenario.steps[index];
        if (step.delay_before > 0) stack.wait_seconds(step.delay_before);
        if (step.action == ChaosAction::WAIT) {
            pump();
            if (options.on_step) options.on_step(index + 1, total);
            continue;
        }
        StepTrace trace;
        trace.step_index = index;
        trace.action = step.action;
        trace.at_ns = stack.clock().now_ns();
        trace.outcomes_begin = result.outcomes.size();
        // Each branch's outcome is built where the step's result keeps it (no move between).
        const auto step_outcome = [&]() -> KernelOutcome {
            if (step.action == ChaosAction::RECONCILE) return stack.reconcile_from_slots(stack.own_snapshots());
            if (step.action == ChaosAction::RESTART) return stack.restart();
            ++trade_seq;
            const int slot_id = options.slot_id.value_or(step.slot_id.value_or(scenario.slot_id));
            KernelIntent intent = step_to_intent(step, slot_id, trade_seq, trace.at_ns);
            const std::string asset = intent.asset;
            const double price = intent.reference_price;
            KernelOutcome outcome = stack.process_intent(std::move(intent));
            // A mark the kernel takes is the market moving: the venue moves there too (and may
            // liquidate); what it did reaches the kernel through a pump right after the mark.
            if (step.action == ChaosAction::MARK_PRICE && outcome.ok() && stack.move_market(asset, price)) {
                collect(std::move(outcome), true);
                return stack.pump_venue();
            }
            return outcome;
        };
        collect(step_outcome(), true);
        pump();
        trace.outcomes_end = result.outcomes.size();
        result.steps.push_back(trace);
        result.slot_states.push_back(slot_valid ? stack.kernel().slot(result.slot_id) : TradeSlot{});
        result.account_snapshots.push_back(stack.kernel().account());
        if (options.on_step) options.on_step(index + 1, total);
    }
    // At rest: a venue holding events back (latency, delays) is given the virtual time to
    // deliver them, so the checks see the state the run leads to, not one mid-flight.
    settle(stack, collect);
    if (!result.steps.empty()) result.final_outcome = result.outcomes[result.steps.back().outcomes_begin];
    if (seal) stack.seal_log();
    result.elapsed_ns = stack.clock().now_ns() - started_ns;
    return result;
}

void quiesce(ChaosStack& stack, ChaosRunResult& result) {
    if (stack.virtual_clock() == nullptr) return;
    const std::int64_t started_ns = stack.clock().now_ns();
    const auto collect = [&](KernelOutcome&& outcome, bool keep_always) {
        for (const VenueEvent& event : outcome.emitted_events) result.events.push_back(event);
        if (keep_always || did_something(outcome)) result.outcomes.push_back(std::move(outcome));
    };
    stack.calm_venue();
    settle(stack, collect);
    int sequence = 0;
    constexpr int passes_max = 2;
    for (int pass = 0; pass < passes_max; ++pass) {
        bool acted = false;
        for (int slot_id = 0; slot_id < stack.kernel().max_slots(); ++slot_id) {
            const TradeSlot& slot = stack.kernel().slot(slot_id);
            if (slot.working_order_id.empty()) continue;
            ChaosStep cancel;
            cancel.action = ChaosAction::CANCEL;
            cancel.reason = "quiesce";
            ++sequence;
            KernelIntent intent = step_to_intent(cancel, slot_id, sequence, stack.clock().now_ns());
            intent.intent_id = "quiesce-" + std::to_string(sequence) + "-cancel";
            intent.trade_id = slot.trade_id.str();
            collect(stack.process_intent(std::move(intent)), true);
            acted = true;
        }
        settle(stack, collect);
        const std::vector<SlotSnapshot> snapshots = stack.own_snapshots();
        collect(stack.reconcile_from_slots(snapshots), true);
        settle(stack, collect);
        if (!acted && pass > 0) break;
    }
    stack.seal_log();
    result.quiesced = true;
    result.elapsed_ns += stack.clock().now_ns() - started_ns;
}

std::optional<std::size_t> count_process_threads() {
    // One entry per thread in /proc/self/task. The directory stays open and is re-read from
    // the start each time: half the cost of reading /proc/self/stat, and this runs twice per
    // scenario.
    struct TaskDirectory {
        TaskDirectory() : dir(::opendir("/proc/self/task")) {}
        ~TaskDirectory() {
            if (dir != nullptr) ::closedir(dir);
        }
        TaskDirectory(const TaskDirectory&) = delete;
        TaskDirectory& operator=(const TaskDirectory&) = delete;
        DIR* dir;
        std::mutex mutex;
    };
    static TaskDirectory tasks;
    if (tasks.dir == nullptr) return std::nullopt;
    const std::lock_guard lock(tasks.mutex);
    ::rewinddir(tasks.dir);
    std::size_t threads = 0;
    // Bounded: a process has far fewer threads than this.
    for (std::size_t entries = 0; entries < 1'000'000; ++entries) {
        const dirent* entry = ::readdir(tasks.dir);
        if (entry == nullptr) break;
        if (entry->d_name[0] != '.') ++threads;
    }
    return threads;
}

} // namespace dita::chaos
