#pragma once
// StateInvariantChecker: rules that must hold after any chaos run, whatever order events came in.
//
// The seed's six (each able to fail here):
//   slot_not_stuck, capital_non_negative, no_unexpected_diagnostics, fsm_consistent,
//   equity_consistent, no_leaked_futures (threads of the process, events left at the venue,
//   events the kernel could not apply);
// and stronger ones:
//   transitions_legal (every traced transition is an edge of the FSM table),
//   size_conservation (open size = entry fills - exit fills, never negative, never above target),
//   money_identity (capital == initial + realized - fees exactly; fees == venue-reported fees),
//   equity_identity (equity == capital + unrealized, unrealized recomputed from slots and marks),
//   orders_match_venue (at rest the kernel's working orders and net positions are the venue's),
//   duplicate_events_noop (receiving every event twice, or all of them again at rest, changes
//   nothing),
//   replay_converges (the input log replayed in order, with every batch reversed, and in seeded
//   shuffled batch orders reaches the recorded state hash).
//
// Every check is a pure function of a CheckContext, so tests can hand it a corrupted history or
// state and see it fail.
#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "dita/chaos/input_log.hpp"
#include "dita/chaos/orchestrator.hpp"

namespace dita::chaos {

struct InvariantResult {
    std::string name;
    bool passed = true;
    std::string detail;
    int slot_id = 0; // the offending slot when a check is about one

    friend bool operator==(const InvariantResult&, const InvariantResult&) = default;
};

// The kernel and the venue at rest, after a run.
struct FinalState {
    std::vector<SlotSnapshot> slots;
    AccountSnapshot account;
    std::map<std::string, Decimal> marks;        // per asset, where the kernel has one
    std::vector<OrderRecord> kernel_working_orders;
    std::vector<VenueOrder> venue_open_orders;
    std::vector<VenuePosition> venue_positions;
    std::string venue_error;                     // a venue query that failed, if any
    std::size_t unmatched_events = 0;            // events the kernel keeps for reconciliation
    std::optional<std::size_t> venue_pending_events;
    std::optional<std::size_t> threads;
    std::uint64_t state_hash = 0;
    std::map<std::string, Decimal> mismatched_assets; // the kernel's fail-closed gaps (venue minus kernel net)
    std::map<std::string, Decimal> unplaced_fills;    // of those, late fills of its own orders no slot could take
    std::size_t unmatched_unplaced_events = 0;        // kept events on those assets (accounted, waiting for a slot)
    // Per trade id, the entry fills its finished lives counted (terminal records): a trade a
    // late entry fill reopened holds only what came after.
    std::map<std::string, Decimal> finished_entry_fills;
    // Exposure a stranger holds at the venue (the mock's initial foreign position), signed.
    std::map<std::string, Decimal> foreign_net;
};

FinalState capture_final_state(ChaosStack& stack);
// The kernel's own account of where it and the venue differ: events it keeps, fail-closed
// gaps, late fills no slot could take (for a kernel built outside a chaos stack too).
void capture_kernel_gaps(FinalState& state, const ExecutionKernel& kernel);

struct CheckOptions {
    bool replays = true; // duplicate_events_noop and replay_converges need replays
    // Replays of the input log, each delivering every event twice: the first reverses every
    // batch (0: it keeps the recorded order), the others shuffle with seed, seed + 1, ...
    // The first replay's kernel then receives every captured event once more, at rest.
    int reordered_replays = 1;
    std::uint64_t seed = 42;
    // false: a passing check's detail is left empty (the verdicts and failures' details are the
    // same). For callers that read only failures, e.g. a campaign's runs.
    bool pass_details = true;
};

struct LabeledReplay {
    std::string label;
    ReplayRun run;
};

// The replays of one run, made once and shared by the checks that read them. Their
// ReplayRun::outcomes hold only what a check can flag (CRITICAL or an unexpected diagnostic).
struct ReplayEvidence {
    // Every replay delivers every event twice; combined[0]'s kernel then gets every captured
    // event once more, at rest.
    std::vector<LabeledReplay> combined;
    bool reapplied = false;             // some replay reached the recorded state and got the events again
    std::uint64_t reapplied_from = 0;   // that replay's state
    std::uint64_t hash_after_reapply = 0;
    std::optional<std::string> reapply_problem; // an event whose re-application was an error or acted
    std::optional<std::size_t> reapply_changed; // the first event whose re-application changed the state
    // Made only when a combined replay missed the recorded state, to tell why: the log as
    // recorded, duplicates alone, each missing reordering alone (index into combined).
    std::optional<ReplayRun> ordered;
    std::optional<ReplayRun> doubled;
    std::map<std::size_t, LabeledReplay> reordered_only;
};

ReplayEvidence gather_replays(const InputLog& log, std::span<const VenueEvent> events, const CheckOptions& options);

struct CheckContext {
    const ChaosRunResult& run;
    const FinalState& final_state;
    const InputLog* log = nullptr;
    CheckOptions options;
    const ReplayEvidence* replays = nullptr; // made from the log when absent
    const std::vector<VenueEvent>* query_overfills = nullptr; // query_overfills(*log), made when absent
};

using InvariantCheck = InvariantResult (*)(const CheckContext& context);

struct InvariantDef {
    std::string_view name;
    std::string_view description;
    InvariantCheck check;
    bool needs_replay = false;
};

// Every check, in report order.
std::span<const InvariantDef> invariant_checks();

InvariantResult check_slot_not_stuck(const CheckContext& context);
InvariantResult check_capital_non_negative(const CheckContext& context);
InvariantResult check_no_unexpected_diagnostics(const CheckContext& context);
InvariantResult check_fsm_consistent(const CheckContext& context);
InvariantResult check_equity_consistent(const CheckContext& context);
InvariantResult check_no_leaked_futures(const CheckContext& context);
InvariantResult check_transitions_legal(const CheckContext& context);
InvariantResult check_size_conservation(const CheckContext& context);
InvariantResult check_money_identity(const CheckContext& context);
InvariantResult check_equity_identity(const CheckContext& context);
InvariantResult check_orders_match_venue(const CheckContext& context);
InvariantResult check_duplicate_events_noop(const CheckContext& context);
InvariantResult check_replay_converges(const CheckContext& context);

// Liveness, for runs brought to rest by quiesce() (campaigns): no slot left working or
// reconciling, the kernel's working orders are the venue's open orders, and the kernel's net
// position per asset is the venue's, or the kernel failed closed with exactly the gap. Not in
// invariant_checks() (scenarios are not quiesced); a run that was not quiesced passes it.
inline constexpr std::string_view liveness_check_name = "liveness";
InvariantResult check_liveness(const CheckContext& context);

// Runs every check on a context (replay checks only when options.replays).
std::vector<InvariantResult> run_checks(const CheckContext& context);

// The seed's diagnostics that must never appear in a chaos run (plus CRITICAL severity).
bool is_unexpected_diagnostic(KernelDiagnosticCode code);
// An outcome a chaos run must never give, judged with the venue's own reports: CRITICAL
// severity, or an unexpected diagnostic, except the kernel's correct reactions to venue truth:
// RECONCILE_MISMATCH at WARNING severity (a venue position adopted; ERROR, failing closed, stays
// unexpected) and OVERFILL naming an order the venue itself reported filled beyond its quantity.
// Orders a venue answered queries with (the log's QUERY_ORDER and OPEN_ORDERS) showing more
// filled than ordered, as reports: a reconcile learns an overfill whose event was lost only so.
std::vector<VenueEvent> query_overfills(const InputLog& log);
bool is_unexpected_outcome(const KernelOutcome& outcome, std::span<const VenueEvent> venue_reports);

// The seed's checker: bound to a stack; check_all reads its final state at call time.
class StateInvariantChecker {
public:
    explicit StateInvariantChecker(ChaosStack& stack, CheckOptions options = {});
    std::vector<InvariantResult> check_all(const ChaosRunResult& result);
    bool all_pass(const ChaosRunResult& result);

private:
    ChaosStack& stack_;
    CheckOptions options_;
};

} // namespace dita::chaos
