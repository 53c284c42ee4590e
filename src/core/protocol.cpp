#include "core/protocol.h"

#include <algorithm>
#include <stdexcept>

#include "core/clock.h"
#include "core/compact_string.h"
#include "core/encoding.h"

namespace ink::core {

Bytes ts_cbor(std::string_view data, std::string_view timestamp) {
  // Keys in canonical order: typ, data, version, timestamp.
  Bytes out;
  out.reserve(48 + data.size() + timestamp.size());
  CborWriter w(out);
  w.map(4);
  w.text("typ");
  w.text("ts");
  w.text("data");
  w.text(data);
  w.text("version");
  w.text("1");
  w.text("timestamp");
  w.text(timestamp);
  return out;
}

Hash ts_hash(std::string_view data, std::string_view timestamp) {
  return sha3_256(ts_cbor(data, timestamp));
}

Bytes interval_cbor(const IntervalRecord& record) {
  // Keys in canonical order: ith, typ, index, version, timestamp.
  Bytes out;
  out.reserve(96 + record.timestamp.size());
  CborWriter w(out);
  w.map(5);
  w.text("ith");
  w.bytes(record.ith);
  w.text("typ");
  w.text("it");
  w.text("index");
  w.uint(record.index);
  w.text("version");
  w.text("1");
  w.text("timestamp");
  w.text(record.timestamp);
  return out;
}

Hash ihash(const IntervalRecord& record) { return sha3_256(interval_cbor(record)); }

namespace {

Json binary(ByteView bytes) { return Json::binary(Bytes(bytes.begin(), bytes.end())); }

Json hash_list(const std::vector<Hash>& hashes) {
  Json out = Json::array();
  for (const Hash& h : hashes) out.push_back(binary(h));
  return out;
}

// Head fields that PROOF repeats in its "head" object (no interval record,
// inclusion or consistency: those sit beside it).
Json proof_head_json(const SignedHead& v) {
  return Json{{"authority", v.authority},
              {"interval", v.interval.index},
              {"mth", binary(v.mth)},
              {"signature", binary(v.signature)},
              {"key", v.key}};
}

std::string compact_mth(const SignedHead& v) {
  return format_compact(CompactHead{v.authority, v.interval.index, v.mth});
}

}  // namespace

Json to_json(const IntervalRecord& v) {
  return Json{{"index", v.index},
              {"timestamp", v.timestamp},
              {"ith", binary(v.ith)},
              {"typ", "it"},
              {"version", "1"}};
}

Json to_json(const InclusionProof& v) {
  return Json{{"head", v.head},
              {"leaf", v.leaf},
              {"a", v.a},
              {"nodes", hash_list(v.nodes)},
              {"version", "1"}};
}

Json to_json(const ConsistencyProof& v) {
  return Json{{"old_interval", v.old_interval},
              {"new_interval", v.new_interval},
              {"nodes", hash_list(v.nodes)},
              {"version", "1"}};
}

Json to_json(const SignedHead& v) {
  return Json{{"authority", v.authority},
              {"version", "1"},
              {"mth", binary(v.mth)},
              {"interval", to_json(v.interval)},
              {"inclusion", to_json(v.inclusion)},
              {"consistency", v.consistency ? to_json(*v.consistency) : Json(nullptr)},
              {"signature", binary(v.signature)},
              {"key", v.key}};
}

Json to_json(const TsProof& v) {
  return Json{{"a", v.a},
              {"path", hash_list(v.path)},
              {"ith", binary(v.head.interval.ith)},
              {"mth", compact_mth(v.head)},
              {"interval", to_json(v.head.interval)},
              {"inclusion", to_json(v.head.inclusion)},
              {"head", proof_head_json(v.head)}};
}

Json to_json(const TsAnswer& v) {
  return Json{{"hash", binary(v.hash)},
              {"timestamp", v.timestamp},
              {"typ", "ts"},
              {"version", "1"},
              {"id", v.id},
              {"interval", v.interval ? Json(*v.interval) : Json(nullptr)},
              {"proof", v.proof ? to_json(*v.proof) : Json(nullptr)}};
}

namespace {

// A JSON string; the common case (ids, clock readings) needs no escaping.
void append_json_string(std::string& out, std::string_view s) {
  bool plain = std::all_of(s.begin(), s.end(), [](char c) {
    return c != '"' && c != '\\' && static_cast<unsigned char>(c) >= 0x20;
  });
  if (plain) {
    out += '"';
    out += s;
    out += '"';
  } else {
    out += Json(std::string(s)).dump(-1, ' ', false, Json::error_handler_t::replace);
  }
}

void append_quoted_base64(std::string& out, const Hash& h) {
  out += '"';
  append_base64(out, h);
  out += '"';
}

// The answer object around its interval and proof members, which
// `write_interval_and_proof` appends. Members sorted by name, as nlohmann
// writes them: hash, id, interval, proof, timestamp, typ, version.
template <class WriteIntervalAndProof>
std::string answer_json(const Hash& hash, std::string_view timestamp, std::string_view id,
                        size_t middle_size, WriteIntervalAndProof write_interval_and_proof) {
  std::string out;
  out.reserve(middle_size + 200);
  out += "{\"hash\":";
  append_quoted_base64(out, hash);
  out += ",\"id\":";
  append_json_string(out, id);
  out += ",\"interval\":";
  write_interval_and_proof(out);
  out += ",\"timestamp\":";
  append_json_string(out, timestamp);
  out += ",\"typ\":\"ts\",\"version\":\"1\"}";
  return out;
}

}  // namespace

std::string pending_answer_json(const Hash& hash, std::string_view timestamp, std::string_view id) {
  return answer_json(hash, timestamp, id, 0,
                     [](std::string& out) { out += "null,\"proof\":null"; });
}

SharedHeadJson::SharedHeadJson(const SignedHead& head)
    : interval_(std::to_string(head.interval.index)) {
  // The proof's members are sorted by name (a, head, inclusion, interval, ith,
  // mth, path): serialize it once with a = 0 and no path, keep what lies between.
  TsProof probe{0, {}, head};
  const std::string whole = to_wire_json(to_json(probe)).dump();
  const std::string front = "{\"a\":0,", back = ",\"path\":[]}";
  if (whole.size() < front.size() + back.size() || whole.compare(0, front.size(), front) != 0 ||
      whole.compare(whole.size() - back.size(), back.size(), back) != 0)
    throw std::logic_error("proof JSON does not have the expected member order");
  proof_rest_ = whole.substr(front.size() - 1, whole.size() - front.size() - back.size() + 1);
}

std::string SharedHeadJson::answer(const Hash& hash, std::string_view timestamp,
                                   std::string_view id, uint64_t a,
                                   std::span<const Hash> path) const {
  return answer_json(hash, timestamp, id, proof_rest_.size() + 48 * path.size(),
                     [&](std::string& out) {
                       out += interval_;
                       out += ",\"proof\":{\"a\":";
                       out += std::to_string(a);
                       out += proof_rest_;
                       out += ",\"path\":[";
                       for (size_t i = 0; i < path.size(); ++i) {
                         if (i) out += ',';
                         append_quoted_base64(out, path[i]);
                       }
                       out += "]}";
                     });
}

Json to_json(const ProofFile& v) {
  return Json{{"format", "unchanging.ink/proof"},
              {"version", 1},
              {"authority", v.authority},
              {"data", v.data},
              {"files", v.files},
              {"timestamp", to_json(v.timestamp)}};
}

Json keys_json(std::span<const PublicKey> keys) {
  Json out = Json::array();
  for (const PublicKey& k : keys) {
    out.push_back(Json{{"key", key_id(k)}, {"public_key", binary(k)}, {"algorithm", "ed25519"}});
  }
  return out;
}

namespace {

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

Result<IntervalRecord> parse_interval(const Json& j, const std::string& where) {
  FieldReader r(j, where);
  IntervalRecord v;
  v.index = r.uint("index");
  v.timestamp = r.clock("timestamp");
  v.ith = r.fixed_bytes<32>("ith");
  r.constant("typ", "it");
  r.constant("version", "1");
  if (!r.ok()) return r.error();
  return v;
}

Result<InclusionProof> parse_inclusion(const Json& j, const std::string& where) {
  FieldReader r(j, where);
  InclusionProof v;
  v.head = r.uint("head");
  v.leaf = r.uint("leaf");
  v.a = r.uint("a");
  v.nodes = r.hashes("nodes");
  r.constant("version", "1");
  if (r.ok() && v.leaf > v.head) r.fail("leaf", "is beyond head");
  if (!r.ok()) return r.error();
  return v;
}

Result<ConsistencyProof> parse_consistency(const Json& j, const std::string& where) {
  FieldReader r(j, where);
  ConsistencyProof v;
  v.old_interval = r.uint("old_interval");
  v.new_interval = r.uint("new_interval");
  v.nodes = r.hashes("nodes");
  r.constant("version", "1");
  if (r.ok() && v.old_interval > v.new_interval) r.fail("old_interval", "is beyond new_interval");
  if (!r.ok()) return r.error();
  return v;
}

Result<SignedHead> parse_head(const Json& j, const std::string& where) {
  FieldReader r(j, where);
  SignedHead v;
  v.authority = r.text("authority");
  r.constant("version", "1");
  v.mth = r.fixed_bytes<32>("mth");
  if (const Json* interval = r.get("interval")) {
    auto parsed = parse_interval(*interval, r.path("interval"));
    if (parsed)
      v.interval = std::move(*parsed);
    else
      r.adopt(parsed.error());
  }
  if (const Json* inclusion = r.get("inclusion")) {
    auto parsed = parse_inclusion(*inclusion, r.path("inclusion"));
    if (parsed)
      v.inclusion = std::move(*parsed);
    else
      r.adopt(parsed.error());
  }
  if (const Json* consistency = r.get("consistency", /*optional=*/true);
      consistency && !consistency->is_null()) {
    auto parsed = parse_consistency(*consistency, r.path("consistency"));
    if (parsed)
      v.consistency = std::move(*parsed);
    else
      r.adopt(parsed.error());
  }
  v.signature = r.fixed_bytes<64>("signature");
  v.key = r.key_id_hex("key");
  if (!r.ok()) return r.error();
  return v;
}

Result<TsProof> parse_ts_proof(const Json& j, const std::string& where) {
  FieldReader r(j, where);
  TsProof v;
  v.a = r.uint("a");
  v.path = r.hashes("path");
  const Hash ith = r.fixed_bytes<32>("ith");
  const std::string mth = r.text("mth");
  if (const Json* interval = r.get("interval")) {
    auto parsed = parse_interval(*interval, r.path("interval"));
    if (parsed)
      v.head.interval = std::move(*parsed);
    else
      r.adopt(parsed.error());
  }
  if (const Json* inclusion = r.get("inclusion")) {
    auto parsed = parse_inclusion(*inclusion, r.path("inclusion"));
    if (parsed)
      v.head.inclusion = std::move(*parsed);
    else
      r.adopt(parsed.error());
  }
  uint64_t head_interval = 0;
  if (const Json* head = r.get("head")) {
    FieldReader h(*head, r.path("head"));
    v.head.authority = h.text("authority");
    head_interval = h.uint("interval");
    v.head.mth = h.fixed_bytes<32>("mth");
    v.head.signature = h.fixed_bytes<64>("signature");
    v.head.key = h.key_id_hex("key");
    if (!h.ok()) r.adopt(h.error());
  }
  if (!r.ok()) return r.error();

  // The old-protocol fields repeat what the extensions say; they must agree,
  // or a verifier could be shown one thing and check another.
  if (ith != v.head.interval.ith) {
    r.fail("ith", "differs from interval.ith");
  } else if (head_interval != v.head.interval.index) {
    r.fail("head.interval", "differs from interval.index");
  } else if (auto compact = parse_compact_head(mth); !compact) {
    r.fail("mth", compact.error().message);
  } else if (compact->authority != v.head.authority) {
    r.fail("mth", "authority \"" + compact->authority + "\" differs from head.authority \"" +
                      v.head.authority + "\"");
  } else if (compact->interval != v.head.interval.index) {
    r.fail("mth", "interval " + std::to_string(compact->interval) +
                      " differs from interval.index " + std::to_string(v.head.interval.index));
  } else if (compact->mth != v.head.mth) {
    r.fail("mth", "hash differs from head.mth");
  }
  if (!r.ok()) return r.error();
  return v;
}

Result<TsAnswer> parse_ts_answer(const Json& j, const std::string& where) {
  FieldReader r(j, where);
  TsAnswer v;
  v.hash = r.fixed_bytes<32>("hash");
  v.timestamp = r.clock("timestamp");
  r.constant("typ", "ts");
  r.constant("version", "1");
  v.id = r.text("id");
  if (const Json* interval = r.get("interval", /*optional=*/true);
      interval && !interval->is_null()) {
    v.interval = r.uint("interval");
  }
  if (const Json* proof = r.get("proof", /*optional=*/true); proof && !proof->is_null()) {
    auto parsed = parse_ts_proof(*proof, r.path("proof"));
    if (parsed)
      v.proof = std::move(*parsed);
    else
      r.adopt(parsed.error());
  }
  if (r.ok() && v.proof && v.interval && *v.interval != v.proof->head.interval.index) {
    r.fail("interval", "differs from proof.interval.index");
  }
  if (!r.ok()) return r.error();
  return v;
}

}  // namespace

Result<IntervalRecord> interval_from_json(const Json& j) { return parse_interval(j, ""); }
Result<InclusionProof> inclusion_from_json(const Json& j) { return parse_inclusion(j, ""); }
Result<ConsistencyProof> consistency_from_json(const Json& j) { return parse_consistency(j, ""); }
Result<SignedHead> head_from_json(const Json& j) { return parse_head(j, ""); }
Result<TsProof> ts_proof_from_json(const Json& j) { return parse_ts_proof(j, ""); }
Result<TsAnswer> ts_answer_from_json(const Json& j) { return parse_ts_answer(j, ""); }

Result<ProofFile> proof_file_from_json(const Json& j) {
  FieldReader r(j, "");
  ProofFile v;
  r.constant("format", "unchanging.ink/proof");
  if (r.ok() && r.uint("version") != 1) r.fail("version", "expected 1");
  v.authority = r.text("authority");
  v.data = r.text("data");
  if (r.ok() && (v.data.size() > kMaxDataBytes || !is_valid_utf8(v.data))) {
    r.fail("data", "expected UTF-8 text of at most 256 bytes");
  }
  if (const Json* files = r.get("files", /*optional=*/true); files && !files->is_null()) {
    if (!files->is_array()) r.fail("files", "expected an array of names");
    for (size_t i = 0; r.ok() && i < files->size(); ++i) {
      if (!(*files)[i].is_string()) {
        r.fail("files", "expected an array of names");
      } else {
        v.files.push_back((*files)[i].get<std::string>());
      }
    }
  }
  if (const Json* ts = r.get("timestamp")) {
    auto parsed = parse_ts_answer(*ts, "timestamp");
    if (parsed)
      v.timestamp = std::move(*parsed);
    else
      r.adopt(parsed.error());
  }
  if (!r.ok()) return r.error();
  return v;
}

Result<std::vector<PublicKey>> keys_from_json(const Json& j) {
  if (!j.is_array()) return make_error(ErrorCode::kInvalidArgument, "keys: expected an array");
  std::vector<PublicKey> keys;
  for (size_t i = 0; i < j.size(); ++i) {
    FieldReader r(j[i], "keys[" + std::to_string(i) + "]");
    r.constant("algorithm", "ed25519");
    const PublicKey k = r.fixed_bytes<32>("public_key");
    const std::string id = r.key_id_hex("key");
    if (r.ok() && id != key_id(k)) r.fail("key", "is not the key id of public_key");
    if (!r.ok()) return r.error();
    keys.push_back(k);
  }
  return keys;
}

std::string data_for_bytes(ByteView content) {
  const auto digest = sha512(content);
  return "sha512:" + to_hex(digest);
}

std::string data_for_files(std::vector<std::string> per_file_data) {
  // One file is stamped as its own string; several as the sorted list text.
  if (per_file_data.size() == 1) return std::move(per_file_data[0]);
  std::sort(per_file_data.begin(), per_file_data.end());
  std::string text = "[";
  for (size_t i = 0; i < per_file_data.size(); ++i) {
    if (i > 0) text += ", ";
    text += "\"" + per_file_data[i] + "\"";
  }
  text += "]";
  return data_for_bytes(as_bytes(text));
}

}  // namespace ink::core
