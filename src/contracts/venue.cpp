#include "dita/contracts/venue.hpp"

namespace dita {

KernelEventKind event_kind_of(VenueOrderStatus status) {
    switch (status) {
    case VenueOrderStatus::NEW: return KernelEventKind::ORDER_ACK;
    case VenueOrderStatus::PARTIALLY_FILLED: return KernelEventKind::PARTIAL_FILL;
    case VenueOrderStatus::FILLED: return KernelEventKind::FILL;
    case VenueOrderStatus::CANCELED: return KernelEventKind::CANCEL_ACK;
    case VenueOrderStatus::REJECTED: return KernelEventKind::ORDER_REJECT;
    case VenueOrderStatus::EXPIRED: return KernelEventKind::EXPIRED;
    }
    return KernelEventKind::ORDER_ACK;
}

VenueEvent event_stating(const VenueOrder& order, KernelEventKind kind) {
    VenueEvent event;
    event.kind = kind;
    event.status = static_cast<VenueEventStatus>(order.status);
    event.venue_order_id = order.venue_order_id;
    event.client_order_id = order.client_order_id;
    event.slot_id = order.slot_id;
    event.trade_id = order.trade_id;
    event.side = order.side;
    event.asset = order.asset;
    event.order_qty = order.qty;
    event.cum_filled_qty = order.cum_filled_qty;
    event.avg_fill_price = order.avg_fill_price;
    event.cum_fee = order.cum_fee;
    event.venue_sequence = order.venue_sequence;
    return event;
}

} // namespace dita
