// libFuzzer target: the kernel's input API on a mock venue. The input is JSON lines, each an
// intent, a venue event, a slot snapshot (reconcile_from_slots) or a recovered state's totals
// (restore), read through the same strict readers as captures; every value the readers accept
// goes into the kernel, which must answer each with an outcome (never an assertion) and keep
// its own invariants.
#include <cstddef>
#include <cstdint>
#include <sstream>
#include <string>

#include "dita/contracts/clock.hpp"
#include "dita/contracts/json.hpp"
#include "dita/control/control_plane.hpp"
#include "dita/kernel/kernel.hpp"
#include "dita/venues/mock/mock_venue.hpp"
#include "dita/zinc/zinc_plane.hpp"

namespace {

constexpr std::size_t lines_max = 64;

void one_line(dita::ExecutionKernel& kernel, const dita::Json& json) {
    if (!json.is_object() || !json.contains("input") || !json["input"].is_string()) return;
    const std::string& kind = json["input"].get_ref<const std::string&>();
    const dita::Json& body = json.contains("value") ? json["value"] : json;
    if (kind == "intent") {
        if (auto intent = dita::intent_from_json(body); intent.ok()) (void)kernel.process_intent(intent.value());
    } else if (kind == "event") {
        if (auto event = dita::event_from_json(body); event.ok()) (void)kernel.on_venue_event(event.value());
    } else if (kind == "snapshot") {
        if (auto snapshot = dita::snapshot_from_json(body); snapshot.ok()) {
            const dita::SlotSnapshot one = snapshot.value();
            (void)kernel.reconcile_from_slots(std::span<const dita::SlotSnapshot>(&one, 1));
        }
    } else if (kind == "restore") {
        dita::JsonObjectReader r(body, "");
        dita::RecoveredState recovered;
        recovered.totals.initial_capital = r.decimal("initial_capital");
        recovered.totals.realized_pnl = r.decimal("realized_pnl");
        recovered.totals.fees_paid = r.decimal("fees_paid");
        if (const dita::Json* slot = r.raw("slot")) {
            if (auto snapshot = dita::snapshot_from_json(*slot); snapshot.ok()) recovered.slots.push_back(snapshot.value());
        }
        if (r.ok()) (void)kernel.restore(recovered);
    } else if (kind == "account") {
        (void)kernel.account();
    }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    dita::VirtualClock clock;
    dita::MockVenueScenario scenario;
    scenario.partial_fill_ratio = 0.5;
    dita::MockVenueAdapter venue(scenario, &clock);
    dita::InMemoryControlPlane control;
    dita::InMemoryZincPlane zinc;
    dita::ExecutionKernel kernel(dita::KernelConfig{.max_slots = 2}, control, venue, zinc, clock);
    std::istringstream in(std::string(reinterpret_cast<const char*>(data), size));
    std::string line;
    for (std::size_t n = 0; n < lines_max && std::getline(in, line); ++n) {
        auto json = dita::parse_json_text(line);
        if (json.ok()) one_line(kernel, json.value());
    }
    const dita::AccountSnapshot account = kernel.account();
    // The money identity, funding included (a FUNDING event line books funding).
    if (account.capital != account.initial_capital + account.realized_pnl - account.fees_paid + account.funding) {
        __builtin_trap();
    }
    return 0;
}
