// The child of the journal kill -9 campaign (journal_kill_campaign.py): a kernel journaling to
// SQLite, trading through the BingX adapter against a bingx-sim process that outlives it.
//
//   journal_kill_child --rest-url URL --journal FILE --start N [--count M] [--kill-after-send K]
//
// It restores from the journal (or reconciles a fresh one) and prints one JSON line saying how
// the restart went; then it sends intents N, N+1, ... (each decided by the slot's state: ENTER a
// free slot, EXIT a held one) and prints `{"ack": id, "code": ...}` once process_intent has
// returned, i.e. once the input is committed. --kill-after-send K makes it SIGKILL itself right
// after the K-th order reached the venue: the crash between send and commit, on purpose.
// With --count 0 it only restores, waits for the venue to be quiet and prints its final state.
// Keys come from BINGX_API_KEY / BINGX_API_SECRET.
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "dita/contracts/clock.hpp"
#include "dita/control/control_plane.hpp"
#include "dita/kernel/kernel.hpp"
#include "dita/venues/bingx/bingx_venue.hpp"
#include "dita/zinc/sqlite_zinc_plane.hpp"

namespace {

constexpr int slots_count = 4;

struct Args {
    std::string rest_url;
    std::string journal;
    std::uint64_t start = 0;
    std::uint64_t count = 1'000'000;
    std::uint64_t kill_after_send = 0; // 0: never
};

std::optional<Args> parse(int argc, char** argv) {
    Args args;
    for (int i = 1; i + 1 < argc; i += 2) {
        const std::string flag = argv[i];
        const std::string value = argv[i + 1];
        if (flag == "--rest-url") args.rest_url = value;
        else if (flag == "--journal") args.journal = value;
        else if (flag == "--start") args.start = std::stoull(value);
        else if (flag == "--count") args.count = std::stoull(value);
        else if (flag == "--kill-after-send") args.kill_after_send = std::stoull(value);
        else return std::nullopt;
    }
    if (args.rest_url.empty() || args.journal.empty()) return std::nullopt;
    return args;
}

// Forwards to the adapter; dies by SIGKILL right after the K-th order reached the venue.
class DyingVenue final : public dita::VenueAdapter {
public:
    DyingVenue(dita::VenueAdapter& inner, std::uint64_t kill_after) : inner_(inner), kill_after_(kill_after) {}
    std::string_view name() const override { return inner_.name(); }
    std::optional<dita::InstrumentSpec> instrument(std::string_view asset) const override {
        return inner_.instrument(asset);
    }
    dita::VenueCallResult submit_order(const dita::OrderRequest& request) override {
        dita::VenueCallResult result = inner_.submit_order(request);
        if (kill_after_ != 0 && ++sent_ == kill_after_) std::raise(SIGKILL);
        return result;
    }
    dita::VenueCallResult cancel_order(const dita::CancelRequest& request) override {
        return inner_.cancel_order(request);
    }
    void drain_events(dita::EventSink& sink) override { inner_.drain_events(sink); }
    dita::VenueQuery<std::optional<dita::VenueOrder>> query_order(std::string_view asset,
                                                                  std::string_view id) override {
        return inner_.query_order(asset, id);
    }
    dita::VenueQuery<std::vector<dita::VenueOrder>> open_orders(std::string_view asset) override {
        return inner_.open_orders(asset);
    }
    dita::VenueQuery<std::vector<dita::VenuePosition>> positions(std::string_view asset) override {
        return inner_.positions(asset);
    }
    dita::PositionMode position_mode() const override { return inner_.position_mode(); }
    dita::VenueQuery<std::vector<dita::VenueEvent>> venue_moves(std::string_view asset) override {
        return inner_.venue_moves(asset);
    }

private:
    dita::VenueAdapter& inner_;
    std::uint64_t kill_after_;
    std::uint64_t sent_ = 0;
};

void print(const nlohmann::json& line) {
    std::cout << line.dump() << std::endl; // flushed: the driver may kill us at any moment
}

nlohmann::json outcome_json(const dita::KernelOutcome& outcome, const dita::ExecutionKernel& kernel) {
    return {{"code", std::string(dita::to_string(outcome.diagnostic_code))},
            {"severity", std::string(dita::to_string(outcome.severity))},
            {"details", outcome.details},
            {"mismatched_assets", kernel.mismatched_assets().size()}};
}

nlohmann::json final_state(const dita::ExecutionKernel& kernel) {
    const dita::AccountSnapshot account = kernel.account();
    double long_size = 0;
    double short_size = 0;
    for (int i = 0; i < kernel.max_slots(); ++i) {
        const dita::TradeSlot& slot = kernel.slot(i);
        if (!slot.size.is_positive()) continue;
        (slot.side == dita::TradeSide::LONG ? long_size : short_size) += slot.size.to_double();
    }
    return {{"final", true},
            {"identity", account.capital == account.initial_capital + account.realized_pnl - account.fees_paid},
            {"capital", account.capital.to_string()},
            {"LONG", long_size},
            {"SHORT", short_size},
            {"mismatched_assets", kernel.mismatched_assets().size()},
            {"working_orders", kernel.working_orders().size()}};
}

// Intent n depends on n alone, so a retry after a crash is the same intent: slot n % 4 is
// entered, four intents later exited, and so on (refusals such as SLOT_BUSY are answers too).
dita::KernelIntent intent_for(std::uint64_t n) {
    dita::KernelIntent intent;
    intent.intent_id = "k" + std::to_string(n);
    intent.trade_id = "t" + std::to_string(n);
    intent.slot_id = static_cast<int>(n % slots_count);
    intent.asset = "BTCUSDT";
    intent.side = intent.slot_id % 2 == 0 ? dita::TradeSide::LONG : dita::TradeSide::SHORT;
    intent.leverage = 2.0;
    intent.reference_price = 50000.0 + static_cast<double>(n % 7) * 10.0;
    if ((n / slots_count) % 2 == 1) {
        intent.action = dita::KernelCommandType::EXIT;
        intent.target_size = 0.0;
    } else {
        intent.action = dita::KernelCommandType::ENTER;
        intent.target_size = 0.001 * static_cast<double>(1 + n % 3);
    }
    return intent;
}

} // namespace

int main(int argc, char** argv) {
    const auto args = parse(argc, argv);
    if (!args) {
        std::cerr << "usage: journal_kill_child --rest-url URL --journal FILE --start N [--count M] "
                     "[--kill-after-send K]\n";
        return 2;
    }
    auto credentials = dita::bingx::credentials_from_env();
    if (!credentials) {
        std::cerr << "BINGX_API_KEY / BINGX_API_SECRET are not set\n";
        return 2;
    }
    dita::bingx::BingxAdapterOptions options;
    options.rest_url = args->rest_url;
    options.credentials = *credentials;
    options.send_price_with_market = true;
    auto made = dita::bingx::make_bingx_adapter(options);
    if (!made) {
        print({{"start_failed", made.error().code + ": " + made.error().detail}});
        return 3;
    }
    std::unique_ptr<dita::bingx::BingxVenueAdapter> adapter = std::move(made).value();
    DyingVenue venue(*adapter, args->kill_after_send);
    dita::SqliteZincPlane journal(args->journal);
    dita::InMemoryControlPlane control;
    dita::VirtualClock clock;
    dita::ExecutionKernel kernel(
        dita::KernelConfig{.max_slots = slots_count, .client_order_id_prefix = "kc"}, control, venue, journal, clock);

    const auto recovered = journal.recover();
    std::vector<dita::SlotSnapshot> slots;
    for (int i = 0; i < slots_count; ++i) slots.push_back(kernel.slot_snapshot(i));
    const dita::KernelOutcome restored = recovered ? kernel.restore(*recovered) : kernel.reconcile_from_slots(slots);
    nlohmann::json line = outcome_json(restored, kernel);
    line["restart"] = recovered.has_value();
    line["in_flight"] = recovered ? recovered->in_flight_orders.size() : 0;
    print(line);

    for (std::uint64_t n = args->start; n < args->start + args->count; ++n) {
        const dita::KernelIntent intent = intent_for(n);
        const dita::KernelOutcome outcome = kernel.process_intent(intent);
        nlohmann::json ack = outcome_json(outcome, kernel);
        ack["ack"] = intent.intent_id;
        print(ack);
        if (adapter->wait_for_events(std::chrono::milliseconds(2))) kernel.pump_venue();
    }
    if (args->count == 0) {
        adapter->wait_quiet(std::chrono::milliseconds(300), std::chrono::seconds(10));
        kernel.pump_venue();
        print(final_state(kernel));
    }
    adapter->stop();
    return 0;
}
