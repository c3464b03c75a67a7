#include "dita/venues/bingx/mark_price_stream.hpp"

#include <algorithm>
#include <atomic>
#include <chrono>

#include <nlohmann/json.hpp>

#include "dita/venues/bingx/bingx_protocol.hpp"
#include "net.hpp"

namespace dita::bingx {

namespace {

constexpr std::size_t message_max = 1 << 20;
constexpr std::string_view topic_suffix = "@markPrice";

// BTC-USDT -> BTCUSDT
std::string kernel_asset(std::string_view symbol) {
    std::string out;
    for (const char c : symbol) {
        if (c != '-') out += c;
    }
    return out;
}

std::string symbol_of(const std::string& asset) {
    if (asset.size() > 4 && asset.ends_with("USDT")) return asset.substr(0, asset.size() - 4) + "-USDT";
    return asset;
}

std::optional<Decimal> price_field(const nlohmann::json& data, const char* key) {
    const auto found = data.find(key);
    if (found == data.end()) return std::nullopt;
    if (found->is_string()) return Decimal::parse(found->get<std::string>());
    if (found->is_number()) return Decimal::from_double(found->get<double>());
    return std::nullopt;
}

} // namespace

std::optional<MarkPricePush> parse_mark_price_push(std::string_view text) {
    const auto json = nlohmann::json::parse(text, nullptr, false);
    if (json.is_discarded() || !json.is_object()) return std::nullopt;
    const auto type = json.find("dataType");
    const auto data = json.find("data");
    if (type == json.end() || !type->is_string() || data == json.end() || !data->is_object()) return std::nullopt;
    const std::string topic = type->get<std::string>();
    if (!topic.ends_with(topic_suffix) || topic.size() == topic_suffix.size()) return std::nullopt;
    auto price = price_field(*data, "p");
    if (!price) price = price_field(*data, "c");
    if (!price || !price->is_positive()) return std::nullopt;
    return MarkPricePush{kernel_asset(std::string_view(topic).substr(0, topic.size() - topic_suffix.size())), *price};
}

struct MarkPriceStream::Impl {
    explicit Impl(MarkPriceStreamConfig c)
        : config(std::move(c)), network(net::TlsOptions{config.tls_verify, "", config.tls_ca_pem}) {}

    // Declared so that the network (whose thread calls back into the members above it) goes
    // before them, and the supervisor thread before the network.
    MarkPriceStreamConfig config;
    mutable std::mutex mutex;
    std::condition_variable wake;
    std::map<std::string, Decimal, std::less<>> marks;
    bool stopping = false;
    bool closed = false;
    std::uint64_t connects = 0;
    std::uint64_t updates = 0;
    net::Network network;
    std::thread thread;

    void on_message(std::uint64_t session, std::string payload, bool binary) {
        std::string text = std::move(payload);
        if (binary) {
            auto inflated = inflate_message(text, message_max);
            if (!inflated) return;
            text = std::move(*inflated);
        }
        if (text == "Ping") {
            network.ws_send(session, "Pong");
            return;
        }
        if (const auto push = parse_mark_price_push(text)) {
            std::lock_guard lock(mutex);
            marks.insert_or_assign(push->asset, push->price);
            ++updates;
        }
    }

    // One session: connect, subscribe, wait for its end. Returns whether it connected.
    bool session_once(const net::Url& url) {
        {
            std::lock_guard lock(mutex);
            closed = false;
        }
        net::WsCallbacks callbacks;
        callbacks.on_message = [this](std::uint64_t s, std::string p, bool b) { on_message(s, std::move(p), b); };
        callbacks.on_closed = [this](std::uint64_t, std::string) {
            std::lock_guard lock(mutex);
            closed = true;
            wake.notify_all();
        };
        const auto opened = network.ws_connect(url, "", config.handshake_timeout_ms, config.idle_timeout_ms, callbacks);
        if (!opened.ok()) return false;
        for (const std::string& asset : config.assets) {
            const nlohmann::json sub{{"id", "dita-mark-" + asset}, {"reqType", "sub"}, {"dataType", symbol_of(asset) + std::string(topic_suffix)}};
            network.ws_send(*opened, sub.dump());
        }
        std::unique_lock lock(mutex);
        ++connects;
        wake.wait(lock, [this] { return closed || stopping; });
        const bool stop_now = stopping;
        lock.unlock();
        if (stop_now) network.ws_close(*opened);
        return true;
    }

    void run() {
        const auto url = net::parse_url(config.ws_url);
        if (!url.ok()) return;
        int backoff_ms = config.reconnect_min_ms;
        for (;;) {
            if (session_once(*url)) backoff_ms = config.reconnect_min_ms;
            std::unique_lock lock(mutex);
            if (wake.wait_for(lock, std::chrono::milliseconds(backoff_ms), [this] { return stopping; })) return;
            backoff_ms = std::min(backoff_ms * 2, config.reconnect_max_ms);
        }
    }
};

MarkPriceStream::MarkPriceStream(MarkPriceStreamConfig config) : impl_(std::make_unique<Impl>(std::move(config))) {}

MarkPriceStream::~MarkPriceStream() { stop(); }

void MarkPriceStream::start() {
    if (impl_->thread.joinable()) return;
    impl_->thread = std::thread([this] { impl_->run(); });
}

void MarkPriceStream::stop() {
    {
        std::lock_guard lock(impl_->mutex);
        impl_->stopping = true;
        impl_->wake.notify_all();
    }
    if (impl_->thread.joinable()) impl_->thread.join();
}

std::optional<Decimal> MarkPriceStream::mark(std::string_view asset) const {
    std::lock_guard lock(impl_->mutex);
    const auto found = impl_->marks.find(asset);
    if (found == impl_->marks.end()) return std::nullopt;
    return found->second;
}

std::uint64_t MarkPriceStream::connects() const {
    std::lock_guard lock(impl_->mutex);
    return impl_->connects;
}

std::uint64_t MarkPriceStream::updates() const {
    std::lock_guard lock(impl_->mutex);
    return impl_->updates;
}

} // namespace dita::bingx
