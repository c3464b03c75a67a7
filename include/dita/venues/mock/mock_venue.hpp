#pragma once
// A deterministic in-process venue. Market orders fill at the request's reference price.
// Events are queued and handed over when the kernel drains; with no faults and no latency they
// appear inside the outcome of the intent that caused them. Every fault is drawn from `seed`,
// so a scenario and a seed reproduce a run exactly.
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "dita/contracts/clock.hpp"
#include "dita/contracts/id_table.hpp"
#include "dita/contracts/ring.hpp"
#include "dita/contracts/rng.hpp"
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

    // Fault injection: probabilities per event or per call, from 0 to 1.
    std::int64_t latency_ns = 0;         // events become deliverable this long after they happen
    double duplicate_probability = 0.0;  // an event is delivered twice
    double reorder_probability = 0.0;    // an event overtakes the one queued before it
    double drop_probability = 0.0;       // an event is never delivered (reconcile recovers it)
    double delay_probability = 0.0;      // an event is held back up to delay_ns_max
    std::int64_t delay_ns_max = 0;
    double submit_unknown_probability = 0.0; // submit's answer is lost (the order may exist)
    double cancel_unknown_probability = 0.0; // cancel's answer is lost
    double random_reject_probability = 0.0;  // an order is rejected by the venue
    double random_cancel_reject_probability = 0.0;
    double late_fill_on_cancel_probability = 0.0; // cancel ack races a fill that arrives after it
    double overfill_probability = 0.0;       // the venue reports one lot more than ordered
    double short_fill_probability = 0.0;     // the venue reports FILLED below the quantity
    bool random_partial_fills = false;       // fill share drawn per order instead of the ratio
    // A position on the first asset at start that no kernel order made (signed: long
    // positive; 0: none), opened at initial_foreign_position_price (positive when set).
    double initial_foreign_position = 0.0;
    double initial_foreign_position_price = 0.0;
    // Exits only ever reduce the account's position, as BingX's reduceOnly orders do: an exit
    // with nothing to reduce is rejected, and one larger than what is left fills that and the
    // venue cancels the rest.
    bool reduce_only_exits = true;
    // HEDGE (as the BingX adapter's default): long and short positions of an asset apart;
    // ONE_WAY: one net position per asset.
    PositionMode position_mode = PositionMode::HEDGE;
    // Isolated margin: each position holds the margin its entries put up (notional / leverage)
    // and is liquidated when the mark takes its margin plus unrealized PnL down to the
    // maintenance margin (mark * size * maintenance_margin_rate). It is closed at its
    // liquidation price, as BingX's isolated liquidation price is computed, with a liquidation
    // fee of liquidation_fee_rate of the notional, never more than the margin left.
    double maintenance_margin_rate = 0.004;
    double liquidation_fee_rate = 0.006;
    bool liquidations = true; // false: a venue that never liquidates (capital can go below zero)
    // Funding: every funding_interval_ns of virtual time (from 0) each open position pays
    // size * mark * funding_rate (longs pay shorts when positive; negative: shorts pay).
    double funding_rate = 0.0001;
    std::int64_t funding_interval_ns = 28'800'000'000'000; // 8 h
    // Venue moves drawn from the seed, on their own random stream (they shift no other fault):
    // at every market move (a mark, or an order's price), a profitable position is partly
    // auto-deleveraged, or a person closes part or all of one by hand on the website.
    double adl_probability = 0.0;
    double manual_close_probability = 0.0;

    bool has_faults() const;
};

struct MockVenueCounters {
    std::uint64_t orders_submitted = 0;
    std::uint64_t orders_rejected = 0;
    std::uint64_t cancels_requested = 0;
    std::uint64_t cancels_rejected = 0;
    std::uint64_t events_emitted = 0;
    std::uint64_t events_delivered = 0;
    std::uint64_t events_duplicated = 0;
    std::uint64_t events_reordered = 0;
    std::uint64_t events_dropped = 0;
    std::uint64_t events_delayed = 0;
    std::uint64_t answers_lost = 0;
};

class MockVenueAdapter final : public VenueAdapter {
public:
    // Throws std::invalid_argument for a scenario it cannot model (NaN ratio, lot step <= 0).
    explicit MockVenueAdapter(MockVenueScenario scenario = {}, const Clock* clock = nullptr);

    std::string_view name() const override { return "mock"; }
    std::optional<InstrumentSpec> instrument(std::string_view asset) const override;
    // One of the scenario's assets: what instrument() checks, without building the spec.
    bool listed(std::string_view asset) const;
    VenueCallResult submit_order(const OrderRequest& request) override;
    VenueCallResult cancel_order(const CancelRequest& request) override;
    void drain_events(EventSink& sink) override;
    VenueQuery<std::optional<VenueOrder>> query_order(std::string_view asset,
                                                      std::string_view client_order_id) override;
    VenueQuery<std::vector<VenueOrder>> open_orders(std::string_view asset) override;
    VenueQuery<std::vector<VenuePosition>> positions(std::string_view asset) override;
    PositionMode position_mode() const override { return scenario_.position_mode; }
    VenueQuery<std::vector<VenueEvent>> venue_moves(std::string_view asset) override;

    // The market moves: the asset's mark becomes `price`; positions past their liquidation
    // price are liquidated, and the seeded venue moves (ADL, manual closes) may happen.
    void set_mark(std::string_view asset, Decimal price);
    // The liquidation price of the position on `asset` and `side` (one-way: the net position's
    // side), or nullopt when there is none or it cannot be liquidated (a long at leverage 1).
    std::optional<Decimal> liquidation_price(std::string_view asset, TradeSide side) const;
    // Funding the venue booked so far, summed: charged to the account (negative: paid to it).
    Decimal funding_charged() const { return funding_charged_; }
    // Closes part or all of a position as a person on the website would (a MANUAL_CLOSE).
    bool manual_close(std::string_view asset, TradeSide side, Decimal qty);
    // Auto-deleverages part or all of a position at the mark (an ADL).
    bool auto_deleverage(std::string_view asset, TradeSide side, Decimal qty);

    const MockVenueScenario& scenario() const { return scenario_; }
    const MockVenueCounters& counters() const { return counters_; }
    // Events emitted but not yet delivered (held by latency or delay).
    std::size_t pending_events() const { return pending_.size() - pending_head_; }
    // The earliest time a held event becomes deliverable, if any is held.
    std::optional<std::int64_t> next_due_ns() const;
    // Fills the working remainder of an order at a price (a resting order meeting the market).
    bool fill_working(std::string_view client_order_id, Decimal qty, Decimal price);
    // Calm: from now on no fault is drawn and cancel_reject is off (no rejects, losses, drops, delays, duplicates,
    // reorders, odd fills); events already held are still delivered at their due times.
    // Campaigns call it before checking liveness.
    void calm() { calm_ = true; }
    bool is_calm() const { return calm_; }
    // Opens a position on the account that no kernel order made (someone trading by hand).
    void inject_foreign_fill(std::string_view asset, TradeSide side, Decimal qty, Decimal price);

private:
    struct Book {
        Decimal net;            // signed: long positive
        Decimal entry_notional; // of the open net position, at its fills' prices
        Decimal margin;         // isolated margin: entries' notional / leverage, less funding paid
    };
    // HEDGE: one book per asset and side (+1 long, -1 short); ONE_WAY: one per asset (0).
    using BookKey = std::pair<AssetName, int>;
    BookKey book_key(const AssetName& asset, TradeSide side) const;
    void book_reduction(Book& book, Decimal qty, Decimal price);
    // Where `asset` sits in listed_ (and marks_), or listed_.size() when it is not listed.
    std::size_t listed_index(const AssetName& asset) const;
    // set_mark's work once the asset is known listed (listed_[index]) and the price positive.
    void mark_moved(std::size_t index, Decimal price);
    // liquidation_price() of a book already found.
    std::optional<Decimal> liquidation_price_of(const Book& book) const;
    // Books the funding intervals that ended since the last call. Most calls find none, so
    // that check is inline and the booking (settle_funding_through) out of line.
    void settle_funding() {
        const std::int64_t interval = scenario_.funding_interval_ns;
        if (interval <= 0) return;
        const std::int64_t due = now_ns() / interval;
        if (due > funding_index_) settle_funding_through(due);
    }
    void settle_funding_through(std::int64_t due);
    void check_liquidations(const AssetName& asset);
    // check_liquidations' work once the asset's mark is known.
    void liquidate_crossed(const AssetName& asset, Decimal mark);
    void draw_venue_moves(const AssetName& asset);
    bool reduce_by_venue(const BookKey& key, KernelEventKind kind, Decimal qty, Decimal price, Decimal fee);
    void cancel_working_on(const BookKey& key);
    Decimal mark_of(const AssetName& asset, const Book& book) const;
    void record_move(const VenueEvent& event);
    // An order and what the venue keeps beside it, in one node: the notional of its fills, the
    // price it was sent at (a late fill on cancel fills there) and its leverage.
    struct Stored {
        VenueOrder order;
        Decimal notional;
        Decimal reference_price;
        Decimal leverage;
    };
    struct Pending {
        std::int64_t due_ns;
        VenueEvent event;
    };
    // The order a request places, numbered with the next venue order id.
    Stored order_from(const OrderRequest& request);
    void emit(const VenueOrder& order, KernelEventKind kind);
    void enqueue(const VenueEvent& event);
    // enqueue() in two halves, so emit() can state its event straight into the queue: when the
    // next event becomes deliverable (nullopt: it is dropped), then the faults that strike it
    // once it is last in the queue (reordered with the one before, duplicated).
    std::optional<std::int64_t> admission();
    void after_queued(std::int64_t due);
    void fill(Stored& stored, Decimal qty, Decimal price, bool report);
    void book_fill(const VenueOrder& order, Decimal leverage, Decimal qty, Decimal price);
    void retire_if_finished(const VenueOrder& order);
    bool draw(std::uint32_t ppm) { return !calm_ && ppm > 0 && rng_.chance_ppm(ppm); }
    std::int64_t now_ns() const { return clock_ != nullptr ? clock_->now_ns() : 0; }

    MockVenueScenario scenario_;
    const Clock* clock_;
    Rng rng_;
    Decimal fill_ratio_;
    Decimal taker_fee_rate_;
    Decimal lot_step_;
    Decimal tick_size_;
    Decimal min_qty_;
    struct Faults {
        std::uint32_t duplicate = 0, reorder = 0, drop = 0, delay = 0, submit_unknown = 0, cancel_unknown = 0,
                      reject = 0, cancel_reject = 0, late_fill = 0, overfill = 0, short_fill = 0;
    } ppm_;
    IdTable<Id, Stored> orders_;
    std::vector<AssetName> listed_; // scenario_.assets, as compared on every order
    std::map<BookKey, Book> books_;
    std::vector<Decimal> marks_; // beside listed_: the asset's mark, zero while it has none
    Ring<VenueEvent> moves_; // the venue's own moves, newest last (a query window)
    Rng move_rng_;
    Decimal maintenance_rate_;
    Decimal liquidation_fee_rate_;
    Decimal funding_rate_;
    std::int64_t funding_index_ = 0; // funding intervals settled since time 0
    Decimal funding_charged_;
    std::uint32_t adl_ppm_ = 0;
    std::uint32_t manual_close_ppm_ = 0;
    std::uint64_t next_move_number_ = 1;
    // How much of `order` may still fill: its remainder, and for a reduce-only exit no more
    // than the account's position on the side it closes.
    Decimal fillable(const VenueOrder& order) const;
    // A request whose size, price or notional the books could not hold is refused (REJECTED).
    bool within_bounds(const OrderRequest& request) const;
    // A queue in a vector that keeps its room: [pending_head_, end) are queued, the rest were
    // handed over and are dropped when a drain ends (a deque allocated a chunk every few events).
    std::vector<Pending> pending_;
    std::size_t pending_head_ = 0;
    // Ids of finished orders, oldest first: a window of finished_orders_retained_max, past which
    // the oldest is forgotten, here and in orders_.
    Ring<Id> finished_;
    std::uint64_t sequence_ = 0;
    std::uint64_t next_order_number_ = 1;
    MockVenueCounters counters_;
    bool calm_ = false;
};

} // namespace dita
