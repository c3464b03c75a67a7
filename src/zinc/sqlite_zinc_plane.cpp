#include "dita/zinc/sqlite_zinc_plane.hpp"

#include <sqlite3.h>

#include <charconv>
#include <limits>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <utility>

#include "dita/contracts/assert.hpp"
#include "dita/contracts/fields.hpp"

namespace dita {

namespace {

constexpr const char* schema = R"sql(
CREATE TABLE IF NOT EXISTS outcomes (
  input_sequence INTEGER NOT NULL, timestamp_ns INTEGER NOT NULL, code TEXT NOT NULL,
  severity TEXT NOT NULL, slot_id INTEGER NOT NULL, input_ref TEXT NOT NULL, details TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS transitions (
  slot_id INTEGER NOT NULL, from_stage TEXT NOT NULL, to_stage TEXT NOT NULL, input TEXT NOT NULL,
  timestamp_ns INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS totals (
  id INTEGER PRIMARY KEY CHECK (id = 1), input_sequence INTEGER NOT NULL, initial_capital INTEGER NOT NULL,
  realized_pnl INTEGER NOT NULL, fees_paid INTEGER NOT NULL, funding INTEGER NOT NULL DEFAULT 0);
CREATE TABLE IF NOT EXISTS in_flight (client_order_id TEXT PRIMARY KEY, input_sequence INTEGER NOT NULL);
)sql";

// Column types and binds by C++ type, for the field lists of contracts/fields.hpp.
template <typename T>
constexpr const char* sql_type() {
    if constexpr (std::is_integral_v<T> || std::is_same_v<T, Decimal>) return "INTEGER";
    return "TEXT";
}

// `"a" TEXT NOT NULL, "b" INTEGER NOT NULL, ...` for one field list (names quoted: one is `limit`).
#define DITA_SQL_COLUMN(member, key, required, hashed)                                                \
    out += std::string(out.empty() ? "" : ", ") + "\"" #member "\" " +                               \
           sql_type<std::remove_cvref_t<decltype(std::declval<Struct>().member)>>() + " NOT NULL";

std::string order_columns() {
    using Struct = OrderRecord;
    std::string out;
    DITA_ORDER_RECORD_FIELDS(DITA_SQL_COLUMN)
    return out;
}

std::string diagnostic_columns() {
    using Struct = KernelDiagnostic;
    std::string out;
    DITA_KERNEL_DIAGNOSTIC_FIELDS(DITA_SQL_COLUMN)
    return out;
}

std::string terminal_columns() {
    using Struct = TradeRecord;
    std::string out;
    DITA_TRADE_RECORD_FIELDS(DITA_SQL_COLUMN)
    return out;
}

// slot_state: slot_id is the key and input_sequence follows it, then the rest of the list.
std::string slot_columns() {
    using Struct = TradeSlot;
    std::string out;
    DITA_TRADE_SLOT_FIELDS(DITA_SQL_COLUMN)
    const std::string first = "\"slot_id\" INTEGER NOT NULL";
    DITA_ASSERT(out.starts_with(first));
    return "slot_id INTEGER PRIMARY KEY, input_sequence INTEGER NOT NULL" + out.substr(first.size());
}

#undef DITA_SQL_COLUMN

// The tables whose columns come from the field lists.
std::string generated_schema() {
    return "CREATE TABLE IF NOT EXISTS terminals (" + terminal_columns() +
           ");\n"
           "CREATE TABLE IF NOT EXISTS slot_state (" + slot_columns() +
           ");\n"
           "CREATE TABLE IF NOT EXISTS slot_orders (slot_id INTEGER NOT NULL, position INTEGER NOT NULL, " +
           order_columns() +
           ", PRIMARY KEY (slot_id, position));\n"
           "CREATE TABLE IF NOT EXISTS finished_orders (version INTEGER PRIMARY KEY, slot_id INTEGER NOT NULL, "
           "trade_id TEXT NOT NULL, asset TEXT NOT NULL, " +
           order_columns() +
           ", UNIQUE (client_order_id));\n"
           "CREATE TABLE IF NOT EXISTS diagnostics (input_sequence INTEGER NOT NULL, position INTEGER NOT NULL, "
           "is_result INTEGER NOT NULL, " +
           diagnostic_columns() +
           // The outcome's rowid: retention prunes an outcome's diagnostics with it (last, as a
           // version-2 journal gains it by ALTER TABLE).
           ", outcome_row INTEGER NOT NULL DEFAULT 0);\n"
           // Not unique: a restored kernel numbers its inputs afresh, as the outcomes table allows.
           "CREATE INDEX IF NOT EXISTS diagnostics_by_input ON diagnostics (input_sequence, position);\n";
}

// "?first,...,?(first+count-1)"
std::string placeholders(int first, int count) {
    std::string out;
    for (int i = 0; i < count; ++i) out += (i == 0 ? "?" : ",?") + std::to_string(first + i);
    return out;
}

// PRAGMA user_version of the journals this build writes. History:
//   1: the first journal (written without a version: user_version 0): outcomes, transitions,
//      terminals, slot_state, slot_orders, finished_orders, totals.
//   2: adds `diagnostics`, every diagnostic of an outcome with its fields.
//   3: adds `in_flight` (orders written ahead of their send) and diagnostics.outcome_row
//      (retention); a version-2 journal is upgraded in place.
//   4: totals gains `funding` (added, zero, to an older journal when it is opened).
constexpr int schema_version = 4;

// The tables of a version-1 journal and their column counts: an unversioned file is taken as
// version 1 only when what it has matches.
struct TableShape {
    const char* name;
    int columns;
};
constexpr TableShape version_1_tables[] = {{"outcomes", 7},   {"transitions", 5},     {"terminals", 13},
                                           {"slot_state", 26}, {"slot_orders", 15},    {"finished_orders", 17},
                                           {"totals", 5}};

std::string legs_text(const ExitLegs& legs) {
    std::string out;
    for (std::size_t i = 0; i < legs.count; ++i) {
        if (i > 0) out += ',';
        out += std::to_string(legs[i].raw());
    }
    return out;
}

// What a tampered journal holds is refused by name (the kernel's restore then validates the
// values): never a silent truncation, never std::stoll's bare exception.
[[noreturn]] void refuse_row(const std::string& what) { throw std::runtime_error("zinc journal: " + what); }

ExitLegs legs_from(std::string_view text) {
    ExitLegs legs;
    std::size_t start = 0;
    while (start < text.size()) {
        if (legs.count == exit_legs_max) refuse_row("more than " + std::to_string(exit_legs_max) + " exit legs");
        std::size_t end = text.find(',', start);
        if (end == std::string_view::npos) end = text.size();
        const std::string_view digits = text.substr(start, end - start);
        std::int64_t raw = 0;
        const auto [ptr, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), raw);
        if (ec != std::errc() || ptr != digits.data() + digits.size()) {
            refuse_row("exit legs '" + std::string(text.substr(0, 80)) + "' are not integers");
        }
        legs.ratios[legs.count++] = Decimal::from_raw(raw);
        start = end + 1;
    }
    return legs;
}

template <typename Fixed>
Fixed fixed_or_throw(const std::string& text, const char* what) {
    if (!Fixed::fits(text)) {
        refuse_row(std::string(what) + " of " + std::to_string(text.size()) + " characters, at most " +
                   std::to_string(Fixed::capacity));
    }
    return Fixed(text);
}

int int_or_throw(std::int64_t value, const char* what) {
    if (value < 0 || value > std::numeric_limits<int>::max()) refuse_row(std::string(what) + " " + std::to_string(value) + " out of range");
    return static_cast<int>(value);
}

template <typename E>
E enum_or_throw(std::string_view text, const char* what) {
    const auto value = enum_from_string<E>(text);
    if (!value) refuse_row(std::string("unknown ") + what + " '" + std::string(text.substr(0, 80)) + "'");
    return *value;
}

} // namespace

// A prepared statement, reset after every use.
class SqliteZincPlane::Statement {
public:
    Statement(sqlite3* db, const char* sql) : db_(db) {
        if (sqlite3_prepare_v2(db, sql, -1, &stmt_, nullptr) != SQLITE_OK) {
            throw std::runtime_error(std::string("zinc journal: prepare failed: ") + sqlite3_errmsg(db));
        }
    }
    ~Statement() { sqlite3_finalize(stmt_); }
    Statement(const Statement&) = delete;
    Statement& operator=(const Statement&) = delete;

    Statement& bind(int index, std::int64_t value) {
        sqlite3_bind_int64(stmt_, index, value);
        return *this;
    }
    Statement& bind(int index, std::string_view text) {
        sqlite3_bind_text(stmt_, index, text.data(), static_cast<int>(text.size()), SQLITE_TRANSIENT);
        return *this;
    }
    Statement& bind(int index, Decimal value) { return bind(index, value.raw()); }
    void run() {
        const int rc = sqlite3_step(stmt_);
        sqlite3_reset(stmt_);
        sqlite3_clear_bindings(stmt_);
        if (rc != SQLITE_DONE) throw std::runtime_error(std::string("zinc journal: write failed: ") + sqlite3_errmsg(db_));
    }
    bool step() {
        const int rc = sqlite3_step(stmt_);
        if (rc == SQLITE_ROW) return true;
        if (rc != SQLITE_DONE) throw std::runtime_error(std::string("zinc journal: read failed: ") + sqlite3_errmsg(db_));
        return false;
    }
    std::int64_t integer(int column) const { return sqlite3_column_int64(stmt_, column); }
    Decimal decimal(int column) const { return Decimal::from_raw(integer(column)); }
    std::string text(int column) const {
        const auto* data = reinterpret_cast<const char*>(sqlite3_column_text(stmt_, column));
        return data != nullptr ? std::string(data, static_cast<std::size_t>(sqlite3_column_bytes(stmt_, column))) : "";
    }

private:
    sqlite3* db_;
    sqlite3_stmt* stmt_ = nullptr;
};

namespace {

// One field bound or read by its C++ type, for the field lists of contracts/fields.hpp.
template <typename Stmt, std::size_t N>
void bind_field(Stmt& statement, int index, const FixedString<N>& value) {
    statement.bind(index, value.view());
}
template <typename Stmt>
void bind_field(Stmt& statement, int index, const std::string& value) {
    statement.bind(index, std::string_view(value));
}
template <typename Stmt>
void bind_field(Stmt& statement, int index, const DetailText& value) {
    statement.bind(index, value.str());
}
template <typename Stmt>
void bind_field(Stmt& statement, int index, Decimal value) {
    statement.bind(index, value);
}
template <typename Stmt, typename I>
    requires std::is_integral_v<I>
void bind_field(Stmt& statement, int index, I value) {
    statement.bind(index, static_cast<std::int64_t>(value));
}
template <typename Stmt, typename E>
    requires std::is_enum_v<E>
void bind_field(Stmt& statement, int index, E value) {
    statement.bind(index, to_string(value));
}

template <typename Stmt, std::size_t N>
void read_field(const Stmt& row, int index, FixedString<N>& out, const char* name) {
    out = fixed_or_throw<FixedString<N>>(row.text(index), name);
}
template <typename Stmt>
void read_field(const Stmt& row, int index, std::string& out, const char*) {
    out = row.text(index);
}
template <typename Stmt>
void read_field(const Stmt& row, int index, DetailText& out, const char*) {
    out = DetailText(row.text(index));
}
template <typename Stmt>
void read_field(const Stmt& row, int index, Decimal& out, const char*) {
    out = row.decimal(index);
}
template <typename Stmt>
void read_field(const Stmt& row, int index, bool& out, const char*) {
    out = row.integer(index) != 0;
}
template <typename Stmt, typename I>
    requires(std::is_integral_v<I> && !std::is_same_v<I, bool>)
void read_field(const Stmt& row, int index, I& out, const char*) {
    out = static_cast<I>(row.integer(index));
}
template <typename Stmt, typename E>
    requires std::is_enum_v<E>
void read_field(const Stmt& row, int index, E& out, const char* name) {
    out = enum_or_throw<E>(row.text(index), name);
}
template <typename Stmt>
void read_field(const Stmt& row, int index, int& out, const char* name) {
    out = int_or_throw(row.integer(index), name);
}
template <typename Stmt>
void bind_field(Stmt& statement, int index, const ExitLegs& value) {
    statement.bind(index, legs_text(value));
}
template <typename Stmt>
void read_field(const Stmt& row, int index, ExitLegs& out, const char*) {
    out = legs_from(row.text(index));
}

#define DITA_SQL_BIND(member, key, required, hashed) bind_field(statement, column++, value.member);
#define DITA_SQL_READ(member, key, required, hashed) read_field(row, column++, value.member, #member);
// slot_state's columns but slot_id, bound and read by the caller around input_sequence.
#define DITA_SQL_BIND_BUT_SLOT_ID(member, key, required, hashed) \
    if constexpr (std::string_view(#member) != "slot_id") bind_field(statement, column++, value.member);
#define DITA_SQL_READ_BUT_SLOT_ID(member, key, required, hashed) \
    if constexpr (std::string_view(#member) != "slot_id") read_field(row, column++, value.member, #member);

// A struct's columns from `first` on, in its field list's order, both ways: bind_NAME and
// read_NAME (slot_orders and finished_orders share the order's).
#define DITA_SQL_VIEWS(Struct, name, FIELDS)                             \
    template <typename Stmt>                                             \
    Stmt& bind_##name(Stmt& statement, int first, const Struct& value) { \
        int column = first;                                              \
        FIELDS(DITA_SQL_BIND)                                            \
        return statement;                                                \
    }                                                                    \
    template <typename Stmt>                                             \
    Struct read_##name(const Stmt& row, int first) {                     \
        Struct value;                                                    \
        int column = first;                                              \
        FIELDS(DITA_SQL_READ)                                            \
        return value;                                                    \
    }

DITA_SQL_VIEWS(OrderRecord, order, DITA_ORDER_RECORD_FIELDS)
DITA_SQL_VIEWS(KernelDiagnostic, diagnostic, DITA_KERNEL_DIAGNOSTIC_FIELDS)
DITA_SQL_VIEWS(TradeRecord, terminal, DITA_TRADE_RECORD_FIELDS)

#undef DITA_SQL_VIEWS

template <typename Stmt>
Stmt& bind_slot(Stmt& statement, std::uint64_t input_sequence, const TradeSlot& value) {
    statement.bind(1, static_cast<std::int64_t>(value.slot_id)).bind(2, static_cast<std::int64_t>(input_sequence));
    int column = 3;
    DITA_TRADE_SLOT_FIELDS(DITA_SQL_BIND_BUT_SLOT_ID)
    return statement;
}

template <typename Stmt>
TradeSlot read_slot(const Stmt& row) {
    TradeSlot value;
    read_field(row, 0, value.slot_id, "slot_id");
    int column = 2; // after slot_id and input_sequence
    DITA_TRADE_SLOT_FIELDS(DITA_SQL_READ_BUT_SLOT_ID)
    return value;
}

#undef DITA_SQL_BIND
#undef DITA_SQL_READ
#undef DITA_SQL_BIND_BUT_SLOT_ID
#undef DITA_SQL_READ_BUT_SLOT_ID

constexpr int order_field_count = DITA_FIELD_COUNT(DITA_ORDER_RECORD_FIELDS);
constexpr int diagnostic_field_count = DITA_FIELD_COUNT(DITA_KERNEL_DIAGNOSTIC_FIELDS);
constexpr int slot_field_count = DITA_FIELD_COUNT(DITA_TRADE_SLOT_FIELDS);
constexpr int terminal_field_count = DITA_FIELD_COUNT(DITA_TRADE_RECORD_FIELDS);

} // namespace

SqliteZincPlane::SqliteZincPlane(const std::string& path, SqliteJournalOptions options)
    : path_(path), options_(options) {
    if (sqlite3_open_v2(path.c_str(), &db_, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr) !=
        SQLITE_OK) {
        const std::string reason = db_ != nullptr ? sqlite3_errmsg(db_) : "out of memory";
        sqlite3_close(db_);
        db_ = nullptr;
        throw std::runtime_error("zinc journal " + path + ": cannot open: " + reason);
    }
    try {
        exec("PRAGMA journal_mode=WAL");
        exec("PRAGMA synchronous=FULL");
        check_schema_version();
        exec(schema);
        add_funding_column();
        exec(generated_schema().c_str());
        if (column_count("diagnostics") == 3 + diagnostic_field_count) {
            exec("ALTER TABLE diagnostics ADD COLUMN outcome_row INTEGER NOT NULL DEFAULT 0");
        }
        exec("CREATE INDEX IF NOT EXISTS diagnostics_by_outcome ON diagnostics (outcome_row)");
        exec(("PRAGMA user_version=" + std::to_string(schema_version)).c_str());
        insert_outcome_ = std::make_unique<Statement>(db_, "INSERT INTO outcomes VALUES (?1,?2,?3,?4,?5,?6,?7)");
        insert_transition_ = std::make_unique<Statement>(db_, "INSERT INTO transitions VALUES (?1,?2,?3,?4,?5)");
        insert_terminal_ = std::make_unique<Statement>(
            db_, ("INSERT INTO terminals VALUES (" + placeholders(1, terminal_field_count) + ")").c_str());
        upsert_slot_ = std::make_unique<Statement>(
            db_, ("INSERT OR REPLACE INTO slot_state VALUES (" + placeholders(1, 1 + slot_field_count) + ")").c_str());
        delete_orders_ = std::make_unique<Statement>(db_, "DELETE FROM slot_orders WHERE slot_id = ?1");
        insert_order_ = std::make_unique<Statement>(
            db_, ("INSERT INTO slot_orders VALUES (" + placeholders(1, 2 + order_field_count) + ")").c_str());
        upsert_totals_ = std::make_unique<Statement>(db_, "INSERT OR REPLACE INTO totals VALUES (1,?1,?2,?3,?4,?5)");
        // A new version replaces the order's row (UNIQUE) and takes the next version number.
        upsert_finished_ = std::make_unique<Statement>(
            db_, ("INSERT OR REPLACE INTO finished_orders VALUES (NULL," + placeholders(1, 3 + order_field_count) + ")")
                     .c_str());
        prune_finished_ = std::make_unique<Statement>(db_, "DELETE FROM finished_orders WHERE version <= ?1");
        insert_diagnostic_ = std::make_unique<Statement>(
            db_, ("INSERT INTO diagnostics VALUES (" + placeholders(1, 4 + diagnostic_field_count) + ")").c_str());
        insert_in_flight_ = std::make_unique<Statement>(db_, "INSERT OR REPLACE INTO in_flight VALUES (?1, ?2)");
        Statement in_flight(db_, "SELECT COUNT(*) FROM in_flight");
        in_flight_rows_ = in_flight.step() && in_flight.integer(0) > 0;
    } catch (const std::runtime_error& error) {
        close_statements();
        sqlite3_close(db_);
        db_ = nullptr;
        throw std::runtime_error("zinc journal " + path + ": " + error.what());
    }
}

SqliteZincPlane::~SqliteZincPlane() {
    // An input that did not reach commit() is not half-kept: its records go, as after a crash.
    if (in_transaction_) sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
    close_statements();
    sqlite3_close(db_);
}

void SqliteZincPlane::close_statements() {
    insert_outcome_.reset();
    insert_transition_.reset();
    insert_terminal_.reset();
    upsert_slot_.reset();
    delete_orders_.reset();
    insert_order_.reset();
    upsert_totals_.reset();
    upsert_finished_.reset();
    prune_finished_.reset();
    insert_diagnostic_.reset();
    insert_in_flight_.reset();
}

int SqliteZincPlane::column_count(const char* table) const {
    Statement info(db_, (std::string("SELECT COUNT(*) FROM pragma_table_info('") + table + "')").c_str());
    return info.step() ? static_cast<int>(info.integer(0)) : 0;
}

void SqliteZincPlane::check_schema_version() {
    Statement version(db_, "PRAGMA user_version");
    const int found = version.step() ? static_cast<int>(version.integer(0)) : 0;
    if (found > schema_version) {
        throw std::runtime_error("journal schema version " + std::to_string(found) + " is newer than this build's (" +
                                 std::to_string(schema_version) + "); open it with the dita that wrote it");
    }
    if (found != 0) return; // an older versioned journal: the schema below adds what it lacks
    // Unversioned: new and empty, or a version-1 journal, whose tables must be as version 1 had them.
    for (const TableShape& table : version_1_tables) {
        const int columns = column_count(table.name);
        if (columns != 0 && columns != table.columns) {
            throw std::runtime_error("journal has no schema version and its table " + std::string(table.name) +
                                     " has " + std::to_string(columns) + " columns, not the " +
                                     std::to_string(table.columns) +
                                     " of version 1: not a dita journal this build can read; refused");
        }
    }
}

void SqliteZincPlane::exec(const char* sql) {
    char* error = nullptr;
    if (sqlite3_exec(db_, sql, nullptr, nullptr, &error) != SQLITE_OK) {
        const std::string reason = error != nullptr ? error : "unknown error";
        sqlite3_free(error);
        throw std::runtime_error(reason);
    }
}

void SqliteZincPlane::add_funding_column() {
    Statement columns(db_, "SELECT COUNT(*) FROM pragma_table_info('totals') WHERE name = 'funding'");
    if (columns.step() && columns.integer(0) > 0) return;
    exec("ALTER TABLE totals ADD COLUMN funding INTEGER NOT NULL DEFAULT 0");
}

void SqliteZincPlane::begin_if_needed() {
    if (in_transaction_) return;
    exec("BEGIN");
    in_transaction_ = true;
}

void SqliteZincPlane::commit(std::uint64_t) {
    if (!in_transaction_) return;
    // The input's own records now say what became of every order it wrote ahead.
    if (in_flight_rows_) exec("DELETE FROM in_flight");
    exec("COMMIT");
    in_transaction_ = false;
    in_flight_rows_ = false;
    if (++commits_since_prune_ >= options_.commits_per_prune) prune();
}

void SqliteZincPlane::write_ahead(std::uint64_t input_sequence, std::string_view client_order_id) {
    begin_if_needed();
    insert_in_flight_->bind(1, client_order_id).bind(2, static_cast<std::int64_t>(input_sequence)).run();
    exec("COMMIT");
    in_transaction_ = false;
    in_flight_rows_ = true;
}

void SqliteZincPlane::prune() {
    if (in_transaction_) return; // never inside an input: its records are all or nothing
    commits_since_prune_ = 0;
    exec("BEGIN");
    in_transaction_ = true;
    // The newest `kept` rows of a table stay (0: all); the rowid at and below which rows go.
    const auto cutoff_of = [&](const char* newest_sql, std::uint64_t kept) -> std::int64_t {
        if (kept == 0) return 0;
        Statement newest(db_, newest_sql);
        return (newest.step() ? newest.integer(0) : 0) - static_cast<std::int64_t>(kept);
    };
    if (const std::int64_t cutoff = cutoff_of("SELECT COALESCE(MAX(rowid), 0) FROM outcomes", options_.outcomes_kept);
        cutoff > 0) {
        Statement(db_, "DELETE FROM outcomes WHERE rowid <= ?1").bind(1, cutoff).run();
        Statement(db_, "DELETE FROM diagnostics WHERE outcome_row <= ?1").bind(1, cutoff).run();
    }
    if (const std::int64_t cutoff =
            cutoff_of("SELECT COALESCE(MAX(rowid), 0) FROM transitions", options_.transitions_kept);
        cutoff > 0) {
        Statement(db_, "DELETE FROM transitions WHERE rowid <= ?1").bind(1, cutoff).run();
    }
    exec("COMMIT");
    in_transaction_ = false;
    // The WAL holds every page written since the last checkpoint: folded into the file and cut
    // back to nothing, so a long-running journal does not grow without bound.
    exec("PRAGMA wal_checkpoint(TRUNCATE)");
}

void SqliteZincPlane::record_outcome(const KernelOutcome& outcome, std::string_view input_ref) {
    begin_if_needed();
    insert_outcome_->bind(1, static_cast<std::int64_t>(outcome.input_sequence))
        .bind(2, outcome.timestamp_ns)
        .bind(3, to_string(outcome.diagnostic_code))
        .bind(4, to_string(outcome.severity))
        .bind(5, static_cast<std::int64_t>(outcome.slot_id))
        .bind(6, input_ref)
        .bind(7, outcome.details.str())
        .run();
    const std::int64_t outcome_row = sqlite3_last_insert_rowid(db_);
    std::int64_t position = 0;
    for (const KernelDiagnostic& d : outcome.diagnostics) {
        insert_diagnostic_->bind(1, static_cast<std::int64_t>(outcome.input_sequence))
            .bind(2, position)
            .bind(3, static_cast<std::int64_t>(position == outcome.result_index))
            .bind(4 + diagnostic_field_count, outcome_row);
        bind_diagnostic(*insert_diagnostic_, 4, d).run();
        ++position;
    }
}

std::vector<KernelDiagnostic> SqliteZincPlane::journaled_diagnostics(std::uint64_t input_sequence) const {
    std::vector<KernelDiagnostic> out;
    Statement rows(db_, "SELECT * FROM diagnostics WHERE input_sequence = ?1 ORDER BY position");
    rows.bind(1, static_cast<std::int64_t>(input_sequence));
    while (rows.step()) out.push_back(read_diagnostic(rows, 3));
    return out;
}

void SqliteZincPlane::record_transition(const Transition& transition) {
    begin_if_needed();
    insert_transition_->bind(1, static_cast<std::int64_t>(transition.slot_id))
        .bind(2, to_string(transition.from))
        .bind(3, to_string(transition.to))
        .bind(4, to_string(transition.input))
        .bind(5, transition.timestamp_ns)
        .run();
}

void SqliteZincPlane::write_terminal(const TradeRecord& r) {
    begin_if_needed();
    bind_terminal(*insert_terminal_, 1, r).run();
}

void SqliteZincPlane::record_state(std::uint64_t input_sequence, const TradeSlot& s, std::span<const OrderRecord> orders,
                                   const AccountTotals& totals) {
    begin_if_needed();
    bind_slot(*upsert_slot_, input_sequence, s).run();
    delete_orders_->bind(1, static_cast<std::int64_t>(s.slot_id)).run();
    std::int64_t position = 0;
    for (const OrderRecord& o : orders) {
        bind_order(insert_order_->bind(1, static_cast<std::int64_t>(s.slot_id)).bind(2, position++), 3, o)
            .run();
    }
    upsert_totals_->bind(1, static_cast<std::int64_t>(input_sequence))
        .bind(2, totals.initial_capital)
        .bind(3, totals.realized_pnl)
        .bind(4, totals.fees_paid)
        .bind(5, totals.funding)
        .run();
}

std::optional<RecoveredState> SqliteZincPlane::recover() const {
    Statement totals(db_, "SELECT input_sequence, initial_capital, realized_pnl, fees_paid, funding FROM totals WHERE id = 1");
    if (!totals.step()) return std::nullopt;
    RecoveredState out;
    Statement last(db_, "SELECT COALESCE(MAX(input_sequence), 0) FROM outcomes");
    out.input_sequence = last.step() ? static_cast<std::uint64_t>(last.integer(0)) : 0;
    out.totals = AccountTotals{totals.decimal(1), totals.decimal(2), totals.decimal(3), totals.decimal(4)};
    Statement slots(db_, "SELECT * FROM slot_state ORDER BY slot_id");
    while (slots.step()) {
        SlotSnapshot snap;
        snap.slot = read_slot(slots);
        const TradeSlot& s = snap.slot;
        Statement orders(db_, "SELECT * FROM slot_orders WHERE slot_id = ?1 ORDER BY position");
        orders.bind(1, static_cast<std::int64_t>(s.slot_id));
        while (orders.step()) snap.orders.push_back(read_order(orders, 2));
        out.slots.push_back(std::move(snap));
    }
    Statement finished(db_, "SELECT * FROM (SELECT * FROM finished_orders ORDER BY version DESC LIMIT ?1) "
                            "ORDER BY version");
    finished.bind(1, static_cast<std::int64_t>(finished_orders_recovered_max));
    while (finished.step()) {
        FinishedOrder f;
        f.slot_id = int_or_throw(finished.integer(1), "slot_id");
        f.trade_id = fixed_or_throw<Id>(finished.text(2), "trade_id");
        f.asset = fixed_or_throw<AssetName>(finished.text(3), "asset");
        f.record = read_order(finished, 4);
        out.finished_orders.push_back(std::move(f));
    }
    Statement in_flight(db_, "SELECT client_order_id FROM in_flight ORDER BY client_order_id");
    while (in_flight.step()) out.in_flight_orders.push_back(fixed_or_throw<Id>(in_flight.text(0), "client_order_id"));
    for (SlotSnapshot& snap : out.slots) {
        for (OrderRecord& order : snap.orders) {
            for (const Id& id : out.in_flight_orders) {
                if (order.client_order_id == id) order.outcome_unknown = true;
            }
        }
    }
    return out;
}

void SqliteZincPlane::record_finished_order(const FinishedOrder& order) {
    begin_if_needed();
    bind_order(*upsert_finished_, 4, order.record)
        .bind(1, static_cast<std::int64_t>(order.slot_id))
        .bind(2, order.trade_id.view())
        .bind(3, order.asset.view())
        .run();
    // Only the newest are ever recovered; older versions' rows go.
    const std::int64_t newest = sqlite3_last_insert_rowid(db_);
    const auto kept = static_cast<std::int64_t>(finished_orders_recovered_max);
    if (newest > kept) prune_finished_->bind(1, newest - kept).run();
}

std::uint64_t SqliteZincPlane::outcome_count() const {
    Statement count(db_, "SELECT COUNT(*) FROM outcomes");
    return count.step() ? static_cast<std::uint64_t>(count.integer(0)) : 0;
}

std::uint64_t SqliteZincPlane::transition_count() const {
    Statement count(db_, "SELECT COUNT(*) FROM transitions");
    return count.step() ? static_cast<std::uint64_t>(count.integer(0)) : 0;
}

std::vector<TradeRecord> SqliteZincPlane::terminal_records() const {
    std::vector<TradeRecord> out;
    Statement rows(db_, "SELECT * FROM terminals ORDER BY rowid");
    while (rows.step()) {
        out.push_back(read_terminal(rows, 0));
    }
    return out;
}

} // namespace dita
