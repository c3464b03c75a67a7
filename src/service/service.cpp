#include "dita/service/service.hpp"

#include <algorithm>
#include <stdexcept>

#include "dita/bingx_sim/simulator.hpp"
#include "dita/contracts/clock.hpp"
#include "dita/kernel/kernel.hpp"
#include "dita/service/intent_store.hpp"
#include "dita/venues/bingx/bingx_venue.hpp"
#include "dita/venues/bingx/mark_price_stream.hpp"
#include "dita/venues/mock/mock_venue.hpp"
#include "dita/zinc/sqlite_zinc_plane.hpp"
#include "timed.hpp"

namespace dita::service {

Reply error_reply(int status, std::string_view code, std::string detail) {
    Json body;
    body["error"] = Json{{"code", std::string(code)}, {"detail", std::move(detail)}};
    return Reply{status, std::move(body)};
}

struct Service::Parts {
    WallClock clock;
    std::unique_ptr<bingx_sim::Simulator> simulator; // bingx-sim without a URL: in this process
    std::unique_ptr<bingx::BingxVenueAdapter> bingx;
    std::unique_ptr<bingx::MarkPriceStream> marks; // BingX's public mark-price stream
    std::unique_ptr<MockVenueAdapter> mock;
    std::unique_ptr<TimedVenue> venue;
    std::unique_ptr<SqliteZincPlane> journal;
    std::unique_ptr<TimedZinc> zinc;
    std::unique_ptr<IntentStore> store;
    InMemoryControlPlane control;
    std::unique_ptr<ExecutionKernel> kernel;

    VenueAdapter& raw_venue() {
        if (bingx) return *bingx;
        return *mock;
    }
    bool events_waiting() const {
        return bingx ? bingx->pending_events() > 0 : mock->pending_events() > 0;
    }
};

namespace {

// BingX names a contract BTC-USDT where the kernel says BTCUSDT.
std::string sim_symbol(const std::string& asset) {
    if (asset.size() > 4 && asset.ends_with("USDT")) return asset.substr(0, asset.size() - 4) + "-USDT";
    return asset;
}

// BingX refuses a reused clientOrderId for the life of an account, and a lost answer's look-up
// by id would find the older order. Each journal draws one prefix when it is created (the wall
// clock in base 36) and keeps it, so a restart still finds the orders it sent and a new journal on
// the same account never repeats an older one's ids.
Result<std::string, Error> journal_id_prefix(IntentStore& store, std::int64_t now_ns) {
    constexpr std::string_view key = "client_order_id_prefix";
    if (auto kept = store.setting(std::string(key))) {
        if (!valid_client_order_id_prefix(*kept)) {
            return Error{"JOURNAL_REFUSED", "the journal's client order id prefix '" + *kept + "' is not valid"};
        }
        return *kept;
    }
    constexpr std::string_view digits = "0123456789abcdefghijklmnopqrstuvwxyz";
    std::uint64_t ms = static_cast<std::uint64_t>(now_ns / 1'000'000);
    std::string text;
    do {
        text.insert(text.begin(), digits[ms % 36]);
        ms /= 36;
    } while (ms > 0);
    if (auto saved = store.save_setting(std::string(key), text); !saved) return std::move(saved).error();
    return text;
}

Result<bool, Error> start_bingx(const ServiceConfig& config, Service& /*unused*/, bingx_sim::Simulator* simulator,
                                std::unique_ptr<bingx::BingxVenueAdapter>& out) {
    bingx::BingxAdapterOptions options;
    options.assets = config.assets;
    options.order_qty_max = config.venue.max_order_qty;
    options.order_notional_max = config.venue.max_order_notional;
    options.rest_url = config.venue.rest_url;
    options.ws_url = config.venue.ws_url;
    auto credentials = bingx::credentials_from_env();
    if (config.venue.kind == VenueKind::BINGX) {
        if (!credentials) return std::move(credentials).error();
        options.credentials = *credentials;
        options.allow_live = config.venue.live;
    } else {
        // The simulator: its own keys unless the environment gives others; it fills MARKET
        // orders at the price the kernel sends, as the mock venue does.
        const bingx_sim::SimConfig defaults;
        options.credentials = credentials ? *credentials : bingx::Credentials(defaults.api_key, defaults.api_secret);
        options.send_price_with_market = true;
        if (simulator != nullptr) {
            options.rest_url = simulator->rest_url();
            options.ws_url = simulator->ws_url();
        }
    }
    auto made = bingx::make_bingx_adapter(options);
    if (!made) return Error{"VENUE_START_FAILED", made.error().code + ": " + made.error().detail};
    out = std::move(made).value();
    return true;
}

Result<std::unique_ptr<bingx_sim::Simulator>, Error> start_simulator(const ServiceConfig& config) {
    bingx_sim::SimConfig sim;
    sim.contracts.clear();
    for (const std::string& asset : config.assets) {
        bingx_sim::SimContract contract;
        contract.symbol = sim_symbol(asset);
        sim.contracts.push_back(contract);
    }
    auto simulator = std::make_unique<bingx_sim::Simulator>(sim);
    const auto started = simulator->start();
    if (!started.ok()) return Error{"VENUE_START_FAILED", "in-process BingX simulator: " + started.error().detail};
    return simulator;
}

KernelIntent internal_intent(KernelCommandType action, std::string id, int slot, const TradeSlot& state,
                             double size, double price) {
    KernelIntent intent;
    intent.intent_id = std::move(id);
    intent.trade_id = state.trade_id.str();
    intent.slot_id = slot;
    intent.asset = state.asset.str();
    intent.side = state.side;
    intent.action = action;
    intent.target_size = size;
    intent.reference_price = price;
    intent.reason = "flatten";
    return intent;
}

bool entry_working(const TradeSlot& slot) {
    return !slot.working_order_id.empty() && slot.working_order_id == slot.entry_order_id;
}
bool exit_working(const TradeSlot& slot) {
    return !slot.working_order_id.empty() && slot.working_order_id == slot.exit_order_id;
}

} // namespace

Service::Service(ServiceConfig config, ServiceLog& log)
    : config_(std::move(config)), log_(log), parts_(std::make_unique<Parts>()) {}

Service::~Service() { stop(); }

Result<std::unique_ptr<Service>, Error> Service::create(ServiceConfig config, ServiceLog& log) {
    std::unique_ptr<Service> service(new Service(std::move(config), log));
    const ServiceConfig& cfg = service->config_;
    Parts& p = *service->parts_;
    try {
        p.journal = std::make_unique<SqliteZincPlane>(cfg.journal_path);
    } catch (const std::runtime_error& error) {
        return Error{"JOURNAL_UNAVAILABLE", error.what()};
    }
    auto store = IntentStore::open(cfg.journal_path);
    if (!store) return std::move(store).error();
    p.store = std::move(store).value();
    p.zinc = std::make_unique<TimedZinc>(*p.journal, service->metrics_);

    if (cfg.venue.kind == VenueKind::MOCK) {
        MockVenueScenario scenario;
        scenario.assets = cfg.assets;
        p.mock = std::make_unique<MockVenueAdapter>(scenario, &p.clock);
    } else {
        if (cfg.venue.kind == VenueKind::BINGX_SIM && cfg.venue.rest_url.empty()) {
            auto simulator = start_simulator(cfg);
            if (!simulator) return std::move(simulator).error();
            p.simulator = std::move(simulator).value();
            log.warn("bingx-sim: no venue.rest_url, so a simulator runs inside this process; its orders and "
                     "positions die with the process",
                     {{"rest_url", p.simulator->rest_url()}});
        }
        auto started = start_bingx(cfg, *service, p.simulator.get(), p.bingx);
        if (!started) return std::move(started).error();
        p.bingx->poll_mark_price(cfg.assets.front()); // a first mark before any intent
        bingx::MarkPriceStreamConfig stream;
        stream.assets = cfg.assets;
        if (p.simulator) stream.ws_url = p.simulator->ws_url();
        else if (!cfg.venue.ws_url.empty()) stream.ws_url = cfg.venue.ws_url;
        else if (auto derived = bingx::stream_url_for(cfg.venue.rest_url)) stream.ws_url = *derived;
        if (!stream.ws_url.empty()) {
            p.marks = std::make_unique<bingx::MarkPriceStream>(stream);
            p.marks->start();
        }
    }
    p.venue = std::make_unique<TimedVenue>(p.raw_venue(), service->metrics_);

    ControlState control;
    control.risk_limits = cfg.risk;
    control.trace_transitions = true; // transitions are journaled and streamed
    if (const auto mode = p.store->setting("mode")) {
        if (const auto parsed = enum_from_string<KernelMode>(*mode)) control.mode = *parsed;
    }
    p.control = InMemoryControlPlane(control);

    KernelConfig kernel;
    kernel.max_slots = cfg.slots;
    kernel.initial_capital = cfg.initial_capital;
    kernel.watched_assets = cfg.assets;
    if (cfg.venue.kind != VenueKind::MOCK) { // the mock is a fresh venue per process
        auto prefix = journal_id_prefix(*p.store, p.clock.now_ns());
        if (!prefix) return std::move(prefix).error();
        kernel.client_order_id_prefix = std::move(prefix).value();
    }
    try {
        p.kernel = std::make_unique<ExecutionKernel>(kernel, p.control, *p.venue, *p.zinc, p.clock);
    } catch (const std::invalid_argument& error) {
        return Error{"KERNEL_CONFIG", error.what()};
    }
    return service;
}

namespace {

Json in_doubt_outcome(std::string_view code, std::string details, std::int64_t now_ns) {
    return Json{{"diagnostic_code", std::string(code)}, {"severity", "WARNING"}, {"details", std::move(details)},
                {"slot_id", -1}, {"input_sequence", 0}, {"timestamp_ns", now_ns}};
}

// The slot as the kernel would have journaled it right after sending `order` for `intent`, had
// it lived to commit: the order's answer lost (outcome_unknown), its fate left to the venue.
std::optional<SlotSnapshot> with_unjournaled_order(SlotSnapshot snapshot, const KernelIntent& intent,
                                                   const VenueOrder& order) {
    TradeSlot& slot = snapshot.slot;
    OrderRecord record;
    record.client_order_id = order.client_order_id;
    record.venue_order_id = order.venue_order_id;
    record.qty = order.qty;
    record.outcome_unknown = true;
    if (intent.action == KernelCommandType::ENTER) {
        TradeSlot fresh;
        fresh.slot_id = slot.slot_id;
        fresh.trades_completed = slot.trades_completed;
        fresh.fsm_state = TradeStage::ORDER_SENT;
        fresh.trade_id = Id(intent.trade_id);
        fresh.side = intent.side;
        fresh.asset = AssetName(intent.asset);
        fresh.target_size = order.qty;
        fresh.leverage = Decimal::from_double(intent.leverage).value_or(Decimal::from_units(1));
        for (const double ratio : intent.exit_leg_ratios) {
            if (fresh.exit_legs.count >= exit_legs_max) return std::nullopt;
            const auto leg = Decimal::from_double(ratio);
            if (!leg) return std::nullopt;
            fresh.exit_legs.ratios[fresh.exit_legs.count++] = *leg;
        }
        fresh.entry_order_id = order.client_order_id;
        fresh.working_order_id = order.client_order_id;
        record.purpose = OrderPurpose::ENTRY;
        record.side = intent.side;
        slot = fresh;
        snapshot.orders = {record};
        return snapshot;
    }
    if (intent.action != KernelCommandType::EXIT || slot.size <= Decimal()) return std::nullopt;
    slot.fsm_state = TradeStage::EXIT_SENT;
    slot.exit_order_id = order.client_order_id;
    slot.working_order_id = order.client_order_id;
    record.purpose = OrderPurpose::EXIT;
    record.side = slot.side;
    snapshot.orders.push_back(record);
    return snapshot;
}

} // namespace

// An intent recorded but not journaled: the process died inside the kernel's input. Its order
// (found at the venue by its deterministic client order id) goes into the restored state, so the
// restore takes its fills from the venue; an intent whose order never reached the venue is
// closed as not executed. Either way it is never sent again.
std::optional<RecoveredState> Service::settle_in_doubt(std::optional<RecoveredState> recovered,
                                                       const std::vector<StoredIntent>& in_doubt) {
    Parts& p = *parts_;
    const std::int64_t now = p.clock.now_ns();
    for (const StoredIntent& stored : in_doubt) {
        const Json request = Json::parse(stored.request, nullptr, false);
        auto parsed = intent_from_json(request);
        Json outcome = in_doubt_outcome("VENUE_UNAVAILABLE",
                                        "the service stopped before this intent reached the venue: not executed", now);
        if (parsed.ok() && parsed.value().action != KernelCommandType::CANCEL && p.kernel->valid_slot(parsed.value().slot_id)) {
            const KernelIntent& intent = parsed.value();
            const std::string coid = p.kernel->client_order_id_of(intent.intent_id);
            std::string asset = intent.asset;
            if (intent.action == KernelCommandType::EXIT && recovered) {
                for (const SlotSnapshot& s : recovered->slots) {
                    if (s.slot.slot_id == intent.slot_id) asset = s.slot.asset.str();
                }
            }
            const auto found = p.venue->query_order(asset, coid);
            if (!found.ok()) {
                outcome = in_doubt_outcome("OUTCOME_UNKNOWN", "the service stopped inside this intent and the venue "
                                           "could not be asked about order " + coid + " (" + found.detail + ")", now);
            } else if (found.value) {
                if (!recovered) {
                    recovered.emplace();
                    recovered->totals.initial_capital = config_.initial_capital;
                }
                SlotSnapshot base = p.kernel->slot_snapshot(intent.slot_id);
                auto where = std::find_if(recovered->slots.begin(), recovered->slots.end(),
                                          [&](const SlotSnapshot& s) { return s.slot.slot_id == intent.slot_id; });
                if (where != recovered->slots.end()) base = *where;
                // The kernel wrote the order ahead of its send: the journal has it already.
                const bool written_ahead = std::any_of(base.orders.begin(), base.orders.end(), [&](const OrderRecord& o) {
                    return o.client_order_id.view() == coid;
                });
                auto patched = written_ahead ? std::nullopt : with_unjournaled_order(base, intent, *found.value);
                if (patched && where != recovered->slots.end()) *where = std::move(*patched);
                else if (patched) recovered->slots.push_back(std::move(*patched));
                outcome = in_doubt_outcome("OUTCOME_UNKNOWN", "the service stopped after sending order " + coid +
                                           " and before journaling it; the restart took its fills from the venue", now);
                outcome["slot_id"] = intent.slot_id;
            }
        }
        log_.warn("intent in flight at the last stop settled", {{"intent_id", stored.intent_id}, {"outcome", outcome}});
        if (auto done = p.store->finish(stored.intent_id, outcome); !done) log_.error("intent not settled", {{"detail", done.error().detail}});
    }
    return recovered;
}

Result<bool, Error> Service::start() {
    Parts& p = *parts_;
    auto resolved = p.store->resolve_from_journal();
    if (!resolved) return std::move(resolved).error();
    if (resolved->from_journal > 0) {
        log_.warn("intents in flight at the last stop took their outcome from the journal",
                  {{"count", resolved->from_journal}});
    }
    const auto recovered = settle_in_doubt(p.journal->recover(), resolved->in_doubt);
    KernelOutcome outcome;
    if (recovered) {
        outcome = p.kernel->restore(*recovered);
        after_input("restore", "restore", outcome);
    } else {
        std::vector<SlotSnapshot> slots;
        for (int i = 0; i < p.kernel->max_slots(); ++i) slots.push_back(p.kernel->slot_snapshot(i));
        outcome = p.kernel->reconcile_from_slots(slots);
        after_input("reconcile", "start", outcome);
    }
    if (outcome.diagnostic_code == KernelDiagnosticCode::INVALID_SNAPSHOT ||
        outcome.diagnostic_code == KernelDiagnosticCode::INVALID_SLOT_ID) {
        return Error{"RESTORE_REFUSED", "the journal " + config_.journal_path + " could not be restored: " + outcome.details};
    }
    metrics_.reconcile(!p.kernel->mismatched_assets().empty());
    if (p.bingx) stream_connects_seen_ = p.bingx->stats().stream_connects;
    const std::int64_t now = p.clock.now_ns();
    next_reconcile_ns_ = now + config_.reconcile_interval_ms * 1'000'000;
    next_mark_ns_ = now;
    ready_ = true;
    publish_gauges();
    log_.info("ready: journal restored and reconciled with the venue",
              {{"journal", config_.journal_path},
               {"restored", recovered.has_value()},
               {"code", std::string(to_string(outcome.diagnostic_code))},
               {"mode", std::string(to_string(p.control.state().mode))},
               {"mismatched_assets", p.kernel->mismatched_assets().size()}});
    return true;
}

void Service::tick() {
    if (!ready_) return;
    Parts& p = *parts_;
    if (p.events_waiting()) after_input("pump", "pump", p.kernel->pump_venue());
    const std::int64_t now = p.clock.now_ns();
    if (p.bingx) {
        const std::uint64_t connects = p.bingx->stats().stream_connects;
        if (connects != stream_connects_seen_) {
            stream_connects_seen_ = connects;
            metrics_.stream_reconnect();
            reconcile("stream reconnect");
        }
    }
    if (config_.mark_interval_ms > 0 && now >= next_mark_ns_) {
        next_mark_ns_ = now + config_.mark_interval_ms * 1'000'000;
        feed_marks();
    }
    if (now >= next_reconcile_ns_) reconcile("interval");
}

void Service::stop() {
    Parts& p = *parts_;
    ready_ = false;
    if (p.marks) p.marks->stop();
    if (p.bingx) p.bingx->stop();
    if (p.simulator) p.simulator->stop();
}

void Service::reconcile(std::string_view why) {
    Parts& p = *parts_;
    std::vector<SlotSnapshot> slots;
    slots.reserve(static_cast<std::size_t>(p.kernel->max_slots()));
    for (int i = 0; i < p.kernel->max_slots(); ++i) slots.push_back(p.kernel->slot_snapshot(i));
    const KernelOutcome outcome = p.kernel->reconcile_from_slots(slots);
    const bool mismatch = !p.kernel->mismatched_assets().empty();
    metrics_.reconcile(mismatch);
    next_reconcile_ns_ = p.clock.now_ns() + config_.reconcile_interval_ms * 1'000'000;
    after_input("reconcile", why, outcome);
    if (mismatch) {
        Json gaps = Json::object();
        for (const auto& [asset, gap] : p.kernel->mismatched_assets()) gaps[asset.str()] = gap.to_string();
        log_.warn("reconcile: the venue holds what the kernel cannot account for", {{"why", std::string(why)}, {"gaps", gaps}});
    }
}

void Service::feed_marks() {
    Parts& p = *parts_;
    ++mark_round_;
    for (const std::string& asset : config_.assets) {
        std::optional<Decimal> price;
        if (p.bingx) {
            // The stream's latest mark; until it has one, the REST mark (queued as a MARK_PRICE
            // event the next pump hands over).
            price = p.marks ? p.marks->mark(asset) : std::nullopt;
            if (!price) {
                const auto mark = p.bingx->poll_mark_price(asset);
                if (!mark.ok()) log_.debug("mark price unavailable", {{"asset", asset}, {"detail", mark.detail}});
                continue;
            }
        } else {
            const auto series = config_.mock_marks.find(asset);
            if (series == config_.mock_marks.end()) continue;
            price = series->second[std::min<std::size_t>(mark_round_ - 1, series->second.size() - 1)];
        }
        KernelIntent intent;
        intent.intent_id = "mark-" + asset + "-" + std::to_string(mark_round_);
        intent.asset = asset;
        intent.action = KernelCommandType::MARK_PRICE;
        intent.reference_price = price->to_double();
        intent.timestamp_ns = p.clock.now_ns();
        after_input("mark", intent.intent_id, p.kernel->process_intent(intent));
    }
    if (p.bingx && p.events_waiting()) after_input("pump", "marks", p.kernel->pump_venue());
}

void Service::after_input(std::string_view kind, std::string_view input_ref, const KernelOutcome& outcome) {
    const std::string code(to_string(outcome.diagnostic_code));
    metrics_.outcome(code);
    const bool quiet_kind = kind == "mark" || kind == "pump";
    if (!outcome.ok() || !quiet_kind) {
        const auto level = outcome.severity >= KernelSeverity::ERROR ? spdlog::level::err
                           : outcome.severity == KernelSeverity::WARNING ? spdlog::level::warn
                           : quiet_kind                                  ? spdlog::level::debug
                                                                         : spdlog::level::info;
        log_.write(level, "kernel input",
                   {{"kind", std::string(kind)}, {"ref", std::string(input_ref)}, {"code", code},
                    {"slot", outcome.slot_id}, {"seq", outcome.input_sequence}, {"details", outcome.details.str()}});
    }
    publish_gauges();
    if (broadcast_) {
        Json message;
        message["type"] = "outcome";
        message["kind"] = std::string(kind);
        message["input_ref"] = std::string(input_ref);
        message["seq"] = parts_->store->last_outcome_seq();
        message["outcome"] = outcome_to_json(outcome);
        broadcast_(message.dump());
    }
}

void Service::publish_gauges() {
    const Parts& p = *parts_;
    Gauges gauges;
    for (const TradeStage stage : enum_values<TradeStage>()) gauges.slots_by_stage[std::string(to_string(stage))] = 0;
    for (int i = 0; i < p.kernel->max_slots(); ++i) ++gauges.slots_by_stage[std::string(to_string(p.kernel->slot(i).fsm_state))];
    const AccountSnapshot account = p.kernel->account();
    gauges.equity = account.equity;
    gauges.capital = account.capital;
    gauges.realized_pnl = account.realized_pnl;
    gauges.fees_paid = account.fees_paid;
    gauges.unrealized_pnl = account.unrealized_pnl;
    gauges.used_margin = account.used_margin;
    gauges.mode = std::string(to_string(p.control.state().mode));
    gauges.mismatched_assets = static_cast<std::int64_t>(p.kernel->mismatched_assets().size());
    gauges.ready = ready_;
    metrics_.set_gauges(std::move(gauges));
}

namespace {

Json outcome_reply(const std::string& intent_id, bool replayed, const Json& outcome) {
    return Json{{"intent_id", intent_id}, {"replayed", replayed}, {"outcome", outcome}};
}

// The intent as compared between a first request and its retries: everything but the time.
std::string canonical_request(KernelIntent intent) {
    intent.timestamp_ns = 0;
    return intent_to_json(intent).dump();
}

} // namespace

Reply Service::submit_intent(const Json& body) {
    auto parsed = intent_from_json(body);
    if (!parsed.ok()) return error_reply(400, "INVALID_REQUEST", parsed.error().message());
    KernelIntent intent = std::move(parsed).value();
    if (intent.intent_id.empty() || intent.intent_id.size() > intent_id_length_max) {
        return error_reply(400, "INVALID_INTENT_ID",
                           "intent_id is required (1.." + std::to_string(intent_id_length_max) + " characters)");
    }
    const auto action = intent.action;
    if (action != KernelCommandType::ENTER && action != KernelCommandType::EXIT && action != KernelCommandType::CANCEL) {
        return error_reply(400, "UNSUPPORTED_INTENT",
                           "the API takes ENTER, EXIT and CANCEL; marks come from the venue, reconciles from the service");
    }
    if (!ready_) return error_reply(503, "NOT_READY", "the service has not finished its start-up reconcile");
    std::string request = canonical_request(intent);
    return process_recorded(std::move(intent), request);
}

Reply Service::process_recorded(KernelIntent intent, const std::string& request) {
    Parts& p = *parts_;
    auto found = p.store->find(intent.intent_id);
    if (!found) return error_reply(500, found.error().code, found.error().detail);
    if (const auto& stored = found.value()) {
        metrics_.replayed_intent();
        if (stored->request != request) {
            Reply reply = error_reply(409, "DUPLICATE_INTENT",
                                      "intent_id " + intent.intent_id + " was first used for a different intent");
            reply.body["first_outcome"] = stored->outcome;
            return reply;
        }
        return Reply{200, outcome_reply(intent.intent_id, true, stored->outcome)};
    }
    if (auto begun = p.store->begin(intent.intent_id, request); !begun) {
        return error_reply(500, begun.error().code, begun.error().detail);
    }
    intent.timestamp_ns = p.clock.now_ns();
    // EXIT and CANCEL name the slot; the trade is whatever the slot holds when the kernel takes it.
    if (intent.trade_id.empty() && intent.action != KernelCommandType::ENTER && p.kernel->valid_slot(intent.slot_id)) {
        intent.trade_id = p.kernel->slot(intent.slot_id).trade_id.str();
    }
    const KernelOutcome outcome = p.kernel->process_intent(intent);
    Json outcome_json = outcome_to_json(outcome);
    outcome_json["seq"] = p.store->last_outcome_seq();
    if (auto finished = p.store->finish(intent.intent_id, outcome_json); !finished) {
        // The kernel journaled the outcome; a restart takes it from there.
        log_.error("intent outcome not recorded", {{"intent_id", intent.intent_id}, {"detail", finished.error().detail}});
    }
    metrics_.intent(to_string(outcome.diagnostic_code));
    after_input(std::string("intent ") + std::string(to_string(intent.action)), intent.intent_id, outcome);
    return Reply{200, outcome_reply(intent.intent_id, false, outcome_json)};
}

Reply Service::intent(const std::string& intent_id) {
    auto found = parts_->store->find(intent_id);
    if (!found) return error_reply(500, found.error().code, found.error().detail);
    if (!found.value()) return error_reply(404, "UNKNOWN_INTENT", "no intent " + intent_id);
    const StoredIntent& stored = *found.value();
    Json body = outcome_reply(intent_id, true, stored.outcome);
    body["request"] = Json::parse(stored.request, nullptr, false);
    body["done"] = stored.done;
    return Reply{200, std::move(body)};
}

Json Service::snapshot() const {
    const Parts& p = *parts_;
    Json slots = Json::array();
    for (int i = 0; i < p.kernel->max_slots(); ++i) {
        // Python's TradeSlot.to_dict(), plus what an operator's page needs beside it.
        const TradeSlot& slot = p.kernel->slot(i);
        Json dict = slot_to_dict(slot);
        dict["slot_id"] = slot.slot_id;
        dict["asset"] = slot.asset.str();
        dict["exit_price"] = slot.exit_price().to_double();
        slots.push_back(std::move(dict));
    }
    Json marks = Json::object();
    for (const std::string& asset : config_.assets) {
        if (const auto mark = p.kernel->mark_price(asset)) marks[asset] = mark->to_double();
    }
    Json gaps = Json::object();
    for (const auto& [asset, gap] : p.kernel->mismatched_assets()) gaps[asset.str()] = gap.to_string();
    const ControlState& control = p.control.state();
    Json out;
    out["account"] = account_to_dict(p.kernel->account());
    out["slots"] = std::move(slots);
    out["service"] = Json{{"ready", ready_},
                          {"venue", std::string(venue_kind_name(config_.venue.kind))},
                          {"mode", std::string(to_string(control.mode))},
                          {"verbosity", std::string(to_string(control.verbosity))},
                          {"risk_limits",
                           {{"max_position_size", control.risk_limits.max_position_size.to_string()},
                            {"max_notional", control.risk_limits.max_notional.to_string()},
                            {"max_leverage", control.risk_limits.max_leverage.to_string()}}},
                          {"input_sequence", p.kernel->input_sequence()},
                          {"journal_seq", p.store->last_outcome_seq()},
                          {"marks", std::move(marks)},
                          {"mismatched_assets", std::move(gaps)},
                          {"assets", config_.assets}};
    return out;
}

Reply Service::outcomes(std::int64_t after, std::size_t limit) {
    auto rows = parts_->store->outcomes_after(after, std::clamp<std::size_t>(limit, 1, outcomes_page_max));
    if (!rows) return error_reply(500, rows.error().code, rows.error().detail);
    Json list = Json::array();
    std::int64_t last = after;
    for (JournalOutcome& row : rows.value()) {
        last = row.seq;
        list.push_back(std::move(row.outcome));
    }
    return Reply{200, Json{{"after", after}, {"last", last}, {"outcomes", std::move(list)}}};
}

namespace {

std::optional<KernelMode> mode_named(std::string text) {
    for (char& c : text) c = c == '-' ? '_' : static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    if (text == "HALT") text = "HALTED";
    return enum_from_string<KernelMode>(text);
}

} // namespace

Reply Service::control(const Json& body) {
    if (!body.is_object()) return error_reply(400, "INVALID_REQUEST", "(root): expected an object");
    JsonObjectReader r(body, "");
    r.reject_unknown_keys({"mode", "verbosity", "trace_transitions", "max_position_size", "max_notional",
                           "max_leverage", "reason", "flatten"});
    ControlUpdate update;
    if (r.has("mode")) {
        const std::string text = r.string("mode");
        update.mode = mode_named(text);
        if (r.ok() && !update.mode) r.fail("/mode", "expected NORMAL, REDUCE_ONLY, HALTED or DEBUG, got '" + text + "'");
    }
    if (r.has("verbosity")) update.verbosity = r.enumeration<KernelVerbosity>("verbosity", KernelVerbosity::NORMAL);
    if (r.has("trace_transitions")) update.trace_transitions = r.boolean("trace_transitions");
    if (r.has("max_position_size")) update.max_position_size = r.decimal("max_position_size");
    if (r.has("max_notional")) update.max_notional = r.decimal("max_notional");
    if (r.has("max_leverage")) update.max_leverage = r.decimal("max_leverage");
    update.reason = r.string("reason", "api");
    const bool flatten_all = r.boolean("flatten", false);
    if (!r.ok()) return error_reply(400, "INVALID_REQUEST", r.error().message());
    if (flatten_all) {
        // Exits must be allowed and entries must stop: flatten leaves the kernel REDUCE_ONLY.
        if (update.mode && *update.mode != KernelMode::REDUCE_ONLY) {
            return error_reply(400, "INVALID_REQUEST", "/mode: flatten sets REDUCE_ONLY; give no other mode with it");
        }
        update.mode = KernelMode::REDUCE_ONLY;
    }
    Parts& p = *parts_;
    const ControlResult result = p.control.update(update);
    if (!result.accepted) return error_reply(400, "CONTROL_REFUSED", result.detail);
    const std::string mode(to_string(p.control.state().mode));
    if (auto saved = p.store->save_setting("mode", mode); !saved) {
        log_.error("mode not saved", {{"detail", saved.error().detail}});
    }
    log_.warn("control changed", {{"mode", mode}, {"reason", update.reason}, {"flatten", flatten_all}});
    publish_gauges();
    Json out;
    out["mode"] = mode;
    out["verbosity"] = std::string(to_string(p.control.state().verbosity));
    out["version"] = p.control.state().version;
    if (flatten_all) out["flatten"] = flatten(p.clock.now_ns());
    if (broadcast_) broadcast_(Json{{"type", "control"}, {"control", out}}.dump());
    return Reply{200, std::move(out)};
}

Json Service::flatten(std::int64_t now_ns) {
    Parts& p = *parts_;
    Json results = Json::array();
    for (int i = 0; i < p.kernel->max_slots(); ++i) {
        const TradeSlot slot = p.kernel->slot(i);
        const bool entry = entry_working(slot);
        if (exit_working(slot) || (!entry && !slot.size.is_positive())) continue;
        const auto mark = p.kernel->mark_price(slot.asset.view());
        const Decimal price = mark && mark->is_positive() ? *mark : slot.entry_price;
        const std::string id = "flatten-" + std::to_string(now_ns) + "-" + std::to_string(++internal_intents_);
        if (!price.is_positive()) {
            // No price to exit at yet: cancel the entry; what filled is exited by the next flatten.
            KernelIntent cancel = internal_intent(KernelCommandType::CANCEL, id, i, slot, 0.0, 0.0);
            Reply reply = process_recorded(cancel, canonical_request(cancel));
            results.push_back(Json{{"slot_id", i}, {"action", "CANCEL"}, {"reply", reply.body}});
            continue;
        }
        const Decimal size = entry ? slot.target_size : slot.size;
        KernelIntent exit = internal_intent(KernelCommandType::EXIT, id, i, slot, size.to_double(), price.to_double());
        Reply reply = process_recorded(exit, canonical_request(exit));
        results.push_back(Json{{"slot_id", i}, {"action", "EXIT"}, {"reply", reply.body}});
    }
    return results;
}

} // namespace dita::service
