#pragma once
// Venues with faults, built on the mock through the factory seam, for the chaos tests.
#include <deque>
#include <memory>

#include "dita/chaos/venue_factory.hpp"

namespace dita::chaos::test {

enum class Fault {
    NONE,
    QUERIES_FAIL,  // query_order / open_orders / positions answer UNAVAILABLE
    LATE_EVENTS,   // events reach the kernel one drain late, as from an asynchronous venue
    HOARD_EVENTS,  // events are never handed over
};

class FaultyVenue final : public VenueAdapter {
public:
    FaultyVenue(std::unique_ptr<VenueAdapter> inner, Fault fault) : inner_(std::move(inner)), fault_(fault) {}

    std::string_view name() const override { return inner_->name(); }
    std::optional<InstrumentSpec> instrument(std::string_view asset) const override { return inner_->instrument(asset); }
    VenueCallResult submit_order(const OrderRequest& request) override { return inner_->submit_order(request); }
    VenueCallResult cancel_order(const CancelRequest& request) override { return inner_->cancel_order(request); }
    void drain_events(EventSink& sink) override {
        Holder holder(held_);
        if (fault_ == Fault::LATE_EVENTS) {
            // What was held from earlier drains goes out now; what arrives now waits.
            std::deque<VenueEvent> ready;
            ready.swap(held_);
            inner_->drain_events(holder);
            for (const VenueEvent& event : ready) sink.deliver(event);
            return;
        }
        if (fault_ == Fault::HOARD_EVENTS) {
            inner_->drain_events(holder);
            return;
        }
        inner_->drain_events(sink);
    }
    VenueQuery<std::optional<VenueOrder>> query_order(std::string_view asset, std::string_view id) override {
        if (fault_ == Fault::QUERIES_FAIL) return {VenueCallStatus::UNAVAILABLE, std::nullopt, "venue down"};
        return inner_->query_order(asset, id);
    }
    VenueQuery<std::vector<VenueOrder>> open_orders(std::string_view asset) override {
        if (fault_ == Fault::QUERIES_FAIL) return {VenueCallStatus::UNAVAILABLE, {}, "venue down"};
        return inner_->open_orders(asset);
    }
    VenueQuery<std::vector<VenuePosition>> positions(std::string_view asset) override {
        if (fault_ == Fault::QUERIES_FAIL) return {VenueCallStatus::UNAVAILABLE, {}, "venue down"};
        return inner_->positions(asset);
    }
    PositionMode position_mode() const override { return inner_->position_mode(); }
    VenueQuery<std::vector<VenueEvent>> venue_moves(std::string_view asset) override {
        if (fault_ == Fault::QUERIES_FAIL) return {VenueCallStatus::UNAVAILABLE, {}, "venue down"};
        return inner_->venue_moves(asset);
    }
    std::size_t held() const { return held_.size(); }

private:
    class Holder final : public EventSink {
    public:
        explicit Holder(std::deque<VenueEvent>& held) : held_(held) {}
        void deliver(const VenueEvent& event) override { held_.push_back(event); }

    private:
        std::deque<VenueEvent>& held_;
    };

    std::unique_ptr<VenueAdapter> inner_;
    Fault fault_;
    std::deque<VenueEvent> held_;
};

inline VenueFactory faulty_factory(Fault fault) {
    return [fault](const VenueSettings& settings, const Clock& clock) -> Result<VenueHandle> {
        auto inner = mock_venue_factory()(settings, clock);
        if (!inner.ok()) return inner.error();
        auto venue = std::make_unique<FaultyVenue>(std::move(inner.value().venue), fault);
        VenueHandle handle;
        FaultyVenue* raw = venue.get();
        handle.pending_events = [raw] { return raw->held(); };
        handle.venue = std::move(venue);
        return handle;
    };
}

} // namespace dita::chaos::test
