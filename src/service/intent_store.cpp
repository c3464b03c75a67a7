#include "dita/service/intent_store.hpp"

#include <sqlite3.h>

#include <tuple>

namespace dita::service {

namespace {

constexpr const char* schema = R"sql(
CREATE TABLE IF NOT EXISTS service_intents (
  intent_id TEXT PRIMARY KEY, request TEXT NOT NULL, state TEXT NOT NULL,
  journal_seq_at_begin INTEGER NOT NULL, outcome TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS service_settings (key TEXT PRIMARY KEY, value TEXT NOT NULL);
)sql";

// One prepared statement, finalized on every path.
class Statement {
public:
    Statement(sqlite3* db, const char* sql) { ok_ = sqlite3_prepare_v2(db, sql, -1, &stmt_, nullptr) == SQLITE_OK; }
    ~Statement() { sqlite3_finalize(stmt_); }
    Statement(const Statement&) = delete;
    Statement& operator=(const Statement&) = delete;
    bool ok() const { return ok_; }
    Statement& text(int index, const std::string& value) {
        sqlite3_bind_text(stmt_, index, value.data(), static_cast<int>(value.size()), SQLITE_TRANSIENT);
        return *this;
    }
    Statement& integer(int index, std::int64_t value) {
        sqlite3_bind_int64(stmt_, index, value);
        return *this;
    }
    int step() { return sqlite3_step(stmt_); }
    std::string column_text(int index) const {
        const auto* text = sqlite3_column_text(stmt_, index);
        return text == nullptr ? std::string() : std::string(reinterpret_cast<const char*>(text));
    }
    std::int64_t column_int(int index) const { return sqlite3_column_int64(stmt_, index); }

private:
    sqlite3_stmt* stmt_ = nullptr;
    bool ok_ = false;
};

Json parse_or_null(const std::string& text) {
    Json parsed = Json::parse(text, nullptr, false);
    return parsed.is_discarded() ? Json() : parsed;
}

} // namespace

Result<std::unique_ptr<IntentStore>, Error> IntentStore::open(const std::string& path) {
    sqlite3* db = nullptr;
    if (sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX, nullptr) !=
        SQLITE_OK) {
        std::string reason = db != nullptr ? sqlite3_errmsg(db) : "out of memory";
        sqlite3_close(db);
        return Error{"JOURNAL_UNAVAILABLE", path + ": " + reason};
    }
    std::unique_ptr<IntentStore> store(new IntentStore(db, path));
    sqlite3_busy_timeout(db, 10'000);
    for (const char* sql : {"PRAGMA journal_mode=WAL", "PRAGMA synchronous=FULL", schema}) {
        auto done = store->exec(sql);
        if (!done) return std::move(done).error();
    }
    return store;
}

IntentStore::~IntentStore() { sqlite3_close(db_); }

Error IntentStore::sql_error(std::string_view what) const {
    return Error{"JOURNAL_ERROR", path_ + ": " + std::string(what) + ": " + sqlite3_errmsg(db_)};
}

Result<bool, Error> IntentStore::exec(const char* sql) {
    char* message = nullptr;
    if (sqlite3_exec(db_, sql, nullptr, nullptr, &message) != SQLITE_OK) {
        std::string reason = message != nullptr ? message : "unknown error";
        sqlite3_free(message);
        return Error{"JOURNAL_ERROR", path_ + ": " + reason};
    }
    return true;
}

Result<std::optional<StoredIntent>, Error> IntentStore::find(const std::string& intent_id) {
    Statement q(db_, "SELECT request, state, outcome FROM service_intents WHERE intent_id = ?1");
    if (!q.ok()) return sql_error("find intent");
    q.text(1, intent_id);
    const int rc = q.step();
    if (rc == SQLITE_DONE) return std::optional<StoredIntent>();
    if (rc != SQLITE_ROW) return sql_error("find intent");
    StoredIntent found;
    found.intent_id = intent_id;
    found.request = q.column_text(0);
    found.done = q.column_text(1) == "done";
    found.outcome = parse_or_null(q.column_text(2));
    return std::optional<StoredIntent>(std::move(found));
}

Result<bool, Error> IntentStore::begin(const std::string& intent_id, const std::string& request) {
    Statement q(db_, "INSERT INTO service_intents VALUES (?1, ?2, 'pending', ?3, '')");
    if (!q.ok()) return sql_error("record intent");
    q.text(1, intent_id).text(2, request).integer(3, last_outcome_seq());
    if (q.step() != SQLITE_DONE) return sql_error("record intent");
    return true;
}

Result<bool, Error> IntentStore::finish(const std::string& intent_id, const Json& outcome) {
    Statement q(db_, "UPDATE service_intents SET state = 'done', outcome = ?2 WHERE intent_id = ?1");
    if (!q.ok()) return sql_error("record outcome");
    q.text(1, intent_id).text(2, outcome.dump());
    if (q.step() != SQLITE_DONE) return sql_error("record outcome");
    return true;
}

Result<IntentStore::Resolved, Error> IntentStore::resolve_from_journal() {
    std::vector<std::tuple<std::string, std::string, std::int64_t>> pending;
    {
        Statement q(db_, "SELECT intent_id, request, journal_seq_at_begin FROM service_intents WHERE state = 'pending' "
                         "ORDER BY rowid");
        if (!q.ok()) return sql_error("read pending intents");
        while (q.step() == SQLITE_ROW) pending.emplace_back(q.column_text(0), q.column_text(1), q.column_int(2));
    }
    Resolved resolved;
    for (const auto& [intent_id, request, seq] : pending) {
        // The kernel's first outcome journaled for this intent after it was recorded.
        Statement q(db_, "SELECT rowid, input_sequence, timestamp_ns, code, severity, slot_id, details FROM outcomes "
                         "WHERE rowid > ?1 AND input_ref = ?2 ORDER BY rowid LIMIT 1");
        if (!q.ok()) return sql_error("read journal outcomes");
        q.integer(1, seq).text(2, intent_id);
        if (q.step() != SQLITE_ROW) {
            resolved.in_doubt.push_back(StoredIntent{intent_id, request, false, Json()});
            continue;
        }
        Json outcome;
        outcome["diagnostic_code"] = q.column_text(3);
        outcome["severity"] = q.column_text(4);
        outcome["details"] = q.column_text(6);
        outcome["slot_id"] = q.column_int(5);
        outcome["input_sequence"] = q.column_int(1);
        outcome["timestamp_ns"] = q.column_int(2);
        outcome["seq"] = q.column_int(0);
        outcome["recovered_from_journal"] = true;
        ++resolved.from_journal;
        auto done = finish(intent_id, outcome);
        if (!done) return std::move(done).error();
    }
    return resolved;
}

Result<std::vector<JournalOutcome>, Error> IntentStore::outcomes_after(std::int64_t after, std::size_t limit) {
    Statement q(db_, "SELECT rowid, input_sequence, timestamp_ns, code, severity, slot_id, input_ref, details "
                     "FROM outcomes WHERE rowid > ?1 ORDER BY rowid LIMIT ?2");
    if (!q.ok()) return sql_error("read journal outcomes");
    q.integer(1, after).integer(2, static_cast<std::int64_t>(limit));
    std::vector<JournalOutcome> out;
    while (q.step() == SQLITE_ROW) {
        JournalOutcome row;
        row.seq = q.column_int(0);
        row.outcome["seq"] = row.seq;
        row.outcome["input_sequence"] = q.column_int(1);
        row.outcome["timestamp_ns"] = q.column_int(2);
        row.outcome["diagnostic_code"] = q.column_text(3);
        row.outcome["severity"] = q.column_text(4);
        row.outcome["slot_id"] = q.column_int(5);
        row.outcome["input_ref"] = q.column_text(6);
        row.outcome["details"] = q.column_text(7);
        out.push_back(std::move(row));
    }
    return out;
}

std::int64_t IntentStore::last_outcome_seq() {
    Statement q(db_, "SELECT COALESCE(MAX(rowid), 0) FROM outcomes");
    if (!q.ok() || q.step() != SQLITE_ROW) return 0;
    return q.column_int(0);
}

Result<bool, Error> IntentStore::save_setting(const std::string& key, const std::string& value) {
    Statement q(db_, "INSERT OR REPLACE INTO service_settings VALUES (?1, ?2)");
    if (!q.ok()) return sql_error("save setting");
    q.text(1, key).text(2, value);
    if (q.step() != SQLITE_DONE) return sql_error("save setting");
    return true;
}

std::optional<std::string> IntentStore::setting(const std::string& key) {
    Statement q(db_, "SELECT value FROM service_settings WHERE key = ?1");
    if (!q.ok()) return std::nullopt;
    q.text(1, key);
    if (q.step() != SQLITE_ROW) return std::nullopt;
    return q.column_text(0);
}

std::size_t IntentStore::intent_count() {
    Statement q(db_, "SELECT COUNT(*) FROM service_intents");
    if (!q.ok() || q.step() != SQLITE_ROW) return 0;
    return static_cast<std::size_t>(q.column_int(0));
}

} // namespace dita::service
