// Every simulator fault, survived: orders are submitted (and closed) through the adapter,
// its events drained, and the cumulative fills, fees and positions compared with the
// simulator's books. The simulator is told NOT to enforce unique client order ids here, so
// a blind retry would show up as a doubled order: only query-before-retry prevents it.
#include <gtest/gtest.h>

#include <algorithm>
#include <sstream>
#include <tuple>

#include "bingx_test_support.hpp"

namespace dita::bingx {
namespace {

using namespace dita::bingx::testing;

bingx_sim::SimConfig fault_config(std::uint64_t seed) {
    bingx_sim::SimConfig config = sim_config();
    config.seed = seed;
    config.unique_client_order_ids = false;
    return config;
}

void fast_adapter(BingxConfig& config) {
    config.request_timeout_ms = 400;
    config.call_timeout_ms = 6000;
    config.recv_window_ms = 1000; // an unanswered submit is decided ~2 s later
    config.send_attempts_max = 4;
}

struct TradeRun {
    SimPair& pair;
    EventLog log;
    std::map<std::string, VenueCallResult> results;
    std::map<std::string, OrderPurpose> purposes;

    void submit(const OrderRequest& request) {
        results[request.client_order_id.str()] = pair.adapter->submit_order(request);
        purposes[request.client_order_id.str()] = request.purpose;
        pair.adapter->drain_events(log);
    }

    // Venue books against what the adapter reported; empty when they agree.
    std::string disagreements() const {
        struct Book {
            int count = 0;
            Decimal executed;
            Decimal fee;
        };
        std::map<std::string, Book> books;
        for (const auto& order : pair.sim.orders()) {
            Book& book = books[order.client_order_id];
            ++book.count;
            book.executed += order.executed_qty;
            book.fee += order.fee;
        }
        std::ostringstream out;
        Decimal long_net;
        for (const auto& [coid, result] : results) {
            const Book book = books.count(coid) ? books.at(coid) : Book{};
            if (book.count > 1) out << coid << ": " << book.count << " orders at the venue (doubled); ";
            if (log.cum_filled(coid) != book.executed) {
                out << coid << ": adapter says filled " << log.cum_filled(coid).to_string() << ", venue "
                    << book.executed.to_string() << "; ";
            }
            if (log.cum_fee(coid) != book.fee) {
                out << coid << ": adapter fee " << log.cum_fee(coid).to_string() << ", venue " << book.fee.to_string() << "; ";
            }
            const bool refused = result.status == VenueCallStatus::REJECTED || result.status == VenueCallStatus::UNAVAILABLE;
            if (result.status == VenueCallStatus::ACCEPTED && book.count == 0) out << coid << ": accepted but absent; ";
            if (refused && book.count > 0) out << coid << ": refused (" << result.detail << ") but present; ";
            if (result.status == VenueCallStatus::UNKNOWN && book.count == 0 &&
                log.count(coid, KernelEventKind::ORDER_REJECT) == 0) {
                out << coid << ": unknown and absent, not yet reported as never placed; ";
            }
            const Decimal filled = log.cum_filled(coid);
            long_net += purposes.at(coid) == OrderPurpose::ENTRY ? filled : -filled;
        }
        Decimal venue_long;
        for (const auto& position : pair.sim.positions()) {
            if (position.position_side == "LONG") venue_long += position.amount;
        }
        if (venue_long != long_net) {
            out << "position: venue LONG " << venue_long.to_string() << ", adapter fills net " << long_net.to_string() << "; ";
        }
        return out.str();
    }

    // Every order's reported state only moves forward: cumulative fill never shrinks, and
    // nothing working follows a terminal report.
    std::string regressions() const {
        std::ostringstream out;
        std::map<std::string, VenueEvent> last;
        for (const VenueEvent& event : log.events) {
            const std::string coid = event.client_order_id.str();
            const auto found = last.find(coid);
            if (found != last.end()) {
                const VenueEvent& before = found->second;
                if (event.cum_filled_qty < before.cum_filled_qty) out << coid << ": fill went back; ";
                if (event.cum_fee < before.cum_fee) out << coid << ": fee went back; ";
                const bool was_done = is_terminal(static_cast<VenueOrderStatus>(before.status));
                if (was_done && !is_terminal(static_cast<VenueOrderStatus>(event.status))) out << coid << ": reopened; ";
            }
            last[coid] = event;
        }
        return out.str();
    }

    void expect_agreement(std::chrono::milliseconds timeout = std::chrono::milliseconds(30000)) {
        const bool agreed = drain_until(*pair.adapter, log, [this] { return disagreements().empty(); }, timeout);
        const auto a = pair.adapter->stats();
        const auto v = pair.sim.stats();
        EXPECT_TRUE(agreed) << disagreements() << "\nadapter: connects " << a.stream_connects << ", disconnects "
                            << a.stream_disconnects << ", keys " << a.listen_keys_created << ", expiries "
                            << a.listen_key_expiries << ", catch-ups " << a.catch_ups << "/" << a.catch_up_queries
                            << ", rest " << a.rest_calls << ", updates " << a.stream_order_updates << "\nsim: keys "
                            << v.listen_keys_created << "/" << v.listen_keys_expired << ", sessions " << v.stream_sessions
                            << ", events " << v.stream_events << ", lost " << v.stream_events_lost << ", frames "
                            << v.stream_frames_sent << ", requests " << v.http_requests;
        EXPECT_EQ(regressions(), "");
    }
};

// Entries, then exits of whatever each entry filled, from one thread as the kernel would.
void trade_round(TradeRun& run, const std::string& prefix, int orders) {
    for (int i = 0; i < orders; ++i) {
        run.submit(order(prefix + "-e" + std::to_string(i), TradeSide::LONG, OrderPurpose::ENTRY, "0.0013"));
    }
    drain_until(*run.pair.adapter, run.log, [&] { return run.disagreements().empty(); }, std::chrono::milliseconds(15000));
    for (int i = 0; i < orders; ++i) {
        const std::string entry = prefix + "-e" + std::to_string(i);
        const Decimal filled = run.log.cum_filled(entry);
        if (!filled.is_positive()) continue;
        const std::string qty = filled.to_string();
        run.submit(order(prefix + "-x" + std::to_string(i), TradeSide::LONG, OrderPurpose::EXIT, qty.c_str()));
    }
}

TEST(BingxFaults, Http5xxWithAndWithoutExecution) {
    SimPair pair(fault_config(11), fast_adapter);
    ASSERT_TRUE(pair.start_result.ok()) << pair.start_result.error().detail;
    bingx_sim::SimFaults faults;
    faults.http_5xx_rate = 0.3;
    faults.execute_on_fault = 0.5;
    pair.sim.set_faults(faults);
    TradeRun run{pair};
    trade_round(run, "h5", 12);
    run.expect_agreement();
    const auto stats = pair.sim.stats();
    EXPECT_GT(stats.faults_5xx, 0u);
    EXPECT_GT(stats.faulted_but_executed, 0u);
    EXPECT_GT(pair.adapter->stats().orders_resolved_by_query, 0u);
}

TEST(BingxFaults, SlowAnswersBeyondTheRequestTimeout) {
    SimPair pair(fault_config(12), fast_adapter);
    ASSERT_TRUE(pair.start_result.ok()) << pair.start_result.error().detail;
    bingx_sim::SimFaults faults;
    faults.slow_rate = 0.3;
    faults.slow_ms = 900; // the adapter waits 400 ms: the order exists, the answer is lost
    pair.sim.set_faults(faults);
    TradeRun run{pair};
    trade_round(run, "slow", 10);
    run.expect_agreement();
    EXPECT_GT(pair.sim.stats().faults_slow, 0u);
    EXPECT_GT(pair.adapter->stats().orders_resolved_by_query, 0u);
}

TEST(BingxFaults, DroppedConnections) {
    SimPair pair(fault_config(13), fast_adapter);
    ASSERT_TRUE(pair.start_result.ok()) << pair.start_result.error().detail;
    bingx_sim::SimFaults faults;
    faults.drop_rate = 0.3;
    faults.execute_on_fault = 0.5;
    pair.sim.set_faults(faults);
    TradeRun run{pair};
    trade_round(run, "drop", 12);
    run.expect_agreement();
    EXPECT_GT(pair.sim.stats().faults_drop, 0u);
}

TEST(BingxFaults, RateLimitAnswers) {
    SimPair pair(fault_config(14), fast_adapter);
    ASSERT_TRUE(pair.start_result.ok()) << pair.start_result.error().detail;
    bingx_sim::SimFaults faults;
    faults.rate_limit_rate = 0.3;
    faults.rate_limit_per_s = 8;
    pair.sim.set_faults(faults);
    TradeRun run{pair};
    trade_round(run, "rl", 10);
    run.expect_agreement();
    EXPECT_GT(pair.sim.stats().faults_rate_limit, 0u);
    EXPECT_GT(pair.adapter->stats().rate_limited, 0u);
}

TEST(BingxFaults, DuplicatedStreamEventsAreReportedOnce) {
    SimPair pair(fault_config(15), fast_adapter);
    ASSERT_TRUE(pair.start_result.ok()) << pair.start_result.error().detail;
    bingx_sim::SimFaults faults;
    faults.stream_duplicate_rate = 0.6;
    pair.sim.set_faults(faults);
    TradeRun run{pair};
    trade_round(run, "dup", 10);
    run.expect_agreement();
    EXPECT_GT(pair.sim.stats().stream_duplicates, 0u);
    // Give the late copies time to arrive, then: no two events of an order tell the same thing.
    drain_until(*pair.adapter, run.log, [&] { return pair.adapter->stats().stream_duplicates > 0; },
                std::chrono::milliseconds(3000));
    EXPECT_GT(pair.adapter->stats().stream_duplicates, 0u);
    std::map<std::string, std::vector<std::tuple<KernelEventKind, Decimal, Decimal, Decimal>>> told;
    for (const VenueEvent& event : run.log.events) {
        auto& seen = told[event.client_order_id.str()];
        const auto state = std::make_tuple(event.kind, event.cum_filled_qty, event.cum_fee, event.avg_fill_price);
        EXPECT_EQ(std::count(seen.begin(), seen.end(), state), 0) << event.client_order_id.str() << " repeated";
        seen.push_back(state);
    }
}

TEST(BingxFaults, DelayedAndReorderedStreamEvents) {
    auto config = fault_config(16);
    config.partial_fill_ratio = 0.5;
    SimPair pair(config, fast_adapter);
    ASSERT_TRUE(pair.start_result.ok()) << pair.start_result.error().detail;
    bingx_sim::SimFaults faults;
    faults.stream_delay_rate = 0.5;
    faults.stream_delay_ms = 150;
    pair.sim.set_faults(faults);
    TradeRun run{pair};
    for (int i = 0; i < 8; ++i) run.submit(order("dl-" + std::to_string(i), TradeSide::LONG, OrderPurpose::ENTRY, "0.0021"));
    // The rest of each order fills in two more steps, racing the delayed earlier events.
    for (int i = 0; i < 8; ++i) {
        ASSERT_TRUE(pair.sim.fill_working("dl-" + std::to_string(i), "0.0005", "50100"));
        ASSERT_TRUE(pair.sim.fill_working("dl-" + std::to_string(i), "0.0006", "50200"));
    }
    run.expect_agreement();
    EXPECT_GT(pair.sim.stats().stream_delays, 0u);
    for (int i = 0; i < 8; ++i) {
        const std::string coid = "dl-" + std::to_string(i);
        EXPECT_EQ(run.log.cum_filled(coid), dec("0.0021"));
        EXPECT_EQ(run.log.latest.at(coid).kind, KernelEventKind::FILL) << coid;
        EXPECT_EQ(run.log.latest.at(coid).avg_fill_price, pair.sim.order(coid)->avg_price) << coid;
    }
}

TEST(BingxFaults, StreamCutsAreCaughtUpThroughRest) {
    auto config = fault_config(17);
    config.partial_fill_ratio = 0.5;
    SimPair pair(config, fast_adapter);
    ASSERT_TRUE(pair.start_result.ok()) << pair.start_result.error().detail;
    bingx_sim::SimFaults faults;
    faults.stream_drop_rate = 0.35;
    pair.sim.set_faults(faults);
    TradeRun run{pair};
    for (int i = 0; i < 10; ++i) run.submit(order("cut-" + std::to_string(i), TradeSide::LONG, OrderPurpose::ENTRY, "0.002"));
    for (int i = 0; i < 10; ++i) ASSERT_TRUE(pair.sim.fill_working("cut-" + std::to_string(i), "0.001", "50000"));
    run.expect_agreement();
    EXPECT_GT(pair.sim.stats().stream_drops, 0u);
    EXPECT_GT(pair.adapter->stats().stream_connects, 1u);
    EXPECT_GT(pair.adapter->stats().catch_up_queries, 0u);
}

TEST(BingxFaults, FillsWhileTheStreamIsDownAreNotLost) {
    auto config = fault_config(18);
    config.partial_fill_ratio = 0.5;
    SimPair pair(config, [](BingxConfig& adapter) {
        fast_adapter(adapter);
        adapter.reconnect_backoff_min_ms = 300; // a gap long enough for the fills below to fall in it
        adapter.reconnect_backoff_max_ms = 300;
    });
    ASSERT_TRUE(pair.start_result.ok()) << pair.start_result.error().detail;
    TradeRun run{pair};
    for (int i = 0; i < 4; ++i) run.submit(order("gap-" + std::to_string(i), TradeSide::LONG, OrderPurpose::ENTRY, "0.002"));
    ASSERT_TRUE(drain_until(*pair.adapter, run.log, [&] { return run.log.cum_filled("gap-3") == dec("0.001"); }));
    const auto connects = pair.adapter->stats().stream_connects;
    pair.sim.drop_streams();
    ASSERT_TRUE(drain_until(*pair.adapter, run.log, [&] { return !pair.adapter->stream_connected(); },
                            std::chrono::milliseconds(5000)));
    for (int i = 0; i < 4; ++i) ASSERT_TRUE(pair.sim.fill_working("gap-" + std::to_string(i), "0.001", "50000"));
    run.expect_agreement();
    EXPECT_GT(pair.sim.stats().stream_events_lost, 0u);
    EXPECT_GT(pair.adapter->stats().catch_up_queries, 0u);
    EXPECT_GT(pair.adapter->stats().stream_connects, connects);
    for (int i = 0; i < 4; ++i) EXPECT_EQ(run.log.latest.at("gap-" + std::to_string(i)).kind, KernelEventKind::FILL);
}

TEST(BingxFaults, ListenKeyExpiryMakesANewKeyAndCatchesUp) {
    auto config = fault_config(19);
    config.partial_fill_ratio = 0.5;
    SimPair pair(config, [](BingxConfig& adapter) {
        fast_adapter(adapter);
        adapter.reconnect_backoff_min_ms = 300; // the fills below land before a new key connects
        adapter.reconnect_backoff_max_ms = 300;
    });
    ASSERT_TRUE(pair.start_result.ok()) << pair.start_result.error().detail;
    TradeRun run{pair};
    for (int i = 0; i < 4; ++i) run.submit(order("lk-" + std::to_string(i), TradeSide::LONG, OrderPurpose::ENTRY, "0.002"));
    ASSERT_TRUE(drain_until(*pair.adapter, run.log, [&] { return run.log.cum_filled("lk-3") == dec("0.001"); }));
    pair.sim.expire_listen_keys();
    // Fills right after expiry reach no stream: the key is dead until a new one connects.
    for (int i = 0; i < 4; ++i) ASSERT_TRUE(pair.sim.fill_working("lk-" + std::to_string(i), "0.001", "50000"));
    EXPECT_TRUE(drain_until(*pair.adapter, run.log, [&] { return pair.sim.stats().listen_keys_created >= 2; }));
    run.expect_agreement();
    EXPECT_GE(pair.adapter->stats().listen_key_expiries, 1u);
    EXPECT_EQ(pair.adapter->stats().catch_ups, 1u); // only the reconnect after the expiry needed one
    EXPECT_GT(pair.sim.stats().stream_events_lost, 0u)
        << "keys created " << pair.sim.stats().listen_keys_created << ", expired " << pair.sim.stats().listen_keys_expired
        << ", adapter connects " << pair.adapter->stats().stream_connects << ", frames " << pair.sim.stats().stream_frames_sent
        << ", events " << pair.sim.stats().stream_events;
    EXPECT_GT(pair.adapter->stats().catch_up_queries, 0u);
    EXPECT_GE(pair.sim.stats().listen_keys_created, 2u)
        << "adapter keys " << pair.adapter->stats().listen_keys_created << ", connects "
        << pair.adapter->stats().stream_connects << ", catch-ups " << pair.adapter->stats().catch_ups << ", sim sessions "
        << pair.sim.stats().stream_sessions << ", sim expired " << pair.sim.stats().listen_keys_expired;
    EXPECT_TRUE(drain_until(*pair.adapter, run.log, [&] { return pair.adapter->stream_connected(); }));
}

TEST(BingxFaults, ShortListenKeyLifetimeKeepsBeingRenewed) {
    auto config = fault_config(20);
    config.listen_key_ttl_ms = 400;
    SimPair pair(config, fast_adapter);
    ASSERT_TRUE(pair.start_result.ok()) << pair.start_result.error().detail;
    TradeRun run{pair};
    for (int i = 0; i < 6; ++i) {
        run.submit(order("ttl-" + std::to_string(i), TradeSide::LONG, OrderPurpose::ENTRY, "0.001"));
        std::this_thread::sleep_for(std::chrono::milliseconds(150));
    }
    run.expect_agreement();
    EXPECT_GE(pair.sim.stats().listen_keys_expired, 1u);
}

TEST(BingxFaults, KeepaliveExtendsTheListenKeyBeforeItExpires) {
    auto config = fault_config(22);
    config.listen_key_ttl_ms = 1500;
    SimPair pair(config, [](BingxConfig& adapter) {
        fast_adapter(adapter);
        adapter.listen_key_keepalive_ms = 200;
    });
    ASSERT_TRUE(pair.start_result.ok()) << pair.start_result.error().detail;
    EventLog log;
    EXPECT_TRUE(drain_until(*pair.adapter, log, [&] { return pair.sim.stats().listen_keys_extended >= 10; }));
    EXPECT_EQ(pair.sim.stats().listen_keys_expired, 0u);
    EXPECT_EQ(pair.sim.stats().listen_keys_created, 1u);
}

TEST(BingxFaults, EverythingAtOnce) {
    auto config = fault_config(21);
    config.partial_fill_ratio = 0.7;
    SimPair pair(config, fast_adapter);
    ASSERT_TRUE(pair.start_result.ok()) << pair.start_result.error().detail;
    bingx_sim::SimFaults faults;
    faults.http_5xx_rate = 0.1;
    faults.slow_rate = 0.1;
    faults.slow_ms = 900;
    faults.drop_rate = 0.1;
    faults.rate_limit_rate = 0.1;
    faults.stream_duplicate_rate = 0.3;
    faults.stream_delay_rate = 0.3;
    faults.stream_delay_ms = 100;
    faults.stream_drop_rate = 0.1;
    pair.sim.set_faults(faults);
    TradeRun run{pair};
    for (int i = 0; i < 12; ++i) run.submit(order("all-" + std::to_string(i), TradeSide::LONG, OrderPurpose::ENTRY, "0.001"));
    // Half the remainders fill, half are cancelled.
    for (int i = 0; i < 12; ++i) {
        const std::string coid = "all-" + std::to_string(i);
        if (!pair.sim.order(coid)) continue;
        if (i % 2 == 0) {
            pair.sim.fill_working(coid, "0.0003", "50050");
        } else {
            CancelRequest cancel;
            cancel.client_order_id = Id(coid);
            cancel.asset = AssetName("BTCUSDT");
            const auto answer = pair.adapter->cancel_order(cancel);
            EXPECT_NE(answer.status, VenueCallStatus::REJECTED) << coid << ": " << answer.detail;
        }
    }
    run.expect_agreement();
}

TEST(BingxFaults, SameSeedSameFaults) {
    auto count_faults = [](std::uint64_t seed) {
        SimPair pair(fault_config(seed), fast_adapter);
        EXPECT_TRUE(pair.start_result.ok()) << pair.start_result.error().detail;
        bingx_sim::SimFaults faults;
        faults.http_5xx_rate = 0.3;
        faults.rate_limit_rate = 0.2;
        pair.sim.set_faults(faults);
        std::vector<int> pattern;
        for (int i = 0; i < 10; ++i) {
            // Queries change nothing, so each draws its faults in the same order every run.
            pattern.push_back(static_cast<int>(pair.adapter->open_orders("BTCUSDT").status));
        }
        const auto stats = pair.sim.stats();
        return std::make_tuple(pattern, stats.faults_5xx, stats.faults_rate_limit, stats.signed_requests);
    };
    EXPECT_EQ(count_faults(77), count_faults(77));
}

} // namespace
} // namespace dita::bingx
