#pragma once
// One field list per contract struct. Each list names the struct's fields once, in one order,
// with what the readers need to know of each:
//   X(member, key, required, hashed)
//   key:      the field's name in JSON, Python and SQLite's column (the member's name but
//             where an older file format spelled it otherwise; SQLite keeps `member`);
//   required: a JSON reader refuses a record without it;
//   hashed:   0 when the kernel's state hash leaves it out (bookkeeping such as sequence
//             numbers), else the pass of the hash that takes it: passes run in order, each over
//             the list in its order (one pass for every list but TradeSlot's, whose three keep
//             the hash of captures recorded before the list existed).
// JSON (contracts/json.cpp), the SQLite columns and binds (zinc), the Python field tables and
// the state hash are all generated from these lists: a new field is added to its struct and to
// its list, and every reader and writer follows. The order is the SQLite column order and the
// hash order, so a list only ever grows at its end.

#define DITA_ORDER_RECORD_FIELDS(X)                       \
    X(client_order_id, client_order_id, true, 1)          \
    X(venue_order_id, venue_order_id, false, 1)           \
    X(purpose, purpose, true, 1)                          \
    X(side, side, true, 1)                                \
    X(qty, qty, true, 1)                                  \
    X(status, status, true, 1)                            \
    X(acked, acked, false, 1)                             \
    X(cancel_requested, cancel_requested, false, 1)       \
    X(outcome_unknown, outcome_unknown, false, 1)         \
    X(cum_filled_qty, cum_filled_qty, false, 1)           \
    X(avg_fill_price, avg_fill_price, false, 1)           \
    X(cum_fee, cum_fee, false, 1)                         \
    X(last_venue_sequence, last_venue_sequence, false, 0)

#define DITA_KERNEL_DIAGNOSTIC_FIELDS(X)          \
    X(code, code, true, 0)                        \
    X(severity, severity, true, 0)                \
    X(slot_id, slot_id, false, 0)                 \
    X(client_order_id, client_order_id, false, 0) \
    X(trade_id, trade_id, false, 0)               \
    X(asset, asset, false, 0)                     \
    X(size, size, false, 0)                       \
    X(limit, limit, false, 0)                     \
    X(detail, detail, false, 0)

// A slot: its JSON, its Python fields, the slot_state table (whose second column,
// input_sequence, is the journal's) and the hash (passes: identity, sizes and money, the rest).
#define DITA_TRADE_SLOT_FIELDS(X)                             \
    X(slot_id, slot_id, true, 1)                              \
    X(fsm_state, fsm_state, true, 1)                          \
    X(trade_id, trade_id, false, 1)                           \
    X(side, side, false, 1)                                   \
    X(asset, asset, false, 1)                                 \
    X(target_size, target_size, false, 2)                     \
    X(size, size, false, 2)                                   \
    X(entry_filled, entry_filled, false, 2)                   \
    X(exit_filled, exit_filled, false, 2)                     \
    X(entry_price, entry_price, false, 2)                     \
    X(exit_notional, exit_notional, false, 2)                 \
    X(leverage, leverage, false, 2)                           \
    X(exit_legs, exit_leg_ratios, false, 3)                   \
    X(active_leg_index, active_leg_index, false, 3)           \
    X(realized_pnl, realized_pnl, false, 2)                   \
    X(fees, fees, false, 2)                                   \
    X(closed, closed, false, 3)                               \
    X(entry_order_id, entry_order_id, false, 3)               \
    X(exit_order_id, exit_order_id, false, 3)                 \
    X(working_order_id, working_order_id, false, 3)           \
    X(pending_exit, pending_exit, false, 3)                   \
    X(pending_exit_size, pending_exit_size, false, 2)         \
    X(pending_exit_price, pending_exit_price, false, 2)       \
    X(pending_exit_order_id, pending_exit_order_id, false, 3) \
    X(trades_completed, trades_completed, false, 3)

#define DITA_VENUE_EVENT_FIELDS(X)                \
    X(kind, kind, true, 0)                        \
    X(status, status, true, 0)                    \
    X(venue_order_id, venue_order_id, false, 0)   \
    X(client_order_id, client_order_id, false, 0) \
    X(slot_id, slot_id, false, 0)                 \
    X(trade_id, trade_id, false, 0)               \
    X(side, side, false, 0)                       \
    X(asset, asset, false, 0)                     \
    X(order_qty, order_qty, false, 0)             \
    X(cum_filled_qty, cum_filled_qty, false, 0)   \
    X(avg_fill_price, avg_fill_price, false, 0)   \
    X(cum_fee, cum_fee, false, 0)                 \
    X(price, price, false, 0)                     \
    X(venue_sequence, venue_sequence, false, 0)   \
    X(timestamp_ns, timestamp_ns, false, 0)

#define DITA_ACCOUNT_SNAPSHOT_FIELDS(X)           \
    X(initial_capital, initial_capital, false, 0) \
    X(capital, capital, false, 0)                 \
    X(equity, equity, false, 0)                   \
    X(realized_pnl, realized_pnl, false, 0)       \
    X(fees_paid, fees_paid, false, 0)             \
    X(unrealized_pnl, unrealized_pnl, false, 0)   \
    X(used_margin, used_margin, false, 0)         \
    X(funding, funding, false, 0)

#define DITA_TRADE_RECORD_FIELDS(X)          \
    X(slot_id, slot_id, true, 0)             \
    X(trade_id, trade_id, true, 0)           \
    X(side, side, true, 0)                   \
    X(asset, asset, true, 0)                 \
    X(target_size, target_size, false, 0)    \
    X(entry_filled, entry_filled, false, 0)  \
    X(entry_price, entry_price, false, 0)    \
    X(exit_filled, exit_filled, false, 0)    \
    X(exit_price, exit_price, false, 0)      \
    X(realized_pnl, realized_pnl, false, 0)  \
    X(fees, fees, false, 0)                  \
    X(closed_at_ns, closed_at_ns, false, 0)  \
    X(reason, reason, false, 0)

// The number of fields in a list: DITA_FIELD_COUNT(DITA_ORDER_RECORD_FIELDS).
#define DITA_FIELD_COUNT_ONE(name, key, required, hashed) +1
#define DITA_FIELD_COUNT(LIST) (0 LIST(DITA_FIELD_COUNT_ONE))
