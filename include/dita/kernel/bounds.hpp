#pragma once
#include <cstdint>

#include "dita/contracts/decimal.hpp"

namespace dita {

// Bounds that keep every product and sum of the account inside Decimal's int64 range
// (9.2e10 units): a price, a size, and the notional one slot may hold (the account's bound
// shared by the slots; venue reports get twice that, for overfills). Beyond them an input
// is refused with a diagnostic instead of overflowing.
struct KernelBounds {
    static constexpr std::int64_t price_units_max = 10'000'000;
    static constexpr std::int64_t size_units_max = 1'000'000;
    static constexpr std::int64_t account_notional_units_max = 20'000'000'000;
    static constexpr std::int64_t capital_units_max = 10'000'000'000;

    Decimal price_max = Decimal::from_units(price_units_max);
    Decimal size_max = Decimal::from_units(size_units_max);
    Decimal slot_notional_max; // account bound / max_slots
    Decimal capital_max = Decimal::from_units(capital_units_max);

    static KernelBounds for_slots(int max_slots) {
        KernelBounds b;
        b.slot_notional_max = Decimal::from_raw(Decimal::from_units(account_notional_units_max).raw() / max_slots);
        return b;
    }
    // Whether |size * price| stays within `limit`, computed without overflow.
    static bool product_within(Decimal size, Decimal price, Decimal limit) {
        __extension__ typedef __int128 wide;
        const wide product = static_cast<wide>(size.abs().raw()) * static_cast<wide>(price.abs().raw());
        return product <= static_cast<wide>(limit.raw()) * Decimal::scale;
    }
};

} // namespace dita
