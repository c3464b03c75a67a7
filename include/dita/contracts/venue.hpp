#pragma once
// The venue boundary. The kernel talks to every venue through this interface only and
// never includes a venue implementation.
#include <optional>
#include <string_view>
#include <vector>

#include "dita/contracts/types.hpp"

namespace dita {

// The event kind that reports an order standing in `status` (an order record read back, turned
// into the event that would have said as much).
KernelEventKind event_kind_of(VenueOrderStatus status);
// An event stating all `order` says (its slot, trade and sequence too), as `kind`.
VenueEvent event_stating(const VenueOrder& order, KernelEventKind kind);

// Receives venue events on the kernel's thread.
class EventSink {
public:
    virtual ~EventSink() = default;
    virtual void deliver(const VenueEvent& event) = 0;
};

class VenueAdapter {
public:
    virtual ~VenueAdapter() = default;

    virtual std::string_view name() const = 0;
    virtual std::optional<InstrumentSpec> instrument(std::string_view asset) const = 0;

    // ACCEPTED: the venue took the order (events follow); REJECTED: it refused it;
    // UNKNOWN: no answer, the order may or may not exist.
    virtual VenueCallResult submit_order(const OrderRequest& request) = 0;
    virtual VenueCallResult cancel_order(const CancelRequest& request) = 0;

    // Hands every event that has arrived so far to the sink, on the caller's thread.
    virtual void drain_events(EventSink& sink) = 0;

    // Venue truth for reconciliation. value is nullopt when the venue has no such order.
    virtual VenueQuery<std::optional<VenueOrder>> query_order(std::string_view asset,
                                                              std::string_view client_order_id) = 0;
    virtual VenueQuery<std::vector<VenueOrder>> open_orders(std::string_view asset) = 0;
    virtual VenueQuery<std::vector<VenuePosition>> positions(std::string_view asset) = 0;

    // Whether the account holds long and short apart (HEDGE) or one net position per asset.
    // A venue that cannot say answers ONE_WAY: the kernel then never holds opposite positions
    // on one asset, which is exitable in either mode. Pure, like venue_moves(): a decorator
    // that forgot to forward it would silently turn a hedge account into a one-way one.
    virtual PositionMode position_mode() const = 0;
    // The venue's recent moves on an asset (liquidations, ADL, orders the kernel did not make,
    // funding), as the events that reported them: a reconcile applies them, so a lost report
    // is recovered. A venue without such moves answers an empty list.
    virtual VenueQuery<std::vector<VenueEvent>> venue_moves(std::string_view asset) = 0;
};

} // namespace dita
