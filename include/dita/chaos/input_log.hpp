#pragma once
// The kernel's whole input log: every input (intent, venue event, reconcile, pump) in order,
// with the time it happened and every answer the venue gave while the kernel handled it
// (submit and cancel results, each drained batch of events, query results). Replaying a log
// needs no venue: a ReplayVenue serves the recorded answers, so a replay reproduces the exact
// final state (ExecutionKernel::state_hash) of any run, mock or live.
//
// Orderings: the events of one drained batch arrived together, so a venue may deliver them in
// any order. A BatchTransform rewrites batches during a replay (permute, duplicate); a kernel
// that applies events order-independently and idempotently ends in the same state.
#include <cstdint>
#include <functional>
#include <iosfwd>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "dita/chaos/result.hpp"
#include "dita/contracts/clock.hpp"
#include "dita/contracts/json.hpp"
#include "dita/contracts/types.hpp"
#include "dita/contracts/venue.hpp"
#include "dita/control/control_plane.hpp"
#include "dita/kernel/kernel.hpp"
#include "dita/zinc/zinc_plane.hpp"

namespace dita {

// RESTART: the kernel crashed; a new one was built from the zinc plane's journal and restored.
#define DITA_INPUT_KIND(X) X(INTENT) X(EVENT) X(RECONCILE) X(PUMP) X(RESTART)
DITA_DECLARE_ENUM(InputKind, DITA_INPUT_KIND)

#define DITA_VENUE_CALL_KIND(X) X(SUBMIT) X(CANCEL) X(DRAIN) X(QUERY_ORDER) X(OPEN_ORDERS) X(POSITIONS) X(VENUE_MOVES)
DITA_DECLARE_ENUM(VenueCallKind, DITA_VENUE_CALL_KIND)

} // namespace dita

namespace dita::chaos {

// One call the kernel made to the venue and the venue's answer.
struct VenueCall {
    VenueCallKind kind = VenueCallKind::DRAIN;
    std::string asset;            // SUBMIT, CANCEL, QUERY_ORDER, OPEN_ORDERS, POSITIONS
    std::string client_order_id;  // SUBMIT, CANCEL, QUERY_ORDER
    Decimal qty;                  // SUBMIT
    VenueCallResult result;       // SUBMIT, CANCEL
    VenueCallStatus query_status = VenueCallStatus::ACCEPTED; // queries
    std::string query_detail;
    std::vector<VenueEvent> events;       // DRAIN, VENUE_MOVES
    std::vector<VenueOrder> orders;       // OPEN_ORDERS; QUERY_ORDER: the order, when the venue has it
    std::vector<VenuePosition> positions; // POSITIONS

    friend bool operator==(const VenueCall&, const VenueCall&) = default;
};

struct LoggedInput {
    InputKind kind = InputKind::PUMP;
    std::int64_t at_ns = 0;
    // INTENT. Other kinds leave it blank, without the default exit leg a KernelIntent allocates
    // (every input of every chaos run is one of these).
    KernelIntent intent{.exit_leg_ratios = {}};
    VenueEvent event;                     // EVENT
    std::vector<SlotSnapshot> snapshots;  // RECONCILE
    std::vector<VenueCall> calls;
};

// What a replay kernel must be built with to match the recorded one.
struct KernelSetup {
    int max_slots = 2;
    Decimal initial_capital = Decimal::from_units(10'000);
    KernelMode mode = KernelMode::DEBUG;
    bool trace_transitions = true;
    RiskLimits risk_limits;
    std::string client_order_id_prefix; // KernelConfig's (empty for the mock's runs)
};

struct InputLog {
    static constexpr std::size_t inputs_max = 250'000;
    std::size_t inputs_limit = inputs_max; // recording stops here (lower it to bound a long run's memory)

    std::string scenario;
    std::string venue_name;
    PositionMode position_mode = PositionMode::ONE_WAY; // the venue's, as the kernel asked it
    KernelSetup setup;
    std::map<std::string, std::optional<InstrumentSpec>> instruments; // the venue's answers, per asset
    std::vector<LoggedInput> inputs;
    bool truncated = false;            // inputs_limit reached: the log cannot reproduce the run
    std::uint64_t final_state_hash = 0; // the recorded kernel's state_hash at the end; 0: unknown

    // Every venue event the kernel received (drained or given as an input), in arrival order.
    std::size_t event_count() const;
    std::vector<VenueEvent> events() const;
};

// Wraps a venue and records into a log every call made between begin() and end().
// Calls outside an input (e.g. the checker reading open orders) pass through unrecorded.
class RecordingVenue final : public VenueAdapter {
public:
    RecordingVenue(VenueAdapter& inner, InputLog& log);

    // Starts a logged input; its calls are recorded until end(). Returns the logged copy, or
    // nullptr (input left untouched) when the log is full.
    const LoggedInput* begin(LoggedInput&& input);
    // The same for an input built in place: a blank one of this kind and time, for the caller
    // to fill before the kernel reads it; nullptr when the log is full.
    LoggedInput* open(InputKind kind, std::int64_t at_ns);
    void end();

    std::string_view name() const override { return inner_.name(); }
    std::optional<InstrumentSpec> instrument(std::string_view asset) const override;
    VenueCallResult submit_order(const OrderRequest& request) override;
    VenueCallResult cancel_order(const CancelRequest& request) override;
    void drain_events(EventSink& sink) override;
    VenueQuery<std::optional<VenueOrder>> query_order(std::string_view asset,
                                                      std::string_view client_order_id) override;
    VenueQuery<std::vector<VenueOrder>> open_orders(std::string_view asset) override;
    VenueQuery<std::vector<VenuePosition>> positions(std::string_view asset) override;
    PositionMode position_mode() const override { return inner_.position_mode(); }
    VenueQuery<std::vector<VenueEvent>> venue_moves(std::string_view asset) override;

private:
    VenueCall* record(VenueCallKind kind);

    VenueAdapter& inner_;
    InputLog& log_;
    bool active_ = false;
    std::vector<VenueEvent> batch_; // drain_events' buffer
};

// Rewrites the batch of events one drain delivers during a replay. batch_number counts the
// non-empty batches of the log from 0, in log order.
using BatchTransform = std::function<std::vector<VenueEvent>(std::size_t batch_number, std::span<const VenueEvent> batch)>;

// Every batch in a seeded random order (each batch's order depends only on seed and batch_number).
BatchTransform shuffle_batches(std::uint64_t seed);
// Every event delivered twice in a row.
BatchTransform duplicate_events();
// Every batch in reverse order (fills before their acks, cancels before fills): the most
// adversarial single ordering, deterministic.
BatchTransform reverse_batches();
// compose(reverse_batches(), duplicate_events()) in one pass.
BatchTransform reverse_and_duplicate_batches();
// first, then second, on each batch.
BatchTransform compose(BatchTransform first, BatchTransform second);

// Serves a log's recorded answers to a kernel that replays the log's inputs. A call the log
// does not have at that point marks the replay as diverged and is answered UNAVAILABLE.
// A crash and restart: a new kernel on the same venue, control plane and journal, restored from
// what the journal recovers (a fresh kernel's totals when it holds nothing yet).
std::unique_ptr<ExecutionKernel> restart_kernel(const KernelConfig& config, ControlPlane& control, VenueAdapter& venue,
                                                ZincPlane& zinc, const Clock& clock, KernelOutcome& outcome);

class ReplayVenue final : public VenueAdapter {
public:
    ReplayVenue(const InputLog& log, BatchTransform transform);

    void begin(std::size_t input_index);
    void end();
    // The log is over: drains deliver nothing from now on, any other call is a divergence
    // (a kernel fed old events again must not act on the venue).
    void detach();
    const std::optional<std::string>& divergence() const { return divergence_; }
    std::size_t events_delivered() const { return events_delivered_; }

    std::string_view name() const override { return log_.venue_name; }
    std::optional<InstrumentSpec> instrument(std::string_view asset) const override;
    VenueCallResult submit_order(const OrderRequest& request) override;
    VenueCallResult cancel_order(const CancelRequest& request) override;
    void drain_events(EventSink& sink) override;
    VenueQuery<std::optional<VenueOrder>> query_order(std::string_view asset,
                                                      std::string_view client_order_id) override;
    VenueQuery<std::vector<VenueOrder>> open_orders(std::string_view asset) override;
    VenueQuery<std::vector<VenuePosition>> positions(std::string_view asset) override;
    PositionMode position_mode() const override { return log_.position_mode; }
    VenueQuery<std::vector<VenueEvent>> venue_moves(std::string_view asset) override;

private:
    const VenueCall* next(VenueCallKind kind, std::string_view key);
    void diverge(std::string what);

    const InputLog& log_;
    BatchTransform transform_;
    const LoggedInput* input_ = nullptr;
    std::size_t input_index_ = 0;
    std::size_t call_index_ = 0;
    std::size_t batch_number_ = 0;
    std::size_t events_delivered_ = 0;
    bool detached_ = false;
    std::optional<std::string> divergence_;
};

// A journal that keeps nothing: replays compare states by hash, not by journal.
class DiscardingZincPlane final : public ZincPlane {
public:
    void record_outcome(const KernelOutcome&, std::string_view) override {}
    void record_transition(const Transition&) override {}
    void write_terminal(const TradeRecord&) override {}
    void record_state(std::uint64_t, const TradeSlot&, std::span<const OrderRecord>, const AccountTotals&) override {}
    void record_finished_order(const FinishedOrder&) override {}
    std::optional<RecoveredState> recover() const override { return std::nullopt; }
    bool keeps_records() const override { return false; }
};

struct ReplayRun {
    std::uint64_t final_state_hash = 0;
    std::vector<KernelOutcome> outcomes; // one per replayed input (idle pumps are skipped)
    std::vector<std::size_t> outcome_inputs; // the log index of each outcome's input
    std::optional<std::string> divergence;
    std::size_t events_delivered = 0;
};

// A fresh kernel, built as the log says, on a ReplayVenue; run() feeds it the whole log.
// Pumps that delivered nothing are skipped: they cannot change the kernel's state.
class LogReplayer {
public:
    explicit LogReplayer(const InputLog& log, BatchTransform transform = {});
    LogReplayer(const LogReplayer&) = delete;
    LogReplayer& operator=(const LogReplayer&) = delete;

    // Called after each replayed input with its log index, its outcome and the kernel after it
    // (reports sample the kernel's state over the run this way).
    using InputObserver =
        std::function<void(std::size_t input_index, const KernelOutcome& outcome, const ExecutionKernel& kernel)>;
    void observe(InputObserver observer) { observer_ = std::move(observer); }
    // Keeps in ReplayRun::outcomes (and outcome_inputs) only the outcomes the filter accepts:
    // a check that reads a few kinds of outcome need not hold every input's (the observer
    // still sees every one). No filter: every outcome is kept.
    using OutcomeFilter = bool (*)(const KernelOutcome& outcome);
    void keep_outcomes_if(OutcomeFilter filter) { keep_ = filter; }

    // Feeds the whole log (once). Afterwards the venue is detached and kernel() may be fed more.
    ReplayRun run();
    ExecutionKernel& kernel() { return *kernel_; }
    const std::optional<std::string>& divergence() const { return venue_.divergence(); }

private:
    ZincPlane& zinc();

    const InputLog& log_;
    VirtualClock clock_;
    InMemoryControlPlane control_;
    ReplayVenue venue_;
    DiscardingZincPlane zinc_;
    // A log with RESTART inputs needs a journal to restart from (the replay restarts too, from
    // its own journal, so a replay that diverged before the crash cannot borrow the record's).
    std::unique_ptr<InMemoryZincPlane> journal_;
    KernelConfig config_;
    std::unique_ptr<ExecutionKernel> kernel_;
    bool ran_ = false;
    InputObserver observer_;
    OutcomeFilter keep_ = nullptr;
};

// Replays the log once: convenience for LogReplayer(log, transform).run().
ReplayRun replay_log(const InputLog& log, BatchTransform transform = {});

// The orderings of a log's batches a venue could produce. Exhaustive when the product of the
// batches' factorials is at most exhaustive_max; then ordering i (0 = as recorded) is one
// combination. Otherwise `total` is exhaustive_max + 1 and orderings are sampled.
struct OrderingPlan {
    std::vector<std::size_t> batch_sizes;
    std::uint64_t total = 1;
    bool exhaustive = true;
};
OrderingPlan plan_orderings(const InputLog& log, std::uint64_t exhaustive_max = 40'320);
// The transform for ordering `index` of an exhaustive plan (mixed radix over the batches).
BatchTransform ordering_transform(const OrderingPlan& plan, std::uint64_t index);

// JSON lines: a header line, one line per input, an end line with the final state hash.
void write_input_log(const InputLog& log, std::ostream& out);
Result<InputLog> read_input_log(std::istream& in, const std::string& source);
std::optional<Error> save_input_log(const InputLog& log, const std::string& path);
Result<InputLog> load_input_log(const std::string& path);
// True when the first line of a JSON-lines text is an input log header.
bool looks_like_input_log(std::string_view first_line);

Json venue_call_to_json(const VenueCall& call);
JsonResult<VenueCall> venue_call_from_json(const Json& json, const std::string& pointer);
Json logged_input_to_json(const LoggedInput& input);
JsonResult<LoggedInput> logged_input_from_json(const Json& json, const std::string& pointer);

} // namespace dita::chaos
