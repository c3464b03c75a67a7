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
        const Piece& piece = pieces_[i];
        switch (piece.tag) {
        case Tag::TEXT: out.append(piece.text, piece.size); break;
        case Tag::DECIMAL: Decimal::from_raw(piece.number).append_to(out); break;
        case Tag::INT: out.append(buffer, std::to_chars(buffer, buffer + sizeof buffer, piece.number).ptr); break;
        case Tag::UINT:
            out.append(buffer,
                       std::to_chars(buffer, buffer + sizeof buffer, static_cast<std::uint64_t>(piece.number)).ptr);
            break;
        case Tag::ID: out.append(ids_[static_cast<std::size_t>(piece.number)].view()); break;
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
        const Piece& piece = pieces_[i];
        if (piece.tag != Tag::TEXT || piece.size != 0) {
            if (piece.tag == Tag::ID && ids_[static_cast<std::size_t>(piece.number)].empty()) continue;
            if (piece.tag == Tag::ASSET && asset_.empty()) continue;
            return false;
        }
    }
    return true;
}

std::ostream& operator<<(std::ostream& out, const DetailText& text) { return out << text.str(); }

} // namespace dita
