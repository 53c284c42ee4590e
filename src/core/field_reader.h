#pragma once
// Reading the fields of one JSON/CBOR document object, for the parsers
// (core/parse.h, core/proof_file.h). Pure.

#include <algorithm>
#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/cbor.h"
#include "core/clock.h"
#include "core/encoding.h"
#include "core/hash.h"
#include "core/result.h"

namespace ink::core {

// Reads the fields of one object, remembering the first problem; `where`
// names the object in messages ("proof.inclusion"), so a client learns
// exactly which field was wrong.
class FieldReader {
 public:
  FieldReader(const Json& j, std::string where) : j_(j), where_(std::move(where)) {
    if (!j_.is_object()) fail("", "expected an object");
  }

  bool ok() const { return !error_; }
  Error error() const { return *error_; }
  std::string path(const char* name) const { return where_.empty() ? name : where_ + "." + name; }

  // The field, or nullptr (and an error unless `optional`) when missing.
  const Json* get(const char* name, bool optional = false) {
    if (error_) return nullptr;
    auto it = j_.find(name);
    if (it == j_.end()) {
      if (!optional) fail(name, "missing");
      return nullptr;
    }
    return &*it;
  }

  uint64_t uint(const char* name) {
    const Json* v = get(name);
    if (!v) return 0;
    if (v->is_number_unsigned()) return v->get<uint64_t>();
    if (v->is_number_integer() && v->get<int64_t>() >= 0) return v->get<uint64_t>();
    fail(name, v->is_number_float() ? "expected an integer, got a fractional number"
                                    : "expected a non-negative integer");
    return 0;
  }

  std::string text(const char* name) {
    const Json* v = get(name);
    if (!v) return {};
    if (!v->is_string()) {
      fail(name, "expected text");
      return {};
    }
    return v->get<std::string>();
  }

  std::string clock(const char* name) {
    std::string t = text(name);
    if (ok()) {
      if (auto parsed = parse_clock(t); !parsed) fail(name, parsed.error().message);
    }
    return t;
  }

  void constant(const char* name, const char* expected) {
    const Json* v = get(name);
    if (v && (!v->is_string() || v->get<std::string>() != expected)) {
      fail(name, std::string("expected \"") + expected + "\"");
    }
  }

  template <size_t N>
  std::array<uint8_t, N> fixed_bytes(const char* name) {
    std::array<uint8_t, N> out{};
    if (const Json* v = get(name)) read_fixed(*v, name, out);
    return out;
  }

  std::vector<Hash> hashes(const char* name) {
    std::vector<Hash> out;
    const Json* v = get(name);
    if (!v) return out;
    if (!v->is_array()) {
      fail(name, "expected an array of hashes");
      return out;
    }
    if (v->size() > 64) {
      fail(name, "more than 64 hashes (no proof is that long)");
      return out;
    }
    for (size_t i = 0; i < v->size() && ok(); ++i) {
      Hash h{};
      const std::string element = std::string(name) + "[" + std::to_string(i) + "]";
      read_fixed((*v)[i], element.c_str(), h);
      out.push_back(h);
    }
    return out;
  }

  std::string key_id_hex(const char* name) {
    std::string k = text(name);
    if (ok() && (k.size() != 16 || !std::all_of(k.begin(), k.end(), [](char c) {
                   return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
                 }))) {
      fail(name, "expected a key id of 16 lower-case hex digits");
    }
    return k;
  }

  void fail(const std::string& name, const std::string& what) {
    if (error_) return;
    std::string field = name.empty() ? where_ : path(name.c_str());
    if (field.empty()) field = "document";
    error_ = make_error(ErrorCode::kInvalidArgument, field + ": " + what);
  }

  // Adopts a nested parser's error (already carrying its own field path).
  void adopt(const Error& e) {
    if (!error_) error_ = e;
  }

 private:
  // Byte fields arrive as CBOR byte strings or as base64 text (JSON).
  template <size_t N>
  void read_fixed(const Json& v, const char* name, std::array<uint8_t, N>& out) {
    Bytes bytes;
    if (v.is_binary()) {
      bytes = v.get_binary();
    } else if (v.is_string()) {
      auto decoded = from_base64(v.get_ref<const std::string&>());
      if (!decoded) return fail(name, decoded.error().message);
      bytes = std::move(*decoded);
    } else {
      return fail(name, "expected bytes (base64 text in JSON)");
    }
    if (bytes.size() != N) {
      return fail(name,
                  "expected " + std::to_string(N) + " bytes, got " + std::to_string(bytes.size()));
    }
    std::copy(bytes.begin(), bytes.end(), out.begin());
  }

  const Json& j_;
  std::string where_;
  std::optional<Error> error_;
};

}  // namespace ink::core
