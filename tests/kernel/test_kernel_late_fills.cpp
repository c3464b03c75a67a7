// Late fills of finished trades whose reports were lost, and what a restart keeps of them:
// the cases `dita fuzz` found where the kernel ended a lot away from the venue.
#include <gtest/gtest.h>

#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <utility>

#include "dita/zinc/sqlite_zinc_plane.hpp"
#include "kernel/harness.hpp"
#include "kernel/holding_venue.hpp"

namespace dita::test {
namespace {

// Late fills race every cancel; the test delivers, or loses, each event.
struct Late : Held {
    Late() : Held(MockVenueScenario{.partial_fill_ratio = 0.0, .late_fill_on_cancel_probability = 1.0}) {}
    KernelOutcome intent(KernelCommandType action, int slot, double size = 0.002) {
        return Held::intent(action, slot, size, 100.0, TradeSide::LONG);
    }
    // Delivers the held events except late fills (PARTIAL_FILL after a cancel), which are lost.
    void deliver_losing_late_fills() {
        for (const VenueEvent& e : venue.release()) {
            if (e.kind == KernelEventKind::PARTIAL_FILL && e.status == VenueEventStatus::CANCELED) continue;
            kernel.on_venue_event(e);
        }
    }
    void deliver_all() {
        for (const VenueEvent& e : venue.release()) kernel.on_venue_event(e);
    }
    // Trade `slot`'s entry is canceled; the venue fills one lot in the race and the report is lost.
    Id finish_with_lost_late_fill(int slot) {
        intent(KernelCommandType::ENTER, slot);
        deliver_all();
        const Id order = kernel.slot(slot).entry_order_id;
        intent(KernelCommandType::CANCEL, slot);
        deliver_losing_late_fills();
        EXPECT_EQ(kernel.slot(slot).fsm_state, TradeStage::TRADE_TERMINAL_WRITTEN);
        return order;
    }
    KernelOutcome reconcile() {
        std::vector<SlotSnapshot> snaps;
        for (int i = 0; i < kernel.max_slots(); ++i) snaps.push_back(kernel.slot_snapshot(i));
        return kernel.reconcile_from_slots(snaps);
    }
};

TEST(KernelLateFills, AReconcileAsksFinishedOrdersAgainAndReopensALostLateFillInAFreeSlot) {
    Late h;
    const Id old_order = h.finish_with_lost_late_fill(0);
    h.intent(KernelCommandType::ENTER, 0, 0.01); // slot 0 moves on; nothing fills
    h.deliver_all();
    const KernelOutcome out = h.reconcile();
    EXPECT_LT(out.severity, KernelSeverity::ERROR) << out.details;
    EXPECT_TRUE(h.kernel.mismatched_assets().empty());
    const TradeSlot& reopened = h.kernel.slot(1);
    EXPECT_EQ(reopened.trade_id, Id("trade-1"));
    EXPECT_EQ(reopened.entry_order_id, old_order);
    EXPECT_EQ(reopened.size, dec("0.001"));
    EXPECT_EQ(reopened.fsm_state, TradeStage::POSITION_OPEN);
    // Its fee is the account's now, and another reconcile counts nothing twice.
    EXPECT_EQ(h.kernel.account().fees_paid, dec("0.00005"));
    const std::uint64_t hash = h.kernel.state_hash();
    EXPECT_LT(h.reconcile().severity, KernelSeverity::ERROR);
    EXPECT_EQ(h.kernel.slot(1).size, dec("0.001"));
    EXPECT_EQ(h.kernel.account().fees_paid, dec("0.00005"));
    EXPECT_EQ(h.kernel.state_hash(), hash);
}

TEST(KernelLateFills, WithNoFreeSlotTheKernelSaysWhichLateFillsItHoldsAndPlacesThemOnceASlotFrees) {
    Late h;
    const Id old_order = h.finish_with_lost_late_fill(0);
    h.venue.inner().calm(); // from here on cancels race nothing
    h.intent(KernelCommandType::ENTER, 0, 0.01); // both slots work entries: none is free
    h.intent(KernelCommandType::ENTER, 1, 0.01);
    h.deliver_all();
    ASSERT_FALSE(is_free_stage(h.kernel.slot(0).fsm_state));
    ASSERT_FALSE(is_free_stage(h.kernel.slot(1).fsm_state));
    const KernelOutcome out = h.reconcile();
    // Failed closed, but knowingly: a warning that names the order, and the gap it explains.
    EXPECT_EQ(out.diagnostic_code, KernelDiagnosticCode::RECONCILE_MISMATCH);
    EXPECT_EQ(out.severity, KernelSeverity::WARNING) << out.details;
    EXPECT_NE(out.details.find(old_order.str()), std::string::npos) << out.details;
    EXPECT_EQ(h.kernel.unplaced_fills().at(AssetName("BTCUSDT")), dec("0.001"));
    EXPECT_EQ(h.kernel.mismatched_assets().at(AssetName("BTCUSDT")), dec("0.001"));
    // Asking again keeps nothing twice.
    const std::size_t kept = h.kernel.unmatched_events().size();
    EXPECT_EQ(h.reconcile().severity, KernelSeverity::WARNING);
    EXPECT_EQ(h.kernel.unmatched_events().size(), kept);
    // Cancels and exits go on; a new entry on the asset waits, even in a freed slot.
    h.intent(KernelCommandType::CANCEL, 1);
    h.deliver_all();
    ASSERT_EQ(h.kernel.slot(1).fsm_state, TradeStage::TRADE_TERMINAL_WRITTEN);
    EXPECT_EQ(h.intent(KernelCommandType::ENTER, 1).diagnostic_code, KernelDiagnosticCode::RECONCILE_MISMATCH);
    ASSERT_EQ(h.kernel.slot(1).fsm_state, TradeStage::TRADE_TERMINAL_WRITTEN);
    // A slot is free: the next reconcile reopens the old trade there and the gap is gone.
    const KernelOutcome placed = h.reconcile();
    EXPECT_LT(placed.severity, KernelSeverity::ERROR) << placed.details;
    EXPECT_TRUE(h.kernel.mismatched_assets().empty());
    EXPECT_TRUE(h.kernel.unplaced_fills().empty());
    EXPECT_EQ(h.kernel.slot(1).trade_id, Id("trade-1"));
    EXPECT_EQ(h.kernel.slot(1).size, dec("0.001"));
}

// Events reach the kernel only when the test hands them over, as one delivery per pump.
class BatchVenue final : public ForwardingVenue {
public:
    explicit BatchVenue(MockVenueScenario scenario) { mock = MockVenueAdapter(std::move(scenario)); }
    void drain_events(EventSink& sink) override {
        for (const VenueEvent& e : next) sink.deliver(e);
        next.clear();
    }
    std::vector<VenueEvent> take() {
        struct Sink final : EventSink {
            void deliver(const VenueEvent& e) override { out.push_back(e); }
            std::vector<VenueEvent> out;
        } sink;
        mock.drain_events(sink);
        return sink.out;
    }
    std::vector<VenueEvent> next;
};

// Where a late entry fill reopens its trade when the same delivery frees a slot.
std::pair<std::uint64_t, int> reopen_with_delivery(bool reversed) {
    VirtualClock clock;
    InMemoryControlPlane control;
    BatchVenue venue(MockVenueScenario{.partial_fill_ratio = 0.0, .late_fill_on_cancel_probability = 1.0});
    InMemoryZincPlane zinc;
    ExecutionKernel kernel(KernelConfig{.max_slots = 2}, control, venue, zinc, clock);
    const auto intent = [&](const char* id, KernelCommandType action, double size) {
        KernelIntent i;
        i.intent_id = id;
        i.trade_id = std::string("trade-") + id;
        i.action = action;
        i.target_size = size;
        i.reference_price = 100.0;
        kernel.process_intent(i);
    };
    const auto deliver = [&](std::vector<VenueEvent> events) {
        venue.next = std::move(events);
        kernel.pump_venue();
    };
    intent("1", KernelCommandType::ENTER, 0.002);
    deliver(venue.take());
    intent("2", KernelCommandType::CANCEL, 0.0);
    std::vector<VenueEvent> canceled = venue.take(); // the cancel ack, then the race's late fill
    EXPECT_EQ(canceled.size(), 2u);
    const VenueEvent late = canceled.back();
    canceled.pop_back();
    deliver(canceled);
    venue.mock.calm();
    intent("3", KernelCommandType::ENTER, 0.01); // slot 0 moves on; slot 1 is free
    deliver(venue.take());
    intent("4", KernelCommandType::CANCEL, 0.0);
    std::vector<VenueEvent> batch = venue.take(); // trade 3's cancel ack frees slot 0
    batch.push_back(late);
    if (reversed) std::reverse(batch.begin(), batch.end());
    deliver(batch);
    int slot = -1;
    for (int i = 0; i < 2; ++i) {
        if (kernel.slot(i).trade_id == Id("trade-1") && kernel.slot(i).size.is_positive()) slot = i;
    }
    return {kernel.state_hash(), slot};
}

TEST(KernelLateFills, TheSlotALateEntryReopensInDoesNotDependOnDeliveryOrder) {
    const auto forward = reopen_with_delivery(false);
    const auto backward = reopen_with_delivery(true);
    EXPECT_EQ(forward.second, 0); // the lowest free slot once the whole delivery is applied
    EXPECT_EQ(forward.second, backward.second);
    EXPECT_EQ(forward.first, backward.first);
}

TEST(KernelLateFills, AFeeReportForAFinishedTradeIsBookedOnce) {
    Harness h;
    h.enter(0);
    const Id entry = h.kernel.slot(0).entry_order_id;
    h.exit(0);
    ASSERT_EQ(h.kernel.slot(0).fsm_state, TradeStage::TRADE_TERMINAL_WRITTEN);
    const OrderRecord known = *h.kernel.order(entry.view());
    const Decimal fees = h.kernel.account().fees_paid;
    VenueEvent fee;
    fee.kind = KernelEventKind::FILL;
    fee.status = VenueEventStatus::FILLED;
    fee.client_order_id = entry;
    fee.asset = AssetName("BTCUSDT");
    fee.side = known.side;
    fee.order_qty = known.qty;
    fee.cum_filled_qty = known.cum_filled_qty;
    fee.avg_fill_price = known.avg_fill_price;
    fee.cum_fee = known.cum_fee + dec("0.001"); // the venue's final fee, higher than first said
    EXPECT_LT(h.kernel.on_venue_event(fee).severity, KernelSeverity::WARNING);
    EXPECT_EQ(h.kernel.account().fees_paid, fees + dec("0.001"));
    EXPECT_TRUE(h.kernel.unmatched_events().empty());
    h.kernel.on_venue_event(fee);
    EXPECT_EQ(h.kernel.account().fees_paid, fees + dec("0.001"));
    EXPECT_TRUE(h.money_identity_holds());
}

TEST(KernelLateFills, ASlotSnapshotCarriesEveryOrderOfItsTrade) {
    Harness h(MockVenueScenario{.partial_fill_ratio = 0.5});
    h.enter(0);
    h.exit(0);   // the entry's rest is canceled; the exit fills part
    h.cancel(0); // that exit is canceled with its part filled
    h.exit(0);   // a second exit order for the rest
    const SlotSnapshot snap = h.kernel.slot_snapshot(0);
    ASSERT_EQ(snap.orders.size(), 3u);
    EXPECT_EQ(snap.orders.front().client_order_id, snap.slot.entry_order_id);
    // What the journal keeps for a restart is the same.
    const auto recovered = h.zinc.recover();
    ASSERT_TRUE(recovered);
    EXPECT_EQ(recovered->slots.at(0).orders.size(), snap.orders.size());
}

TEST(KernelLateFills, ALateFillAfterARestartIsRecognisedAsTheKernelsOwn) {
    Late h;
    const Id old_order = h.finish_with_lost_late_fill(0);
    h.intent(KernelCommandType::ENTER, 0, 0.01); // slot 0 moves on: its journal row forgets trade 1
    h.deliver_all();
    // Crash; a new kernel from the journal, whose venue stream then delivers the lost report.
    const auto recovered = h.zinc.recover();
    ASSERT_TRUE(recovered);
    ASSERT_FALSE(recovered->finished_orders.empty());
    InMemoryZincPlane zinc2;
    ExecutionKernel restarted(KernelConfig{.max_slots = 2}, h.control, h.venue, zinc2, h.clock);
    const KernelOutcome restored = restarted.restore(*recovered);
    EXPECT_LT(restored.severity, KernelSeverity::ERROR) << restored.details;
    // The restore's reconcile already asked the finished order again: the old trade is back.
    EXPECT_EQ(restarted.slot(1).trade_id, Id("trade-1"));
    EXPECT_EQ(restarted.slot(1).entry_order_id, old_order);
    EXPECT_EQ(restarted.slot(1).size, dec("0.001"));
    EXPECT_TRUE(restarted.mismatched_assets().empty());
}

TEST(KernelLateFills, ARestoreWithABadFinishedOrderChangesNothing) {
    Late h;
    h.finish_with_lost_late_fill(0);
    auto recovered = h.zinc.recover();
    ASSERT_TRUE(recovered);
    ASSERT_FALSE(recovered->finished_orders.empty());
    const auto attempt = [&](RecoveredState bad, const char* expected) {
        InMemoryZincPlane zinc2;
        ExecutionKernel fresh(KernelConfig{.max_slots = 2}, h.control, h.venue, zinc2, h.clock);
        const std::uint64_t before = fresh.state_hash();
        const KernelOutcome out = fresh.restore(bad);
        EXPECT_EQ(out.diagnostic_code, KernelDiagnosticCode::INVALID_SNAPSHOT) << out.details;
        EXPECT_NE(out.details.find(expected), std::string::npos) << out.details;
        EXPECT_EQ(fresh.state_hash(), before);
        EXPECT_FALSE(fresh.order(bad.finished_orders.front().record.client_order_id.view()));
    };
    RecoveredState bad = *recovered;
    bad.finished_orders.front().slot_id = 7;
    attempt(bad, "slot 7");
    bad = *recovered;
    bad.finished_orders.front().asset = AssetName("DOGEUSDT");
    attempt(bad, "DOGEUSDT");
    bad = *recovered;
    bad.finished_orders.front().record.cum_fee = dec("-1");
    attempt(bad, "negative");
    bad = *recovered;
    bad.finished_orders.front().trade_id = Id();
    attempt(bad, "no trade id");
    bad = *recovered;
    bad.finished_orders.assign(finished_orders_recovered_max + 1, recovered->finished_orders.front());
    attempt(bad, "at most");
}

TEST(KernelLateFills, ASnapshotWithMoreOrdersThanATradeMayHoldIsRefused) {
    Harness h;
    h.enter(0);
    SlotSnapshot snap = h.kernel.slot_snapshot(0);
    snap.orders.assign(h.kernel.config().orders_per_trade_max + 1, snap.orders.front());
    const std::uint64_t before = h.kernel.state_hash();
    const KernelOutcome out = h.kernel.reconcile_from_slots(std::span(&snap, 1));
    EXPECT_EQ(out.diagnostic_code, KernelDiagnosticCode::INVALID_SNAPSHOT);
    EXPECT_NE(out.details.find("at most"), std::string::npos) << out.details;
    EXPECT_EQ(h.kernel.state_hash(), before);
}

FinishedOrder finished_order(int slot, const char* trade, const char* id, VenueOrderStatus status, const char* qty) {
    FinishedOrder order;
    order.slot_id = slot;
    order.trade_id = Id(trade);
    order.asset = AssetName("BTCUSDT");
    order.record.client_order_id = Id(id);
    order.record.status = status;
    order.record.qty = dec(qty);
    return order;
}

TEST(KernelLateFills, TheSqliteJournalKeepsTheNewestVersionOfEachFinishedOrder) {
    const std::string path =
        (std::filesystem::temp_directory_path() / ("dita-finished-" + std::to_string(::getpid()) + ".db")).string();
    std::filesystem::remove(path);
    {
        SqliteZincPlane zinc(path);
        FinishedOrder order = finished_order(1, "trade-9", "o-1", VenueOrderStatus::CANCELED, "0.01");
        zinc.record_finished_order(order);
        order.record.cum_filled_qty = dec("0.001");
        order.record.cum_fee = dec("0.00005");
        zinc.record_finished_order(order); // a newer version: the late fill
        for (std::size_t i = 0; i < finished_orders_recovered_max + 5; ++i) {
            FinishedOrder other = order;
            other.record.client_order_id = Id("p-" + std::to_string(i));
            zinc.record_finished_order(other);
        }
        zinc.record_state(1, TradeSlot{}, {}, AccountTotals{}); // a kernel always journals its state too
        zinc.commit(1);
        const auto recovered = zinc.recover();
        ASSERT_TRUE(recovered);
        // Bounded, newest kept, oldest first.
        ASSERT_EQ(recovered->finished_orders.size(), finished_orders_recovered_max);
        EXPECT_EQ(recovered->finished_orders.back().record.client_order_id,
                  Id("p-" + std::to_string(finished_orders_recovered_max + 4)));
    }
    {
        SqliteZincPlane zinc(path);
        FinishedOrder order = finished_order(0, "trade-2", "q-1", VenueOrderStatus::FILLED, "0.02");
        order.record.cum_filled_qty = dec("0.02");
        zinc.record_finished_order(order);
        order.record.cum_fee = dec("0.0002");
        zinc.record_finished_order(order);
        zinc.commit(2);
        const auto recovered = zinc.recover();
        ASSERT_TRUE(recovered);
        EXPECT_EQ(recovered->finished_orders.back(), order);
        std::size_t versions = 0;
        for (const FinishedOrder& f : recovered->finished_orders) versions += f.record.client_order_id == Id("q-1");
        EXPECT_EQ(versions, 1u);
    }
    std::filesystem::remove(path);
}

TEST(KernelLateFills, TheInMemoryJournalKeepsTheNewestVersionOfEachFinishedOrder) {
    InMemoryZincPlane zinc;
    FinishedOrder order;
    order.trade_id = Id("t");
    order.asset = AssetName("BTCUSDT");
    order.record.client_order_id = Id("a");
    zinc.record_finished_order(order);
    order.record.cum_fee = dec("0.1");
    zinc.record_finished_order(order);
    const auto recovered = zinc.recover();
    ASSERT_TRUE(recovered);
    ASSERT_EQ(recovered->finished_orders.size(), 1u);
    EXPECT_EQ(recovered->finished_orders.front(), order);
}

} // namespace
} // namespace dita::test
