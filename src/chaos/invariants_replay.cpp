// The replay invariants: duplicate events change nothing, reordered replays converge.
#include "dita/chaos/invariants.hpp"

#include <algorithm>

#include "invariants_support.hpp"

namespace dita::chaos {

using namespace invariants_detail;

namespace {

struct Reapplied {
    std::uint64_t hash_after = 0;
    std::optional<std::string> problem;
};

// Every captured event once more into a kernel that has replayed the whole log.
Reapplied reapply_all(LogReplayer& replayer, std::span<const VenueEvent> events) {
    Reapplied out;
    for (const VenueEvent& event : events) {
        const KernelOutcome outcome = replayer.kernel().on_venue_event(event);
        if (replayer.divergence()) {
            out.problem = "re-applying " + describe_event(event) + ": " + *replayer.divergence();
            break;
        }
        // No excuse here: an event applied once more at rest is a duplicate, so even a real
        // venue overfill must not be flagged (or counted) again.
        if (outcome.severity >= KernelSeverity::ERROR || is_unexpected_diagnostic(outcome.diagnostic_code)) {
            out.problem = "re-applying " + describe_event(event) + " gave " +
                          std::string(to_string(outcome.diagnostic_code)) + ": " + outcome.details;
            break;
        }
    }
    out.hash_after = replayer.kernel().state_hash();
    return out;
}

// What replay_problem can flag: the checks keep only these of a replay's outcomes (a replay
// holding every input's outcome cost more memory than the run it checks).
bool flaggable(const KernelOutcome& outcome) {
    return outcome.severity == KernelSeverity::CRITICAL || is_unexpected_diagnostic(outcome.diagnostic_code);
}

ReplayRun replay_flaggable(const InputLog& log, BatchTransform transform = {}) {
    LogReplayer replayer(log, std::move(transform));
    replayer.keep_outcomes_if(&flaggable);
    return replayer.run();
}

} // namespace

ReplayEvidence gather_replays(const InputLog& log, std::span<const VenueEvent> events, const CheckOptions& options) {
    ReplayEvidence evidence;
    const int reorders = std::max(options.reordered_replays, 0);
    const auto reordering = [&](int i) -> std::pair<std::string, BatchTransform> {
        if (i == 0) return {"the replay with every batch reversed", reverse_batches()};
        const std::uint64_t seed = options.seed + static_cast<std::uint64_t>(i - 1);
        return {"the replay shuffled with seed " + std::to_string(seed), shuffle_batches(seed)};
    };
    const auto missed = [&](const ReplayRun& run) {
        return run.divergence.has_value() || run.final_state_hash != log.final_state_hash;
    };
    std::optional<std::uint64_t> reapplied_on; // the state the re-application started from
    {
        // The copy run: the first replay, then (when it reached the recorded state) every
        // captured event once more.
        LogReplayer copy(log, reorders > 0 ? reverse_and_duplicate_batches() : duplicate_events());
        copy.keep_outcomes_if(&flaggable);
        const std::string label = reorders > 0 ? "the replay with every batch reversed and every event twice"
                                               : "the replay with every event delivered twice";
        evidence.combined.push_back({label, copy.run()});
        if (!missed(evidence.combined.front().run)) {
            const Reapplied again = reapply_all(copy, events);
            evidence.reapply_problem = again.problem;
            evidence.hash_after_reapply = again.hash_after;
            reapplied_on = evidence.combined.front().run.final_state_hash;
        }
    }
    for (int i = 1; i < reorders; ++i) {
        auto [label, transform] = reordering(i);
        // Duplicates first, then the shuffle: a late copy of an old event lands anywhere.
        evidence.combined.push_back({label + " (every event twice)", replay_flaggable(log, compose(duplicate_events(), std::move(transform)))});
    }
    bool any_missed = false;
    for (const LabeledReplay& one : evidence.combined) any_missed = any_missed || missed(one.run);
    if (any_missed) {
        evidence.ordered = replay_flaggable(log);
        if (reorders > 0) {
            // Duplicates alone, in recorded order; when they reach the recorded state, the
            // re-application at rest starts from there instead of a reordered replay's miss.
            LogReplayer doubled(log, duplicate_events());
            doubled.keep_outcomes_if(&flaggable);
            evidence.doubled = doubled.run();
            if (!reapplied_on && !missed(*evidence.doubled)) {
                const Reapplied again = reapply_all(doubled, events);
                evidence.reapply_problem = again.problem;
                evidence.hash_after_reapply = again.hash_after;
                reapplied_on = evidence.doubled->final_state_hash;
            }
        } else {
            evidence.doubled = evidence.combined.front().run;
        }
        for (std::size_t i = 0; i < evidence.combined.size() && reorders > 0; ++i) {
            if (!missed(evidence.combined[i].run)) continue;
            auto [label, transform] = reordering(static_cast<int>(i));
            evidence.reordered_only.emplace(i, LabeledReplay{label, replay_flaggable(log, std::move(transform))});
        }
    }
    evidence.reapplied = reapplied_on.has_value();
    evidence.reapplied_from = reapplied_on.value_or(0);
    if (reapplied_on && !evidence.reapply_problem && evidence.hash_after_reapply != *reapplied_on) {
        // Find the first event that changed the state, for the report (only when one did).
        LogReplayer again(log);
        again.keep_outcomes_if(&flaggable);
        again.run();
        for (std::size_t i = 0; i < events.size(); ++i) {
            const std::uint64_t before = again.kernel().state_hash();
            (void)again.kernel().on_venue_event(events[i]);
            if (again.kernel().state_hash() != before) {
                evidence.reapply_changed = i;
                break;
            }
        }
    }
    return evidence;
}

namespace {

// The context's shared replays, or ones made here when a caller (a test) gave none.
class Replays {
public:
    explicit Replays(const CheckContext& context) {
        if (context.replays != nullptr) {
            evidence_ = context.replays;
        } else {
            local_ = gather_replays(*context.log, context.run.events, context.options);
            evidence_ = &*local_;
        }
    }
    const ReplayEvidence& operator*() const { return *evidence_; }
    const ReplayEvidence* operator->() const { return evidence_; }

private:
    std::optional<ReplayEvidence> local_;
    const ReplayEvidence* evidence_ = nullptr;
};

} // namespace

InvariantResult check_duplicate_events_noop(const CheckContext& context) {
    constexpr std::string_view name = "duplicate_events_noop";
    if (auto unusable = log_unusable(name, context)) return *unusable;
    const InputLog& log = *context.log;
    const Replays replays(context);
    const VenueReports reports(context);
    // A log that cannot reproduce the run cannot tell about duplicates.
    if (replays->ordered) {
        if (auto problem = replay_problem(*replays->ordered, log.final_state_hash, reports.all(), "the copy run")) return fail(name, *problem);
    }
    // 1. Every event delivered twice in a row while the run is replayed (in recorded order
    //    when a reordered replay missed, so order and duplicates are told apart).
    if (replays->doubled) {
        if (auto problem = replay_problem(*replays->doubled, log.final_state_hash, reports.all(), "the replay with every event delivered twice")) {
            return fail(name, *problem);
        }
    }
    // 2. Then every captured event applied once more, at rest (on a replay that reached the
    //    recorded state; when none did, the checks above have failed already).
    const LabeledReplay& copy = replays->combined.front();
    if (replays->reapply_problem) return fail(name, *replays->reapply_problem);
    const std::vector<VenueEvent>& events = context.run.events;
    if (!replays->reapplied) {
        return fail(name, "no replay reached the recorded state, so the events could not be re-applied at rest");
    }
    if (replays->hash_after_reapply != replays->reapplied_from) {
        if (replays->reapply_changed && *replays->reapply_changed < events.size()) {
            const VenueEvent& event = events[*replays->reapply_changed];
            return fail(name, "re-applying event " + std::to_string(*replays->reapply_changed) + " (" +
                                  describe_event(event) + ") changed the state",
                        event.slot_id < 0 ? 0 : event.slot_id);
        }
        return fail(name, "re-applying the " + std::to_string(events.size()) + " events changed the state");
    }
    return pass(context, name, [&] {
        return std::to_string(copy.run.events_delivered / 2) + " events delivered twice in "
               + std::to_string(replays->combined.size()) + " replay(s), " + std::to_string(events.size())
               + " re-applied at rest: no change";
    });
}

InvariantResult check_replay_converges(const CheckContext& context) {
    constexpr std::string_view name = "replay_converges";
    if (auto unusable = log_unusable(name, context)) return *unusable;
    const InputLog& log = *context.log;
    if (log.final_state_hash != context.final_state.state_hash) {
        return fail(name, "the log was sealed at a different state than the kernel's at rest");
    }
    const Replays replays(context);
    const VenueReports reports(context);
    if (replays->ordered) {
        if (auto problem = replay_problem(*replays->ordered, log.final_state_hash, reports.all(), "the ordered replay")) {
            return fail(name, *problem);
        }
    }
    bool duplicates_blamed = false;
    for (std::size_t i = 0; i < replays->combined.size(); ++i) {
        const LabeledReplay& combined = replays->combined[i];
        const auto problem = replay_problem(combined.run, log.final_state_hash, reports.all(), combined.label);
        if (!problem) continue;
        // Name the reordering alone when it is the cause. When it converges and duplicates alone
        // miss too, the duplicates are the cause (duplicate_events_noop reports them); only a
        // miss that neither explains is the combination's.
        const auto alone = replays->reordered_only.find(i);
        if (alone != replays->reordered_only.end()) {
            if (auto own = replay_problem(alone->second.run, log.final_state_hash, reports.all(), alone->second.label)) {
                return fail(name, *own);
            }
            if (replays->doubled && replay_problem(*replays->doubled, log.final_state_hash, reports.all(), "")) {
                duplicates_blamed = true;
                continue;
            }
            return fail(name, *problem + " (" + alone->second.label.substr(4) +
                                  " alone converges, and so do duplicates alone: together they do not)");
        }
        return fail(name, *problem);
    }
    if (duplicates_blamed) {
        return pass(context, name, [] {
            return "every reordering alone reaches the recorded state; the misses come from duplicated "
                   "events (see duplicate_events_noop)";
        });
    }
    std::size_t batches = 0;
    for (const LoggedInput& input : log.inputs) {
        for (const VenueCall& call : input.calls) batches += call.kind == VenueCallKind::DRAIN && !call.events.empty() ? 1 : 0;
    }
    return pass(context, name, [&] {
        return std::to_string(replays->combined.size()) + " replay(s) of " + std::to_string(log.inputs.size())
               + " inputs (" + std::to_string(batches) + " event batches) reach the recorded state: "
               + replays->combined.front().label.substr(4) + (replays->combined.size() > 1 ? "; seeded shuffles" : "");
    });
}

} // namespace dita::chaos
