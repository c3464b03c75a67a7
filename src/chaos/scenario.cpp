#include "dita/chaos/scenario.hpp"

#include <array>
#include <charconv>

namespace dita::chaos {

namespace {

ChaosStep step(ChaosAction action, double delay_before) {
    ChaosStep out;
    out.action = action;
    out.delay_before = delay_before;
    return out;
}

ChaosScenario scenario(std::string name, std::string description, std::vector<ChaosStep> steps) {
    ChaosScenario out;
    out.name = std::move(name);
    out.description = std::move(description);
    out.steps = std::move(steps);
    return out;
}

VenueSettings partial_fills() {
    VenueSettings venue;
    venue.partial_fill_ratio = 0.5;
    return venue;
}

ChaosScenario rapid_entry_exit() {
    return scenario("rapid_entry_exit",
                    "Rapid entry immediately followed by exit — tests race between submit and fill callback",
                    {step(ChaosAction::ENTER, 0.0), step(ChaosAction::EXIT, 0.01)});
}

ChaosScenario two_leg_rapid() {
    ChaosStep enter = step(ChaosAction::ENTER, 0.0);
    enter.exit_leg_ratios = {0.5, 1.0};
    ChaosStep exit = step(ChaosAction::EXIT, 0.01);
    exit.target_size = 0.005;
    return scenario("two_leg_rapid", "Entry then two rapid exits — tests partial + final close race",
                    {enter, exit, exit});
}

ChaosScenario competing_cancel() {
    ChaosScenario out = scenario("competing_cancel", "Entry, then cancel immediately — tests cancel-after-submit race",
                                 {step(ChaosAction::ENTER, 0.0), step(ChaosAction::CANCEL, 0.01)});
    out.venue = partial_fills();
    return out;
}

ChaosScenario cancel_after_fill() {
    ChaosScenario out = scenario(
        "cancel_after_fill", "Entry with immediate fill, then cancel — tests cancel-on-closed-slot idempotency",
        {step(ChaosAction::ENTER, 0.0), step(ChaosAction::CANCEL, 0.001), step(ChaosAction::EXIT, 0.001)});
    out.venue = partial_fills();
    return out;
}

ChaosScenario entry_then_mark() {
    ChaosStep mark = step(ChaosAction::MARK_PRICE, 0.01);
    mark.reference_price = 99.5;
    return scenario("entry_then_mark", "Entry followed by mark-price update", {step(ChaosAction::ENTER, 0.0), mark});
}

ChaosScenario entry_reconcile_exit() {
    ChaosScenario out = scenario(
        "entry_reconcile_exit", "Entry, reconcile (simulate crash recovery), then exit",
        {step(ChaosAction::ENTER, 0.0), step(ChaosAction::RECONCILE, 0.01), step(ChaosAction::EXIT, 0.01)});
    out.venue = partial_fills();
    return out;
}

ChaosScenario size_at_lot_boundary() {
    ChaosStep enter = step(ChaosAction::ENTER, 0.0);
    enter.target_size = 0.001;
    ChaosStep exit = step(ChaosAction::EXIT, 0.01);
    exit.target_size = 0.001;
    return scenario("size_at_lot_boundary", "Entry at lot-size boundary (0.001 BTC) — tests precision edge",
                    {enter, exit});
}

ChaosScenario zero_size_entry() {
    ChaosStep enter = step(ChaosAction::ENTER, 0.0);
    enter.target_size = 0.0;
    return scenario("zero_size_entry", "Entry with target_size=0 — tests kernel edge guard", {enter});
}

ChaosScenario negative_price_entry() {
    ChaosStep enter = step(ChaosAction::ENTER, 0.0);
    enter.reference_price = -1.0;
    return scenario("negative_price_entry", "Entry with negative reference price — tests kernel guard", {enter});
}

ChaosScenario entry_exit_10x() {
    std::vector<ChaosStep> steps;
    for (int i = 0; i < 20; ++i) {
        ChaosStep one = step(i % 2 == 0 ? ChaosAction::ENTER : ChaosAction::EXIT, 0.005);
        one.reason = "chaos_cycle_" + std::to_string(i / 2);
        steps.push_back(std::move(one));
    }
    return scenario("entry_exit_10x", "TEN rapid entry-exit cycles — tests state-machine fatigue", std::move(steps));
}

// --- FIELD: what other platforms' users lost money to (issue 5) -------------------------------

ChaosScenario fill_replayed_after_restart() {
    // Every event is held 10 ms and delivered twice. The kernel crashes before any arrives; the
    // new one learns the fill from the venue (RECONCILE), then the stream replays it twice.
    ChaosScenario out = scenario("fill_replayed_after_restart",
                                 "Entry filled, kernel restarts and reconciles, then the venue's stream delivers the "
                                 "same fill twice — counted once",
                                 {step(ChaosAction::ENTER, 0.0), step(ChaosAction::RESTART, 0.0),
                                  step(ChaosAction::RECONCILE, 0.0), step(ChaosAction::WAIT, 0.02),
                                  step(ChaosAction::EXIT, 0.01)});
    out.venue.latency_ns = 10'000'000;
    out.venue.duplicate_probability = 1.0;
    return out;
}

ChaosScenario fill_before_ack() {
    ChaosScenario out = scenario("fill_before_ack", "Every fill is delivered before its order's ack (reordered stream)",
                                 {step(ChaosAction::ENTER, 0.0), step(ChaosAction::EXIT, 0.01)});
    out.venue.reorder_probability = 1.0;
    return out;
}

ChaosScenario fill_after_cancel_ack() {
    ChaosScenario out = scenario("fill_after_cancel_ack",
                                 "Partial entry, cancel; the venue matched one more lot while the cancel was in flight "
                                 "and reports it after the cancel ack — the fill wins",
                                 {step(ChaosAction::ENTER, 0.0), step(ChaosAction::CANCEL, 0.01),
                                  step(ChaosAction::EXIT, 0.01)});
    out.venue.partial_fill_ratio = 0.5;
    out.venue.late_fill_on_cancel_probability = 1.0;
    return out;
}

ChaosScenario overfill_reported() {
    ChaosScenario out = scenario("overfill_reported",
                                 "The venue reports one lot more filled than ordered — accepted as venue truth, flagged "
                                 "OVERFILL, never a negative remaining size; then exit and reconcile",
                                 {step(ChaosAction::ENTER, 0.0), step(ChaosAction::EXIT, 0.01),
                                  step(ChaosAction::RECONCILE, 0.01)});
    out.venue.overfill_probability = 1.0;
    return out;
}

ChaosScenario filled_below_quantity() {
    ChaosScenario out = scenario("filled_below_quantity",
                                 "The venue reports an order FILLED with a cumulative size one lot below its quantity",
                                 {step(ChaosAction::ENTER, 0.0), step(ChaosAction::EXIT, 0.01),
                                  step(ChaosAction::RECONCILE, 0.01)});
    out.venue.short_fill_probability = 1.0;
    return out;
}

ChaosScenario submit_answer_lost() {
    // The stream is silent too (every event dropped): only the venue's answer to a reconcile
    // can tell what became of the order.
    ChaosScenario out = scenario("submit_answer_lost",
                                 "Every submit's answer is lost and the stream is silent: the slot stays ORDER_SENT "
                                 "(outcome unknown, never assumed canceled or filled) until a reconcile asks the venue",
                                 {step(ChaosAction::ENTER, 0.0), step(ChaosAction::WAIT, 0.01),
                                  step(ChaosAction::RECONCILE, 0.01), step(ChaosAction::EXIT, 0.01),
                                  step(ChaosAction::RECONCILE, 0.01)});
    out.venue.submit_unknown_probability = 1.0;
    out.venue.drop_probability = 1.0;
    out.venue.seed = 6; // a seed whose lost answers hide orders the venue did place (and fill)
    return out;
}

ChaosScenario unknown_venue_position() {
    ChaosScenario out = scenario("unknown_venue_position",
                                 "The venue holds a position no kernel order made: reconcile adopts it into a free slot "
                                 "(never reads no report as flat), then the adopted trade exits",
                                 {step(ChaosAction::RECONCILE, 0.0), step(ChaosAction::EXIT, 0.01),
                                  step(ChaosAction::RECONCILE, 0.01)});
    out.venue.initial_foreign_position = 0.01;
    out.venue.initial_foreign_position_price = 100.0;
    return out;
}

// Issue 13: what the venue does by itself.
ChaosStep with_price(ChaosStep one, double price) {
    one.reference_price = price;
    return one;
}

ChaosStep on_slot(ChaosStep one, int slot_id, TradeSide side) {
    one.slot_id = slot_id;
    one.side = side;
    return one;
}

ChaosScenario leveraged_long_liquidated() {
    ChaosStep enter = on_slot(step(ChaosAction::ENTER, 0.0), 0, TradeSide::LONG);
    enter.leverage = 10.0;
    ChaosScenario out = scenario(
        "leveraged_long_liquidated",
        "A 10x long, then the market crashes through its liquidation price: the venue closes it with its own "
        "order and a liquidation fee; the slot settles at the venue's price and fee (VENUE_LIQUIDATION, ERROR), "
        "the trade's terminal record names the cause, no second close is sent, capital stays positive",
        {enter, with_price(step(ChaosAction::MARK_PRICE, 60.0), 95.0),
         with_price(step(ChaosAction::MARK_PRICE, 1.0), 70.0), with_price(step(ChaosAction::EXIT, 1.0), 70.0),
         step(ChaosAction::RECONCILE, 1.0)});
    return out;
}

ChaosScenario partial_adl() {
    ChaosScenario out = scenario(
        "partial_adl",
        "A profitable long is partly auto-deleveraged at the next market move: the slot's size falls to what the "
        "venue holds, the PnL of the part is realized (VENUE_ADL, WARNING), the rest exits",
        {on_slot(step(ChaosAction::ENTER, 0.0), 0, TradeSide::LONG),
         with_price(step(ChaosAction::MARK_PRICE, 60.0), 120.0), with_price(step(ChaosAction::EXIT, 1.0), 120.0),
         step(ChaosAction::RECONCILE, 1.0)});
    out.venue.adl_probability = 1.0;
    out.venue.seed = 3;
    return out;
}

ChaosScenario manual_close_on_website() {
    ChaosScenario out = scenario(
        "manual_close_on_website",
        "A person closes part of the position on the website: an order the kernel did not make (VENUE_MANUAL_CLOSE, "
        "WARNING); the slot keeps what the venue holds and exits it, never more",
        {on_slot(step(ChaosAction::ENTER, 0.0), 0, TradeSide::LONG),
         with_price(step(ChaosAction::MARK_PRICE, 30.0), 101.0), with_price(step(ChaosAction::EXIT, 30.0), 101.0),
         step(ChaosAction::RECONCILE, 1.0)});
    out.venue.manual_close_probability = 1.0;
    out.venue.seed = 1;
    return out;
}

ChaosScenario funding_three_days() {
    ChaosScenario out = scenario(
        "funding_three_days",
        "A long and a short held three days: nine funding settlements each, booked to the account exactly "
        "(capital == initial + realized - fees + funding)",
        {on_slot(step(ChaosAction::ENTER, 0.0), 0, TradeSide::LONG),
         on_slot(step(ChaosAction::ENTER, 0.0), 1, TradeSide::SHORT), step(ChaosAction::WAIT, 86'400.0),
         step(ChaosAction::WAIT, 86'400.0), step(ChaosAction::WAIT, 86'400.0),
         on_slot(step(ChaosAction::EXIT, 1.0), 0, TradeSide::LONG),
         on_slot(step(ChaosAction::EXIT, 1.0), 1, TradeSide::SHORT)});
    out.venue.funding_rate = 0.0003;
    return out;
}

ChaosScenario one_way_opposite_slots() {
    ChaosScenario out = scenario(
        "one_way_opposite_slots",
        "A one-way account: a SHORT entry while another slot holds a LONG is refused before anything is sent "
        "(POSITION_MODE_CONFLICT), so every accepted entry stays exitable; once flat, the SHORT enters and exits",
        {on_slot(step(ChaosAction::ENTER, 0.0), 0, TradeSide::LONG),
         on_slot(step(ChaosAction::ENTER, 0.01), 1, TradeSide::SHORT),
         on_slot(step(ChaosAction::EXIT, 0.01), 0, TradeSide::LONG),
         on_slot(step(ChaosAction::ENTER, 0.01), 1, TradeSide::SHORT),
         on_slot(step(ChaosAction::EXIT, 0.01), 1, TradeSide::SHORT)});
    out.venue.position_mode = PositionMode::ONE_WAY;
    return out;
}

struct Catalogue {
    std::vector<ChaosScenario> builtins;
    std::vector<ChaosScenario> all;
    std::vector<ChaosScenario> edge;
    std::vector<ChaosScenario> reject;
    std::vector<ChaosScenario> field;
};

const Catalogue& catalogue() {
    static const Catalogue instance = [] {
        Catalogue c;
        c.builtins = {rapid_entry_exit(),     two_leg_rapid(),        competing_cancel(), cancel_after_fill(),
                      entry_then_mark(),      entry_reconcile_exit(), size_at_lot_boundary(),
                      zero_size_entry(),      negative_price_entry(), entry_exit_10x()};
        // The seed's run_scenario_and_check(scenario) uses the default venue for these.
        c.all = {rapid_entry_exit(), two_leg_rapid(), entry_then_mark(), size_at_lot_boundary(), entry_exit_10x()};
        c.edge = {zero_size_entry(), negative_price_entry()};
        ChaosScenario reject_entry = competing_cancel();
        reject_entry.name = "reject_entry";
        reject_entry.description = "competing_cancel on a venue that rejects every entry (the seed's SCENARIO_REJECT_ENTRY)";
        reject_entry.venue = VenueSettings{};
        reject_entry.venue.reject_entries = true;
        ChaosScenario reject_exit = cancel_after_fill();
        reject_exit.name = "reject_exit";
        reject_exit.description = "cancel_after_fill on a venue that rejects every cancel (the seed's SCENARIO_REJECT_EXIT)";
        reject_exit.venue = VenueSettings{};
        reject_exit.venue.cancel_reject = true;
        c.reject = {reject_entry, reject_exit};
        c.field = {fill_replayed_after_restart(), fill_before_ack(),      fill_after_cancel_ack(),
                   overfill_reported(),           filled_below_quantity(), submit_answer_lost(),
                   unknown_venue_position(),      leveraged_long_liquidated(), partial_adl(),
                   manual_close_on_website(),     funding_three_days(),    one_way_opposite_slots()};
        return c;
    }();
    return instance;
}

bool contains(std::span<const ChaosScenario> list, std::string_view name) {
    for (const ChaosScenario& one : list) {
        if (one.name == name) return true;
    }
    return false;
}

} // namespace

std::span<const ChaosScenario> builtin_scenarios() { return catalogue().builtins; }
std::span<const ChaosScenario> all_scenarios() { return catalogue().all; }
std::span<const ChaosScenario> edge_case_scenarios() { return catalogue().edge; }
std::span<const ChaosScenario> reject_scenarios() { return catalogue().reject; }
std::span<const ChaosScenario> field_scenarios() { return catalogue().field; }

const ChaosScenario* find_scenario(std::string_view name) {
    for (const auto list : {builtin_scenarios(), reject_scenarios(), field_scenarios()}) {
        for (const ChaosScenario& one : list) {
            if (one.name == name) return &one;
        }
    }
    return nullptr;
}

std::vector<std::string> scenario_groups(std::string_view name) {
    std::vector<std::string> out;
    if (contains(all_scenarios(), name)) out.emplace_back("ALL");
    if (contains(edge_case_scenarios(), name)) out.emplace_back("EDGE_CASE");
    if (contains(reject_scenarios(), name)) out.emplace_back("REJECT");
    if (contains(field_scenarios(), name)) out.emplace_back("FIELD");
    return out;
}

KernelCommandType command_for(ChaosAction action) {
    switch (action) {
    case ChaosAction::ENTER: return KernelCommandType::ENTER;
    case ChaosAction::EXIT: return KernelCommandType::EXIT;
    case ChaosAction::CANCEL: return KernelCommandType::CANCEL;
    case ChaosAction::MARK_PRICE: return KernelCommandType::MARK_PRICE;
    case ChaosAction::RECONCILE: return KernelCommandType::RECONCILE;
    case ChaosAction::WAIT:
    case ChaosAction::RESTART: break;
    }
    return KernelCommandType::MARK_PRICE;
}

namespace {

// "enter", "mark_price", ...: the lowercase action names of intent ids, made once.
std::string_view lowercase_action(ChaosAction action) {
    static const auto names = [] {
        std::array<std::string, enum_count<ChaosAction>()> out;
        for (std::size_t i = 0; i < out.size(); ++i) {
            for (const char c : to_string(static_cast<ChaosAction>(i))) {
                out[i] += (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
            }
        }
        return out;
    }();
    const auto index = static_cast<std::size_t>(action);
    return index < names.size() ? std::string_view(names[index]) : to_string(action); // "?" has no case
}

} // namespace

KernelIntent step_to_intent(const ChaosStep& step, int slot_id, int trade_seq, std::int64_t timestamp_ns) {
    // Built in place: this runs for every step of every chaos run. The exit legs start empty,
    // not as the default leg a KernelIntent allocates, and take the step's in one allocation.
    char seq[16];
    const auto written = std::to_chars(seq, seq + sizeof seq, trade_seq);
    const std::string_view number(seq, static_cast<std::size_t>(written.ptr - seq));
    const std::string_view action = lowercase_action(step.action);
    KernelIntent intent{.exit_leg_ratios = {}};
    intent.timestamp_ns = timestamp_ns;
    intent.intent_id.reserve(7 + number.size() + action.size());
    intent.intent_id.append("chaos-").append(number).append("-").append(action);
    intent.trade_id.reserve(12 + number.size());
    intent.trade_id.append("chaos-trade-").append(number);
    intent.slot_id = slot_id;
    intent.asset = "BTCUSDT";
    intent.side = step.side;
    intent.action = command_for(step.action);
    intent.reference_price = step.reference_price;
    intent.target_size = step.target_size;
    intent.leverage = step.leverage;
    intent.exit_leg_ratios = step.exit_leg_ratios;
    intent.reason = step.reason;
    intent.metadata = step.metadata;
    return intent;
}

double total_delay_seconds(const ChaosScenario& scenario) {
    double total = 0.0;
    for (const ChaosStep& one : scenario.steps) total += one.delay_before;
    return total;
}

} // namespace dita::chaos
