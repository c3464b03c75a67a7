// libFuzzer target: every parser of BingX REST answers and user-stream frames. The first byte
// picks the parser; a hostile or broken server can send anything.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "dita/venues/bingx/bingx_protocol.hpp"

namespace bx = dita::bingx;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size == 0) return 0;
    const std::string_view text(reinterpret_cast<const char*>(data + 1), size - 1);
    switch (data[0] % 16) {
    case 0: {
        const bx::Envelope envelope = bx::parse_envelope(text);
        (void)bx::classify_reply(200, envelope.code);
        (void)bx::parse_order_data(envelope.data_json);
        break;
    }
    case 1: (void)bx::parse_order_data(text); break;
    case 2: (void)bx::parse_orders_data(text); break;
    case 3: (void)bx::parse_positions_data(text); break;
    case 4: (void)bx::parse_balance_data(text); break;
    case 5: (void)bx::parse_contracts_data(text); break;
    case 6: (void)bx::parse_leverage_data(text); break;
    case 7: (void)bx::parse_premium_index_data(text); break;
    case 8: (void)bx::parse_server_time_data(text); break;
    case 9: (void)bx::parse_listen_key_body(text); break;
    case 10: (void)bx::parse_stream_message(text); break;
    case 11: (void)bx::inflate_message(text, 1u << 20); break;
    case 13: (void)bx::parse_income_data(text); break;
    case 14: { // a forceOrders / allOrders answer read as venue moves
        const auto orders = bx::parse_orders_data(text);
        if (!orders.ok()) break;
        bx::BingxHistory history;
        history.liquidations = *orders;
        history.orders = *orders;
        (void)bx::venue_moves_of(history, "BTC-USDT", "BTCUSDT", 60'000);
        break;
    }
    case 15: { // an income answer read as funding (no position known: every row unattributed)
        const auto incomes = bx::parse_income_data(text);
        if (!incomes.ok()) break;
        bx::BingxHistory history;
        history.incomes = *incomes;
        (void)bx::venue_moves_of(history, "BTC-USDT", "BTCUSDT", 60'000);
        break;
    }
    default: (void)bx::parse_decimal_lenient(text); break;
    }
    return 0;
}
