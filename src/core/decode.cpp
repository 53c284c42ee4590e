#include "core/decode.h"

#include <limits>
#include <optional>
#include <string>
#include <vector>

#include "core/encoding.h"

namespace ink::core {
namespace {

constexpr size_t kUnknownSize = static_cast<size_t>(-1);

Error invalid(std::string message) {
  return make_error(ErrorCode::kInvalidArgument, std::move(message));
}
Error over_limit(std::string message) {
  return make_error(ErrorCode::kLimitExceeded, std::move(message));
}

// nlohmann's parse errors quote the bytes last read, which may be the very
// invalid UTF-8 that failed; the message goes back to the client in a JSON
// body, and dump() throws on such bytes. Show each invalid byte as \xNN.
std::string printable(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size();) {
    const auto lead = static_cast<uint8_t>(text[i]);
    const size_t len = lead < 0x80 ? 1 : lead < 0xE0 ? 2 : lead < 0xF0 ? 3 : 4;
    if (len <= text.size() - i && is_valid_utf8(text.substr(i, len))) {
      out.append(text.substr(i, len));
      i += len;
    } else {
      static constexpr char kHex[] = "0123456789ABCDEF";
      out += "\\x";
      out += kHex[lead >> 4];
      out += kHex[lead & 15];
      ++i;
    }
  }
  return out;
}

// Walks the CBOR heads once, without building anything, and rejects what
// nlohmann's reader would either accept silently (indefinite-length strings,
// which reach the SAX handler already joined) or handle badly (negative
// integers below INT64_MIN, lengths that claim more bytes than the body has).
// Iterative, so hostile nesting cannot exhaust the stack.
std::optional<Error> prescan_cbor(ByteView in, const DecodeLimits& limits) {
  struct Frame {
    uint64_t remaining;  // data items left; a map of n pairs starts at 2n
    bool is_map;
  };
  std::vector<Frame> stack;
  size_t pos = 0;
  const size_t size = in.size();
  if (size == 0) return invalid("CBOR: empty body");

  while (true) {
    if (pos >= size) return invalid("CBOR: truncated (an item is missing at the end)");
    const size_t item_start = pos;
    const uint8_t initial = in[pos++];
    const uint8_t major = initial >> 5;
    const uint8_t info = initial & 31;
    uint64_t value = 0;
    if (info < 24) {
      value = info;
    } else if (info <= 27) {
      const size_t width = size_t{1} << (info - 24);
      if (size - pos < width) return invalid("CBOR: truncated head");
      for (size_t i = 0; i < width; ++i) value = (value << 8) | in[pos++];
    } else if (info == 31) {
      if (major == 7) return invalid("CBOR: unexpected break byte 0xff");
      if (major >= 2 && major <= 5) {
        return invalid("CBOR: indefinite-length item at byte " + std::to_string(item_start) +
                       " (only definite lengths are accepted)");
      }
      return invalid("CBOR: invalid initial byte at " + std::to_string(item_start));
    } else {
      return invalid("CBOR: reserved additional information at byte " + std::to_string(item_start));
    }

    const bool is_key = !stack.empty() && stack.back().is_map && stack.back().remaining % 2 == 0;
    if (is_key && major != 3) {
      return invalid("CBOR: map key at byte " + std::to_string(item_start) + " is not text");
    }

    bool opened_container = false;
    switch (major) {
      case 0:
        break;
      case 1:
        if (value > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
          return invalid("CBOR: negative integer below -2^63");
        }
        break;
      case 2:
      case 3:
        if (value > limits.max_string_bytes) {
          return over_limit("CBOR: string of " + std::to_string(value) +
                            " bytes is over the limit of " +
                            std::to_string(limits.max_string_bytes));
        }
        if (value > size - pos) {
          return invalid("CBOR: truncated: string claims " + std::to_string(value) +
                         " bytes but the body ends first");
        }
        pos += value;
        break;
      case 4:
      case 5: {
        if (value > limits.max_items) {
          return over_limit("CBOR: " + std::string(major == 4 ? "array" : "map") + " of " +
                            std::to_string(value) + " items is over the limit of " +
                            std::to_string(limits.max_items));
        }
        if (stack.size() + 1 > limits.max_depth) {
          return over_limit("CBOR: nesting deeper than " + std::to_string(limits.max_depth));
        }
        const uint64_t items = major == 5 ? value * 2 : value;
        // Each item needs at least one byte: reject impossible counts early.
        if (items > size - pos) {
          return invalid("CBOR: truncated: container claims " + std::to_string(value) +
                         " items but the body ends first");
        }
        if (items > 0) {
          stack.push_back({items, major == 5});
          opened_container = true;
        }
        break;
      }
      case 6:
        return invalid("CBOR: tags are not accepted (tag at byte " + std::to_string(item_start) +
                       ")");
      case 7:
        if (info == 20 || info == 21 || info == 22 || info == 25 || info == 26 || info == 27) break;
        return invalid("CBOR: simple value at byte " + std::to_string(item_start) +
                       " is not false, true, null or a float");
    }
    if (opened_container) continue;

    // One item finished: close every container it completes.
    while (!stack.empty()) {
      if (--stack.back().remaining > 0) break;
      stack.pop_back();
    }
    if (stack.empty()) break;
  }
  if (pos != size) {
    return invalid("CBOR: " + std::to_string(size - pos) + " trailing bytes after the item");
  }
  return std::nullopt;
}

// Builds the document from SAX events, enforcing the limits for both formats
// and the rules nlohmann does not check (duplicate keys, UTF-8 in CBOR text).
class DocumentBuilder {
 public:
  DocumentBuilder(const DecodeLimits& limits, bool sizes_known, const char* format)
      : limits_(limits), sizes_known_(sizes_known), format_(format) {}

  bool null() { return add(Json(nullptr)); }
  bool boolean(bool v) { return add(Json(v)); }
  bool number_integer(Json::number_integer_t v) { return add(Json(v)); }
  bool number_unsigned(Json::number_unsigned_t v) { return add(Json(v)); }
  bool number_float(Json::number_float_t v, const Json::string_t& /*text*/) { return add(Json(v)); }
  bool string(Json::string_t& v) {
    if (!check_text(v, "text")) return false;
    return add(Json(std::move(v)));
  }
  bool binary(Json::binary_t& v) {
    if (v.size() > limits_.max_string_bytes) {
      return fail(over_limit(prefix() + "byte string over the limit of " +
                             std::to_string(limits_.max_string_bytes) + " bytes"));
    }
    return add(Json::binary(std::move(static_cast<std::vector<uint8_t>&>(v))));
  }
  bool start_object(size_t elements) { return open(Json::object(), elements, "map"); }
  bool start_array(size_t elements) { return open(Json::array(), elements, "array"); }
  bool end_object() { return close(); }
  bool end_array() { return close(); }
  bool key(Json::string_t& k) {
    if (!check_text(k, "map key")) return false;
    Json& object = *stack_.back();
    if (object.size() >= limits_.max_items) {
      return fail(over_limit(prefix() + "map over the limit of " +
                             std::to_string(limits_.max_items) + " items"));
    }
    if (object.contains(k)) return fail(invalid(prefix() + "duplicate map key \"" + k + "\""));
    pending_key_ = std::move(k);
    return true;
  }
  bool parse_error(size_t /*position*/, const std::string& /*last_token*/,
                   const nlohmann::detail::exception& ex) {
    return fail(invalid(prefix() + printable(ex.what())));
  }

  Result<Json> take() {
    if (error_) return *error_;
    return std::move(root_);
  }
  bool failed() const { return error_.has_value(); }

 private:
  std::string prefix() const { return std::string(format_) + ": "; }

  bool fail(Error e) {
    if (!error_) error_ = std::move(e);
    return false;
  }

  bool check_text(const std::string& s, const char* what) {
    if (s.size() > limits_.max_string_bytes) {
      return fail(over_limit(prefix() + what + " over the limit of " +
                             std::to_string(limits_.max_string_bytes) + " bytes"));
    }
    if (!is_valid_utf8(s)) return fail(invalid(prefix() + what + " is not valid UTF-8"));
    return true;
  }

  // Places a finished value (or a new, empty container) and returns where it went.
  Json* place(Json&& v) {
    if (stack_.empty()) {
      root_ = std::move(v);
      return &root_;
    }
    Json& parent = *stack_.back();
    if (parent.is_array()) {
      if (parent.size() >= limits_.max_items) {
        fail(over_limit(prefix() + "array over the limit of " + std::to_string(limits_.max_items) +
                        " items"));
        return nullptr;
      }
      parent.push_back(std::move(v));
      return &parent.back();
    }
    Json& slot = parent[pending_key_];
    slot = std::move(v);
    return &slot;
  }

  bool add(Json&& v) { return place(std::move(v)) != nullptr; }

  bool open(Json&& container, size_t elements, const char* what) {
    if (elements == kUnknownSize && sizes_known_) {
      return fail(invalid(prefix() + "indefinite-length " + what));
    }
    if (elements != kUnknownSize && elements > limits_.max_items) {
      return fail(over_limit(prefix() + what + " over the limit of " +
                             std::to_string(limits_.max_items) + " items"));
    }
    if (stack_.size() + 1 > limits_.max_depth) {
      return fail(
          over_limit(prefix() + "nesting deeper than " + std::to_string(limits_.max_depth)));
    }
    Json* slot = place(std::move(container));
    if (slot == nullptr) return false;
    stack_.push_back(slot);
    return true;
  }

  bool close() {
    stack_.pop_back();
    return true;
  }

  const DecodeLimits& limits_;
  const bool sizes_known_;
  const char* format_;
  Json root_;
  std::vector<Json*> stack_;
  std::string pending_key_;
  std::optional<Error> error_;
};

}  // namespace

Result<Json> decode_cbor_strict(ByteView body, const DecodeLimits& limits) {
  if (body.size() > limits.max_bytes) {
    return over_limit("CBOR: body of " + std::to_string(body.size()) +
                      " bytes is over the limit of " + std::to_string(limits.max_bytes));
  }
  if (auto error = prescan_cbor(body, limits)) return *error;
  DocumentBuilder builder(limits, true, "CBOR");
  try {
    const bool ok = Json::sax_parse(body.begin(), body.end(), &builder, Json::input_format_t::cbor,
                                    /*strict=*/true);
    if (!ok && !builder.failed()) return invalid("CBOR: malformed");
  } catch (const std::exception& e) {
    return invalid("CBOR: " + printable(e.what()));
  }
  return builder.take();
}

Result<Json> decode_json_strict(std::string_view body, const DecodeLimits& limits) {
  if (body.size() > limits.max_bytes) {
    return over_limit("JSON: body of " + std::to_string(body.size()) +
                      " bytes is over the limit of " + std::to_string(limits.max_bytes));
  }
  DocumentBuilder builder(limits, false, "JSON");
  try {
    const bool ok = Json::sax_parse(body.begin(), body.end(), &builder, Json::input_format_t::json,
                                    /*strict=*/true);
    if (!ok && !builder.failed()) return invalid("JSON: malformed");
  } catch (const std::exception& e) {
    return invalid("JSON: " + printable(e.what()));
  }
  return builder.take();
}

}  // namespace ink::core
