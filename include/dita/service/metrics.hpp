#pragma once
// The service's metrics in the Prometheus text format (0.0.4), written by hand. Updated on the
// kernel thread, read by the HTTP thread: one mutex, so a scrape never waits for the kernel.
#include <array>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>

#include "dita/contracts/decimal.hpp"

namespace dita::service {

class Histogram {
public:
    static constexpr std::array<double, 14> bounds_s{0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
                                                     0.1,    0.25,  0.5,    1.0,   2.5,  5.0,  10.0};
    void observe(double seconds);
    void render(std::string& out, const std::string& name, const std::string& labels) const;

private:
    std::array<std::uint64_t, bounds_s.size()> counts_{};
    std::uint64_t count_ = 0;
    double sum_ = 0.0;
};

struct Gauges {
    std::map<std::string, std::int64_t> slots_by_stage;
    Decimal equity;
    Decimal capital;
    Decimal realized_pnl;
    Decimal fees_paid;
    Decimal unrealized_pnl;
    Decimal used_margin;
    std::string mode = "NORMAL";
    std::int64_t mismatched_assets = 0;
    bool ready = false;
};

class Metrics {
public:
    void intent(std::string_view code);
    void outcome(std::string_view code);
    void venue_call(std::string_view call, double seconds);
    void journal_commit(double seconds);
    void reconcile(bool mismatch);
    void stream_reconnect();
    void replayed_intent();
    void set_gauges(Gauges gauges);
    bool ready() const;
    std::string render() const;

private:
    mutable std::mutex mutex_;
    std::map<std::string, std::uint64_t> intents_by_code_;
    std::map<std::string, std::uint64_t> outcomes_by_code_;
    std::map<std::string, Histogram> venue_calls_;
    Histogram journal_commits_;
    std::uint64_t reconciles_ = 0;
    std::uint64_t mismatches_ = 0;
    std::uint64_t stream_reconnects_ = 0;
    std::uint64_t replayed_intents_ = 0;
    Gauges gauges_;
};

} // namespace dita::service
