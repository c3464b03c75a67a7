// The kernel trading through the BingX adapter against the simulator (wall-clock time),
// with and without faults: every trade ends, the kernel's money matches the venue's books,
// and at rest the kernel's working orders are the venue's open orders.
#include <gtest/gtest.h>

#include "bingx_test_support.hpp"
#include "dita/control/control_plane.hpp"
#include "dita/kernel/kernel.hpp"
#include "dita/zinc/zinc_plane.hpp"

namespace dita::bingx {
namespace {

using namespace dita::bingx::testing;

struct KernelOnSim {
    explicit KernelOnSim(bingx_sim::SimConfig config) : pair(config, [](BingxConfig& adapter) {
        adapter.request_timeout_ms = 400;
        adapter.recv_window_ms = 1000;
    }) {
        kernel = std::make_unique<ExecutionKernel>(KernelConfig{.max_slots = 2}, control, *pair.adapter, zinc, clock);
    }

    KernelOutcome intent(KernelCommandType action, int slot, double size, double price) {
        return kernel->process_intent(numbered_intent("k", ++sequence, action, slot, size, price, clock.now_ns()));
    }

    // Pumps venue events until the slot rests in one of the stages, within a bound.
    bool pump_until(int slot, std::initializer_list<TradeStage> stages) {
        const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
        while (std::chrono::steady_clock::now() < deadline) {
            kernel->pump_venue();
            const TradeStage stage = kernel->slot(slot).fsm_state;
            for (const TradeStage wanted : stages) {
                if (stage == wanted) return true;
            }
            pair.adapter->wait_for_events(std::chrono::milliseconds(20));
        }
        return false;
    }

    WallClock clock;
    InMemoryControlPlane control;
    InMemoryZincPlane zinc;
    SimPair pair;
    std::unique_ptr<ExecutionKernel> kernel;
    int sequence = 0;
};

void trade_cycles(KernelOnSim& k, int cycles) {
    for (int cycle = 0; cycle < cycles; ++cycle) {
        const int slot = cycle % 2;
        const double price = 50000.0 + 10.0 * cycle;
        k.intent(KernelCommandType::ENTER, slot, 0.01, price);
        ASSERT_TRUE(k.pump_until(slot, {TradeStage::POSITION_OPEN, TradeStage::ORDER_REJECTED}))
            << "cycle " << cycle << ": entry stuck in " << to_string(k.kernel->slot(slot).fsm_state);
        if (k.kernel->slot(slot).fsm_state == TradeStage::ORDER_REJECTED) continue;
        // An exit refused or unsent leaves the position open: ask again, a bounded number of times.
        for (int attempt = 0; attempt < 5; ++attempt) {
            k.intent(KernelCommandType::EXIT, slot, 0.0, price + 5.0);
            ASSERT_TRUE(k.pump_until(slot, {TradeStage::TRADE_TERMINAL_WRITTEN, TradeStage::POSITION_OPEN}))
                << "cycle " << cycle << ": exit stuck in " << to_string(k.kernel->slot(slot).fsm_state);
            if (k.kernel->slot(slot).fsm_state == TradeStage::TRADE_TERMINAL_WRITTEN) break;
        }
        ASSERT_EQ(k.kernel->slot(slot).fsm_state, TradeStage::TRADE_TERMINAL_WRITTEN) << "cycle " << cycle;
    }
}

void expect_books_agree(KernelOnSim& k) {
    ASSERT_TRUE(k.pair.adapter->wait_quiet(std::chrono::milliseconds(200), std::chrono::seconds(20)));
    k.kernel->pump_venue();
    Decimal venue_fees;
    for (const auto& order : k.pair.sim.orders()) venue_fees += order.fee;
    const AccountSnapshot account = k.kernel->account();
    EXPECT_EQ(account.fees_paid, venue_fees);
    EXPECT_EQ(account.capital, account.initial_capital + account.realized_pnl - account.fees_paid);
    for (const auto& position : k.pair.sim.positions()) EXPECT_TRUE(position.amount.is_zero()) << position.position_side;
    const auto open = k.pair.adapter->open_orders("BTCUSDT");
    ASSERT_TRUE(open.ok()) << open.detail;
    EXPECT_EQ(open.value.size(), k.kernel->working_orders().size());
    // Realized PnL: every trade closed 5 USDT above its entry on 0.01 BTC.
    int closed = 0;
    for (int slot = 0; slot < 2; ++slot) closed += static_cast<int>(k.kernel->slot(slot).trades_completed);
    EXPECT_EQ(account.realized_pnl, dec("0.05").mul(Decimal::from_units(closed)));
}

TEST(BingxKernel, TradesEndAndBooksAgreeWithoutFaults) {
    KernelOnSim k(sim_config());
    ASSERT_TRUE(k.pair.start_result.ok()) << k.pair.start_result.error().detail;
    trade_cycles(k, 6);
    expect_books_agree(k);
    EXPECT_EQ(k.kernel->slot(0).trades_completed + k.kernel->slot(1).trades_completed, 6u);
}

TEST(BingxKernel, TradesEndAndBooksAgreeWithFaultsOn) {
    auto config = sim_config();
    config.seed = 404;
    config.unique_client_order_ids = false;
    KernelOnSim k(config);
    ASSERT_TRUE(k.pair.start_result.ok()) << k.pair.start_result.error().detail;
    bingx_sim::SimFaults faults = bingx_sim::moderate_faults(400);
    faults.http_5xx_rate = 0.1;
    faults.drop_rate = 0.1;
    faults.slow_rate = 0.1;
    k.pair.sim.set_faults(faults);
    trade_cycles(k, 8);
    expect_books_agree(k);
    const auto stats = k.pair.sim.stats();
    EXPECT_GT(stats.faults_5xx + stats.faults_drop + stats.faults_slow + stats.faults_rate_limit, 0u);
}

} // namespace
} // namespace dita::bingx
