// Read-only views of the kernel (account, orders, marks, the state hash) and the instrument cache.
#include "kernel_context.hpp"

namespace dita {

using detail::Bounds;
using detail::cat;

std::optional<InstrumentSpec> ExecutionKernel::instrument(std::string_view asset) {
    if (last_instrument_ != nullptr && last_instrument_->first.view() == asset) return last_instrument_->second;
    const auto found = instruments_.find(AssetName(asset));
    if (found != instruments_.end()) {
        last_instrument_ = &*found;
        return found->second;
    }
    if (asset.empty() || !AssetName::fits(asset)) return std::nullopt;
    auto spec = venue_.instrument(asset);
    if (spec) instruments_.emplace(AssetName(asset), *spec);
    return spec;
}

const TradeSlot& ExecutionKernel::slot(int slot_id) const {
    DITA_ASSERT(valid_slot(slot_id));
    return slots_[static_cast<std::size_t>(slot_id)];
}

Decimal ExecutionKernel::mark_or_zero(std::string_view asset) const {
    return mark_price(asset).value_or(Decimal());
}

std::optional<std::string> ExecutionKernel::mark_out_of_bounds(const AssetName& asset, Decimal price) const {
    if (price > bounds_.price_max) {
        return cat("mark ", price, " is beyond the kernel's bound ", bounds_.price_max);
    }
    const Decimal twice = bounds_.slot_notional_max + bounds_.slot_notional_max;
    for (const TradeSlot& slot : slots_) {
        if (slot.asset == asset && !Bounds::product_within(slot.size, price, twice)) {
            return cat("mark ", price, " would value slot ", slot.slot_id, " beyond its bound ", twice);
        }
    }
    return std::nullopt;
}

std::optional<Decimal> ExecutionKernel::mark_price(std::string_view asset) const {
    if (marks_.empty()) return std::nullopt; // no mark yet: nothing to build a key for
    if (last_mark_ != nullptr && last_mark_->first.view() == asset) return last_mark_->second;
    const auto found = marks_.find(AssetName(asset));
    if (found == marks_.end()) return std::nullopt;
    last_mark_ = &*found;
    return found->second;
}

ExecutionKernel::SlotValue ExecutionKernel::value_of(const TradeSlot& slot) const {
    SlotValue out;
    if (!slot.size.is_positive()) return out;
    const auto mark = marks_.find(slot.asset);
    const Decimal price = mark != marks_.end() ? mark->second : slot.entry_price;
    const Decimal at_entry = slot.entry_price.mul(slot.size);
    const Decimal at_mark = price == slot.entry_price ? at_entry : price.mul(slot.size);
    const Decimal move = at_mark - at_entry;
    out.unrealized = side_sign(slot.side) > 0 ? move : -move;
    // Isolated margin: a position never loses more than its margin. Past its liquidation
    // price the venue has closed it; until that report arrives the loss stops there.
    if (slot.leverage.is_positive()) {
        out.unrealized = max(out.unrealized, -at_entry.div(slot.leverage));
        out.margin = at_mark.div(slot.leverage);
    }
    return out;
}

void ExecutionKernel::revalue(int slot_id) {
    SlotValue& kept = slot_values_[static_cast<std::size_t>(slot_id)];
    const SlotValue now = value_of(slots_[static_cast<std::size_t>(slot_id)]);
    unrealized_sum_ += now.unrealized - kept.unrealized;
    margin_sum_ += now.margin - kept.margin;
    kept = now;
}

void ExecutionKernel::revalue_asset(const AssetName& asset) {
    for (const TradeSlot& slot : slots_) {
        if (slot.asset == asset) revalue(slot.slot_id);
    }
}

AccountSnapshot ExecutionKernel::account() const {
    AccountSnapshot out;
    out.initial_capital = totals_.initial_capital;
    out.realized_pnl = totals_.realized_pnl;
    out.fees_paid = totals_.fees_paid;
    out.funding = totals_.funding;
    out.capital = totals_.initial_capital + totals_.realized_pnl - totals_.fees_paid + totals_.funding;
    out.unrealized_pnl = unrealized_sum_;
    out.used_margin = margin_sum_;
    // Slots the input under way has touched are valued afresh (they are revalued when it is
    // journaled); between inputs there are none.
    for (const int id : touched_) {
        const SlotValue kept = slot_values_[static_cast<std::size_t>(id)];
        const SlotValue now = value_of(slots_[static_cast<std::size_t>(id)]);
        out.unrealized_pnl += now.unrealized - kept.unrealized;
        out.used_margin += now.margin - kept.margin;
    }
    out.equity = out.capital + out.unrealized_pnl;
    return out;
}

AccountSnapshot ExecutionKernel::account_walked() const {
    AccountSnapshot out = account();
    out.unrealized_pnl = Decimal();
    out.used_margin = Decimal();
    for (const TradeSlot& slot : slots_) {
        const SlotValue value = value_of(slot);
        out.unrealized_pnl += value.unrealized;
        out.used_margin += value.margin;
    }
    out.equity = out.capital + out.unrealized_pnl;
    return out;
}

std::optional<OrderRecord> ExecutionKernel::order(std::string_view client_order_id) const {
    if (client_order_id.empty() || !Id::fits(client_order_id)) return std::nullopt;
    const auto found = orders_.find(Id(client_order_id));
    if (found == orders_.end()) return std::nullopt;
    return found->second.record;
}

std::vector<OrderRecord> ExecutionKernel::working_orders() const {
    std::vector<OrderRecord> out;
    for (const auto* item : orders_.sorted()) {
        if (item->second.record.working()) out.push_back(item->second.record);
    }
    return out;
}

std::uint64_t ExecutionKernel::state_hash() const {
    detail::Fnv64 hash;
    for (const TradeSlot& slot : slots_) detail::hash_slot(hash, slot);
    for (const auto* item : orders_.sorted()) {
        detail::hash_order(hash, item->second.record);
        hash.add_int(item->second.slot_id);
    }
    hash.add_int(totals_.initial_capital.raw());
    hash.add_int(totals_.realized_pnl.raw());
    hash.add_int(totals_.fees_paid.raw());
    hash.add_int(totals_.funding.raw());
    for (const auto& [asset, price] : marks_) {
        hash.add_text(asset.view());
        hash.add_int(price.raw());
    }
    return hash.value();
}

} // namespace dita
