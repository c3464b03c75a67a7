#pragma once
// Private to src/kernel: the per-input working state shared by the kernel's parts
// (kernel.cpp, kernel_intents.cpp, kernel_events.cpp, kernel_reconcile.cpp, kernel_journal.cpp,
// kernel_queries.cpp), and the planted-bug hook.
#include <string>
#include <vector>

#include "dita/kernel/fsm.hpp"
#include "dita/kernel/kernel.hpp"
#include "kernel_support.hpp"

namespace dita {

struct ExecutionKernel::Ctx {
    // The caller's return value, built in place: an outcome is ~460 bytes, and moving it out
    // of the working state cost every input a copy of them.
    explicit Ctx(KernelOutcome& out) : outcome(out) {}
    KernelOutcome& outcome;
    bool tracing = false;
    bool have_result = false;
    bool from_event = false; // set while a drained venue event is applied during an intent
    // While an intent is handled, venue events only override its result when they are
    // at least this severe; a lone venue event's result is its own.
    KernelSeverity event_override_min = KernelSeverity::INFO;
    // Late entry fills of finished trades wait for the end of their delivery: which slot is
    // free to reopen them in must not depend on the order the delivery came in.
    bool defer_late_entries = true;
    std::vector<VenueEvent> late_entries;
    // Venue moves wait for the end of their delivery too: which slots a reduction takes from
    // must not depend on whether the fills delivered with it came first.
    std::vector<VenueEvent> venue_moves;
    // Exit fills beyond a slot's open size (two exits of one position both filling, one late
    // on its cancel): the kernel's own opposite position, placed at the end of the delivery
    // for the same reason as late entries.
    struct ExitExcess {
        AssetName asset;
        TradeSide side; // the new position's side (opposite to the closed trade's)
        Decimal qty;
        Decimal price;
        Id client_order_id;
        Decimal open; // what the slot held when the fill came
    };
    std::vector<ExitExcess> exit_excesses;
    // While a reconcile compares positions, what a venue move stranded is canceled only after
    // the comparison: a cancel may fill first (a late fill on cancel), which would make the
    // venue's position read right after it disagree with what the kernel has been told.
    bool defer_stranded_cancels = false;
    // A venue move's share a kernel exit fill took back from its slot (the fill is certain, the
    // share a rule), placed in other slots at the end of the delivery: which slots hold what
    // then does not depend on the order the delivery came in.
    struct Reshare {
        Id record_id; // the slot's record of the move, "<ledger>.<slot>"
        Decimal qty;
        Decimal fee;
    };
    std::vector<Reshare> reshares;
    std::vector<int> stranded_slots;
};


// While venue truth is re-applied, notes below `min` (other than progress) are not the input's
// result: the reconcile's own conclusion is.
class ExecutionKernel::QuietScope {
public:
    QuietScope(Ctx& ctx, KernelSeverity min)
        : ctx_(ctx), from_event_(ctx.from_event), min_(ctx.event_override_min) {
        ctx_.from_event = true;
        ctx_.event_override_min = min;
    }
    ~QuietScope() {
        ctx_.from_event = from_event_;
        ctx_.event_override_min = min_;
    }
    QuietScope(const QuietScope&) = delete;
    QuietScope& operator=(const QuietScope&) = delete;

private:
    Ctx& ctx_;
    bool from_event_;
    KernelSeverity min_;
};

template <typename... Pieces>
void ExecutionKernel::note_progress(Ctx& ctx, const Pieces&... pieces) {
    KernelOutcome& out = ctx.outcome;
    const bool progress_now = out.diagnostic_code == KernelDiagnosticCode::OK && out.severity == KernelSeverity::INFO;
    if (ctx.have_result && !progress_now) return; // a problem is the result: notes do not replace it
    out.diagnostic_code = KernelDiagnosticCode::OK;
    out.severity = KernelSeverity::INFO;
    out.details.assign(pieces...);
    out.result_index = -1;
    ctx.have_result = true;
}

namespace detail {

inline constexpr std::size_t intent_id_max = 96;

inline std::string fmt_dec(Decimal value) { return value.to_string(); }

// What a slot's diagnostics are about: the slot, its trade and its asset.
inline DiagnosticFields slot_fields(const TradeSlot& slot) {
    DiagnosticFields fields;
    fields.slot_id = slot.slot_id;
    fields.trade_id = slot.trade_id;
    fields.asset = slot.asset;
    return fields;
}

// What an intent names, as far as it fits: a refusal's fields.
inline DiagnosticFields intent_fields(const KernelIntent& intent) {
    DiagnosticFields fields;
    fields.slot_id = intent.slot_id;
    if (Id::fits(intent.trade_id)) fields.trade_id = Id(intent.trade_id);
    if (AssetName::fits(intent.asset)) fields.asset = AssetName(intent.asset);
    return fields;
}

// The planted bugs (CMake's DITA_PLANT_BUG, for proving the chaos campaigns find a bug; never
// for real use). Production code asks `planted_bug` through `if constexpr`, so a normal build
// carries no trace of them; their code lives in kernel_planted.cpp.
enum class PlantedBug { NONE, DUPLICATE_FILL, CANCEL_FORGETS_FILL };
#if defined(DITA_PLANTED_BUG_DUPLICATE_FILL)
inline constexpr PlantedBug planted_bug = PlantedBug::DUPLICATE_FILL;
#elif defined(DITA_PLANTED_BUG_CANCEL_FORGETS_FILL)
inline constexpr PlantedBug planted_bug = PlantedBug::CANCEL_FORGETS_FILL;
#else
inline constexpr PlantedBug planted_bug = PlantedBug::NONE;
#endif

void planted_forget_fill(TradeSlot& slot, const OrderRecord& canceled_entry);

} // namespace detail

} // namespace dita
