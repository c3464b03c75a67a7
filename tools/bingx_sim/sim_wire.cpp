#include "sim_wire.hpp"

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <zlib.h>

#include <array>
#include <stdexcept>

#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

namespace dita::bingx_sim {

using nlohmann::json;

namespace {

int hex_value(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

} // namespace

std::string lower(std::string_view text) {
    std::string out(text);
    for (char& c : out) {
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    }
    return out;
}

Decimal require_decimal(std::string_view text, const char* what) {
    const auto value = Decimal::parse(text);
    if (!value || value->is_negative()) throw std::invalid_argument(std::string("SimConfig.") + what + " is not a decimal");
    return *value;
}

Decimal step_of(int precision) {
    std::int64_t raw = Decimal::scale;
    for (int i = 0; i < precision; ++i) raw /= 10;
    return Decimal::from_raw(raw);
}

std::optional<std::vector<std::pair<std::string, std::string>>> parse_params(std::string_view text) {
    std::vector<std::pair<std::string, std::string>> out;
    while (!text.empty()) {
        const auto amp = text.find('&');
        const std::string_view pair = text.substr(0, amp);
        text = amp == std::string_view::npos ? std::string_view() : text.substr(amp + 1);
        if (pair.empty()) continue;
        const auto eq = pair.find('=');
        auto key = sim_url_decode(pair.substr(0, eq));
        auto value = sim_url_decode(eq == std::string_view::npos ? std::string_view() : pair.substr(eq + 1));
        if (!key || !value) return std::nullopt;
        out.emplace_back(std::move(*key), std::move(*value));
    }
    return out;
}

std::string raw_string(const std::vector<std::pair<std::string, std::string>>& params) {
    std::string out;
    for (const auto& [key, value] : params) {
        if (key == "signature") continue;
        if (!out.empty()) out += '&';
        out += key + "=" + value;
    }
    return out;
}

const std::string* param(const std::vector<std::pair<std::string, std::string>>& params,
                         std::initializer_list<const char*> names) {
    for (const char* name : names) {
        for (const auto& [key, value] : params) {
            if (key == name) return &value;
        }
    }
    return nullptr;
}

std::string envelope(std::int64_t code, std::string_view msg, const json& data) {
    json body;
    body["code"] = code;
    body["msg"] = msg;
    body["data"] = data;
    return body.dump();
}

SimResponse error(std::int64_t code, std::string_view msg, int status) {
    SimResponse response;
    response.status = status;
    response.body = envelope(code, msg, json::object());
    return response;
}

Handled handled(SimResponse response) {
    Handled out;
    out.response = std::move(response);
    return out;
}

Handled ok(const json& data) {
    Handled out;
    out.response.body = envelope(0, "", data);
    return out;
}

std::optional<std::int64_t> parse_int(std::string_view text) {
    if (text.empty() || text.size() > 19) return std::nullopt;
    std::int64_t out = 0;
    for (const char c : text) {
        if (c < '0' || c > '9' || out > (INT64_MAX - (c - '0')) / 10) return std::nullopt;
        out = out * 10 + (c - '0');
    }
    return out;
}

std::optional<std::string> sim_url_decode(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    for (std::size_t i = 0; i < text.size(); ++i) {
        if (text[i] == '+') {
            out += ' ';
        } else if (text[i] == '%') {
            if (i + 2 >= text.size()) return std::nullopt;
            const int high = hex_value(text[i + 1]);
            const int low = hex_value(text[i + 2]);
            if (high < 0 || low < 0) return std::nullopt;
            out += static_cast<char>(high * 16 + low);
            i += 2;
        } else {
            out += text[i];
        }
    }
    return out;
}

std::string sim_hmac_sha256_hex(std::string_view secret, std::string_view payload) {
    std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
    unsigned int length = 0;
    HMAC(EVP_sha256(), secret.data(), static_cast<int>(secret.size()),
         reinterpret_cast<const unsigned char*>(payload.data()), payload.size(), digest.data(), &length);
    static constexpr char hex[] = "0123456789abcdef";
    std::string out;
    for (unsigned int i = 0; i < length; ++i) {
        out += hex[digest[i] >> 4];
        out += hex[digest[i] & 0x0f];
    }
    return out;
}

std::string sim_gzip(std::string_view text) {
    z_stream stream{};
    // 16 + MAX_WBITS: a gzip header, as the exchange sends.
    if (deflateInit2(&stream, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY) != Z_OK) {
        return {};
    }
    std::string out(deflateBound(&stream, static_cast<uLong>(text.size())) + 32, '\0');
    stream.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(text.data()));
    stream.avail_in = static_cast<uInt>(text.size());
    stream.next_out = reinterpret_cast<Bytef*>(out.data());
    stream.avail_out = static_cast<uInt>(out.size());
    const int result = deflate(&stream, Z_FINISH);
    out.resize(stream.total_out);
    deflateEnd(&stream);
    return result == Z_STREAM_END ? out : std::string();
}

// ----------------------------------------------------------------------------------------

// The simulator's log (spdlog logger "bingx-sim", stderr, default warn): refusals, faults
// drawn, stream sessions, expired keys. Never a key, a secret or a signature.
spdlog::logger& sim_log() {
    static const std::shared_ptr<spdlog::logger> logger = [] {
        auto made = spdlog::get("bingx-sim");
        if (!made) {
            made = std::make_shared<spdlog::logger>("bingx-sim", std::make_shared<spdlog::sinks::stderr_sink_mt>());
            made->set_level(spdlog::level::warn);
            made->set_pattern("%Y-%m-%dT%H:%M:%S.%e %n %l: %v");
            spdlog::register_logger(made);
        }
        return made;
    }();
    return *logger;
}

bool set_sim_log_level(std::string_view level) {
    const spdlog::level::level_enum parsed = spdlog::level::from_str(std::string(level));
    if (parsed == spdlog::level::off && level != "off") return false;
    sim_log().set_level(parsed);
    return true;
}

} // namespace dita::bingx_sim
