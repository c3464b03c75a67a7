#pragma once
// The durable journal: the same records as the in-memory plane, in an SQLite file (WAL mode,
// synchronous FULL). Each kernel input's records are written in one transaction committed by
// commit(), so after a crash the file holds every input up to the last committed one, whole.
// The file carries its schema version (PRAGMA user_version): older journals are opened and
// upgraded, newer or foreign ones refused with the reason.
//
// Write-ahead: before each order is sent, the slots it changes are committed with the order
// marked in flight; recover() gives those orders back with outcome_unknown (see ZincPlane).
// Retention: outcomes (with their diagnostics) and transitions keep the newest so many rows;
// slot state, totals, terminal records and the finished orders a restart needs are always kept.
// The WAL is checkpointed and truncated as rows are pruned, so the files stay bounded.
#include <cstdint>
#include <memory>
#include <string>

#include "dita/zinc/zinc_plane.hpp"

struct sqlite3;

namespace dita {

struct SqliteJournalOptions {
    std::uint64_t outcomes_kept = 1'000'000;    // newest outcomes kept, with their diagnostics; 0: all
    std::uint64_t transitions_kept = 1'000'000; // newest transitions kept; 0: all
    std::uint64_t commits_per_prune = 1'000;    // pruning and a WAL checkpoint every so many commits
};

class SqliteZincPlane final : public ZincPlane {
public:
    // Opens or creates the journal; throws std::runtime_error naming the file and SQLite's
    // reason when it cannot (a journal that cannot be written must stop the start-up).
    explicit SqliteZincPlane(const std::string& path, SqliteJournalOptions options = {});
    ~SqliteZincPlane() override;
    SqliteZincPlane(const SqliteZincPlane&) = delete;
    SqliteZincPlane& operator=(const SqliteZincPlane&) = delete;

    void record_outcome(const KernelOutcome& outcome, std::string_view input_ref) override;
    void record_transition(const Transition& transition) override;
    void write_terminal(const TradeRecord& record) override;
    void record_state(std::uint64_t input_sequence, const TradeSlot& slot, std::span<const OrderRecord> orders,
                      const AccountTotals& totals) override;
    void record_finished_order(const FinishedOrder& order) override;
    std::optional<RecoveredState> recover() const override;
    void commit(std::uint64_t input_sequence) override;
    bool writes_ahead() const override { return true; }
    void write_ahead(std::uint64_t input_sequence, std::string_view client_order_id) override;
    // Prunes outcomes and transitions beyond the options' counts and checkpoints the WAL now
    // (commit() does it every commits_per_prune commits).
    void prune();

    std::uint64_t outcome_count() const;
    std::uint64_t transition_count() const;
    std::vector<TradeRecord> terminal_records() const;
    // The diagnostics journaled with one input's outcome, in the order the kernel said them.
    std::vector<KernelDiagnostic> journaled_diagnostics(std::uint64_t input_sequence) const;

private:
    class Statement;
    void begin_if_needed();
    void exec(const char* sql);
    // A journal written before funding existed gains the column (zero: no funding booked).
    void add_funding_column();
    // Refuses (throws) a journal this build cannot read: a newer schema version, or an
    // unversioned file whose tables are not those of version 1.
    void check_schema_version();
    int column_count(const char* table) const;

    void close_statements();

    std::string path_;
    SqliteJournalOptions options_;
    sqlite3* db_ = nullptr;
    bool in_transaction_ = false;
    bool in_flight_rows_ = false; // rows in in_flight that the next commit clears
    std::uint64_t commits_since_prune_ = 0;
    std::unique_ptr<Statement> insert_outcome_;
    std::unique_ptr<Statement> insert_transition_;
    std::unique_ptr<Statement> insert_terminal_;
    std::unique_ptr<Statement> upsert_slot_;
    std::unique_ptr<Statement> delete_orders_;
    std::unique_ptr<Statement> insert_order_;
    std::unique_ptr<Statement> upsert_totals_;
    std::unique_ptr<Statement> upsert_finished_;
    std::unique_ptr<Statement> prune_finished_;
    std::unique_ptr<Statement> insert_diagnostic_;
    std::unique_ptr<Statement> insert_in_flight_;
};

} // namespace dita
