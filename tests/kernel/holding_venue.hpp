#pragma once
// A venue that answers calls like the mock but holds every event back, so a test can deliver
// them itself: late, duplicated, or in any order.
#include <algorithm>
#include <vector>

#include "dita/contracts/clock.hpp"
#include "dita/control/control_plane.hpp"
#include "dita/kernel/kernel.hpp"
#include "dita/venues/mock/mock_venue.hpp"
#include "dita/zinc/zinc_plane.hpp"

namespace dita::test {

class HoldingVenue final : public VenueAdapter {
public:
    explicit HoldingVenue(MockVenueScenario scenario = {}) : inner_(std::move(scenario)) {}

    std::string_view name() const override { return "holding"; }
    std::optional<InstrumentSpec> instrument(std::string_view asset) const override { return inner_.instrument(asset); }
    VenueCallResult submit_order(const OrderRequest& request) override { return take(inner_.submit_order(request)); }
    VenueCallResult cancel_order(const CancelRequest& request) override { return take(inner_.cancel_order(request)); }
    void drain_events(EventSink&) override {}
    VenueQuery<std::optional<VenueOrder>> query_order(std::string_view asset, std::string_view id) override {
        return inner_.query_order(asset, id);
    }
    VenueQuery<std::vector<VenueOrder>> open_orders(std::string_view asset) override { return inner_.open_orders(asset); }
    VenueQuery<std::vector<VenuePosition>> positions(std::string_view asset) override { return inner_.positions(asset); }
    PositionMode position_mode() const override { return inner_.position_mode(); }
    VenueQuery<std::vector<VenueEvent>> venue_moves(std::string_view asset) override { return inner_.venue_moves(asset); }

    std::vector<VenueEvent> release() {
        take({});
        std::vector<VenueEvent> out;
        out.swap(held_);
        return out;
    }
    MockVenueAdapter& inner() { return inner_; }

private:
    class Collect final : public EventSink {
    public:
        explicit Collect(std::vector<VenueEvent>& out) : out_(out) {}
        void deliver(const VenueEvent& event) override { out_.push_back(event); }

    private:
        std::vector<VenueEvent>& out_;
    };
    VenueCallResult take(VenueCallResult result) {
        Collect sink(held_);
        inner_.drain_events(sink);
        return result;
    }

    MockVenueAdapter inner_;
    std::vector<VenueEvent> held_;
};

// Forwards everything to a mock; tests override the one call whose failure they study.
class ForwardingVenue : public VenueAdapter {
public:
    std::string_view name() const override { return "forwarding"; }
    std::optional<InstrumentSpec> instrument(std::string_view asset) const override { return mock.instrument(asset); }
    VenueCallResult submit_order(const OrderRequest& request) override { return mock.submit_order(request); }
    VenueCallResult cancel_order(const CancelRequest& request) override { return mock.cancel_order(request); }
    void drain_events(EventSink& sink) override { mock.drain_events(sink); }
    VenueQuery<std::optional<VenueOrder>> query_order(std::string_view asset, std::string_view id) override {
        return mock.query_order(asset, id);
    }
    VenueQuery<std::vector<VenueOrder>> open_orders(std::string_view asset) override { return mock.open_orders(asset); }
    VenueQuery<std::vector<VenuePosition>> positions(std::string_view asset) override { return mock.positions(asset); }
    PositionMode position_mode() const override { return mock.position_mode(); }
    VenueQuery<std::vector<VenueEvent>> venue_moves(std::string_view asset) override { return mock.venue_moves(asset); }
    MockVenueAdapter mock;
};

// A kernel (2 slots, tracing) on a HoldingVenue: the test delivers each event itself.
struct Held {
    explicit Held(MockVenueScenario scenario = {}) : venue(std::move(scenario)) {
        control.update(ControlUpdate{.trace_transitions = true});
    }
    KernelOutcome intent(KernelCommandType action, int slot, double size = 0.01, double price = 100.0,
                         TradeSide side = KernelIntent{}.side) {
        ++sequence;
        KernelIntent i;
        i.intent_id = "h" + std::to_string(sequence);
        i.trade_id = "trade-" + std::to_string(sequence);
        i.slot_id = slot;
        i.action = action;
        i.target_size = action == KernelCommandType::EXIT ? 0.0 : size;
        i.reference_price = price;
        i.side = side;
        return kernel.process_intent(i);
    }
    VirtualClock clock;
    InMemoryControlPlane control;
    HoldingVenue venue;
    InMemoryZincPlane zinc;
    ExecutionKernel kernel{KernelConfig{.max_slots = 2}, control, venue, zinc, clock};
    int sequence = 0;
};

} // namespace dita::test
