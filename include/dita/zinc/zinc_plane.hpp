#pragma once
// The kernel's journal. The kernel writes, in input order: each outcome, each transition
// (when tracing), each terminal trade record, and the state of every slot an input changed
// together with the account totals. That last stream is what a restart needs: the newest
// state per slot plus the totals rebuild a kernel, which then reconciles with the venue.
// A durable implementation appends the same calls to disk; the kernel does not change.
#include <cstddef>
#include <cstdint>
#include <deque>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "dita/contracts/types.hpp"

namespace dita {

struct AccountTotals {
    Decimal initial_capital;
    Decimal realized_pnl;
    Decimal fees_paid;
    friend bool operator==(const AccountTotals&, const AccountTotals&) = default;
};

struct OutcomeRecord {
    std::uint64_t input_sequence = 0;
    std::int64_t timestamp_ns = 0;
    KernelDiagnosticCode code = KernelDiagnosticCode::OK;
    KernelSeverity severity = KernelSeverity::INFO;
    int slot_id = -1;
    std::string input_ref; // intent id or client order id
    std::string details;
};

// What a restart reads back: the newest state of every slot ever journaled and the totals.
struct RecoveredState {
    std::uint64_t input_sequence = 0;
    AccountTotals totals;
    std::vector<SlotSnapshot> slots;
};

class ZincPlane {
public:
    virtual ~ZincPlane() = default;
    virtual void record_outcome(const KernelOutcome& outcome, std::string_view input_ref) = 0;
    virtual void record_transition(const Transition& transition) = 0;
    virtual void write_terminal(const TradeRecord& record) = 0;
    virtual void record_state(std::uint64_t input_sequence, const TradeSlot& slot,
                              std::span<const OrderRecord> orders, const AccountTotals& totals) = 0;
    virtual std::optional<RecoveredState> recover() const = 0;
};

// Bounded in memory: outcomes and transitions keep the newest `capacity` entries (older ones
// are counted as dropped); terminal records and slot states are all kept.
class InMemoryZincPlane final : public ZincPlane {
public:
    static constexpr std::size_t default_capacity = 1 << 16;
    explicit InMemoryZincPlane(std::size_t capacity = default_capacity);

    void record_outcome(const KernelOutcome& outcome, std::string_view input_ref) override;
    void record_transition(const Transition& transition) override;
    void write_terminal(const TradeRecord& record) override;
    void record_state(std::uint64_t input_sequence, const TradeSlot& slot,
                      std::span<const OrderRecord> orders, const AccountTotals& totals) override;
    std::optional<RecoveredState> recover() const override;

    const std::deque<OutcomeRecord>& outcomes() const { return outcomes_; }
    const std::deque<Transition>& transitions() const { return transitions_; }
    const std::vector<TradeRecord>& terminal_records() const { return terminals_; }
    std::uint64_t outcomes_dropped() const { return outcomes_dropped_; }
    std::uint64_t transitions_dropped() const { return transitions_dropped_; }
    void clear();

private:
    std::size_t capacity_;
    std::deque<OutcomeRecord> outcomes_;
    std::deque<Transition> transitions_;
    std::vector<TradeRecord> terminals_;
    std::vector<SlotSnapshot> slot_states_; // indexed by slot id
    std::vector<bool> slot_seen_;
    AccountTotals totals_;
    std::uint64_t last_sequence_ = 0;
    bool any_state_ = false;
    std::uint64_t outcomes_dropped_ = 0;
    std::uint64_t transitions_dropped_ = 0;
};

} // namespace dita
