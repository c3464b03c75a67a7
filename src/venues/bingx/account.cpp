// The account checks of start(): the keys proven by a signed call, the position mode read and
// used (or refused), and the account's starting positions and open orders recorded. A run
// against an account it cannot trade on stops here, before any order, with BingX's own words.
#include "adapter_impl.hpp"
#include "log.hpp"

namespace dita::bingx {

namespace {

std::string_view mode_name(PositionMode mode) { return mode == PositionMode::HEDGE ? "hedge" : "one-way"; }

// BingX answers a refused key or signature with one of these (fact sheet §5).
bool keys_refused(const detail::Reply& reply) {
    if (reply.http_status == 401 || reply.http_status == 403) return true;
    if (!reply.envelope.code) return false;
    switch (*reply.envelope.code) {
    case 100001: // signature verification failed
    case 100413: // invalid API key
    case 100004: // insufficient permissions
    case 100419: // IP not whitelisted
    case 100401: // authentication failed
    case 100403: return true;
    default: return false;
    }
}

} // namespace

Result<PositionMode, Error> BingxVenueAdapter::Impl::read_position_mode() {
    const Reply reply = rest->call_retrying("GET", "/openApi/swap/v1/positionSide/dual", {}, rest->call_deadline(), 3);
    if (reply.outcome != CallOutcome::OK) {
        return Error{keys_refused(reply) ? "KEYS_REFUSED" : "POSITION_MODE", "position mode: " + reply.detail};
    }
    const auto dual = parse_position_mode_data(reply.envelope.data_json);
    if (!dual.ok()) return Error{"POSITION_MODE", "position mode: unreadable answer: " + dual.error().detail};
    return *dual ? PositionMode::HEDGE : PositionMode::ONE_WAY;
}

Result<BingxAccountState, Error> BingxVenueAdapter::Impl::check_account() {
    BingxAccountState state;
    // The keys: a signed read that every key with futures access may make.
    const Reply balance = rest->call_retrying("GET", "/openApi/swap/v2/user/balance", {}, rest->call_deadline(), 3);
    if (balance.outcome != CallOutcome::OK) {
        const bool refused = keys_refused(balance);
        return Error{refused ? "KEYS_REFUSED" : "ACCOUNT",
                     std::string(refused ? "the API keys were refused: " : "account balance: ") + balance.detail};
    }
    const auto parsed = parse_balance_data(balance.envelope.data_json);
    if (!parsed.ok()) return Error{"ACCOUNT", "account balance: unreadable answer: " + parsed.error().detail};
    state.balance = *parsed;

    auto mode = read_position_mode();
    if (!mode.ok()) return std::move(mode).error();
    if (*mode != config.position_mode && !config.follow_account_position_mode) {
        return Error{"POSITION_MODE", "the account is in " + std::string(mode_name(*mode)) +
                                          " mode; this run needs " + std::string(mode_name(config.position_mode)) +
                                          " mode: switch it on BingX (Perpetual > Settings > Position mode) with no "
                                          "position or order open"};
    }
    config.position_mode = *mode;
    state.position_mode = *mode;
    detail::log().info("account checked: keys accepted, {} mode, balance {} {}", mode_name(*mode),
                       state.balance.balance.to_string(), state.balance.asset);
    return state;
}

} // namespace dita::bingx
