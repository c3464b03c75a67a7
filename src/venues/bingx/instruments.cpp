// Contract rules per asset: lot step, tick, minimums and fees, read from /quote/contracts.
#include "adapter_impl.hpp"

namespace dita::bingx {

using detail::RestClient;

std::string BingxVenueAdapter::Impl::asset_of_symbol(const std::string& symbol) const {
    std::lock_guard lock(mutex);
    const auto found = asset_by_symbol.find(symbol);
    return found != asset_by_symbol.end() ? found->second : from_bingx_symbol(symbol);
}

namespace {

Result<InstrumentInfo, std::string> instrument_from(const BingxContract& contract, std::string_view asset) {
    const auto lot = contract.lot_step();
    const auto tick = contract.tick_size();
    if (!lot || !tick) return std::string("precision of " + contract.symbol + " out of range");
    InstrumentInfo info;
    info.symbol = contract.symbol;
    info.spec.asset = AssetName(asset);
    info.spec.lot_step = *lot;
    info.spec.tick_size = *tick;
    info.spec.min_qty = contract.trade_min_quantity.is_positive() ? contract.trade_min_quantity : *lot;
    info.spec.min_notional = contract.trade_min_usdt;
    info.taker_fee_rate = contract.taker_fee_rate;
    info.maker_fee_rate = contract.maker_fee_rate;
    return info;
}

} // namespace

VenueQuery<InstrumentInfo> BingxVenueAdapter::Impl::load_contract(std::string_view asset) {
    VenueQuery<InstrumentInfo> out;
    const auto symbol = to_bingx_symbol(asset);
    if (!symbol || !AssetName::fits(asset)) return detail::no_symbol<InstrumentInfo>(asset);
    Reply reply = rest->call("GET", "/openApi/swap/v2/quote/contracts", {{"symbol", *symbol}}, false);
    if (reply.outcome != CallOutcome::OK) return RestClient::failed<InstrumentInfo>(reply);
    const auto contracts = parse_contracts_data(reply.envelope.data_json);
    if (!contracts.ok()) return RestClient::unreadable<InstrumentInfo>(contracts.error().detail);
    for (const BingxContract& contract : *contracts) {
        if (contract.symbol != *symbol) continue;
        auto info = instrument_from(contract, asset);
        if (!info.ok()) return RestClient::unreadable<InstrumentInfo>(info.error());
        out.value = *info;
        std::lock_guard lock(mutex);
        instruments[std::string(asset)] = *info;
        asset_by_symbol[*symbol] = std::string(asset);
        return out;
    }
    out.status = VenueCallStatus::REJECTED;
    out.detail = "the venue lists no contract " + *symbol;
    return out;
}

std::optional<InstrumentInfo> BingxVenueAdapter::Impl::instrument_info(std::string_view asset) const {
    std::lock_guard lock(mutex);
    const auto found = instruments.find(std::string(asset));
    if (found == instruments.end()) return std::nullopt;
    return found->second;
}

} // namespace dita::bingx
