#include "dita/contracts/detail_text.hpp"

#include <charconv>
#include <ostream>

namespace dita {

void DetailText::append_to(std::string& out) const {
    if (count_ == 0) {
        out.append(owned_);
        return;
    }
    char buffer[24];
    for (std::size_t i = 0; i < count_; ++i) {
        const Value value = values_[i];
        switch (tags_[i]) {
        case Tag::TEXT: out.append(value.text, sizes_[i]); break;
        case Tag::DECIMAL: Decimal::from_raw(value.number).append_to(out); break;
        case Tag::INT: out.append(buffer, std::to_chars(buffer, buffer + sizeof buffer, value.number).ptr); break;
        case Tag::UINT:
            out.append(buffer,
                       std::to_chars(buffer, buffer + sizeof buffer, static_cast<std::uint64_t>(value.number)).ptr);
            break;
        case Tag::ID: out.append(ids_[static_cast<std::size_t>(value.number)].view()); break;
        case Tag::ASSET: out.append(asset_.view()); break;
        }
    }
}

std::string DetailText::str() const {
    if (count_ == 0) return owned_;
    std::string out;
    out.reserve(96);
    append_to(out);
    return out;
}

bool DetailText::empty() const {
    if (count_ == 0) return owned_.empty();
    for (std::size_t i = 0; i < count_; ++i) {
        const Tag tag = tags_[i];
        if (tag == Tag::TEXT && sizes_[i] == 0) continue;
        if (tag == Tag::ID && ids_[static_cast<std::size_t>(values_[i].number)].empty()) continue;
        if (tag == Tag::ASSET && asset_.empty()) continue;
        return false;
    }
    return true;
}

std::ostream& operator<<(std::ostream& out, const DetailText& text) { return out << text.str(); }

} // namespace dita
