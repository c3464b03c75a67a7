#pragma once
// BingX's public mark-price stream: the swap-market WebSocket (no key), one subscription per
// asset, {"id":...,"reqType":"sub","dataType":"BTC-USDT@markPrice"}; pushes are gzipped JSON
// {"dataType":"BTC-USDT@markPrice","data":{"s":"BTC-USDT","p":"<mark>","E":<ms>}} (the price is
// read from "p", else "c": public clients disagree), and "Ping" is answered "Pong". A thread of
// its own reconnects with bounded backoff and subscribes again. Marks are read by the caller's
// thread (latest per asset), so the kernel's thread never waits on the network.
#include <condition_variable>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include "dita/contracts/decimal.hpp"

namespace dita::bingx {

struct MarkPriceStreamConfig {
    std::string ws_url;               // e.g. wss://open-api-swap.bingx.com/swap-market
    std::vector<std::string> assets;  // kernel names (BTCUSDT)
    int handshake_timeout_ms = 5000;
    int idle_timeout_ms = 30000;      // no frame for this long: reconnect
    int reconnect_min_ms = 200;
    int reconnect_max_ms = 10000;
    bool tls_verify = true;
    std::string tls_ca_pem;
};

struct MarkPricePush {
    std::string asset; // kernel name
    Decimal price;
};

// One decompressed message: a mark for an asset, or nothing (acks, other topics, bad data).
std::optional<MarkPricePush> parse_mark_price_push(std::string_view text);

class MarkPriceStream {
public:
    explicit MarkPriceStream(MarkPriceStreamConfig config);
    ~MarkPriceStream();
    MarkPriceStream(const MarkPriceStream&) = delete;
    MarkPriceStream& operator=(const MarkPriceStream&) = delete;

    void start();
    void stop(); // idempotent; joins the thread

    std::optional<Decimal> mark(std::string_view asset) const;
    std::uint64_t connects() const;
    std::uint64_t updates() const;

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

} // namespace dita::bingx
