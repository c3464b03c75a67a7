#include <gtest/gtest.h>

#include <sys/wait.h>
#include <unistd.h>

#include <sqlite3.h>

#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <fstream>

#include <sqlite3.h>

#include "dita/zinc/sqlite_zinc_plane.hpp"
#include "kernel/harness.hpp"

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
             {"UPDATE slot_state SET fsm_state = 'NOWHERE'", "unknown stage 'NOWHERE'"},
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
    EXPECT_EQ(user_version(dir.file("journal.db")), 3);
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
    EXPECT_EQ(user_version(path), 3);
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
