#pragma once
// Decorators that time the venue's calls and the journal's commits for the metrics. They
// forward everything else unchanged, so the kernel cannot tell them from what they wrap.
#include <chrono>

#include "dita/contracts/venue.hpp"
#include "dita/service/metrics.hpp"
#include "dita/zinc/zinc_plane.hpp"

namespace dita::service {

class Stopwatch {
public:
    double seconds() const {
        return std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
    }

private:
    std::chrono::steady_clock::time_point start_ = std::chrono::steady_clock::now();
};

class TimedVenue final : public VenueAdapter {
public:
    TimedVenue(VenueAdapter& inner, Metrics& metrics) : inner_(inner), metrics_(metrics) {}

private:
    template <typename F>
    auto timed(std::string_view call, F&& f) -> decltype(f()) {
        const Stopwatch watch;
        auto result = f();
        metrics_.venue_call(call, watch.seconds());
        return result;
    }

public:
    std::string_view name() const override { return inner_.name(); }
    std::optional<InstrumentSpec> instrument(std::string_view asset) const override { return inner_.instrument(asset); }
    VenueCallResult submit_order(const OrderRequest& request) override {
        return timed("submit_order", [&] { return inner_.submit_order(request); });
    }
    VenueCallResult cancel_order(const CancelRequest& request) override {
        return timed("cancel_order", [&] { return inner_.cancel_order(request); });
    }
    void drain_events(EventSink& sink) override { inner_.drain_events(sink); }
    VenueQuery<std::optional<VenueOrder>> query_order(std::string_view asset, std::string_view id) override {
        return timed("query_order", [&] { return inner_.query_order(asset, id); });
    }
    VenueQuery<std::vector<VenueOrder>> open_orders(std::string_view asset) override {
        return timed("open_orders", [&] { return inner_.open_orders(asset); });
    }
    VenueQuery<std::vector<VenuePosition>> positions(std::string_view asset) override {
        return timed("positions", [&] { return inner_.positions(asset); });
    }
    PositionMode position_mode() const override { return inner_.position_mode(); }
    VenueQuery<std::vector<VenueEvent>> venue_moves(std::string_view asset) override {
        return timed("venue_moves", [&] { return inner_.venue_moves(asset); });
    }

private:
    VenueAdapter& inner_;
    Metrics& metrics_;
};

class TimedZinc final : public ZincPlane {
public:
    TimedZinc(ZincPlane& inner, Metrics& metrics) : inner_(inner), metrics_(metrics) {}
    void record_outcome(const KernelOutcome& outcome, std::string_view input_ref) override {
        inner_.record_outcome(outcome, input_ref);
    }
    void record_transition(const Transition& transition) override { inner_.record_transition(transition); }
    void write_terminal(const TradeRecord& record) override { inner_.write_terminal(record); }
    void record_state(std::uint64_t input_sequence, const TradeSlot& slot, std::span<const OrderRecord> orders,
                      const AccountTotals& totals) override {
        inner_.record_state(input_sequence, slot, orders, totals);
    }
    void record_finished_order(const FinishedOrder& order) override { inner_.record_finished_order(order); }
    std::optional<RecoveredState> recover() const override { return inner_.recover(); }
    void commit(std::uint64_t input_sequence) override {
        const Stopwatch watch;
        inner_.commit(input_sequence);
        metrics_.journal_commit(watch.seconds());
    }

private:
    ZincPlane& inner_;
    Metrics& metrics_;
};

} // namespace dita::service
