#include "core/cbor.h"

#include <algorithm>
#include <bit>
#include <cstring>

#include "core/encoding.h"

namespace ink::core {

void CborWriter::head(uint8_t major, uint64_t value) {
  const uint8_t m = static_cast<uint8_t>(major << 5);
  if (value < 24) {
    out_.push_back(static_cast<uint8_t>(m | value));
    return;
  }
  int width;
  uint8_t info;
  if (value <= 0xFF) {
    width = 1, info = 24;
  } else if (value <= 0xFFFF) {
    width = 2, info = 25;
  } else if (value <= 0xFFFFFFFF) {
    width = 4, info = 26;
  } else {
    width = 8, info = 27;
  }
  out_.push_back(static_cast<uint8_t>(m | info));
  for (int i = width - 1; i >= 0; --i) out_.push_back(static_cast<uint8_t>(value >> (8 * i)));
}

void CborWriter::text(std::string_view s) {
  head(3, s.size());
  out_.insert(out_.end(), s.begin(), s.end());
}

void CborWriter::bytes(ByteView b) {
  head(2, b.size());
  out_.insert(out_.end(), b.begin(), b.end());
}

namespace {

void encode_into(const Json& value, CborWriter& writer, Bytes& out) {
  switch (value.type()) {
    case Json::value_t::null:
    case Json::value_t::discarded:
      out.push_back(0xF6);
      return;
    case Json::value_t::boolean:
      out.push_back(value.get<bool>() ? 0xF5 : 0xF4);
      return;
    case Json::value_t::number_unsigned:
      writer.uint(value.get<uint64_t>());
      return;
    case Json::value_t::number_integer: {
      const int64_t v = value.get<int64_t>();
      if (v >= 0) {
        writer.uint(static_cast<uint64_t>(v));
      } else {
        // Major type 1 carries -1 - v, which is ~v in two's complement.
        writer.head(1, ~static_cast<uint64_t>(v));
      }
      return;
    }
    case Json::value_t::number_float: {
      const uint64_t bits = std::bit_cast<uint64_t>(value.get<double>());
      out.push_back(0xFB);
      for (int i = 7; i >= 0; --i) out.push_back(static_cast<uint8_t>(bits >> (8 * i)));
      return;
    }
    case Json::value_t::string:
      writer.text(value.get_ref<const Json::string_t&>());
      return;
    case Json::value_t::binary: {
      const auto& b = value.get_binary();
      writer.bytes(ByteView(b.data(), b.size()));
      return;
    }
    case Json::value_t::array:
      writer.array(value.size());
      for (const auto& item : value) encode_into(item, writer, out);
      return;
    case Json::value_t::object: {
      // Canonical order: shorter encoded key first, then bytewise. For text
      // keys the head grows with the length, so this is (length, bytes).
      std::vector<const Json::object_t::value_type*> entries;
      entries.reserve(value.size());
      for (const auto& entry : value.get_ref<const Json::object_t&>()) entries.push_back(&entry);
      std::sort(entries.begin(), entries.end(), [](const auto* x, const auto* y) {
        if (x->first.size() != y->first.size()) return x->first.size() < y->first.size();
        return std::memcmp(x->first.data(), y->first.data(), x->first.size()) < 0;
      });
      writer.map(entries.size());
      for (const auto* entry : entries) {
        writer.text(entry->first);
        encode_into(entry->second, writer, out);
      }
      return;
    }
  }
}

}  // namespace

Bytes cbor_encode(const Json& value) {
  Bytes out;
  CborWriter writer(out);
  encode_into(value, writer, out);
  return out;
}

Json to_wire_json(const Json& value) {
  switch (value.type()) {
    case Json::value_t::binary: {
      const auto& b = value.get_binary();
      return to_base64(ByteView(b.data(), b.size()));
    }
    case Json::value_t::array: {
      Json out = Json::array();
      for (const auto& item : value) out.push_back(to_wire_json(item));
      return out;
    }
    case Json::value_t::object: {
      Json out = Json::object();
      for (const auto& [key, item] : value.items()) out[key] = to_wire_json(item);
      return out;
    }
    default:
      return value;
  }
}

}  // namespace ink::core
