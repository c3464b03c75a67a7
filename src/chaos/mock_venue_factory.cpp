// The one chaos source that knows a venue implementation: everything else goes through
// VenueFactory and VenueAdapter.
#include <stdexcept>

#include "dita/chaos/venue_factory.hpp"
#include "dita/venues/mock/mock_venue.hpp"

namespace dita::chaos {

VenueFactory mock_venue_factory() {
    return [](const VenueSettings& settings, const Clock& clock) -> Result<VenueHandle> {
        MockVenueScenario scenario;
        scenario.reject_entries = settings.reject_entries;
        scenario.reject_exits = settings.reject_exits;
        scenario.partial_fill_ratio = settings.partial_fill_ratio;
        scenario.cancel_reject = settings.cancel_reject;
        scenario.taker_fee_rate = settings.taker_fee_rate;
        scenario.maker_fee_rate = settings.maker_fee_rate;
        scenario.lot_step = settings.lot_step;
        scenario.tick_size = settings.tick_size;
        scenario.min_qty = settings.min_qty;
        scenario.assets = settings.assets;
        scenario.seed = settings.seed;
        std::unique_ptr<MockVenueAdapter> venue;
        try {
            venue = std::make_unique<MockVenueAdapter>(std::move(scenario), &clock);
        } catch (const std::invalid_argument& error) {
            // The mock refuses settings it cannot model by throwing; here that is an input error.
            return Error{"", "venue", error.what()};
        }
        VenueHandle handle;
        MockVenueAdapter* raw = venue.get();
        handle.pending_events = [raw] { return raw->pending_events(); };
        handle.venue = std::move(venue);
        return handle;
    };
}

} // namespace dita::chaos
