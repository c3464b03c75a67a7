#pragma once
// One field list per contract struct. Each list names the struct's fields once, in one order,
// with what the readers need to know of each:
//   X(member, required, hashed)
//   required: a JSON reader refuses a record without it;
//   hashed:   part of the kernel's state hash (what the venue said and the kernel decided;
//             bookkeeping such as sequence numbers is not).
// JSON (contracts/json.cpp), the SQLite columns and binds (zinc), the Python field tables and
// the state hash are all generated from these lists: a new field is added to its struct and to
// its list, and every reader and writer follows. The order is the SQLite column order and the
// hash order, so a list only ever grows at its end.

#define DITA_ORDER_RECORD_FIELDS(X)      \
    X(client_order_id, true, true)      \
    X(venue_order_id, false, true)      \
    X(purpose, true, true)              \
    X(side, true, true)                 \
    X(qty, true, true)                  \
    X(status, true, true)               \
    X(acked, false, true)               \
    X(cancel_requested, false, true)    \
    X(outcome_unknown, false, true)     \
    X(cum_filled_qty, false, true)      \
    X(avg_fill_price, false, true)      \
    X(cum_fee, false, true)             \
    X(last_venue_sequence, false, false)

#define DITA_KERNEL_DIAGNOSTIC_FIELDS(X) \
    X(code, true, false)                \
    X(severity, true, false)            \
    X(slot_id, false, false)            \
    X(client_order_id, false, false)    \
    X(trade_id, false, false)           \
    X(asset, false, false)              \
    X(size, false, false)               \
    X(limit, false, false)              \
    X(detail, false, false)

// The number of fields in a list: DITA_FIELD_COUNT(DITA_ORDER_RECORD_FIELDS).
#define DITA_FIELD_COUNT_ONE(name, required, hashed) +1
#define DITA_FIELD_COUNT(LIST) (0 LIST(DITA_FIELD_COUNT_ONE))
