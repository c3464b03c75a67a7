#pragma once
// The service's durable memory beside the kernel's journal, in the same SQLite file: each
// intent's first outcome by intent_id (so a retried intent never becomes a second order, across
// restarts too), and the operator's mode (a HALT survives a restart).
//
// An intent is written "pending" (committed) before the kernel sees it and "done" with its
// outcome after. A pending intent found at start-up was in flight when the process died: its
// outcome is taken from the kernel's journal when the kernel committed it, else it is closed as
// OUTCOME_UNKNOWN and never sent again (the start-up reconcile takes what the venue did).
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "dita/contracts/json.hpp"
#include "dita/contracts/result.hpp"

struct sqlite3;

namespace dita::service {

struct StoredIntent {
    std::string intent_id;
    std::string request; // the intent as first received (exact JSON, timestamp cleared)
    bool done = false;
    Json outcome;        // done only
};

struct JournalOutcome {
    std::int64_t seq = 0; // the journal's row number: grows across restarts, never reused
    Json outcome;
};

class IntentStore {
public:
    // Opens (creating the tables) the SQLite file the kernel journals to.
    static Result<std::unique_ptr<IntentStore>, Error> open(const std::string& path);
    ~IntentStore();
    IntentStore(const IntentStore&) = delete;
    IntentStore& operator=(const IntentStore&) = delete;

    Result<std::optional<StoredIntent>, Error> find(const std::string& intent_id);
    // Durable before it returns.
    Result<bool, Error> begin(const std::string& intent_id, const std::string& request);
    Result<bool, Error> finish(const std::string& intent_id, const Json& outcome);
    // Closes every pending intent whose outcome the kernel journaled; returns the others (in
    // doubt: the kernel may have sent their order without journaling it).
    struct Resolved {
        std::size_t from_journal = 0;
        std::vector<StoredIntent> in_doubt;
    };
    Result<Resolved, Error> resolve_from_journal();

    // The kernel journal's outcomes after `after` (oldest first, at most `limit`).
    Result<std::vector<JournalOutcome>, Error> outcomes_after(std::int64_t after, std::size_t limit);
    std::int64_t last_outcome_seq();

    Result<bool, Error> save_setting(const std::string& key, const std::string& value);
    std::optional<std::string> setting(const std::string& key);
    std::size_t intent_count();

private:
    explicit IntentStore(sqlite3* db, std::string path) : db_(db), path_(std::move(path)) {}
    Error sql_error(std::string_view what) const;
    Result<bool, Error> exec(const char* sql);

    sqlite3* db_;
    std::string path_;
};

} // namespace dita::service
