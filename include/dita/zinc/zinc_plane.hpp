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
#include <string_view>
#include <vector>

#include "dita/contracts/types.hpp"

namespace dita {

struct AccountTotals {
    Decimal initial_capital;
    Decimal realized_pnl;
    Decimal fees_paid;
    Decimal funding; // received (negative: paid)
    friend bool operator==(const AccountTotals&, const AccountTotals&) = default;
};

struct OutcomeRecord {
    std::uint64_t input_sequence = 0;
    std::int64_t timestamp_ns = 0;
    KernelDiagnosticCode code = KernelDiagnosticCode::OK;
    KernelSeverity severity = KernelSeverity::INFO;
    int slot_id = -1;
    std::string input_ref; // intent id or client order id
    DetailText details; // formatted when read
    std::vector<KernelDiagnostic> diagnostics; // the outcome's, with their fields
};

// An order of a finished trade. A restarted kernel must still recognise late reports for it
// (the venue's race: a fill after the cancel ack), or they would look like a stranger's.
struct FinishedOrder {
    OrderRecord record;
    int slot_id = 0;
    Id trade_id;
    AssetName asset;
    friend bool operator==(const FinishedOrder&, const FinishedOrder&) = default;
};

// What a restart reads back: the newest state of every slot ever journaled, the totals, and
// the newest version of each recently finished order (oldest first, at most
// finished_orders_recovered_max).
struct RecoveredState {
    std::uint64_t input_sequence = 0; // the last input journaled
    AccountTotals totals;
    std::vector<SlotSnapshot> slots;
    std::vector<FinishedOrder> finished_orders;
    // Orders written ahead (see ZincPlane::write_ahead) whose input never committed: the process
    // stopped between sending them and journaling the answer. Their records in `slots` carry
    // outcome_unknown, so the restore asks the venue: adopted when it has them, ended when not.
    std::vector<Id> in_flight_orders;
};

inline constexpr std::size_t finished_orders_recovered_max = 1024;

class ZincPlane {
public:
    virtual ~ZincPlane() = default;
    virtual void record_outcome(const KernelOutcome& outcome, std::string_view input_ref) = 0;
    virtual void record_transition(const Transition& transition) = 0;
    virtual void write_terminal(const TradeRecord& record) = 0;
    virtual void record_state(std::uint64_t input_sequence, const TradeSlot& slot,
                              std::span<const OrderRecord> orders, const AccountTotals& totals) = 0;
    // A finished trade's order, or a newer version of one (a late fill or fee): the newest
    // version of each is what recover() gives back.
    virtual void record_finished_order(const FinishedOrder& order) = 0;
    virtual std::optional<RecoveredState> recover() const = 0;
    // Called once at the end of every kernel input, after all of its records: a durable plane
    // makes the input's records durable together here (all or nothing after a crash).
    virtual void commit(std::uint64_t input_sequence) { (void)input_sequence; }
    // Write-ahead of orders. A plane that survives the process says so here; the kernel then,
    // right before each order leaves for the venue, records the state of every slot the input
    // has changed so far (the order among them) and calls write_ahead(), which must make all of
    // it durable before returning. A crash between the send and the input's commit() then leaves
    // the order in the journal as "may exist" instead of unknown to the restarted kernel.
    virtual bool writes_ahead() const { return false; }
    // False for a plane that keeps nothing it is given (a replay's): the kernel then skips the
    // records it would build only for the journal (slot states, terminal records, finished
    // orders). Outcomes are still handed over; they are the kernel's answer anyway.
    virtual bool keeps_records() const { return true; }
    virtual void write_ahead(std::uint64_t input_sequence, std::string_view client_order_id) {
        (void)input_sequence;
        (void)client_order_id;
    }
};

// Bounded in memory: outcomes, transitions and terminal records keep the newest `capacity`
// entries (older ones are counted as dropped); the newest state of every slot is always kept.
class InMemoryZincPlane final : public ZincPlane {
public:
    static constexpr std::size_t default_capacity = 1 << 16;
    // Terminal records keep the newest `capacity`; outcomes and transitions the newest
    // `outcome_capacity` (0: the same), for a holder that keeps its own copy of those.
    explicit InMemoryZincPlane(std::size_t capacity = default_capacity, std::size_t outcome_capacity = 0);

    void record_outcome(const KernelOutcome& outcome, std::string_view input_ref) override;
    void record_transition(const Transition& transition) override;
    void write_terminal(const TradeRecord& record) override;
    void record_state(std::uint64_t input_sequence, const TradeSlot& slot,
                      std::span<const OrderRecord> orders, const AccountTotals& totals) override;
    void record_finished_order(const FinishedOrder& order) override;
    std::optional<RecoveredState> recover() const override;

    // Oldest first. Copies: for inspection, not for the hot path.
    std::vector<OutcomeRecord> outcomes() const { return outcomes_.in_order(); }
    std::vector<Transition> transitions() const { return transitions_.in_order(); }
    std::vector<TradeRecord> terminal_records() const { return terminals_.in_order(); }
    std::size_t outcome_count() const { return outcomes_.size(); }
    std::size_t terminal_count() const { return terminals_.size(); }
    std::uint64_t terminals_dropped() const { return terminals_.dropped(); }
    std::uint64_t outcomes_dropped() const { return outcomes_.dropped(); }
    std::uint64_t transitions_dropped() const { return transitions_.dropped(); }
    void clear();

private:
    // Fixed-capacity ring; slots are reused in place, so strings keep their buffers and a
    // warmed-up plane records without allocating. clear() keeps the slots too (a chaos stack
    // clears its plane run after run): only the first `used_` hold records.
    template <typename T>
    class Ring {
    public:
        explicit Ring(std::size_t capacity) : capacity_(capacity) {}
        T& next() {
            if (used_ < capacity_) {
                if (used_ == items_.size()) items_.emplace_back();
                return items_[used_++];
            }
            T& slot = items_[head_];
            head_ = (head_ + 1) % capacity_;
            ++dropped_;
            return slot;
        }
        std::vector<T> in_order() const {
            std::vector<T> out;
            out.reserve(used_);
            for (std::size_t i = 0; i < used_; ++i) out.push_back(items_[(head_ + i) % used_]);
            return out;
        }
        std::size_t size() const { return used_; }
        std::uint64_t dropped() const { return dropped_; }
        void clear() {
            used_ = 0;
            head_ = 0;
            dropped_ = 0;
        }

    private:
        std::size_t capacity_;
        std::vector<T> items_;
        std::size_t used_ = 0; // records held, the oldest at head_ once the ring is full
        std::size_t head_ = 0;
        std::uint64_t dropped_ = 0;
    };

    std::size_t capacity_;
    Ring<OutcomeRecord> outcomes_;
    Ring<Transition> transitions_;
    Ring<TradeRecord> terminals_;
    // Every version appended; recover() keeps the newest of each. Room for several versions
    // of each order a restart gives back.
    Ring<FinishedOrder> finished_{4 * finished_orders_recovered_max};
    std::vector<SlotSnapshot> slot_states_; // indexed by slot id
    std::vector<bool> slot_seen_;
    AccountTotals totals_;
    std::uint64_t last_sequence_ = 0; // the newest input journaled
    bool any_state_ = false;
};

} // namespace dita
