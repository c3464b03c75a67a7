#pragma once
// The execution kernel: one account, a fixed number of slots, each holding at most one trade.
// Single-threaded and deterministic: the same inputs in the same order give the same state.
// Every input returns a KernelOutcome; bad input is reported and changes nothing.
#include <algorithm>
#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <string_view>
#include <string>
#include <vector>

#include "dita/contracts/clock.hpp"
#include "dita/contracts/id_table.hpp"
#include "dita/contracts/result.hpp"
#include "dita/contracts/ring.hpp"
#include "dita/contracts/types.hpp"
#include "dita/contracts/venue.hpp"
#include "dita/control/control_plane.hpp"
#include "dita/kernel/fsm.hpp"
#include "dita/kernel/bounds.hpp"
#include "dita/zinc/zinc_plane.hpp"

namespace dita {



inline constexpr std::size_t client_order_id_prefix_max = 20;
// At most client_order_id_prefix_max characters of [a-z0-9.] (empty is valid: no prefix).
bool valid_client_order_id_prefix(std::string_view prefix);

struct KernelConfig {
    int max_slots = 2;
    Decimal initial_capital = Decimal::from_units(10'000);
    int slots_max = 4096;                 // hard bound on max_slots
    std::size_t orders_retained_max = 1024; // finished orders kept to recognise late events
    // Orders of one trade that its slot's journal record and snapshot carry: every exit is
    // kept, for a late fill of an earlier exit is as real as one of the current exit.
    std::size_t orders_per_trade_max = 64;
    // When a reconcile finds the venue's position differs, this many of the most recently
    // finished orders on the asset are asked again: a late fill whose report was lost.
    std::size_t finished_orders_queried_max = 32;
    std::size_t unmatched_events_max = 1024;
    std::size_t client_order_id_max = 40;   // BingX accepts 1..40 characters
    // Goes before every client order id ("<prefix>-<intent id>"): a venue account that outlives
    // runs (BingX refuses a client order id it has seen before) gets ids that never repeat when
    // each run has a prefix of its own (an account epoch and a run counter). Empty: ids are the
    // intent ids, as virtual-time runs on a fresh mock want. At most 20 characters of [a-z0-9.].
    std::string client_order_id_prefix;
    // A venue position no kernel order explains is taken into a free slot as an adopted trade
    // (when the venue gives its entry price); otherwise the kernel fails closed on that asset.
    bool adopt_unknown_positions = true;
    // Assets every reconcile compares with the venue even before the kernel has traded them.
    std::vector<std::string> watched_assets{"BTCUSDT"};
};

class ExecutionKernel {
public:
    // Throws std::invalid_argument when the configuration itself is unusable (e.g. no slots):
    // that is a construction error, not an input.
    ExecutionKernel(KernelConfig config, ControlPlane& control, VenueAdapter& venue, ZincPlane& zinc,
                    const Clock& clock);
    ExecutionKernel(const ExecutionKernel&) = delete;
    ExecutionKernel& operator=(const ExecutionKernel&) = delete;

    KernelOutcome process_intent(const KernelIntent& intent);
    KernelOutcome on_venue_event(const VenueEvent& event);
    // Applies whatever events an asynchronous venue has received since the last call.
    KernelOutcome pump_venue();
    // Rebuilds the given slots from snapshots, then from venue truth. Validates every
    // snapshot before changing anything.
    KernelOutcome reconcile_from_slots(std::span<const SlotSnapshot> snapshots);
    // A new kernel after a crash: account totals and slots from the journal, then venue truth.
    KernelOutcome restore(const RecoveredState& recovered);

    int max_slots() const { return static_cast<int>(slots_.size()); }
    bool valid_slot(int slot_id) const { return slot_id >= 0 && slot_id < max_slots(); }
    const TradeSlot& slot(int slot_id) const;
    SlotSnapshot slot_snapshot(int slot_id) const;
    AccountSnapshot account() const;
    AccountTotals totals() const { return totals_; }
    std::optional<Decimal> mark_price(std::string_view asset) const;
    std::optional<OrderRecord> order(std::string_view client_order_id) const;
    // The client order id an intent's order gets (deterministic: a host finds an order it sent
    // but never journaled by it).
    std::string client_order_id_of(std::string_view intent_id) const { return make_client_order_id(intent_id).str(); }
    // Orders the kernel believes are working at the venue, in client-order-id order.
    std::vector<OrderRecord> working_orders() const;
    // Events for orders the kernel does not know, kept for reconciliation.
    const Ring<VenueEvent>& unmatched_events() const { return unmatched_; }
    std::uint64_t input_sequence() const { return input_sequence_; }
    // Assets whose venue position the last reconcile could not match (venue minus kernel net).
    const std::map<AssetName, Decimal>& mismatched_assets() const { return mismatched_assets_; }
    // Of those, the assets whose whole gap is late fills of this kernel's own finished orders
    // that no free slot could take (the kernel knows exactly what the venue holds, and waits
    // for a slot): the gap, venue minus kernel net.
    const std::map<AssetName, Decimal>& unplaced_fills() const { return unplaced_fills_; }
    // Stable across runs and platforms: a hash of slots, orders, account and marks.
    std::uint64_t state_hash() const;
    const KernelConfig& config() const { return config_; }
    const KernelBounds& bounds() const { return bounds_; }

private:
    struct OrderEntry {
        OrderRecord record;
        int slot_id = -1;
        Id trade_id;
        AssetName asset;
    };
    struct Ctx; // per-input working state (outcome under construction)
    class QuietScope;

    // Intents.
    // An ENTER the pre-trade gate let through: its sizes in fixed point and its order id.
    struct EntryPlan {
        Decimal size;
        Decimal price;
        Decimal leverage;
        ExitLegs legs;
        Id client_order_id;
    };
    // Why an input was refused, before anything changed.
    struct Refusal {
        KernelDiagnosticCode code;
        KernelSeverity severity;
        DetailText detail;
        DiagnosticFields fields;
    };
    void refuse(Ctx& ctx, const Refusal& refusal);
    // An OK progress note (set_result's OK at INFO), its text written in place and only when
    // it becomes the input's result: the newest note replaces an older one, never a problem.
    template <typename... Pieces>
    void note_progress(Ctx& ctx, const Pieces&... pieces);
    void handle_enter(Ctx& ctx, const KernelIntent& intent);
    Result<EntryPlan, Refusal> pre_trade_gate(const KernelIntent& intent);
    TradeSlot& open_trade(Ctx& ctx, const KernelIntent& intent, const EntryPlan& plan);
    void submit_entry(Ctx& ctx, TradeSlot& slot, const EntryPlan& plan);
    OrderRequest order_request(const Ctx& ctx, const TradeSlot& slot, const Id& client_order_id, OrderPurpose purpose,
                               Decimal qty, Decimal reference_price, Decimal leverage) const;
    void handle_exit(Ctx& ctx, const KernelIntent& intent);
    // An EXIT the exit gate let through: sent now, or once the entry's remainder is canceled.
    struct ExitPlan {
        Decimal size; // 0: the next leg
        Decimal price;
        Id client_order_id;
    };
    Result<ExitPlan, Refusal> exit_gate(const KernelIntent& intent);
    // A price below the tick or a size off the lot step of the slot's instrument.
    std::optional<Refusal> exit_off_grid(const TradeSlot& slot, Decimal size, Decimal price);
    void handle_cancel(Ctx& ctx, const KernelIntent& intent);
    void handle_mark(Ctx& ctx, const KernelIntent& intent);
    void send_exit(Ctx& ctx, TradeSlot& slot, Decimal qty, std::string_view client_order_id,
                   Decimal reference_price);
    void request_cancel(Ctx& ctx, TradeSlot& slot, OrderEntry& entry);
    // A submit the venue refused (REJECTED) or that never left (UNAVAILABLE).
    void refuse_order(Ctx& ctx, TradeSlot& slot, const OrderRecord& record, const VenueCallResult& sent);
    void run_pending_exit(Ctx& ctx, TradeSlot& slot);
    void run_pending_exits(Ctx& ctx); // every touched slot's, once an input's events are applied
    void apply_late_entries(Ctx& ctx); // what a delivery held back: late entry fills, then exit excesses
    void apply_late_entry_events(Ctx& ctx); // in id order
    void place_exit_excesses(Ctx& ctx);     // each into a free slot, in id order

    // Events.
    void drain(Ctx& ctx);
    void apply_event(Ctx& ctx, const VenueEvent& event, bool in_reconcile);
    void apply_mark_event(Ctx& ctx, const VenueEvent& event);
    void note_unchanged(Ctx& ctx, const OrderRecord& known, const VenueEvent& event);
    void apply_to_finished_trade(Ctx& ctx, OrderEntry& entry, const OrderRecord& before, const OrderRecord& after,
                                 const VenueEvent& event, bool in_reconcile);
    void apply_order_change(Ctx& ctx, OrderEntry& entry, TradeSlot& slot, const OrderRecord& before,
                            const OrderRecord& after, KernelEventKind kind, bool in_reconcile);
    void apply_entry_change(Ctx& ctx, TradeSlot& slot, const OrderRecord& before, const OrderRecord& after,
                            bool in_reconcile);
    void apply_exit_change(Ctx& ctx, TradeSlot& slot, const OrderRecord& before, const OrderRecord& after,
                           bool in_reconcile);
    // The plan's inputs in order; true when every one moved.
    bool run_plan(Ctx& ctx, TradeSlot& slot, const FsmPlan& plan);
    void finish_trade(Ctx& ctx, TradeSlot& slot);
    // The finished trade's terminal record, for a journal that keeps records.
    void journal_terminal(const Ctx& ctx, const TradeSlot& slot);
    bool rehome_late_entry(Ctx& ctx, OrderEntry& entry, const OrderRecord& before, const OrderRecord& after);
    TradeSlot* claim_free_slot(Ctx& ctx, const Id& trade_id, TradeSide side, const AssetName& asset);
    void keep_unmatched(const VenueEvent& event);
    void count_unmatched(std::uint64_t venue_sequence);
    // The planted bug duplicate_fill (kernel_planted.cpp); true when it took the event.
    bool planted_recount(Ctx& ctx, OrderEntry& entry, TradeSlot& slot, const OrderRecord& before,
                         const OrderRecord& after, const VenueEvent& event, bool in_reconcile);

    // Venue moves (liquidation, ADL, manual close, funding): venue truth, settled into the
    // slots and the account. Each is kept as order records named by the venue's id ("~" + the
    // cause's letter + id: the account's ledger of it, and ".slot" per slot it reduced), so a
    // duplicate, a replay or a restart never books it twice.
    bool accept_venue_move(Ctx& ctx, const VenueEvent& event);
    void apply_venue_moves(Ctx& ctx); // those of a delivery, once it is applied, in venue order
    void apply_funding(Ctx& ctx, const VenueEvent& event);
    void apply_venue_reduction(Ctx& ctx, const VenueEvent& event);
    struct Shared {
        Decimal left;     // what no slot held
        Decimal fee_left; // the fee of that part
    };
    Shared share_venue_reduction(Ctx& ctx, const VenueEvent& event, Decimal qty, Decimal price, Decimal fee);
    void settle_venue_leftovers(Ctx& ctx, const AssetName& asset, TradeSide side, Decimal excess);
    void reduce_slot_by_venue(Ctx& ctx, TradeSlot& slot, const VenueEvent& event, Decimal qty, Decimal price,
                              Decimal fee);
    void close_if_emptied(Ctx& ctx, TradeSlot& slot);
    void close_emptied_slots(Ctx& ctx); // close_if_emptied for each slot the delivery noted
    void retire_venue_ledger(const Id& ledger_id);
    void reattribute_venue_reductions(Ctx& ctx, TradeSlot& slot, Decimal excess);
    void place_reshares(Ctx& ctx); // the shares reattribute_venue_reductions took back
    void cancel_stranded_orders(Ctx& ctx, const std::vector<int>& slot_ids);
    void read_venue_moves(Ctx& ctx, const AssetName& asset);
    // At a reconcile: the slots hold more on a side than the venue, and venue moves reduced more
    // than the slots held when they came: that rest is settled, up to the excess.
    void settle_venue_excess(Ctx& ctx, const AssetName& asset, const std::vector<VenuePosition>& positions);
    // On a one-way account, an ENTER against another live slot's side on the asset.
    std::optional<Refusal> one_way_conflict(const KernelIntent& intent) const;

    // Reconciliation.
    // Snapshots that snapshots_valid() accepted: every input that reconciles validates first.
    void reconcile_slots(Ctx& ctx, std::span<const SlotSnapshot> snapshots, bool account_included);
    bool snapshots_valid(Ctx& ctx, std::span<const SlotSnapshot> snapshots);
    bool totals_stay_bounded(Ctx& ctx, std::span<const SlotSnapshot> snapshots);
    bool finished_orders_valid(Ctx& ctx, std::span<const FinishedOrder> orders);
    void journal_finished(const OrderEntry& entry);
    void journal_finished_changes(int slot_id);
    bool resolve_with_venue(Ctx& ctx, TradeSlot& slot);
    void check_venue_positions(Ctx& ctx, const std::vector<bool>& refreshed);
    void refresh_left_working(Ctx& ctx);
    void compare_venue_position(Ctx& ctx, const AssetName& asset, const std::vector<bool>& refreshed);
    bool live_trades_refreshed(const AssetName& asset, const std::vector<bool>& refreshed) const;
    void settle_unmatched(Ctx& ctx, const AssetName& asset);
    bool refresh_finished_orders(Ctx& ctx, const AssetName& asset, const std::vector<bool>& refreshed);
    Decimal kernel_net(const AssetName& asset) const;
    struct LateFills {
        Decimal net;
        Decimal notional; // of the fills beyond what the kernel counted, signed as net
        std::string orders; // their ids, for the diagnostic
    };
    LateFills kept_late_fills(const AssetName& asset) const;
    // The kernel's own late fills that are the whole gap, taken into a free slot at their price.
    bool place_late_fills(Ctx& ctx, const AssetName& asset, const LateFills& late);
    void update_finished_order(Ctx& ctx, OrderEntry& entry, const OrderRecord& after);
    bool adopt_position(Ctx& ctx, const AssetName& asset, Decimal gap, Decimal entry_price);

    // FSM and bookkeeping.
    bool move(Ctx& ctx, TradeSlot& slot, FsmInput input);
    Ctx begin_input(KernelOutcome& out, int slot_id);
    // Says something about the input: a diagnostic (unless a progress note, OK at INFO) and,
    // when it is the most severe so far, the input's result.
    void set_result(Ctx& ctx, KernelDiagnosticCode code, KernelSeverity severity, const DetailText& detail,
                    const DiagnosticFields& fields);
    // Progress notes and diagnostics about no slot, order or asset (no fields to build).
    void set_result(Ctx& ctx, KernelDiagnosticCode code, KernelSeverity severity, const DetailText& detail) {
        set_result(ctx, code, severity, detail, no_fields_);
    }
    void record_diagnostic(Ctx& ctx, KernelDiagnosticCode code, KernelSeverity severity, const DetailText& detail,
                           const DiagnosticFields& fields, bool is_result);
    void journal(Ctx& ctx, std::string_view input_ref);
    // Before an order leaves: on a plane that writes ahead, the input's changed slots (the order
    // among them) are made durable, so a crash before the input's commit cannot lose the order.
    void write_ahead(Ctx& ctx, const Id& client_order_id);
    // Inline: every FSM move calls it.
    void touch(Ctx&, int slot_id) {
        // A flag per slot: an input touches its slots dozens of times (every move, every fill).
        unsigned char& flag = touched_flags_[static_cast<std::size_t>(slot_id)];
        if (flag != 0) return;
        flag = 1;
        touched_.push_back(slot_id);
    }
    std::optional<InstrumentSpec> instrument(std::string_view asset);
    Id make_client_order_id(std::string_view intent_id) const;
    OrderEntry& remember_order(const OrderEntry& entry);
    void add_trade_order(int slot_id, const Id& client_order_id);
    // The slot's current trade's order records, in a buffer reused until the next call.
    std::span<const OrderRecord> trade_order_records(int slot_id) const;
    void retire_order(const Id& client_order_id);
    void update_leg_index(TradeSlot& slot) const;
    Decimal mark_or_zero(std::string_view asset) const;
    // The account's valuation kept per slot (unrealized PnL and margin at the mark) with running
    // sums, so account() does not walk the slots: a slot is revalued when an input that touched
    // it is journaled, and every slot of an asset when its mark moves. DEBUG mode checks the
    // sums against account_walked() after every input.
    struct SlotValue {
        Decimal unrealized;
        Decimal margin;
    };
    SlotValue value_of(const TradeSlot& slot) const;
    void revalue(int slot_id);
    void revalue_asset(const AssetName& asset);
    AccountSnapshot account_walked() const;
    std::optional<std::string> mark_out_of_bounds(const AssetName& asset, Decimal price) const;

    static const DiagnosticFields no_fields_;
    KernelConfig config_;
    ControlPlane& control_;
    VenueAdapter& venue_;
    ZincPlane& zinc_;
    const Clock& clock_;

    KernelBounds bounds_;
    std::vector<TradeSlot> slots_;
    IdTable<Id, OrderEntry> orders_;
    Ring<Id> retired_;
    std::vector<std::vector<Id>> trade_orders_; // per slot: its current trade's orders, oldest first
    mutable std::vector<OrderRecord> trade_records_; // trade_order_records()' buffer: no allocation per input
    Ring<VenueEvent> unmatched_;
    // keep_unmatched's duplicate test: how many kept events carry each venue sequence, valid
    // while unmatched_ holds unmatched_indexed_ events. Code that changes unmatched_ other than
    // through keep_unmatched sets unmatched_indexed_ = unmatched_unindexed (it is rebuilt then).
    static constexpr std::size_t unmatched_unindexed = static_cast<std::size_t>(-1);
    // A venue sequence as an IdTable key: a hash table that reuses its places allocates
    // nothing once warm, where a std::map allocated a node per kept event.
    struct SequenceKey {
        std::uint64_t value = 0;
        std::uint64_t hash() const { return spread_bits(value * 0xff51afd7ed558ccdULL); }
        friend bool operator==(const SequenceKey&, const SequenceKey&) = default;
    };
    IdTable<SequenceKey, std::uint32_t> unmatched_sequences_;
    std::size_t unmatched_indexed_ = 0;
    std::map<AssetName, InstrumentSpec> instruments_;
    std::map<AssetName, Decimal> marks_;
    std::map<AssetName, std::uint64_t> mark_sequences_;
    // The entries last found in instruments_ and marks_: one asset is asked again and again
    // (every event of a delivery). Map entries never move and neither map erases any.
    const std::pair<const AssetName, InstrumentSpec>* last_instrument_ = nullptr;
    mutable const std::pair<const AssetName, Decimal>* last_mark_ = nullptr;
    std::map<AssetName, Decimal> mismatched_assets_; // venue net minus kernel net, while they differ
    std::map<AssetName, Decimal> unplaced_fills_;    // the part of those explained by kept late fills
    std::vector<int> venue_reduced_; // slots a venue move reduced in this input
    Ring<Id> venue_ledgers_;   // the account's venue-move records, oldest first (bounded)
    AccountTotals totals_;
    std::vector<SlotValue> slot_values_; // by slot id, sized at start-up
    Decimal unrealized_sum_;
    Decimal margin_sum_;
    std::uint64_t input_sequence_ = 0;
    std::vector<VenueEvent> inbox_;
    std::vector<int> touched_;              // in the order first touched
    std::vector<unsigned char> touched_flags_; // by slot id: in touched_
    // Slots whose entry finished this delivery (see close_emptied_slots), and the copy it
    // walks: kept here with their capacity, so a fill allocates nothing.
    std::vector<int> emptied_slots_;
    std::vector<int> emptied_walk_;
    // The finished orders finish_trade journaled in this input, as journaled: journal() writes
    // again only those that changed after (a late fill, a share re-placed, later in the
    // delivery). Cleared by each input; kept here so that finishing a trade allocates nothing.
    std::vector<OrderRecord> finished_journaled_;
    // The assets a reconcile compares with the venue's positions (check_venue_positions, which
    // nothing under it calls again): kept, so a reconcile allocates none.
    std::vector<AssetName> reconcile_assets_;
    // Room lent to one call at a time (detail::Lent): the slots a reconcile has seen, and the
    // order ids it walks, so a reconcile in steady state allocates none of them.
    std::vector<bool> seen_room_;
    std::vector<Id> ids_room_;
};

} // namespace dita
