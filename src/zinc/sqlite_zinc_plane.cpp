#include "dita/zinc/sqlite_zinc_plane.hpp"

#include <sqlite3.h>

#include <charconv>
#include <limits>
#include <stdexcept>

namespace dita {

namespace {

constexpr const char* schema = R"sql(
CREATE TABLE IF NOT EXISTS outcomes (
  input_sequence INTEGER NOT NULL, timestamp_ns INTEGER NOT NULL, code TEXT NOT NULL,
  severity TEXT NOT NULL, slot_id INTEGER NOT NULL, input_ref TEXT NOT NULL, details TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS transitions (
  slot_id INTEGER NOT NULL, from_stage TEXT NOT NULL, to_stage TEXT NOT NULL, input TEXT NOT NULL,
  timestamp_ns INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS terminals (
  slot_id INTEGER NOT NULL, trade_id TEXT NOT NULL, side TEXT NOT NULL, asset TEXT NOT NULL,
  target_size INTEGER NOT NULL, entry_filled INTEGER NOT NULL, entry_price INTEGER NOT NULL,
  exit_filled INTEGER NOT NULL, exit_price INTEGER NOT NULL, realized_pnl INTEGER NOT NULL,
  fees INTEGER NOT NULL, closed_at_ns INTEGER NOT NULL, reason TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS slot_state (
  slot_id INTEGER PRIMARY KEY, input_sequence INTEGER NOT NULL, fsm_state TEXT NOT NULL,
  trade_id TEXT NOT NULL, side TEXT NOT NULL, asset TEXT NOT NULL, target_size INTEGER NOT NULL,
  size INTEGER NOT NULL, entry_filled INTEGER NOT NULL, exit_filled INTEGER NOT NULL,
  entry_price INTEGER NOT NULL, exit_notional INTEGER NOT NULL, leverage INTEGER NOT NULL,
  exit_legs TEXT NOT NULL, active_leg_index INTEGER NOT NULL, realized_pnl INTEGER NOT NULL,
  fees INTEGER NOT NULL, closed INTEGER NOT NULL, entry_order_id TEXT NOT NULL,
  exit_order_id TEXT NOT NULL, working_order_id TEXT NOT NULL, pending_exit INTEGER NOT NULL,
  pending_exit_size INTEGER NOT NULL, pending_exit_price INTEGER NOT NULL,
  pending_exit_order_id TEXT NOT NULL, trades_completed INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS slot_orders (
  slot_id INTEGER NOT NULL, position INTEGER NOT NULL, client_order_id TEXT NOT NULL,
  venue_order_id TEXT NOT NULL, purpose TEXT NOT NULL, side TEXT NOT NULL, qty INTEGER NOT NULL,
  status TEXT NOT NULL, acked INTEGER NOT NULL, cancel_requested INTEGER NOT NULL,
  outcome_unknown INTEGER NOT NULL, cum_filled_qty INTEGER NOT NULL, avg_fill_price INTEGER NOT NULL,
  cum_fee INTEGER NOT NULL, last_venue_sequence INTEGER NOT NULL, PRIMARY KEY (slot_id, position));
CREATE TABLE IF NOT EXISTS finished_orders (
  version INTEGER PRIMARY KEY, slot_id INTEGER NOT NULL, trade_id TEXT NOT NULL, asset TEXT NOT NULL,
  client_order_id TEXT NOT NULL UNIQUE, venue_order_id TEXT NOT NULL, purpose TEXT NOT NULL,
  side TEXT NOT NULL, qty INTEGER NOT NULL, status TEXT NOT NULL, acked INTEGER NOT NULL,
  cancel_requested INTEGER NOT NULL, outcome_unknown INTEGER NOT NULL, cum_filled_qty INTEGER NOT NULL,
  avg_fill_price INTEGER NOT NULL, cum_fee INTEGER NOT NULL, last_venue_sequence INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS totals (
  id INTEGER PRIMARY KEY CHECK (id = 1), input_sequence INTEGER NOT NULL, initial_capital INTEGER NOT NULL,
  realized_pnl INTEGER NOT NULL, fees_paid INTEGER NOT NULL, funding INTEGER NOT NULL DEFAULT 0);
)sql";

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

// An order's columns from `first` on, in the order slot_orders and finished_orders share:
// client_order_id, venue_order_id, purpose, side, qty, status, acked, cancel_requested,
// outcome_unknown, cum_filled_qty, avg_fill_price, cum_fee, last_venue_sequence.
template <typename Stmt>
Stmt& bind_order(Stmt& statement, int first, const OrderRecord& o) {
    return statement.bind(first, o.client_order_id.view())
        .bind(first + 1, o.venue_order_id.view())
        .bind(first + 2, to_string(o.purpose))
        .bind(first + 3, to_string(o.side))
        .bind(first + 4, o.qty)
        .bind(first + 5, to_string(o.status))
        .bind(first + 6, static_cast<std::int64_t>(o.acked))
        .bind(first + 7, static_cast<std::int64_t>(o.cancel_requested))
        .bind(first + 8, static_cast<std::int64_t>(o.outcome_unknown))
        .bind(first + 9, o.cum_filled_qty)
        .bind(first + 10, o.avg_fill_price)
        .bind(first + 11, o.cum_fee)
        .bind(first + 12, static_cast<std::int64_t>(o.last_venue_sequence));
}

template <typename Stmt>
OrderRecord read_order(const Stmt& row, int first) {
    OrderRecord o;
    o.client_order_id = fixed_or_throw<Id>(row.text(first), "client_order_id");
    o.venue_order_id = fixed_or_throw<Id>(row.text(first + 1), "venue_order_id");
    o.purpose = enum_or_throw<OrderPurpose>(row.text(first + 2), "purpose");
    o.side = enum_or_throw<TradeSide>(row.text(first + 3), "side");
    o.qty = row.decimal(first + 4);
    o.status = enum_or_throw<VenueOrderStatus>(row.text(first + 5), "order status");
    o.acked = row.integer(first + 6) != 0;
    o.cancel_requested = row.integer(first + 7) != 0;
    o.outcome_unknown = row.integer(first + 8) != 0;
    o.cum_filled_qty = row.decimal(first + 9);
    o.avg_fill_price = row.decimal(first + 10);
    o.cum_fee = row.decimal(first + 11);
    o.last_venue_sequence = static_cast<std::uint64_t>(row.integer(first + 12));
    return o;
}

} // namespace

SqliteZincPlane::SqliteZincPlane(const std::string& path) : path_(path) {
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
        exec(schema);
        add_funding_column();
        insert_outcome_ = std::make_unique<Statement>(db_, "INSERT INTO outcomes VALUES (?1,?2,?3,?4,?5,?6,?7)");
        insert_transition_ = std::make_unique<Statement>(db_, "INSERT INTO transitions VALUES (?1,?2,?3,?4,?5)");
        insert_terminal_ = std::make_unique<Statement>(
            db_, "INSERT INTO terminals VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13)");
        upsert_slot_ = std::make_unique<Statement>(
            db_, "INSERT OR REPLACE INTO slot_state VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13,?14,?15,?16,?17,"
                 "?18,?19,?20,?21,?22,?23,?24,?25,?26)");
        delete_orders_ = std::make_unique<Statement>(db_, "DELETE FROM slot_orders WHERE slot_id = ?1");
        insert_order_ = std::make_unique<Statement>(
            db_, "INSERT INTO slot_orders VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13,?14,?15)");
        upsert_totals_ = std::make_unique<Statement>(db_, "INSERT OR REPLACE INTO totals VALUES (1,?1,?2,?3,?4,?5)");
        // A new version replaces the order's row (UNIQUE) and takes the next version number.
        upsert_finished_ = std::make_unique<Statement>(
            db_, "INSERT OR REPLACE INTO finished_orders VALUES (NULL,?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13,?14,"
                 "?15,?16)");
        prune_finished_ = std::make_unique<Statement>(db_, "DELETE FROM finished_orders WHERE version <= ?1");
    } catch (const std::runtime_error& error) {
        insert_outcome_.reset();
        insert_transition_.reset();
        insert_terminal_.reset();
        upsert_slot_.reset();
        delete_orders_.reset();
        insert_order_.reset();
        upsert_totals_.reset();
        upsert_finished_.reset();
        prune_finished_.reset();
        sqlite3_close(db_);
        db_ = nullptr;
        throw std::runtime_error("zinc journal " + path + ": " + error.what());
    }
}

SqliteZincPlane::~SqliteZincPlane() {
    if (in_transaction_) sqlite3_exec(db_, "COMMIT", nullptr, nullptr, nullptr);
    insert_outcome_.reset();
    insert_transition_.reset();
    insert_terminal_.reset();
    upsert_slot_.reset();
    delete_orders_.reset();
    insert_order_.reset();
    upsert_totals_.reset();
    upsert_finished_.reset();
    prune_finished_.reset();
    sqlite3_close(db_);
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
    exec("COMMIT");
    in_transaction_ = false;
}

void SqliteZincPlane::record_outcome(const KernelOutcome& outcome, std::string_view input_ref) {
    begin_if_needed();
    insert_outcome_->bind(1, static_cast<std::int64_t>(outcome.input_sequence))
        .bind(2, outcome.timestamp_ns)
        .bind(3, to_string(outcome.diagnostic_code))
        .bind(4, to_string(outcome.severity))
        .bind(5, static_cast<std::int64_t>(outcome.slot_id))
        .bind(6, input_ref)
        .bind(7, outcome.details)
        .run();
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
    insert_terminal_->bind(1, static_cast<std::int64_t>(r.slot_id))
        .bind(2, r.trade_id.view())
        .bind(3, to_string(r.side))
        .bind(4, r.asset.view())
        .bind(5, r.target_size)
        .bind(6, r.entry_filled)
        .bind(7, r.entry_price)
        .bind(8, r.exit_filled)
        .bind(9, r.exit_price)
        .bind(10, r.realized_pnl)
        .bind(11, r.fees)
        .bind(12, r.closed_at_ns)
        .bind(13, r.reason)
        .run();
}

void SqliteZincPlane::record_state(std::uint64_t input_sequence, const TradeSlot& s, std::span<const OrderRecord> orders,
                                   const AccountTotals& totals) {
    begin_if_needed();
    upsert_slot_->bind(1, static_cast<std::int64_t>(s.slot_id))
        .bind(2, static_cast<std::int64_t>(input_sequence))
        .bind(3, to_string(s.fsm_state))
        .bind(4, s.trade_id.view())
        .bind(5, to_string(s.side))
        .bind(6, s.asset.view())
        .bind(7, s.target_size)
        .bind(8, s.size)
        .bind(9, s.entry_filled)
        .bind(10, s.exit_filled)
        .bind(11, s.entry_price)
        .bind(12, s.exit_notional)
        .bind(13, s.leverage)
        .bind(14, legs_text(s.exit_legs))
        .bind(15, static_cast<std::int64_t>(s.active_leg_index))
        .bind(16, s.realized_pnl)
        .bind(17, s.fees)
        .bind(18, static_cast<std::int64_t>(s.closed))
        .bind(19, s.entry_order_id.view())
        .bind(20, s.exit_order_id.view())
        .bind(21, s.working_order_id.view())
        .bind(22, static_cast<std::int64_t>(s.pending_exit))
        .bind(23, s.pending_exit_size)
        .bind(24, s.pending_exit_price)
        .bind(25, s.pending_exit_order_id.view())
        .bind(26, static_cast<std::int64_t>(s.trades_completed))
        .run();
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
        TradeSlot& s = snap.slot;
        s.slot_id = int_or_throw(slots.integer(0), "slot_id");
        s.fsm_state = enum_or_throw<TradeStage>(slots.text(2), "stage");
        s.trade_id = fixed_or_throw<Id>(slots.text(3), "trade_id");
        s.side = enum_or_throw<TradeSide>(slots.text(4), "side");
        s.asset = fixed_or_throw<AssetName>(slots.text(5), "asset");
        s.target_size = slots.decimal(6);
        s.size = slots.decimal(7);
        s.entry_filled = slots.decimal(8);
        s.exit_filled = slots.decimal(9);
        s.entry_price = slots.decimal(10);
        s.exit_notional = slots.decimal(11);
        s.leverage = slots.decimal(12);
        s.exit_legs = legs_from(slots.text(13));
        s.active_leg_index = int_or_throw(slots.integer(14), "active_leg_index");
        s.realized_pnl = slots.decimal(15);
        s.fees = slots.decimal(16);
        s.closed = slots.integer(17) != 0;
        s.entry_order_id = fixed_or_throw<Id>(slots.text(18), "entry_order_id");
        s.exit_order_id = fixed_or_throw<Id>(slots.text(19), "exit_order_id");
        s.working_order_id = fixed_or_throw<Id>(slots.text(20), "working_order_id");
        s.pending_exit = slots.integer(21) != 0;
        s.pending_exit_size = slots.decimal(22);
        s.pending_exit_price = slots.decimal(23);
        s.pending_exit_order_id = fixed_or_throw<Id>(slots.text(24), "pending_exit_order_id");
        s.trades_completed = static_cast<std::uint64_t>(slots.integer(25));
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

std::vector<TradeRecord> SqliteZincPlane::terminal_records() const {
    std::vector<TradeRecord> out;
    Statement rows(db_, "SELECT * FROM terminals ORDER BY rowid");
    while (rows.step()) {
        TradeRecord r;
        r.slot_id = static_cast<int>(rows.integer(0));
        r.trade_id = Id(rows.text(1));
        r.side = enum_or_throw<TradeSide>(rows.text(2), "side");
        r.asset = AssetName(rows.text(3));
        r.target_size = rows.decimal(4);
        r.entry_filled = rows.decimal(5);
        r.entry_price = rows.decimal(6);
        r.exit_filled = rows.decimal(7);
        r.exit_price = rows.decimal(8);
        r.realized_pnl = rows.decimal(9);
        r.fees = rows.decimal(10);
        r.closed_at_ns = rows.integer(11);
        r.reason = rows.text(12);
        out.push_back(std::move(r));
    }
    return out;
}

} // namespace dita
