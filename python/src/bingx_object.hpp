#pragma once
// dita.BingxVenueAdapter: the C++ BingX adapter behind a Python object (the simulator's binding
// is bind_bingx_sim.cpp). Its network threads never touch Python; every call that can wait on
// the network releases the GIL.
#include <atomic>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "binding.hpp"
#include "dita/venues/bingx/bingx_venue.hpp"

namespace dita::py_binding {

// What a kernel calls: the adapter until close(), then UNAVAILABLE for every call, so a kernel
// that outlives close() never reaches a stopped adapter. close() drops the adapter, which joins
// its threads; a wait still running on another thread holds its own reference, so the last one
// out destroys it. Venue calls and close() are serialised by the owner's Guard.
class ClosableBingx final : public VenueAdapter {
public:
    explicit ClosableBingx(std::unique_ptr<bingx::BingxVenueAdapter> adapter)
        : adapter_(std::move(adapter)), last_mode_(adapter_->position_mode()) {}

    std::string_view name() const override { return "bingx"; }
    std::optional<InstrumentSpec> instrument(std::string_view asset) const override;
    VenueCallResult submit_order(const OrderRequest& request) override;
    VenueCallResult cancel_order(const CancelRequest& request) override;
    void drain_events(EventSink& sink) override;
    VenueQuery<std::optional<VenueOrder>> query_order(std::string_view asset,
                                                      std::string_view client_order_id) override;
    VenueQuery<std::vector<VenueOrder>> open_orders(std::string_view asset) override;
    VenueQuery<std::vector<VenuePosition>> positions(std::string_view asset) override;
    PositionMode position_mode() const override;
    VenueQuery<std::vector<VenueEvent>> venue_moves(std::string_view asset) override;

    // Stops the stream and the adapter's threads (bounded by its timeouts). Idempotent.
    void close();
    bool closed() const { return adapter() == nullptr; }
    // The adapter, or null once closed.
    std::shared_ptr<bingx::BingxVenueAdapter> adapter() const {
        std::lock_guard lock(mutex_);
        return adapter_;
    }

private:
    mutable std::mutex mutex_;
    std::shared_ptr<bingx::BingxVenueAdapter> adapter_;
    mutable PositionMode last_mode_;
};

struct PyBingxVenue {
    PyBingxVenue(std::unique_ptr<bingx::BingxVenueAdapter> adapter, const bingx::BingxConfig& config);
    GuardSet guards() {
        GuardSet set;
        set.add(&guard);
        return set;
    }

    Guard guard;
    ClosableBingx venue;
    // What repr() and the properties show: never the secret, the key only as "…abcd".
    std::string rest_url;
    std::string ws_url;
    std::string key_hint;
    std::vector<std::string> symbols;
    dita::PositionMode position_mode;
    bool live;
    Decimal order_qty_max;
    Decimal order_notional_max;
};

void bind_bingx(py::module_& m);

} // namespace dita::py_binding
