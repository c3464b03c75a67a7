#pragma once
// A deterministic in-process venue. Market orders fill at the request's reference price;
// events are queued and handed to the kernel when it drains, so with no faults they appear
// inside the outcome of the intent that caused them.
#include <cstdint>
#include <deque>
#include <map>
#include <string>
#include <vector>

#include "dita/contracts/clock.hpp"
#include "dita/contracts/venue.hpp"

namespace dita {

struct MockVenueScenario {
    bool reject_entries = false;
    bool reject_exits = false;
    double partial_fill_ratio = 1.0; // share of each order filled at once; the rest works
    bool cancel_reject = false;
    double taker_fee_rate = 0.0005;
    double maker_fee_rate = 0.0002;
    double lot_step = 0.001;
    double tick_size = 0.1;
    double min_qty = 0.001;
    std::vector<std::string> assets{"BTCUSDT"};
    std::uint64_t seed = 0;
    std::size_t finished_orders_retained_max = 2048; // like a venue's query window
};

struct MockVenueCounters {
    std::uint64_t orders_submitted = 0;
    std::uint64_t orders_rejected = 0;
    std::uint64_t cancels_requested = 0;
    std::uint64_t cancels_rejected = 0;
    std::uint64_t events_emitted = 0;
};

class MockVenueAdapter final : public VenueAdapter {
public:
    // Throws std::invalid_argument for a scenario it cannot model (NaN ratio, lot step <= 0).
    explicit MockVenueAdapter(MockVenueScenario scenario = {}, const Clock* clock = nullptr);

    std::string_view name() const override { return "mock"; }
    std::optional<InstrumentSpec> instrument(std::string_view asset) const override;
    VenueCallResult submit_order(const OrderRequest& request) override;
    VenueCallResult cancel_order(const CancelRequest& request) override;
    void drain_events(EventSink& sink) override;
    VenueQuery<std::optional<VenueOrder>> query_order(std::string_view asset,
                                                      std::string_view client_order_id) override;
    VenueQuery<std::vector<VenueOrder>> open_orders(std::string_view asset) override;
    VenueQuery<std::vector<VenuePosition>> positions(std::string_view asset) override;

    const MockVenueScenario& scenario() const { return scenario_; }
    const MockVenueCounters& counters() const { return counters_; }
    std::size_t pending_events() const { return pending_.size(); }
    // Fills the working remainder of an order at a price (a resting order meeting the market).
    bool fill_working(std::string_view client_order_id, Decimal qty, Decimal price);

private:
    void emit(const VenueOrder& order, KernelEventKind kind);
    void retire_if_finished(const VenueOrder& order);
    void fill(VenueOrder& order, Decimal qty, Decimal price);
    std::int64_t now_ns() const { return clock_ != nullptr ? clock_->now_ns() : 0; }

    MockVenueScenario scenario_;
    const Clock* clock_;
    Decimal fill_ratio_;
    Decimal taker_fee_rate_;
    Decimal lot_step_;
    Decimal tick_size_;
    Decimal min_qty_;
    std::map<Id, VenueOrder> orders_;
    std::map<Id, Decimal> order_notional_;
    struct Book {
        Decimal net; // signed: long positive
        Decimal entry_notional;
    };
    std::map<AssetName, Book> books_;
    std::deque<VenueEvent> pending_;
    std::deque<Id> finished_;
    std::uint64_t sequence_ = 0;
    std::uint64_t next_order_number_ = 1;
    MockVenueCounters counters_;
};

} // namespace dita
