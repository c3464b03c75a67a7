// The adapter's parsing on recorded message texts: literal JSON written from the fact
// sheet's examples (shared/reference/bingx-swap-api.md), independent of the simulator.
// Every variant the sheet marks UNSURE is fed in.
#include <gtest/gtest.h>
#include <zlib.h>

#include "dita/venues/bingx/bingx_venue.hpp"

namespace dita::bingx {
namespace {

Decimal dec(const char* text) { return Decimal::parse(text).value(); }

// gzip written here with zlib directly, so the adapter's inflate is checked against an
// independent compressor.
std::string gzip(std::string_view text) {
    z_stream stream{};
    EXPECT_EQ(deflateInit2(&stream, 6, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY), Z_OK);
    std::string out(text.size() + 64, '\0');
    stream.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(text.data()));
    stream.avail_in = static_cast<uInt>(text.size());
    stream.next_out = reinterpret_cast<Bytef*>(out.data());
    stream.avail_out = static_cast<uInt>(out.size());
    EXPECT_EQ(deflate(&stream, Z_FINISH), Z_STREAM_END);
    out.resize(stream.total_out);
    deflateEnd(&stream);
    return out;
}

// ----------------------------------------------------------------------------------------
// Envelopes and classification

TEST(BingxParsing, EnvelopeReadsCodeMsgAndData) {
    const auto ok = parse_envelope(R"({"code":0,"msg":"","data":{"serverTime":1667872120843}})");
    EXPECT_TRUE(ok.parsed);
    EXPECT_EQ(ok.code, 0);
    EXPECT_EQ(parse_server_time_data(ok.data_json).value(), 1667872120843);
    const auto err = parse_envelope(R"({"code":80014,"msg":"Invalid parameters, err:quantity","data":{}})");
    EXPECT_EQ(err.code, 80014);
    EXPECT_EQ(err.msg, "Invalid parameters, err:quantity");
    const auto string_code = parse_envelope(R"({"code":"100410","msg":"rate limit"})");
    EXPECT_EQ(string_code.code, 100410);
    EXPECT_EQ(string_code.data_json, "null");
    EXPECT_FALSE(parse_envelope("<html>502 Bad Gateway</html>").parsed);
    EXPECT_FALSE(parse_envelope("").code.has_value());
}

TEST(BingxParsing, ClassificationMapsStatusesAndCodesToAnOrdersFate) {
    EXPECT_EQ(classify_reply(200, 0), CallOutcome::OK);
    EXPECT_EQ(classify_reply(200, 101204), CallOutcome::REJECTED); // insufficient margin
    EXPECT_EQ(classify_reply(200, 100001), CallOutcome::REJECTED); // signature
    EXPECT_EQ(classify_reply(200, 100421), CallOutcome::REJECTED); // timestamp (UNSURE meaning)
    EXPECT_EQ(classify_reply(200, 80016), CallOutcome::NOT_FOUND);
    EXPECT_EQ(classify_reply(200, 100410), CallOutcome::RATE_LIMITED);
    EXPECT_EQ(classify_reply(429, std::nullopt), CallOutcome::RATE_LIMITED);
    EXPECT_EQ(classify_reply(418, std::nullopt), CallOutcome::RATE_LIMITED);
    EXPECT_EQ(classify_reply(504, std::nullopt), CallOutcome::UNKNOWN);
    EXPECT_EQ(classify_reply(500, 100500), CallOutcome::UNKNOWN);
    EXPECT_EQ(classify_reply(200, 100503), CallOutcome::UNKNOWN);
    EXPECT_EQ(classify_reply(200, 80012), CallOutcome::UNKNOWN);
    EXPECT_EQ(classify_reply(200, std::nullopt), CallOutcome::UNKNOWN); // unreadable success
    EXPECT_EQ(classify_reply(400, std::nullopt), CallOutcome::REJECTED);
    EXPECT_EQ(classify_reply(404, std::nullopt), CallOutcome::NOT_FOUND);
    EXPECT_EQ(to_string(CallOutcome::NOT_SENT), "NOT_SENT");
}

// ----------------------------------------------------------------------------------------
// REST data

TEST(BingxParsing, PlaceAnswerOfTheOldDocHasA19DigitOrderIdAndNoStatus) {
    const auto envelope = parse_envelope(
        R"({"code":0,"msg":"","data":{"order":{"symbol":"BTC-USDT","orderId":1590973236294713344,"side":"BUY","positionSide":"LONG","type":"MARKET"}}})");
    const auto order = parse_order_data(envelope.data_json);
    ASSERT_TRUE(order.ok()) << order.error().detail;
    EXPECT_EQ(order->order_id, "1590973236294713344"); // exact: not through double
    EXPECT_FALSE(order->status.has_value());
    EXPECT_EQ(order->side, "BUY");
    EXPECT_EQ(order->position_side, "LONG");
}

TEST(BingxParsing, PlaceAnswerOfTheNewDocCarriesStatusAveragePriceAndExecutedQty) {
    const auto order = parse_order_data(
        R"({"order":{"symbol":"BTC-USDT","orderId":1735950529123455488,"side":"SELL","positionSide":"SHORT","type":"MARKET","clientOrderId":"abc-1","workingType":"MARK_PRICE","reduceOnly":false,"stopGuaranteed":"false","status":"FILLED","avgPrice":"43127.5","executedQty":"0.0100"}})");
    ASSERT_TRUE(order.ok()) << order.error().detail;
    EXPECT_EQ(order->status, VenueOrderStatus::FILLED);
    EXPECT_EQ(order->avg_price, dec("43127.5"));
    EXPECT_EQ(order->executed_qty, dec("0.01"));
    EXPECT_EQ(order->client_order_id, "abc-1");
}

TEST(BingxParsing, QueryAnswerWithCancelledDoubleLAndEmptyDecimals) {
    const auto order = parse_order_data(
        R"({"order":{"symbol":"BTC-USDT","orderId":1597783850786750464,"side":"BUY","positionSide":"LONG","type":"LIMIT","origQty":"0.0100","price":"16000.0","executedQty":"0.0040","avgPrice":"16000.0","cumQuote":"64","stopPrice":"","profit":"","commission":"-0.032000","status":"CANCELLED","time":1669776326000,"updateTime":1669776327000,"clientOrderID":"q-42","leverage":"15X","workingType":"MARK_PRICE"}})");
    ASSERT_TRUE(order.ok()) << order.error().detail;
    EXPECT_EQ(order->status, VenueOrderStatus::CANCELED);
    EXPECT_EQ(order->client_order_id, "q-42"); // JKorf's capital-D spelling
    EXPECT_EQ(order->orig_qty, dec("0.01"));
    EXPECT_EQ(order->executed_qty, dec("0.004"));
    EXPECT_EQ(order->commission, dec("-0.032"));
    EXPECT_FALSE(parse_order_data(R"({"order":{"orderId":1,"commission":""}})")->commission.has_value());
    EXPECT_FALSE(parse_order_data(R"({"order":{"orderId":1}})")->commission.has_value());
    EXPECT_EQ(order->update_time_ms, 1669776327000);
}

TEST(BingxParsing, OrderObjectWithoutAnyIdIsRefusedWithAReason) {
    const auto order = parse_order_data(R"({"order":{"symbol":"BTC-USDT","status":"NEW"}})");
    EXPECT_FALSE(order.ok());
    EXPECT_NE(order.error().detail.find("orderId"), std::string::npos);
    EXPECT_FALSE(parse_order_data(R"({"order":{"orderId":1,"status":"WEIRD"}})").ok());
    EXPECT_FALSE(parse_order_data(R"({"order":{"orderId":1,"executedQty":"1.2.3"}})").ok());
    EXPECT_FALSE(parse_order_data("[1,2]").ok());
    EXPECT_FALSE(parse_order_data("not json").ok());
}

TEST(BingxParsing, OrderListsInEveryShape) {
    const auto open = parse_orders_data(
        R"({"orders":[{"symbol":"BTC-USDT","orderId":1,"side":"BUY","positionSide":"LONG","type":"LIMIT","origQty":"1","status":"NEW"},{"symbol":"BTC-USDT","orderId":"2","side":"SELL","positionSide":"LONG","type":"LIMIT","origQty":"1","status":"PARTIALLY_FILLED","executedQty":"0.5"}]})");
    ASSERT_TRUE(open.ok()) << open.error().detail;
    ASSERT_EQ(open->size(), 2u);
    EXPECT_EQ((*open)[1].order_id, "2");
    EXPECT_EQ((*open)[1].status, VenueOrderStatus::PARTIALLY_FILLED);
    const auto cancel_all = parse_orders_data(
        R"({"success":[{"symbol":"BTC-USDT","orderId":7,"status":"CANCELLED","clientOrderId":"a"}],"failed":null})");
    ASSERT_TRUE(cancel_all.ok()) << cancel_all.error().detail;
    EXPECT_EQ(cancel_all->front().status, VenueOrderStatus::CANCELED);
    const auto nothing = parse_orders_data(R"({"success":null,"failed":null})");
    ASSERT_TRUE(nothing.ok());
    EXPECT_TRUE(nothing->empty());
    EXPECT_TRUE(parse_orders_data("[]").ok());
    EXPECT_TRUE(parse_orders_data("null").ok());
    EXPECT_FALSE(parse_orders_data(R"({"orders":[1]})").ok());
    EXPECT_FALSE(parse_orders_data(R"({"something":[]})").ok());
}

TEST(BingxParsing, PositionsBalanceContractsLeverageAndMarks) {
    const auto positions = parse_positions_data(
        R"([{"symbol":"BTC-USDT","positionId":"12345678","positionSide":"LONG","isolated":true,"positionAmt":"0.0123","availableAmt":"0.0123","unrealizedProfit":"1.5","realisedProfit":"0.2","initialMargin":"61.5","avgPrice":"50000.0","leverage":10,"liquidationPrice":45000.5,"currency":"USDT"},{"symbol":"BTC-USDT","positionSide":"BOTH","positionAmt":"-0.5","avgPrice":"40000"}])");
    ASSERT_TRUE(positions.ok()) << positions.error().detail;
    ASSERT_EQ(positions->size(), 2u);
    EXPECT_EQ((*positions)[0].position_amt, dec("0.0123"));
    EXPECT_EQ((*positions)[0].leverage, 10);
    EXPECT_EQ((*positions)[1].position_amt, dec("-0.5"));

    const auto balance = parse_balance_data(
        R"({"balance":{"userId":"116***295","asset":"USDT","balance":"194.8212","equity":"196.7431","unrealizedProfit":"1.9219","realisedProfit":"-109.2504","availableMargin":"193.7609","usedMargin":"1.0602","freezedMargin":"0.0000"}})");
    ASSERT_TRUE(balance.ok()) << balance.error().detail;
    EXPECT_EQ(balance->balance, dec("194.8212"));
    EXPECT_EQ(balance->realised_profit, dec("-109.2504"));
    EXPECT_EQ(balance->freezed_margin, Decimal());
    const auto v3 = parse_balance_data(R"([{"asset":"VST","balance":"1"},{"asset":"USDT","balance":"2.5"}])");
    ASSERT_TRUE(v3.ok()) << v3.error().detail;
    EXPECT_EQ(v3->balance, dec("2.5"));

    const auto contracts = parse_contracts_data(
        R"([{"contractId":"100","symbol":"BTC-USDT","size":"0.0001","quantityPrecision":4,"pricePrecision":1,"feeRate":0.0005,"makerFeeRate":0.0002,"takerFeeRate":0.0005,"tradeMinLimit":0,"tradeMinQuantity":0.0001,"tradeMinUSDT":2,"maxLongLeverage":125,"maxShortLeverage":125,"currency":"USDT","asset":"BTC","status":1,"apiStateOpen":"true","apiStateClose":"true"}])");
    ASSERT_TRUE(contracts.ok()) << contracts.error().detail;
    const BingxContract& btc = contracts->front();
    EXPECT_EQ(btc.lot_step(), dec("0.0001"));
    EXPECT_EQ(btc.tick_size(), dec("0.1"));
    EXPECT_EQ(btc.trade_min_quantity, dec("0.0001"));
    EXPECT_EQ(btc.trade_min_usdt, dec("2"));
    EXPECT_EQ(btc.taker_fee_rate, dec("0.0005"));
    BingxContract odd;
    odd.quantity_precision = 9;
    EXPECT_FALSE(odd.lot_step().has_value());
    EXPECT_EQ(parse_contracts_data(R"({"symbol":"ETH-USDT","quantityPrecision":2})")->front().lot_step(), dec("0.01"));

    const auto leverage = parse_leverage_data(R"({"longLeverage":6,"shortLeverage":6})");
    ASSERT_TRUE(leverage.ok());
    EXPECT_EQ(leverage->long_leverage, 6);
    EXPECT_EQ(parse_leverage_data(R"({"leverage":6,"symbol":"BTC-USDT"})")->short_leverage, 6);

    const auto array = parse_premium_index_data(
        R"([{"symbol":"BTC-USDT","markPrice":"16884.5","indexPrice":"16886.9","lastFundingRate":"0.0001","nextFundingTime":1669852800000}])");
    ASSERT_TRUE(array.ok()) << array.error().detail;
    EXPECT_EQ(array->front().mark_price, dec("16884.5"));
    EXPECT_EQ(array->front().next_funding_time_ms, 1669852800000);
    const auto object = parse_premium_index_data(R"({"symbol":"BTC-USDT","markPrice":"16884.5"})");
    ASSERT_TRUE(object.ok());
    EXPECT_EQ(object->size(), 1u);
    EXPECT_FALSE(parse_premium_index_data("7").ok());
    EXPECT_FALSE(parse_server_time_data(R"({"serverTime":0})").ok());
}

TEST(BingxParsing, ListenKeyAnswerHasNoEnvelope) {
    const auto bare = parse_listen_key_body(R"({"listenKey":"a8ea75681542e66f1a50a1616dd06ed77dab61baa0c296bca03a9b13ee5f2dd7"})");
    ASSERT_TRUE(bare.ok());
    EXPECT_EQ(bare->size(), 64u);
    EXPECT_EQ(parse_listen_key_body(R"({"code":0,"data":{"listenKey":"k1"}})").value(), "k1");
    EXPECT_FALSE(parse_listen_key_body(R"({"code":100413,"msg":"Incorrect apiKey"})").ok());
}

TEST(BingxParsing, LenientDecimalsReadStringsEmptiesExponentsAndExtraDigits) {
    EXPECT_EQ(parse_decimal_lenient("5.00000000"), dec("5"));
    EXPECT_EQ(parse_decimal_lenient(""), Decimal());
    EXPECT_EQ(parse_decimal_lenient(" 1.5 "), dec("1.5"));
    EXPECT_EQ(parse_decimal_lenient("-0.01369708"), dec("-0.01369708"));
    EXPECT_EQ(parse_decimal_lenient("1e-05"), dec("0.00001"));
    EXPECT_EQ(parse_decimal_lenient("0.123456785"), dec("0.12345679")); // half away from zero
    EXPECT_EQ(parse_decimal_lenient("0.123456784"), dec("0.12345678"));
    EXPECT_EQ(parse_decimal_lenient("-0.000000005"), dec("-0.00000001"));
    EXPECT_FALSE(parse_decimal_lenient("abc").has_value());
    EXPECT_FALSE(parse_decimal_lenient("1.2.3").has_value());
    EXPECT_FALSE(parse_decimal_lenient("0.1234567891x").has_value());
}

// ----------------------------------------------------------------------------------------
// Symbols, sides, statuses

TEST(BingxParsing, SymbolsMapBothWays) {
    EXPECT_EQ(to_bingx_symbol("BTCUSDT"), "BTC-USDT");
    EXPECT_EQ(to_bingx_symbol("btcusdt"), "BTC-USDT");
    EXPECT_EQ(to_bingx_symbol("1000PEPEUSDT"), "1000PEPE-USDT");
    EXPECT_EQ(to_bingx_symbol("ETHUSDC"), "ETH-USDC");
    EXPECT_EQ(to_bingx_symbol("BTC-USDT"), "BTC-USDT");
    EXPECT_FALSE(to_bingx_symbol("USDT").has_value());
    EXPECT_FALSE(to_bingx_symbol("BTCEUR").has_value());
    EXPECT_FALSE(to_bingx_symbol("BTC USDT").has_value());
    EXPECT_FALSE(to_bingx_symbol("-USDT").has_value());
    EXPECT_FALSE(to_bingx_symbol("").has_value());
    EXPECT_EQ(from_bingx_symbol("BTC-USDT"), "BTCUSDT");
}

TEST(BingxParsing, SidesMapForEntriesAndExitsInBothPositionModes) {
    struct Case {
        TradeSide side;
        OrderPurpose purpose;
        std::string_view hedge_side, hedge_ps, oneway_side;
    };
    const Case cases[] = {{TradeSide::LONG, OrderPurpose::ENTRY, "BUY", "LONG", "BUY"},
                          {TradeSide::LONG, OrderPurpose::EXIT, "SELL", "LONG", "SELL"},
                          {TradeSide::SHORT, OrderPurpose::ENTRY, "SELL", "SHORT", "SELL"},
                          {TradeSide::SHORT, OrderPurpose::EXIT, "BUY", "SHORT", "BUY"}};
    for (const Case& c : cases) {
        const auto hedge = order_sides(c.side, c.purpose, PositionMode::HEDGE);
        EXPECT_EQ(hedge.side, c.hedge_side);
        EXPECT_EQ(hedge.position_side, c.hedge_ps);
        EXPECT_FALSE(hedge.reduce_only);
        const auto back = side_and_purpose(hedge.side, hedge.position_side, false);
        ASSERT_TRUE(back.has_value());
        EXPECT_EQ(back->side, c.side);
        EXPECT_EQ(back->purpose, c.purpose);

        const auto oneway = order_sides(c.side, c.purpose, PositionMode::ONE_WAY);
        EXPECT_EQ(oneway.side, c.oneway_side);
        EXPECT_EQ(oneway.position_side, "BOTH");
        EXPECT_EQ(oneway.reduce_only, c.purpose == OrderPurpose::EXIT);
        const auto back_oneway = side_and_purpose(oneway.side, oneway.position_side, oneway.reduce_only);
        ASSERT_TRUE(back_oneway.has_value());
        EXPECT_EQ(back_oneway->side, c.side);
        EXPECT_EQ(back_oneway->purpose, c.purpose);
    }
    EXPECT_FALSE(side_and_purpose("HOLD", "LONG", false).has_value());
    EXPECT_FALSE(side_and_purpose("BUY", "SIDEWAYS", false).has_value());
}

TEST(BingxParsing, StatusesMapWithBothCancelSpellings) {
    EXPECT_EQ(order_status_from("NEW"), VenueOrderStatus::NEW);
    EXPECT_EQ(order_status_from("PENDING"), VenueOrderStatus::NEW);
    EXPECT_EQ(order_status_from("PARTIALLY_FILLED"), VenueOrderStatus::PARTIALLY_FILLED);
    EXPECT_EQ(order_status_from("FILLED"), VenueOrderStatus::FILLED);
    EXPECT_EQ(order_status_from("CANCELED"), VenueOrderStatus::CANCELED);
    EXPECT_EQ(order_status_from("CANCELLED"), VenueOrderStatus::CANCELED);
    EXPECT_EQ(order_status_from("FAILED"), VenueOrderStatus::REJECTED);
    EXPECT_EQ(order_status_from("EXPIRED"), VenueOrderStatus::EXPIRED);
    EXPECT_FALSE(order_status_from("canceled").has_value());
}

// ----------------------------------------------------------------------------------------
// Stream messages

// Shaped like the official WS doc's example (LINK-USDT, numeric 'i', lowercase 'c').
constexpr std::string_view official_update =
    R"({"e":"ORDER_TRADE_UPDATE","E":1676964837455,"o":{"s":"LINK-USDT","c":"","i":1627970445070303232,"S":"BUY","o":"MARKET","q":"5.00000000","p":"7.82700000","ap":"7.82690000","x":"TRADE","X":"FILLED","N":"USDT","n":"-0.01369708","T":0,"wt":"MARK_PRICE","ps":"LONG","rp":"0.00000000","z":"5.00000000"}})";

TEST(BingxParsing, OfficialOrderTradeUpdate) {
    const auto message = parse_stream_message(official_update);
    ASSERT_EQ(message.kind, StreamMessage::Kind::ORDER_UPDATE) << message.error;
    const auto& o = message.order;
    EXPECT_EQ(o.event_time_ms, 1676964837455);
    EXPECT_EQ(o.symbol, "LINK-USDT");
    EXPECT_EQ(o.order_id, "1627970445070303232");
    EXPECT_EQ(o.client_order_id, "");
    EXPECT_EQ(o.status, VenueOrderStatus::FILLED);
    EXPECT_EQ(o.execution_type, "TRADE");
    EXPECT_EQ(o.cum_filled, dec("5"));
    EXPECT_EQ(o.avg_price, dec("7.8269"));
    EXPECT_EQ(o.fee, dec("-0.01369708"));
    EXPECT_FALSE(o.last_qty.has_value());
    EXPECT_EQ(o.position_side, "LONG");
}

TEST(BingxParsing, CcxtStyleUpdateWithStringOrderIdAndLastFill) {
    const auto message = parse_stream_message(
        R"({"e":"ORDER_TRADE_UPDATE","E":1696843635475,"o":{"s":"BTC-USDT","c":"my-id-7","i":"1711312357852147712","S":"SELL","o":"MARKET","q":"0.10000000","p":"27300.00000000","ap":"27300.40000000","x":"TRADE","X":"PARTIALLY_FILLED","N":"USDT","n":"-0.65520960","T":1696843635470,"wt":"MARK_PRICE","ps":"SHORT","rp":"0.00000000","z":"0.04800000","l":"0.04800000","L":"27300.40000000"}})");
    ASSERT_EQ(message.kind, StreamMessage::Kind::ORDER_UPDATE) << message.error;
    EXPECT_EQ(message.order.order_id, "1711312357852147712");
    EXPECT_EQ(message.order.client_order_id, "my-id-7");
    EXPECT_EQ(message.order.status, VenueOrderStatus::PARTIALLY_FILLED);
    EXPECT_EQ(message.order.last_qty, dec("0.048"));
    EXPECT_EQ(message.order.last_price, dec("27300.4"));
}

TEST(BingxParsing, JkorfStyleCapitalClientIdAndCanceledSpellings) {
    const auto message = parse_stream_message(
        R"({"e":"ORDER_TRADE_UPDATE","E":1,"o":{"s":"BTC-USDT","C":"jk-1","i":5,"S":"BUY","o":"LIMIT","q":"1","p":"1","ap":"0","x":"CANCELED","X":"CANCELLED","n":"0","ps":"LONG","z":"0","ro":true}})");
    ASSERT_EQ(message.kind, StreamMessage::Kind::ORDER_UPDATE) << message.error;
    EXPECT_EQ(message.order.client_order_id, "jk-1");
    EXPECT_EQ(message.order.status, VenueOrderStatus::CANCELED);
    EXPECT_TRUE(message.order.reduce_only);
}

TEST(BingxParsing, OtherStreamMessages) {
    EXPECT_EQ(parse_stream_message("Ping").kind, StreamMessage::Kind::PING);
    EXPECT_EQ(parse_stream_message("Ping\n").kind, StreamMessage::Kind::PING);
    const auto expired = parse_stream_message(
        R"({"e":"listenKeyExpired","E":1576653824250,"listenKey":"WsCMN0a4KHUPTQuX6IUnqEZfB1inxmv1qR4kbf1LuEjur5VdbzqvyxqG9TSjVVxv"})");
    EXPECT_EQ(expired.kind, StreamMessage::Kind::LISTEN_KEY_EXPIRED);
    EXPECT_EQ(expired.listen_key.substr(0, 8), "WsCMN0a4");
    EXPECT_EQ(parse_stream_message(
                  R"({"e":"ACCOUNT_UPDATE","E":1,"T":1,"a":{"m":"ORDER","B":[{"a":"USDT","wb":"5","cw":"5","bc":"0"}],"P":[{"s":"BTC-USDT","pa":"0.01","ep":"50000","up":"0","mt":"cross","iw":"0","ps":"LONG"}]}})")
                  .kind,
              StreamMessage::Kind::ACCOUNT_UPDATE);
    EXPECT_EQ(parse_stream_message(R"({"e":"ACCOUNT_CONFIG_UPDATE","E":1,"ac":{"s":"BTC-USDT","l":12,"S":9,"mt":"cross"}})").kind,
              StreamMessage::Kind::ACCOUNT_UPDATE);
    EXPECT_EQ(parse_stream_message(R"({"e":"SNAPSHOT","E":1,"ac":{"s":"MTL-USDT","l":1,"S":1,"mt":"isolated"}})").kind,
              StreamMessage::Kind::ACCOUNT_UPDATE);
    EXPECT_EQ(parse_stream_message(R"({"e":"SOMETHING_NEW","E":1})").kind, StreamMessage::Kind::OTHER);
    EXPECT_EQ(parse_stream_message(R"({"id":"x","code":0,"msg":"SUCCESS","timestamp":1})").kind, StreamMessage::Kind::OTHER);
}

TEST(BingxParsing, BrokenStreamMessagesAreInvalidWithAReason) {
    EXPECT_EQ(parse_stream_message("{not json").kind, StreamMessage::Kind::INVALID);
    EXPECT_EQ(parse_stream_message("[1,2]").kind, StreamMessage::Kind::INVALID);
    const auto no_order = parse_stream_message(R"({"e":"ORDER_TRADE_UPDATE","E":1})");
    EXPECT_EQ(no_order.kind, StreamMessage::Kind::INVALID);
    EXPECT_FALSE(no_order.error.empty());
    const auto no_id = parse_stream_message(R"({"e":"ORDER_TRADE_UPDATE","E":1,"o":{"s":"BTC-USDT","X":"NEW"}})");
    EXPECT_EQ(no_id.kind, StreamMessage::Kind::INVALID);
    const auto bad_status = parse_stream_message(R"({"e":"ORDER_TRADE_UPDATE","E":1,"o":{"i":1,"X":"WHATEVER"}})");
    EXPECT_EQ(bad_status.kind, StreamMessage::Kind::INVALID);
    EXPECT_NE(bad_status.error.find("WHATEVER"), std::string::npos);
    const auto bad_number = parse_stream_message(R"({"e":"ORDER_TRADE_UPDATE","E":1,"o":{"i":1,"X":"NEW","z":"x"}})");
    EXPECT_EQ(bad_number.kind, StreamMessage::Kind::INVALID);
}

TEST(BingxParsing, InflateReadsGzipAndZlibAndBoundsItsOutput) {
    const std::string text(official_update);
    EXPECT_EQ(inflate_message(gzip(text), 1 << 20), text);
    EXPECT_EQ(inflate_message(gzip("Ping"), 16), "Ping");
    std::string zlib_packed(compressBound(static_cast<uLong>(text.size())), '\0');
    uLongf size = static_cast<uLongf>(zlib_packed.size());
    ASSERT_EQ(compress(reinterpret_cast<Bytef*>(zlib_packed.data()), &size,
                       reinterpret_cast<const Bytef*>(text.data()), static_cast<uLong>(text.size())),
              Z_OK);
    zlib_packed.resize(size);
    EXPECT_EQ(inflate_message(zlib_packed, 1 << 20), text);
    EXPECT_FALSE(inflate_message(gzip(std::string(100000, 'a')), 1000).has_value()); // a bomb
    EXPECT_FALSE(inflate_message("plain text", 1000).has_value());
    const std::string packed = gzip(text);
    EXPECT_FALSE(inflate_message(packed.substr(0, packed.size() / 2), 1 << 20).has_value()); // cut short
}

// ----------------------------------------------------------------------------------------
// The adapter's stream path on recorded texts (no network: nothing was started)

BingxConfig offline_config() {
    BingxConfig config;
    config.rest_url = "http://127.0.0.1:1";
    config.ws_url = "ws://127.0.0.1:1/swap-market";
    return config;
}

class Log final : public EventSink {
public:
    void deliver(const VenueEvent& event) override { events.push_back(event); }
    std::vector<VenueEvent> events;
};

TEST(BingxAdapterParsing, ForeignOrderUpdatesBecomeEventsWithCumulativeFields) {
    BingxVenueAdapter adapter(offline_config());
    adapter.inject_stream_message(official_update, false);
    adapter.inject_stream_message(gzip(
        R"({"e":"ORDER_TRADE_UPDATE","E":1696843635475,"o":{"s":"BTC-USDT","c":"Other-Client","i":"1711312357852147712","S":"SELL","o":"MARKET","q":"0.1","p":"0","ap":"27300.4","x":"TRADE","X":"PARTIALLY_FILLED","N":"USDT","n":"-0.6552096","T":1,"ps":"SHORT","z":"0.048","l":"0.048","L":"27300.4"}})"),
        true);
    Log log;
    adapter.drain_events(log);
    ASSERT_EQ(log.events.size(), 2u);
    const VenueEvent& first = log.events[0];
    EXPECT_EQ(first.kind, KernelEventKind::FILL);
    EXPECT_EQ(first.client_order_id, Id("bx-1627970445070303232")); // no client id: named by the venue id
    EXPECT_EQ(first.asset, AssetName("LINKUSDT"));
    EXPECT_EQ(first.cum_filled_qty, dec("5"));
    EXPECT_EQ(first.avg_fill_price, dec("7.8269"));
    EXPECT_EQ(first.cum_fee, dec("0.01369708")); // paid fees are positive in dita
    EXPECT_EQ(first.timestamp_ns, 1676964837455LL * 1'000'000);
    const VenueEvent& second = log.events[1];
    EXPECT_EQ(second.kind, KernelEventKind::PARTIAL_FILL);
    EXPECT_EQ(second.client_order_id, Id("other-client")); // lower-cased as the exchange does
    EXPECT_EQ(second.side, TradeSide::SHORT);
    EXPECT_EQ(second.venue_order_id, Id("1711312357852147712"));
    EXPECT_GT(second.venue_sequence, first.venue_sequence);
}

TEST(BingxAdapterParsing, PingsBrokenFramesAndIgnoredEventsLeaveNoEvents) {
    BingxVenueAdapter adapter(offline_config());
    adapter.inject_stream_message("Ping", false);
    adapter.inject_stream_message(gzip("Ping"), true);
    adapter.inject_stream_message("{broken", false);
    adapter.inject_stream_message("not gzip at all", true);
    adapter.inject_stream_message(R"({"e":"SNAPSHOT","E":1,"ac":{"s":"MTL-USDT","l":1,"S":1,"mt":"isolated"}})", false);
    adapter.inject_stream_message(R"({"e":"UNHEARD_OF","E":1})", false);
    Log log;
    adapter.drain_events(log);
    EXPECT_TRUE(log.events.empty());
    const auto stats = adapter.stats();
    EXPECT_EQ(stats.pings_answered, 2u);
    EXPECT_EQ(stats.stream_parse_errors, 2u);
    EXPECT_EQ(stats.stream_messages, 6u);
}

TEST(BingxAdapterParsing, AListenKeyExpiryIsCountedNotTurnedIntoAnEvent) {
    BingxVenueAdapter adapter(offline_config());
    adapter.inject_stream_message(R"({"e":"listenKeyExpired","E":1,"listenKey":"k"})", false);
    EXPECT_EQ(adapter.stats().listen_key_expiries, 1u);
    EXPECT_EQ(adapter.pending_events(), 0u);
}

} // namespace
} // namespace dita::bingx

namespace dita::bingx {
namespace {

// Issue 13: the venue's own moves on the stream. Shapes from the fact sheet (ORDER_TRADE_UPDATE
// `o` = LIQUIDATION, `x` = CALCULATED for ADL and liquidation; ACCOUNT_UPDATE `a.m` = FUNDING_FEE).
BingxOrderUpdate update_of(std::string_view text) {
    const auto message = parse_stream_message(text);
    EXPECT_EQ(message.kind, StreamMessage::Kind::ORDER_UPDATE) << message.error;
    return message.order;
}

TEST(BingxVenueMoves, LiquidationAdlAndAPersonsCloseAreReadAsVenueMoves) {
    const auto liquidation = venue_move_of(update_of(
        R"({"e":"ORDER_TRADE_UPDATE","E":1,"o":{"s":"BTC-USDT","c":"","i":"77","S":"SELL","o":"LIQUIDATION","q":"0.01","p":"0","ap":"90.4","x":"CALCULATED","X":"FILLED","n":"-0.0054","ps":"LONG","z":"0.01"}})"));
    ASSERT_TRUE(liquidation.has_value());
    EXPECT_EQ(liquidation->kind, KernelEventKind::LIQUIDATION);
    EXPECT_EQ(liquidation->side, TradeSide::LONG);
    const auto adl = venue_move_of(update_of(
        R"({"e":"ORDER_TRADE_UPDATE","E":1,"o":{"s":"BTC-USDT","c":"","i":78,"S":"BUY","o":"MARKET","q":"0.004","p":"0","ap":"120","x":"CALCULATED","X":"FILLED","n":"0","ps":"SHORT","z":"0.004"}})"));
    ASSERT_TRUE(adl.has_value());
    EXPECT_EQ(adl->kind, KernelEventKind::ADL);
    EXPECT_EQ(adl->side, TradeSide::SHORT);
    // One-way (BOTH): a SELL liquidation reduces the long.
    const auto one_way = venue_move_of(update_of(
        R"({"e":"ORDER_TRADE_UPDATE","E":1,"o":{"s":"BTC-USDT","c":"","i":79,"S":"SELL","o":"LIQUIDATION","q":"1","p":"0","ap":"9","x":"CALCULATED","X":"FILLED","n":"0","ps":"BOTH","z":"1"}})"));
    ASSERT_TRUE(one_way.has_value());
    EXPECT_EQ(one_way->side, TradeSide::LONG);
    // A person on the website closes a long (hedge SELL+LONG): a manual close.
    const auto manual = venue_move_of(update_of(
        R"({"e":"ORDER_TRADE_UPDATE","E":1,"o":{"s":"BTC-USDT","c":"web-123","i":80,"S":"SELL","o":"MARKET","q":"0.002","p":"0","ap":"101","x":"TRADE","X":"FILLED","n":"-0.0001","ps":"LONG","z":"0.002"}})"));
    ASSERT_TRUE(manual.has_value());
    EXPECT_EQ(manual->kind, KernelEventKind::MANUAL_CLOSE);
    // A person opening a position is no venue move (reconcile adopts it), nor is an unfilled one.
    EXPECT_FALSE(venue_move_of(update_of(
        R"({"e":"ORDER_TRADE_UPDATE","E":1,"o":{"s":"BTC-USDT","c":"","i":81,"S":"BUY","o":"MARKET","q":"0.002","p":"0","ap":"101","x":"TRADE","X":"FILLED","n":"0","ps":"LONG","z":"0.002"}})")));
    EXPECT_FALSE(venue_move_of(update_of(
        R"({"e":"ORDER_TRADE_UPDATE","E":1,"o":{"s":"BTC-USDT","c":"","i":82,"S":"SELL","o":"LIQUIDATION","q":"1","p":"0","ap":"0","x":"NEW","X":"NEW","n":"0","ps":"LONG","z":"0"}})")));
}

TEST(BingxVenueMoves, FundingFeeAccountUpdateNamesItsPosition) {
    const auto message = parse_stream_message(
        R"({"e":"ACCOUNT_UPDATE","E":1700000000123,"T":1700000000120,"a":{"m":"FUNDING_FEE","B":[{"a":"USDT","wb":"999.9","cw":"900","bc":"-0.0125"}],"P":[{"s":"BTC-USDT","pa":"0.010","ep":"100","up":"0","mt":"isolated","iw":"1","ps":"LONG"}]}})");
    ASSERT_EQ(message.kind, StreamMessage::Kind::ACCOUNT_UPDATE);
    ASSERT_TRUE(message.funding.has_value());
    EXPECT_EQ(message.funding->symbol, "BTC-USDT");
    EXPECT_EQ(message.funding->position_side, "LONG");
    EXPECT_EQ(message.funding->balance_change, dec("-0.0125"));
    EXPECT_EQ(message.funding->time_ms, 1700000000123);
    // Not funding, or no single position to book it to: nothing.
    EXPECT_FALSE(parse_stream_message(
                     R"({"e":"ACCOUNT_UPDATE","E":1,"a":{"m":"ORDER","B":[{"a":"USDT","bc":"1"}],"P":[{"s":"BTC-USDT","pa":"1","ps":"LONG"}]}})")
                     .funding.has_value());
    EXPECT_FALSE(parse_stream_message(R"({"e":"ACCOUNT_UPDATE","E":1,"a":{"m":"FUNDING_FEE","B":[{"a":"USDT","bc":"-1"}],"P":[]}})")
                     .funding.has_value());
}

TEST(BingxVenueMoves, TheAdapterHandsThemToTheKernelAsVenueMoveEvents) {
    BingxVenueAdapter adapter(offline_config());
    EXPECT_EQ(adapter.position_mode(), PositionMode::HEDGE);
    adapter.inject_stream_message(
        R"({"e":"ORDER_TRADE_UPDATE","E":5,"o":{"s":"BTC-USDT","c":"","i":"77","S":"SELL","o":"LIQUIDATION","q":"0.01","p":"0","ap":"90.4","x":"CALCULATED","X":"FILLED","n":"-0.0054","ps":"LONG","z":"0.01"}})",
        false);
    adapter.inject_stream_message(
        R"({"e":"ACCOUNT_UPDATE","E":1700000000123,"a":{"m":"FUNDING_FEE","B":[{"a":"USDT","bc":"0.003"}],"P":[{"s":"BTC-USDT","pa":"0.02","ps":"SHORT"}]}})",
        false);
    Log log;
    adapter.drain_events(log);
    ASSERT_EQ(log.events.size(), 2u);
    EXPECT_EQ(log.events[0].kind, KernelEventKind::LIQUIDATION);
    EXPECT_EQ(log.events[0].side, TradeSide::LONG);
    EXPECT_EQ(log.events[0].venue_order_id, Id("77"));
    EXPECT_EQ(log.events[0].asset, AssetName("BTCUSDT"));
    EXPECT_EQ(log.events[0].cum_filled_qty, dec("0.01"));
    EXPECT_EQ(log.events[0].avg_fill_price, dec("90.4"));
    EXPECT_EQ(log.events[0].cum_fee, dec("0.0054"));
    EXPECT_EQ(log.events[1].kind, KernelEventKind::FUNDING);
    EXPECT_EQ(log.events[1].side, TradeSide::SHORT);
    EXPECT_EQ(log.events[1].cum_fee, dec("-0.003")); // received: a negative charge
    EXPECT_EQ(log.events[1].cum_filled_qty, dec("0.02"));
    EXPECT_EQ(log.events[1].venue_order_id, Id("F1699999980000-BTC-USDT-S")); // rounded to the minute (funding_move_id)
}

} // namespace
} // namespace dita::bingx
