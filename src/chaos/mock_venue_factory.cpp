// The one chaos source that knows a venue implementation: everything else goes through
// VenueFactory and VenueAdapter.
#include <stdexcept>

#include "dita/chaos/venue_factory.hpp"
#include "dita/venues/mock/mock_venue.hpp"

namespace dita::chaos {

// VenueSettings mirrors MockVenueScenario field for field; a field added to one and not the
// other changes the size and stops the build here.
static_assert(sizeof(VenueSettings) == sizeof(MockVenueScenario),
              "VenueSettings and MockVenueScenario differ: mirror the new field (scenario.hpp, scenario_io.cpp, here)");

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
        scenario.finished_orders_retained_max = settings.finished_orders_retained_max;
        scenario.latency_ns = settings.latency_ns;
        scenario.duplicate_probability = settings.duplicate_probability;
        scenario.reorder_probability = settings.reorder_probability;
        scenario.drop_probability = settings.drop_probability;
        scenario.delay_probability = settings.delay_probability;
        scenario.delay_ns_max = settings.delay_ns_max;
        scenario.submit_unknown_probability = settings.submit_unknown_probability;
        scenario.cancel_unknown_probability = settings.cancel_unknown_probability;
        scenario.random_reject_probability = settings.random_reject_probability;
        scenario.random_cancel_reject_probability = settings.random_cancel_reject_probability;
        scenario.late_fill_on_cancel_probability = settings.late_fill_on_cancel_probability;
        scenario.overfill_probability = settings.overfill_probability;
        scenario.short_fill_probability = settings.short_fill_probability;
        scenario.random_partial_fills = settings.random_partial_fills;
        scenario.initial_foreign_position = settings.initial_foreign_position;
        scenario.initial_foreign_position_price = settings.initial_foreign_position_price;
        scenario.reduce_only_exits = settings.reduce_only_exits;
        scenario.position_mode = settings.position_mode;
        scenario.maintenance_margin_rate = settings.maintenance_margin_rate;
        scenario.liquidation_fee_rate = settings.liquidation_fee_rate;
        scenario.liquidations = settings.liquidations;
        scenario.funding_rate = settings.funding_rate;
        scenario.funding_interval_ns = settings.funding_interval_ns;
        scenario.adl_probability = settings.adl_probability;
        scenario.manual_close_probability = settings.manual_close_probability;
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
        handle.next_due_ns = [raw] { return raw->next_due_ns(); };
        handle.calm = [raw] { raw->calm(); };
        handle.set_mark = [raw](std::string_view asset, Decimal price) { raw->set_mark(asset, price); };
        handle.venue = std::move(venue);
        return handle;
    };
}

} // namespace dita::chaos
