#include "dita/chaos/campaign.hpp"

#include <algorithm>

#include "dita/chaos/orchestrator.hpp"
#include "dita/chaos/suite.hpp"

namespace dita::chaos {

CheckedRun run_checked(const ChaosScenario& scenario, const CampaignCheckOptions& options) {
    std::unique_ptr<ChaosStack> stack;
    return run_checked(scenario, options, stack);
}

namespace {

// run_checked in the room of `scratch`, the run before, whose vectors keep their capacity from
// run to run (a campaign makes thousands); the run is left there for the next.
// `pass_details` false: passing checks come without their detail (callers that read failures only).
CheckedRun run_checked_with(const ChaosScenario& scenario, const CampaignCheckOptions& options,
                            std::unique_ptr<ChaosStack>& stack, CheckedStackRun& scratch, bool pass_details) {
    CheckedRun out;
    out.steps = scenario.steps.size();
    if (const std::optional<Error> problem = ChaosStack::reset_or_create(stack, scenario.venue)) {
        out.passed = false;
        out.invariant = "setup";
        out.detail = problem->message();
        return out;
    }
    CheckOptions check_options;
    check_options.replays = options.replays;
    check_options.seed = options.replay_seed;
    check_options.pass_details = pass_details;
    scratch.run = run_chaos_scenario_reusing(*stack, scenario, RunOptions{}, std::move(scratch.run),
                                             run_seals_itself(*stack, true));
    check_run(*stack, check_options, true, scratch);
    out.checks = std::move(scratch.checks);
    for (const InvariantResult& check : out.checks) {
        if (check.passed) continue;
        out.passed = false;
        out.invariant = check.name;
        out.detail = check.detail;
        break;
    }
    return out;
}

} // namespace

CheckedRun run_checked(const ChaosScenario& scenario, const CampaignCheckOptions& options,
                       std::unique_ptr<ChaosStack>& stack) {
    CheckedStackRun scratch;
    return run_checked_with(scenario, options, stack, scratch, true);
}

namespace {

class Shrinker {
public:
    Shrinker(const std::string& invariant, const ShrinkOptions& options) : invariant_(invariant), options_(options) {}

    // True when the candidate still fails the same invariant (and the budget allows a try).
    bool still_fails(const ChaosScenario& candidate) {
        if (attempts_ >= options_.attempts_max) return false;
        ++attempts_;
        const CheckedRun run = run_checked_with(candidate, options_.checks, stack_, scratch_, false);
        for (const InvariantResult& check : run.checks) {
            if (!check.passed && check.name == invariant_) {
                detail_ = check.detail;
                return true;
            }
        }
        return false;
    }
    bool exhausted() const { return attempts_ >= options_.attempts_max; }
    std::size_t attempts() const { return attempts_; }
    const std::string& detail() const { return detail_; }

private:
    std::string invariant_;
    ShrinkOptions options_;
    std::size_t attempts_ = 0;
    std::string detail_;
    std::unique_ptr<ChaosStack> stack_; // reset for every attempt
    CheckedStackRun scratch_;           // the attempts' results, reused
};

// Delta debugging over chunks of steps: drop a chunk when the rest still fails.
bool shrink_steps(Shrinker& shrinker, ChaosScenario& best) {
    bool changed = false;
    std::size_t chunk = std::max<std::size_t>(1, best.steps.size() / 2);
    while (!shrinker.exhausted() && !best.steps.empty()) {
        bool dropped = false;
        for (std::size_t begin = 0; begin < best.steps.size() && !shrinker.exhausted();) {
            if (best.steps.size() <= 1) break;
            ChaosScenario candidate = best;
            const std::size_t end = std::min(begin + chunk, candidate.steps.size());
            candidate.steps.erase(candidate.steps.begin() + static_cast<std::ptrdiff_t>(begin),
                                  candidate.steps.begin() + static_cast<std::ptrdiff_t>(end));
            if (!candidate.steps.empty() && shrinker.still_fails(candidate)) {
                best = std::move(candidate);
                dropped = true;
                changed = true;
            } else {
                begin += chunk;
            }
        }
        if (chunk == 1 && !dropped) break;
        if (!dropped) chunk = std::max<std::size_t>(1, chunk / 2);
    }
    return changed;
}

template <typename Mutate>
bool try_change(Shrinker& shrinker, ChaosScenario& best, Mutate mutate) {
    ChaosScenario candidate = best;
    if (!mutate(candidate)) return false; // already simple
    if (!shrinker.still_fails(candidate)) return false;
    best = std::move(candidate);
    return true;
}

bool shrink_values(Shrinker& shrinker, ChaosScenario& best) {
    bool changed = false;
    changed |= try_change(shrinker, best, [](ChaosScenario& s) {
        if (s.slot_id == 0) return false;
        s.slot_id = 0;
        return true;
    });
    for (std::size_t i = 0; i < best.steps.size() && !shrinker.exhausted(); ++i) {
        const ChaosStep defaults;
        const auto step_change = [&](auto field_change) {
            changed |= try_change(shrinker, best, [&](ChaosScenario& s) { return field_change(s.steps[i]); });
        };
        step_change([](ChaosStep& st) { return std::exchange(st.delay_before, 0.0) != 0.0; });
        step_change([&](ChaosStep& st) { return std::exchange(st.target_size, defaults.target_size) != defaults.target_size; });
        step_change([&](ChaosStep& st) {
            return std::exchange(st.reference_price, defaults.reference_price) != defaults.reference_price;
        });
        step_change([&](ChaosStep& st) {
            return std::exchange(st.exit_leg_ratios, defaults.exit_leg_ratios) != defaults.exit_leg_ratios;
        });
        step_change([&](ChaosStep& st) { return std::exchange(st.leverage, defaults.leverage) != defaults.leverage; });
        step_change([](ChaosStep& st) { return std::exchange(st.slot_id, std::optional<int>{}).has_value(); });
    }
    return changed;
}

bool shrink_faults(Shrinker& shrinker, ChaosScenario& best) {
    bool changed = false;
    const VenueSettings defaults;
    for (const VenueProbabilityField& field : venue_probability_fields) {
        changed |= try_change(shrinker, best, [&](ChaosScenario& s) {
            return std::exchange(s.venue.*field.member, 0.0) != 0.0;
        });
    }
    changed |= try_change(shrinker, best, [](ChaosScenario& s) { return std::exchange(s.venue.latency_ns, 0) != 0; });
    changed |= try_change(shrinker, best, [](ChaosScenario& s) { return std::exchange(s.venue.delay_ns_max, 0) != 0; });
    changed |= try_change(shrinker, best, [](ChaosScenario& s) { return std::exchange(s.venue.random_partial_fills, false); });
    changed |= try_change(shrinker, best, [](ChaosScenario& s) {
        if (s.venue.initial_foreign_position == 0.0) return false;
        s.venue.initial_foreign_position = 0.0;
        s.venue.initial_foreign_position_price = 0.0;
        return true;
    });
    changed |= try_change(shrinker, best, [](ChaosScenario& s) { return std::exchange(s.venue.reject_entries, false); });
    changed |= try_change(shrinker, best, [](ChaosScenario& s) { return std::exchange(s.venue.reject_exits, false); });
    changed |= try_change(shrinker, best, [](ChaosScenario& s) { return std::exchange(s.venue.cancel_reject, false); });
    changed |= try_change(shrinker, best, [&](ChaosScenario& s) {
        return std::exchange(s.venue.partial_fill_ratio, defaults.partial_fill_ratio) != defaults.partial_fill_ratio;
    });
    changed |= try_change(shrinker, best, [](ChaosScenario& s) { return std::exchange(s.venue.seed, 0) != 0; });
    return changed;
}

} // namespace

ShrinkResult shrink_failure(const ChaosScenario& failing, const std::string& invariant, const ShrinkOptions& options) {
    Shrinker shrinker(invariant, options);
    ChaosScenario best = failing;
    constexpr int rounds_max = 4;
    for (int round = 0; round < rounds_max && !shrinker.exhausted(); ++round) {
        bool changed = shrink_steps(shrinker, best);
        changed |= shrink_faults(shrinker, best);
        changed |= shrink_values(shrinker, best);
        if (!changed) break;
    }
    ShrinkResult out;
    out.invariant = invariant;
    // The detail of the reproducer itself (the shrinker's last success may be an earlier one).
    const CheckedRun final_run = run_checked(best, options.checks);
    out.detail = final_run.detail;
    for (const InvariantResult& check : final_run.checks) {
        if (!check.passed && check.name == invariant) out.detail = check.detail;
    }
    out.attempts = shrinker.attempts();
    best.name = failing.name + "-shrunk";
    best.description = "shrunk reproducer of " + failing.name + ": fails " + invariant;
    out.scenario = std::move(best);
    return out;
}

CampaignReport run_campaign(const CampaignOptions& options) {
    CampaignReport report;
    const std::uint64_t shards = std::max<std::uint64_t>(1, options.shard_count);
    const std::uint64_t every = std::max<std::uint64_t>(1, options.replay_every);
    std::uint64_t shard_runs = 0;
    std::unique_ptr<ChaosStack> stack; // one stack, reset for every run
    CheckedStackRun scratch;           // one run's result, reused for every run

    // Written so nothing wraps: a shard count near 2^64 must not turn offset + shards into a
    // small number (an endless loop over seeds already run).
    const auto has_next = [&](std::uint64_t offset) { return options.seeds - offset > shards; };
    for (std::uint64_t offset = options.shard_index % shards; offset < options.seeds;
         offset = has_next(offset) ? offset + shards : options.seeds) {
        const std::uint64_t seed = options.start + offset;
        const ChaosScenario scenario = generate_scenario(seed, options.generator);
        CampaignCheckOptions checks = options.shrink_options.checks;
        checks.replays = (shard_runs % every) == 0;
        ++shard_runs;
        CheckedRun run = run_checked_with(scenario, checks, stack, scratch, false);
        if (run.passed && !checks.replays) {
            // Cheap checks pass; replays run on every k-th seed only.
        } else if (checks.replays) {
            ++report.replayed_runs;
        }
        if (!run.passed && !checks.replays) {
            // A failure is always confirmed with the whole set (its invariant may be a replay's).
            checks.replays = true;
            ++report.replayed_runs;
            run = run_checked_with(scenario, checks, stack, scratch, false);
        }
        ++report.runs;
        if (!run.passed) {
            CampaignFailure failure;
            failure.seed = seed;
            failure.invariant = run.invariant;
            failure.detail = run.detail;
            failure.steps = scenario.steps.size();
            failure.reproducer = scenario;
            if (options.shrink) {
                ShrinkResult shrunk = shrink_failure(scenario, run.invariant, options.shrink_options);
                failure.reproducer = std::move(shrunk.scenario);
                failure.detail = shrunk.detail.empty() ? failure.detail : shrunk.detail;
            }
            failure.shrunk_steps = failure.reproducer.steps.size();
            report.failures.push_back(std::move(failure));
        }
        if (report.failures.size() >= options.failures_max) {
            report.stopped_early = has_next(offset);
            break;
        }
        if (options.on_run && !options.on_run(report.runs, report.failures.size())) {
            report.stopped_early = has_next(offset);
            break;
        }
    }
    return report;
}

} // namespace dita::chaos
