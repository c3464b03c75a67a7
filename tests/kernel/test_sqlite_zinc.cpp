#include <gtest/gtest.h>

#include <sys/wait.h>
#include <unistd.h>

#include <sqlite3.h>

#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "dita/zinc/sqlite_zinc_plane.hpp"
#include "kernel/harness.hpp"
#include "kernel/holding_venue.hpp"

namespace dita::test {
namespace {

class TempDir {
public:
    TempDir() {
        std::string pattern = (std::filesystem::temp_directory_path() / "dita-zinc-XXXXXX").string();
        path_ = mkdtemp(pattern.data());
    }
    ~TempDir() { std::filesystem::remove_all(path_); }
    std::string file(const char* name) const { return (std::filesystem::path(path_) / name).string(); }

private:
    std::string path_;
};

// Runs the same inputs into a kernel journaling to `zinc`. With stop_at_inputs >= 0 it stops
// at the first trade that starts after that many inputs: by returning, or by crashing with a
// torn (uncommitted) input when `crash` is set.
void trade(ZincPlane& zinc, int cycles, int stop_at_inputs = -1, bool crash = false) {
    VirtualClock clock;
    InMemoryControlPlane control;
    control.update(ControlUpdate{.trace_transitions = true});
    MockVenueAdapter venue(MockVenueScenario{.partial_fill_ratio = 0.5}, &clock);
    ExecutionKernel kernel(KernelConfig{.max_slots = 2}, control, venue, zinc, clock);
    for (int i = 0; i < cycles; ++i) {
        if (stop_at_inputs >= 0 && static_cast<int>(kernel.input_sequence()) >= stop_at_inputs) {
            if (!crash) return;
            // Half an input: records written, commit never reached.
            KernelOutcome partial;
            partial.details = "never committed";
            zinc.record_outcome(partial, "torn");
            raise(SIGKILL);
        }
        KernelIntent enter;
        enter.intent_id = "e" + std::to_string(i);
        enter.trade_id = "t" + std::to_string(i);
        enter.slot_id = i % 2;
        enter.target_size = 0.01;
        enter.reference_price = 100.0 + i;
        kernel.process_intent(enter);
        KernelIntent exit = enter;
        exit.intent_id = "x" + std::to_string(i);
        exit.action = KernelCommandType::EXIT;
        exit.target_size = 0.0;
        kernel.process_intent(exit);
    }
}

TEST(SqliteZinc, RecoversWhatTheInMemoryPlaneRecovers) {
    TempDir dir;
    InMemoryZincPlane memory;
    trade(memory, 5);
    {
        SqliteZincPlane durable(dir.file("journal.db"));
        trade(durable, 5);
        EXPECT_EQ(durable.recover()->slots, memory.recover()->slots);
    }
    SqliteZincPlane reopened(dir.file("journal.db"));
    const auto recovered = reopened.recover();
    ASSERT_TRUE(recovered);
    EXPECT_EQ(recovered->totals, memory.recover()->totals);
    EXPECT_EQ(recovered->input_sequence, memory.recover()->input_sequence);
    EXPECT_EQ(recovered->slots, memory.recover()->slots);
    EXPECT_EQ(reopened.outcome_count(), 10u);
    const auto terminals = reopened.terminal_records();
    const auto expected = memory.terminal_records();
    ASSERT_EQ(terminals.size(), expected.size());
    for (std::size_t i = 0; i < terminals.size(); ++i) {
        EXPECT_EQ(terminals[i].trade_id, expected[i].trade_id);
        EXPECT_EQ(terminals[i].realized_pnl, expected[i].realized_pnl);
    }
}

TEST(SqliteZinc, AKernelRestoredFromTheFileMatchesTheOneThatWroteIt) {
    TempDir dir;
    Harness h;
    SqliteZincPlane durable(dir.file("journal.db"));
    ExecutionKernel writer(KernelConfig{.max_slots = 2}, h.control, h.venue, durable, h.clock);
    KernelIntent enter = h.make(KernelCommandType::ENTER, 1);
    writer.process_intent(enter);
    const auto recovered = durable.recover();
    ASSERT_TRUE(recovered);
    InMemoryZincPlane zinc2;
    ExecutionKernel restored(KernelConfig{.max_slots = 2}, h.control, h.venue, zinc2, h.clock);
    const KernelOutcome out = restored.restore(*recovered);
    EXPECT_EQ(out.diagnostic_code, KernelDiagnosticCode::RECONCILED) << out.details;
    EXPECT_EQ(restored.account(), writer.account());
    EXPECT_EQ(restored.slot(1).size, writer.slot(1).size);
    EXPECT_EQ(restored.slot(1).fsm_state, TradeStage::POSITION_OPEN);
}

TEST(SqliteZinc, ACrashMidInputLosesThatInputWholeAndNothingElse) {
    TempDir dir;
    const std::string path = dir.file("journal.db");
    const pid_t child = fork();
    ASSERT_GE(child, 0);
    if (child == 0) {
        SqliteZincPlane durable(path);
        trade(durable, 100, 7, true);
        _exit(0); // not reached: the child kills itself after seven inputs
    }
    int status = 0;
    ASSERT_EQ(waitpid(child, &status, 0), child);
    ASSERT_TRUE(WIFSIGNALED(status));
    EXPECT_EQ(WTERMSIG(status), SIGKILL);
    SqliteZincPlane reopened(path);
    const auto recovered = reopened.recover();
    ASSERT_TRUE(recovered);
    InMemoryZincPlane same;
    trade(same, 100, 7, false);
    const auto expected = same.recover();
    ASSERT_TRUE(expected);
    EXPECT_GE(recovered->input_sequence, 7u);
    EXPECT_EQ(recovered->input_sequence, expected->input_sequence);
    EXPECT_EQ(reopened.outcome_count(), same.outcome_count()); // the torn input left no trace
    EXPECT_EQ(recovered->totals, expected->totals);
    EXPECT_EQ(recovered->slots, expected->slots);
}

// Edits a journal file behind the plane's back, as a tampering hand or a broken disk would.
void tamper(const std::string& path, const std::string& sql) {
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
    char* error = nullptr;
    EXPECT_EQ(sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &error), SQLITE_OK) << (error ? error : "");
    sqlite3_free(error);
    sqlite3_close(db);
}

// Issue 12: what a journal holds enters the kernel through the same bounds as intents and
// events. Rows no kernel could have written are refused by name (recover) or by the kernel's
// restore (INVALID_SNAPSHOT, nothing restored), never by an assertion.
TEST(SqliteZinc, ATamperedJournalIsRefusedWithAClearError) {
    const auto restored = [](const std::string& path) {
        SqliteZincPlane plane(path);
        const auto recovered = plane.recover();
        Harness h;
        InMemoryZincPlane fresh;
        ExecutionKernel kernel(KernelConfig{.max_slots = 2}, h.control, h.venue, fresh, h.clock);
        const KernelOutcome out = kernel.restore(*recovered);
        (void)kernel.account();
        return out;
    };
    const auto recover_error = [](const std::string& path) -> std::string {
        try {
            SqliteZincPlane plane(path);
            (void)plane.recover();
        } catch (const std::runtime_error& error) {
            return error.what();
        }
        return "";
    };
    for (const std::string& sql : {std::string("UPDATE totals SET realized_pnl = 9000000000000000000"),
                                   std::string("UPDATE totals SET fees_paid = -1"),
                                   std::string("UPDATE slot_state SET exit_notional = 214748364800000000"),
                                   std::string("UPDATE slot_state SET asset = ''"),
                                   std::string("UPDATE slot_state SET active_leg_index = 40"),
                                   std::string("UPDATE slot_orders SET qty = 9000000000000000000")}) {
        TempDir dir;
        const std::string path = dir.file("journal.db");
        {
            SqliteZincPlane durable(path);
            trade(durable, 3, 5, false);
        }
        tamper(path, sql);
        const KernelOutcome out = restored(path);
        EXPECT_EQ(out.diagnostic_code, KernelDiagnosticCode::INVALID_SNAPSHOT) << sql << ": " << out.details;
        EXPECT_EQ(out.severity, KernelSeverity::ERROR) << sql;
    }
    for (const auto& [sql, expected] : std::vector<std::pair<std::string, std::string>>{
             {"UPDATE slot_state SET trade_id = '" + std::string(60, 't') + "'", "trade_id of 60 characters, at most 48"},
             {"UPDATE slot_state SET fsm_state = 'NOWHERE'", "unknown fsm_state 'NOWHERE'"},
             {"UPDATE slot_state SET active_leg_index = 4294967296", "active_leg_index 4294967296 out of range"},
             {"UPDATE slot_state SET exit_legs = 'x,y'", "exit legs 'x,y' are not integers"},
             {"UPDATE slot_state SET slot_id = 4294967296 WHERE slot_id = 1", "slot_id 4294967296 out of range"}}) {
        TempDir dir;
        const std::string path = dir.file("journal.db");
        {
            SqliteZincPlane durable(path);
            trade(durable, 3, 5, false);
        }
        tamper(path, sql);
        EXPECT_NE(recover_error(path).find(expected), std::string::npos) << sql << ": " << recover_error(path);
    }
}

TEST(SqliteZinc, UnusableFilesAreRefusedWithThePathAndTheReason) {
    TempDir dir;
    try {
        SqliteZincPlane plane(dir.file("missing-dir/journal.db"));
        FAIL() << "a journal in a missing directory must not open";
    } catch (const std::runtime_error& error) {
        EXPECT_NE(std::string(error.what()).find("missing-dir/journal.db"), std::string::npos) << error.what();
    }
    const std::string garbage = dir.file("garbage.db");
    std::ofstream(garbage) << "this is not an sqlite database, it is a text file of some length..........";
    try {
        SqliteZincPlane plane(garbage);
        FAIL() << "a file that is not a journal must not open";
    } catch (const std::runtime_error& error) {
        EXPECT_NE(std::string(error.what()).find("garbage.db"), std::string::npos) << error.what();
    }
}

// Runs SQL on a journal file outside the plane: the shapes of older or foreign files.
void run_sql(const std::string& path, const char* sql) {
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
    char* error = nullptr;
    const int rc = sqlite3_exec(db, sql, nullptr, nullptr, &error);
    const std::string reason = error != nullptr ? error : "";
    sqlite3_free(error);
    sqlite3_close(db);
    ASSERT_EQ(rc, SQLITE_OK) << reason;
}

std::int64_t user_version(const std::string& path) {
    sqlite3* db = nullptr;
    EXPECT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
    sqlite3_stmt* stmt = nullptr;
    sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &stmt, nullptr);
    const std::int64_t version = sqlite3_step(stmt) == SQLITE_ROW ? sqlite3_column_int64(stmt, 0) : -1;
    sqlite3_finalize(stmt);
    sqlite3_close(db);
    return version;
}

TEST(SqliteZinc, TheJournalCarriesItsSchemaVersion) {
    TempDir dir;
    { SqliteZincPlane plane(dir.file("journal.db")); }
    EXPECT_EQ(user_version(dir.file("journal.db")), 4);
}

TEST(SqliteZinc, AnUnversionedVersionOneJournalOpensAndIsUpgraded) {
    TempDir dir;
    const std::string path = dir.file("journal.db");
    InMemoryZincPlane memory;
    trade(memory, 3);
    {
        SqliteZincPlane durable(path);
        trade(durable, 3);
    }
    // What the first journals looked like: no user_version, no diagnostics table, no funding.
    run_sql(path, "DROP TABLE diagnostics; ALTER TABLE totals DROP COLUMN funding; PRAGMA user_version = 0;");
    ASSERT_EQ(user_version(path), 0);
    SqliteZincPlane reopened(path);
    const auto recovered = reopened.recover();
    ASSERT_TRUE(recovered);
    EXPECT_EQ(recovered->slots, memory.recover()->slots);
    EXPECT_EQ(recovered->totals, memory.recover()->totals);
    EXPECT_EQ(user_version(path), 4);
    // And it journals on, diagnostics included.
    KernelOutcome refused;
    refused.input_sequence = 1000;
    refused.diagnostic_code = KernelDiagnosticCode::SLOT_BUSY;
    refused.severity = KernelSeverity::WARNING;
    refused.diagnostics.push_back(KernelDiagnostic{{.slot_id = 1,
                                                    .client_order_id = Id("e-1"),
                                                    .trade_id = Id("t-1"),
                                                    .asset = AssetName("BTCUSDT"),
                                                    .size = Decimal::from_units(2),
                                                    .limit = Decimal::from_units(1)},
                                                   KernelDiagnosticCode::SLOT_BUSY,
                                                   KernelSeverity::WARNING,
                                                   "slot 1 holds trade t-1"});
    refused.result_index = 0;
    reopened.record_outcome(refused, "again");
    reopened.commit(1000);
    EXPECT_EQ(reopened.journaled_diagnostics(1000), refused.diagnostics);
}

TEST(SqliteZinc, JournalsOfANewerSchemaOrOfAnotherShapeAreRefusedClearly) {
    TempDir dir;
    const std::string newer = dir.file("newer.db");
    { SqliteZincPlane plane(newer); }
    run_sql(newer, "PRAGMA user_version = 99;");
    try {
        SqliteZincPlane plane(newer);
        FAIL() << "a journal of a newer schema must not open";
    } catch (const std::runtime_error& error) {
        const std::string what = error.what();
        EXPECT_NE(what.find("schema version 99 is newer"), std::string::npos) << what;
        EXPECT_NE(what.find("newer.db"), std::string::npos) << what;
    }
    EXPECT_EQ(user_version(newer), 99); // untouched

    const std::string foreign = dir.file("foreign.db");
    run_sql(foreign, "CREATE TABLE outcomes (a INTEGER, b TEXT);");
    try {
        SqliteZincPlane plane(foreign);
        FAIL() << "an unversioned file of another shape must not open";
    } catch (const std::runtime_error& error) {
        const std::string what = error.what();
        EXPECT_NE(what.find("outcomes has 2 columns"), std::string::npos) << what;
        EXPECT_NE(what.find("refused"), std::string::npos) << what;
    }
}

TEST(SqliteZinc, EveryDiagnosticOfAKernelInputIsJournaledWithItsFields) {
    TempDir dir;
    Harness h;
    SqliteZincPlane durable(dir.file("journal.db"));
    ExecutionKernel kernel(KernelConfig{.max_slots = 2}, h.control, h.venue, durable, h.clock);
    kernel.process_intent(h.make(KernelCommandType::ENTER, 0));
    const KernelOutcome busy = kernel.process_intent(h.make(KernelCommandType::ENTER, 0));
    ASSERT_EQ(busy.diagnostic_code, KernelDiagnosticCode::SLOT_BUSY);
    ASSERT_EQ(busy.diagnostics.size(), 1u);
    EXPECT_EQ(busy.diagnostics[0].slot_id, 0);
    EXPECT_FALSE(busy.diagnostics[0].trade_id.empty());
    EXPECT_EQ(durable.journaled_diagnostics(busy.input_sequence), busy.diagnostics);
}

// The journal as a crash would leave it at the moment an order leaves: read from the file
// (recover() sees only what was committed) just before or just after the venue takes it.
class CrashAtSendVenue final : public ForwardingVenue {
public:
    VenueCallResult submit_order(const OrderRequest& request) override {
        const bool capture = armed && !at_send;
        if (capture && !reaches_venue) {
            at_send = plane->recover();
            return VenueCallResult{VenueCallStatus::UNKNOWN, {}, "the process died before sending"};
        }
        VenueCallResult result = mock.submit_order(request);
        if (capture) at_send = plane->recover();
        return result;
    }
    SqliteZincPlane* plane = nullptr;
    bool armed = false;
    bool reaches_venue = true;
    std::optional<RecoveredState> at_send;
};

struct WriteAheadRun {
    explicit WriteAheadRun(const std::string& path) : durable(path) { venue.plane = &durable; }
    KernelIntent intent(KernelCommandType action, int slot, const std::string& id) {
        KernelIntent i;
        i.intent_id = id;
        i.trade_id = "trade-" + id;
        i.slot_id = slot;
        i.action = action;
        i.target_size = action == KernelCommandType::EXIT ? 0.0 : 0.01;
        i.reference_price = 100.0;
        return i;
    }
    VirtualClock clock;
    InMemoryControlPlane control;
    CrashAtSendVenue venue;
    SqliteZincPlane durable;
    ExecutionKernel kernel{KernelConfig{.max_slots = 2}, control, venue, durable, clock};
};

// A kernel restored from `recovered` against `venue`, as a restart after the crash would.
struct Restarted {
    Restarted(VenueAdapter& venue, const RecoveredState& recovered) : kernel(KernelConfig{.max_slots = 2}, control, venue, zinc, clock) {
        outcome = kernel.restore(recovered);
    }
    VirtualClock clock;
    InMemoryControlPlane control;
    InMemoryZincPlane zinc;
    ExecutionKernel kernel;
    KernelOutcome outcome;
};

TEST(SqliteZincWriteAhead, AnEntrySentJustBeforeACrashIsFoundAtTheVenueAndItsFillsTaken) {
    TempDir dir;
    WriteAheadRun run(dir.file("journal.db"));
    run.venue.armed = true;
    run.kernel.process_intent(run.intent(KernelCommandType::ENTER, 1, "e1"));
    ASSERT_TRUE(run.venue.at_send);
    const RecoveredState& crashed = *run.venue.at_send;
    const std::string coid = run.kernel.client_order_id_of("e1");
    ASSERT_EQ(crashed.in_flight_orders, std::vector<Id>{Id(coid)});
    ASSERT_EQ(crashed.slots.size(), 1u);
    ASSERT_EQ(crashed.slots[0].orders.size(), 1u);
    EXPECT_TRUE(crashed.slots[0].orders[0].outcome_unknown);
    EXPECT_EQ(crashed.slots[0].slot.fsm_state, TradeStage::ORDER_SENT);

    Restarted restarted(run.venue, crashed);
    EXPECT_EQ(restarted.outcome.diagnostic_code, KernelDiagnosticCode::RECONCILED) << restarted.outcome.details;
    EXPECT_TRUE(restarted.kernel.mismatched_assets().empty());
    EXPECT_EQ(restarted.kernel.slot(1).fsm_state, TradeStage::POSITION_OPEN);
    EXPECT_EQ(restarted.kernel.slot(1).size, run.kernel.slot(1).size);
    EXPECT_EQ(restarted.kernel.account(), run.kernel.account());
    // The input committed afterwards: nothing is in flight any more.
    EXPECT_TRUE(run.durable.recover()->in_flight_orders.empty());
}

TEST(SqliteZincWriteAhead, AnExitSentJustBeforeACrashClosesTheTradeAfterTheRestart) {
    TempDir dir;
    WriteAheadRun run(dir.file("journal.db"));
    run.kernel.process_intent(run.intent(KernelCommandType::ENTER, 0, "e1"));
    ASSERT_EQ(run.kernel.slot(0).fsm_state, TradeStage::POSITION_OPEN);
    run.venue.armed = true;
    run.kernel.process_intent(run.intent(KernelCommandType::EXIT, 0, "x1"));
    ASSERT_TRUE(run.venue.at_send);
    const RecoveredState& crashed = *run.venue.at_send;
    EXPECT_EQ(crashed.in_flight_orders, std::vector<Id>{Id(run.kernel.client_order_id_of("x1"))});
    EXPECT_EQ(crashed.slots.at(0).slot.fsm_state, TradeStage::EXIT_SENT);

    Restarted restarted(run.venue, crashed);
    EXPECT_EQ(restarted.outcome.diagnostic_code, KernelDiagnosticCode::RECONCILED) << restarted.outcome.details;
    EXPECT_TRUE(restarted.kernel.mismatched_assets().empty());
    EXPECT_TRUE(restarted.kernel.slot(0).size.is_zero());
    EXPECT_EQ(restarted.kernel.account(), run.kernel.account());
    // Never sent twice: the restarted kernel refuses the retried intent by its order id.
    KernelIntent retry = run.intent(KernelCommandType::EXIT, 0, "x1");
    const std::size_t orders_at_venue = run.venue.mock.open_orders("BTCUSDT").value.size();
    restarted.kernel.process_intent(retry);
    EXPECT_EQ(run.venue.mock.open_orders("BTCUSDT").value.size(), orders_at_venue);
}

TEST(SqliteZincWriteAhead, AnOrderWrittenAheadThatNeverLeftIsForgottenNotFailedClosed) {
    TempDir dir;
    WriteAheadRun run(dir.file("journal.db"));
    run.venue.armed = true;
    run.venue.reaches_venue = false;
    run.kernel.process_intent(run.intent(KernelCommandType::ENTER, 1, "e1"));
    ASSERT_TRUE(run.venue.at_send);
    ForwardingVenue fresh; // the order never reached it
    Restarted restarted(fresh, *run.venue.at_send);
    EXPECT_EQ(restarted.outcome.diagnostic_code, KernelDiagnosticCode::RECONCILED) << restarted.outcome.details;
    EXPECT_LT(restarted.outcome.severity, KernelSeverity::ERROR);
    EXPECT_TRUE(restarted.kernel.mismatched_assets().empty());
    EXPECT_TRUE(restarted.kernel.slot(1).size.is_zero());
    EXPECT_TRUE(restarted.kernel.working_orders().empty());
    EXPECT_EQ(restarted.kernel.account().capital, restarted.kernel.account().initial_capital);
    // The slot takes a new trade at once.
    KernelIntent again = run.intent(KernelCommandType::ENTER, 1, "e2");
    EXPECT_EQ(restarted.kernel.process_intent(again).diagnostic_code, KernelDiagnosticCode::OK);
    EXPECT_TRUE(restarted.kernel.slot(1).size.is_positive());
}

TEST(SqliteZincWriteAhead, AnInMemoryPlaneIsNotWrittenAhead) {
    InMemoryZincPlane memory;
    EXPECT_FALSE(memory.writes_ahead());
    TempDir dir;
    SqliteZincPlane durable(dir.file("journal.db"));
    EXPECT_TRUE(durable.writes_ahead());
}

TEST(SqliteZincRetention, OutcomesDiagnosticsAndTransitionsKeepTheNewestAndTheWalStaysSmall) {
    TempDir dir;
    const std::string path = dir.file("journal.db");
    {
        SqliteZincPlane durable(path, SqliteJournalOptions{.outcomes_kept = 40, .transitions_kept = 20, .commits_per_prune = 25});
        trade(durable, 200);
        // 400 inputs: pruned every 25 commits to the newest 40 (+ up to 24 since the last prune).
        EXPECT_GE(durable.outcome_count(), 40u);
        EXPECT_LT(durable.outcome_count(), 40u + 25u);
        EXPECT_GE(durable.transition_count(), 20u);
        durable.prune();
        EXPECT_EQ(durable.outcome_count(), 40u);
        EXPECT_EQ(durable.transition_count(), 20u);
        // Checkpointed and truncated: the WAL holds nothing.
        EXPECT_EQ(std::filesystem::file_size(path + "-wal"), 0u);
        // What a restart needs is all there.
        InMemoryZincPlane memory;
        trade(memory, 200);
        EXPECT_EQ(durable.recover()->slots, memory.recover()->slots);
        EXPECT_EQ(durable.recover()->totals, memory.recover()->totals);
        EXPECT_EQ(durable.terminal_records().size(), memory.terminal_records().size());
    }
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
    sqlite3_stmt* stmt = nullptr;
    // No diagnostic outlives its outcome.
    ASSERT_EQ(sqlite3_prepare_v2(db, "SELECT COUNT(*) FROM diagnostics WHERE outcome_row NOT IN (SELECT rowid FROM outcomes)",
                                 -1, &stmt, nullptr), SQLITE_OK);
    ASSERT_EQ(sqlite3_step(stmt), SQLITE_ROW);
    EXPECT_EQ(sqlite3_column_int64(stmt, 0), 0);
    sqlite3_finalize(stmt);
    sqlite3_close(db);
}

TEST(SqliteZincRetention, ZeroKeepsEverything) {
    TempDir dir;
    SqliteZincPlane durable(dir.file("journal.db"), SqliteJournalOptions{.outcomes_kept = 0, .transitions_kept = 0, .commits_per_prune = 5});
    trade(durable, 30);
    EXPECT_EQ(durable.outcome_count(), 60u);
    EXPECT_GT(durable.transition_count(), 20u);
}

TEST(SqliteZinc, ClosingThePlaneInsideAnInputRollsThatInputBack) {
    TempDir dir;
    const std::string path = dir.file("journal.db");
    {
        SqliteZincPlane durable(path);
        trade(durable, 2);
        KernelOutcome partial;
        partial.details = "never committed";
        durable.record_outcome(partial, "torn");
    }
    SqliteZincPlane reopened(path);
    EXPECT_EQ(reopened.outcome_count(), 4u);
}

TEST(SqliteZinc, AVersionTwoJournalIsUpgradedInPlace) {
    TempDir dir;
    const std::string path = dir.file("journal.db");
    {
        SqliteZincPlane durable(path);
        trade(durable, 2);
    }
    run_sql(path, "DROP INDEX diagnostics_by_outcome; ALTER TABLE diagnostics DROP COLUMN outcome_row; "
                  "DROP TABLE in_flight; PRAGMA user_version = 2;");
    SqliteZincPlane reopened(path);
    EXPECT_EQ(user_version(path), 4);
    EXPECT_EQ(reopened.outcome_count(), 4u);
    EXPECT_TRUE(reopened.recover()->in_flight_orders.empty());
    KernelOutcome busy;
    busy.input_sequence = 77;
    busy.diagnostic_code = KernelDiagnosticCode::SLOT_BUSY;
    busy.severity = KernelSeverity::WARNING;
    busy.diagnostics.push_back(KernelDiagnostic{{.slot_id = 1}, KernelDiagnosticCode::SLOT_BUSY, KernelSeverity::WARNING, "busy"});
    busy.result_index = 0;
    reopened.record_outcome(busy, "after-upgrade");
    reopened.commit(77);
    EXPECT_EQ(reopened.journaled_diagnostics(77), busy.diagnostics);
}

} // namespace
} // namespace dita::test

namespace dita::test {
namespace {

TEST(SqliteZinc, FundingIsJournaledAndAJournalFromBeforeFundingOpens) {
    TempDir dir;
    const std::string path = dir.file("funding.db");
    {
        SqliteZincPlane zinc(path);
        AccountTotals totals{dec("10000"), dec("1.5"), dec("0.25"), dec("-0.0003")};
        TradeSlot slot;
        zinc.record_state(1, slot, {}, totals);
        zinc.commit(1);
        ASSERT_TRUE(zinc.recover().has_value());
        EXPECT_EQ(zinc.recover()->totals, totals);
    }
    // A journal written before funding existed: the totals table without the column.
    const std::string old_path = dir.file("old.db");
    {
        SqliteZincPlane zinc(old_path);
        zinc.record_state(1, TradeSlot{}, {}, AccountTotals{dec("10000"), dec("2"), dec("1"), Decimal()});
        zinc.commit(1);
    }
    const std::string sql = "sqlite3 '" + old_path +
                            "' 'CREATE TABLE t2 AS SELECT id, input_sequence, initial_capital, realized_pnl, fees_paid "
                            "FROM totals; DROP TABLE totals; ALTER TABLE t2 RENAME TO totals;' 2>/dev/null";
    if (std::system(sql.c_str()) != 0) GTEST_SKIP() << "no sqlite3 command to write an old journal";
    SqliteZincPlane reopened(old_path);
    const auto recovered = reopened.recover();
    ASSERT_TRUE(recovered.has_value());
    EXPECT_EQ(recovered->totals.realized_pnl, dec("2"));
    EXPECT_TRUE(recovered->totals.funding.is_zero());
}

} // namespace
} // namespace dita::test
