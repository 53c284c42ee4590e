#include "core/protocol.h"

#include <gtest/gtest.h>

#include "core/decode.h"
#include "core/encoding.h"
#include "core/json_fast.h"
#include "core/json_write.h"
#include "core/parse.h"
#include "core/proof_file.h"

namespace ink::core {
namespace {

Hash filled(uint8_t seed) {
  Hash h;
  for (size_t i = 0; i < h.size(); ++i) h[i] = static_cast<uint8_t>(seed + i);
  return h;
}

SignedHead sample_head() {
  SignedHead head;
  head.authority = "example.org";
  head.mth = filled(1);
  head.interval = IntervalRecord{6, "2026-11-28T12:00:12.000000Z", filled(2)};
  head.inclusion = InclusionProof{6, 6, 3, {filled(3), filled(4)}};
  head.consistency = ConsistencyProof{5, 6, {filled(5)}};
  head.signature.fill(7);
  head.key = "25dc6af5b9ab0ab0";
  return head;
}

TsAnswer sample_answer() {
  TsAnswer answer;
  answer.hash = filled(8);
  answer.timestamp = "2026-11-28T12:00:11.123456Z";
  answer.id = "0b6f6c5e-5f0e-4c8e-9e57-3b1b7c2f6a10";
  answer.interval = 6;
  TsProof proof;
  proof.a = 2;
  proof.path = {filled(9), filled(10)};
  proof.head = sample_head();
  proof.head.consistency.reset();  // PROOF carries no consistency proof
  answer.proof = proof;
  return answer;
}

void expect_same(const SignedHead& x, const SignedHead& y) {
  EXPECT_EQ(x.authority, y.authority);
  EXPECT_EQ(x.mth, y.mth);
  EXPECT_EQ(x.interval.index, y.interval.index);
  EXPECT_EQ(x.interval.timestamp, y.interval.timestamp);
  EXPECT_EQ(x.interval.ith, y.interval.ith);
  EXPECT_EQ(x.inclusion.head, y.inclusion.head);
  EXPECT_EQ(x.inclusion.leaf, y.inclusion.leaf);
  EXPECT_EQ(x.inclusion.a, y.inclusion.a);
  EXPECT_EQ(x.inclusion.nodes, y.inclusion.nodes);
  ASSERT_EQ(x.consistency.has_value(), y.consistency.has_value());
  if (x.consistency) {
    EXPECT_EQ(x.consistency->old_interval, y.consistency->old_interval);
    EXPECT_EQ(x.consistency->new_interval, y.consistency->new_interval);
    EXPECT_EQ(x.consistency->nodes, y.consistency->nodes);
  }
  EXPECT_EQ(x.signature, y.signature);
  EXPECT_EQ(x.key, y.key);
}

void expect_same(const TsAnswer& x, const TsAnswer& y) {
  EXPECT_EQ(x.hash, y.hash);
  EXPECT_EQ(x.timestamp, y.timestamp);
  EXPECT_EQ(x.id, y.id);
  EXPECT_EQ(x.interval, y.interval);
  ASSERT_EQ(x.proof.has_value(), y.proof.has_value());
  if (x.proof) {
    EXPECT_EQ(x.proof->a, y.proof->a);
    EXPECT_EQ(x.proof->path, y.proof->path);
    expect_same(x.proof->head, y.proof->head);
  }
}

// Both wire forms: JSON text with base64, and canonical CBOR with byte strings.
std::vector<Json> through_the_wire(const Json& doc) {
  auto from_json = decode_json_strict(to_wire_json(doc).dump());
  auto from_cbor = decode_cbor_strict(cbor_encode(doc));
  EXPECT_TRUE(from_json) << from_json.error().message;
  EXPECT_TRUE(from_cbor) << from_cbor.error().message;
  if (!from_json || !from_cbor) return {};
  EXPECT_EQ(*from_cbor, doc);
  return {*from_json, *from_cbor};
}

TEST(ProtocolJson, HeadObjectShape) {
  const Json j = to_wire_json(to_json(sample_head()));
  EXPECT_EQ(j["authority"], "example.org");
  EXPECT_EQ(j["version"], "1");
  EXPECT_EQ(j["mth"], to_base64(filled(1)));
  EXPECT_EQ(j["interval"]["typ"], "it");
  EXPECT_EQ(j["interval"]["index"], 6);
  EXPECT_EQ(j["inclusion"]["nodes"][1], to_base64(filled(4)));
  EXPECT_EQ(j["consistency"]["old_interval"], 5);
  EXPECT_EQ(j["key"], "25dc6af5b9ab0ab0");
  EXPECT_EQ(j.size(), 8u);
}

TEST(ProtocolJson, ProofObjectShape) {
  const TsAnswer answer = sample_answer();
  const Json j = to_wire_json(to_json(answer));
  EXPECT_EQ(j["typ"], "ts");
  EXPECT_EQ(j["interval"], 6);
  const Json& p = j["proof"];
  EXPECT_EQ(p["a"], 2);
  EXPECT_EQ(p["ith"], to_base64(filled(2)));
  EXPECT_EQ(p["mth"], "example.org/6#v1:" + to_base64url(filled(1)));
  EXPECT_EQ(p["interval"]["ith"], p["ith"]);
  EXPECT_EQ(p["inclusion"]["head"], 6);
  EXPECT_EQ(p["head"]["interval"], 6);
  EXPECT_EQ(p["head"]["signature"], to_base64(answer.proof->head.signature));
  EXPECT_FALSE(p["head"].contains("consistency"));

  TsAnswer pending = answer;
  pending.proof.reset();
  pending.interval.reset();
  const Json k = to_json(pending);
  EXPECT_TRUE(k["proof"].is_null());
  EXPECT_TRUE(k["interval"].is_null());
}

TEST(ProtocolJson, SharedHeadJsonIsTheGenericAnswerByteForByte) {
  // Heads of different shapes: index 0 and large, with and without inclusion
  // nodes and consistency proof, an authority that needs escaping.
  std::vector<SignedHead> heads;
  SignedHead head = sample_head();
  heads.push_back(head);
  head.consistency.reset();
  head.inclusion.nodes.clear();
  head.interval.index = 0;
  head.inclusion.head = head.inclusion.leaf = 0;
  heads.push_back(head);
  head = sample_head();
  head.interval.index = 9007199254740993ULL;  // above 2^53
  head.inclusion.nodes.assign(40, filled(77));
  head.authority = "ex\"ample.org/\u00e9";
  heads.push_back(head);

  size_t compared = 0;
  for (const SignedHead& h : heads) {
    const SharedHeadJson shared(h);
    for (size_t length : {0, 1, 2, 7, 20, 64}) {
      for (uint64_t a : {uint64_t(0), uint64_t(1), uint64_t(length), uint64_t(1) << 40}) {
        TsAnswer answer;
        answer.hash = filled(uint8_t(length + a));
        answer.timestamp = "2026-11-28T12:00:11.123456Z";
        answer.id = length == 7 ? "not \"a\" uuid\n" : "0b6f6c5e-5f0e-4c8e-9e57-3b1b7c2f6a10";
        answer.interval = h.interval.index;
        TsProof proof{a, {}, h};
        for (size_t i = 0; i < length; ++i) proof.path.push_back(filled(uint8_t(i * 3)));
        answer.proof = proof;
        EXPECT_EQ(shared.answer(answer.hash, answer.timestamp, answer.id, a, proof.path),
                  to_wire_json(to_json(answer)).dump())
            << "index " << h.interval.index << ", path " << length << ", a " << a;
        ++compared;
      }
    }
  }
  EXPECT_EQ(compared, 3u * 6 * 4);
}

TEST(ProtocolJson, PendingAnswerJsonIsTheGenericAnswerByteForByte) {
  for (const char* id : {"0b6f6c5e-5f0e-4c8e-9e57-3b1b7c2f6a10", "", "quote \" and \\ and \x01"}) {
    TsAnswer answer;
    answer.hash = filled(uint8_t(id[0]));
    answer.timestamp = "2026-11-28T12:00:11.000001Z";
    answer.id = id;
    EXPECT_EQ(pending_answer_json(answer.hash, answer.timestamp, answer.id),
              to_wire_json(to_json(answer)).dump())
        << id;
  }
}

TEST(ProtocolJson, RoundTripsEveryObject) {
  const SignedHead head = sample_head();
  for (const Json& j : through_the_wire(to_json(head))) {
    auto parsed = head_from_json(j);
    ASSERT_TRUE(parsed) << parsed.error().message;
    expect_same(*parsed, head);
  }
  SignedHead first = head;
  first.consistency.reset();
  for (const Json& j : through_the_wire(to_json(first))) expect_same(*head_from_json(j), first);

  const TsAnswer answer = sample_answer();
  for (const Json& j : through_the_wire(to_json(answer))) {
    auto parsed = ts_answer_from_json(j);
    ASSERT_TRUE(parsed) << parsed.error().message;
    expect_same(*parsed, answer);
  }
  TsAnswer pending = answer;
  pending.proof.reset();
  pending.interval.reset();
  for (const Json& j : through_the_wire(to_json(pending))) {
    expect_same(*ts_answer_from_json(j), pending);
  }

  const ProofFile file{"example.org", "sha512:00", {"a.txt", "b.txt"}, answer, std::nullopt, {}};
  for (const Json& j : through_the_wire(to_json(file))) {
    auto parsed = proof_file_from_json(j);
    ASSERT_TRUE(parsed) << parsed.error().message;
    EXPECT_EQ(parsed->authority, file.authority);
    EXPECT_EQ(parsed->data, file.data);
    EXPECT_EQ(parsed->files, file.files);
    expect_same(parsed->timestamp, answer);
  }

  for (const Json& j : through_the_wire(to_json(head.inclusion))) {
    auto parsed = inclusion_from_json(j);
    ASSERT_TRUE(parsed);
    EXPECT_EQ(parsed->nodes, head.inclusion.nodes);
  }
  for (const Json& j : through_the_wire(to_json(*head.consistency))) {
    auto parsed = consistency_from_json(j);
    ASSERT_TRUE(parsed);
    EXPECT_EQ(parsed->nodes, head.consistency->nodes);
    EXPECT_EQ(parsed->old_interval, 5u);
  }

  const PublicKey keys[] = {filled(20), filled(30)};
  for (const Json& j : through_the_wire(keys_json(keys))) {
    auto parsed = keys_from_json(j);
    ASSERT_TRUE(parsed) << parsed.error().message;
    ASSERT_EQ(parsed->size(), 2u);
    EXPECT_EQ((*parsed)[1], keys[1]);
  }
}

// Parses `doc` after `edit`, expecting a failure whose message contains `words`.
template <class Parse, class Edit>
void expect_rejected(Parse parse, Json doc, Edit edit, std::string_view words) {
  edit(doc);
  auto r = parse(doc);
  ASSERT_FALSE(r) << doc.dump();
  EXPECT_EQ(r.error().code, ErrorCode::kInvalidArgument);
  EXPECT_NE(r.error().message.find(words), std::string::npos)
      << "message \"" << r.error().message << "\" lacks \"" << words << "\"";
}

TEST(ProtocolJson, ProofRedundantFieldsMustAgree) {
  const Json j = to_wire_json(to_json(sample_answer()));
  const auto parse = [](const Json& d) { return ts_answer_from_json(d); };
  expect_rejected(
      parse, j, [](Json& d) { d["proof"]["ith"] = to_base64(filled(99)); },
      "proof.ith: differs from interval.ith");
  expect_rejected(
      parse, j, [](Json& d) { d["proof"]["mth"] = "example.com/6#v1:" + to_base64url(filled(1)); },
      "proof.mth: authority");
  expect_rejected(
      parse, j, [](Json& d) { d["proof"]["mth"] = "example.org/7#v1:" + to_base64url(filled(1)); },
      "proof.mth: interval 7");
  expect_rejected(
      parse, j, [](Json& d) { d["proof"]["mth"] = "example.org/6#v1:" + to_base64url(filled(2)); },
      "proof.mth: hash differs");
  expect_rejected(
      parse, j, [](Json& d) { d["proof"]["mth"] = "example.org/6"; }, "proof.mth: compact");
  expect_rejected(
      parse, j, [](Json& d) { d["proof"]["head"]["interval"] = 5; },
      "proof.head.interval: differs");
  expect_rejected(
      parse, j, [](Json& d) { d["interval"] = 5; }, "interval: differs");
}

TEST(ProtocolJson, RejectsWrongTypesWithFieldNames) {
  const Json j = to_wire_json(to_json(sample_answer()));
  const auto parse = [](const Json& d) { return ts_answer_from_json(d); };
  expect_rejected(
      parse, j, [](Json& d) { d["proof"]["a"] = 2.0; }, "proof.a: expected an integer");
  expect_rejected(
      parse, j, [](Json& d) { d["proof"]["a"] = 2.5; }, "proof.a");
  expect_rejected(
      parse, j, [](Json& d) { d["proof"]["a"] = -1; }, "proof.a");
  expect_rejected(
      parse, j, [](Json& d) { d["proof"]["a"] = "2"; }, "proof.a");
  expect_rejected(
      parse, j, [](Json& d) { d["proof"]["a"] = true; }, "proof.a");
  expect_rejected(
      parse, j, [](Json& d) { d["proof"]["inclusion"]["head"] = 6.0; }, "proof.inclusion.head");
  expect_rejected(
      parse, j, [](Json& d) { d["proof"]["interval"]["index"] = 1e300; }, "proof.interval.index");
  expect_rejected(
      parse, j, [](Json& d) { d["hash"] = "AAAA"; }, "hash: expected 32 bytes");
  expect_rejected(
      parse, j, [](Json& d) { d["hash"] = "not base64!"; }, "hash: base64");
  expect_rejected(
      parse, j, [](Json& d) { d["hash"] = 5; }, "hash: expected bytes");
  expect_rejected(
      parse, j, [](Json& d) { d["proof"]["path"][1] = to_base64(Bytes(31, 0)); },
      "proof.path[1]: expected 32 bytes");
  expect_rejected(
      parse, j, [](Json& d) { d["proof"]["path"] = "x"; }, "proof.path");
  expect_rejected(
      parse, j, [](Json& d) { d["proof"]["head"]["signature"] = to_base64(Bytes(63, 0)); },
      "proof.head.signature: expected 64 bytes");
  expect_rejected(
      parse, j, [](Json& d) { d["proof"]["head"]["key"] = "25DC6AF5B9AB0AB0"; }, "proof.head.key");
  expect_rejected(
      parse, j, [](Json& d) { d["timestamp"] = "2026-11-28 12:00:11Z"; }, "timestamp: clock");
  expect_rejected(
      parse, j,
      [](Json& d) { d["proof"]["interval"]["timestamp"] = "2026-02-30T12:00:00.000000Z"; },
      "proof.interval.timestamp");
  expect_rejected(
      parse, j, [](Json& d) { d["typ"] = "it"; }, "typ");
  expect_rejected(
      parse, j, [](Json& d) { d["version"] = 1; }, "version");
  expect_rejected(
      parse, j, [](Json& d) { d.erase("id"); }, "id: missing");
  expect_rejected(
      parse, j, [](Json& d) { d["proof"]["interval"].erase("ith"); },
      "proof.interval.ith: missing");
  expect_rejected(
      parse, j, [](Json& d) { d["proof"]["inclusion"]["leaf"] = 7; },
      "proof.inclusion.leaf: is beyond head");
  expect_rejected(
      parse, j, [](Json& d) { d["proof"] = Json::array(); }, "proof: expected an object");
  expect_rejected(
      parse, j, [](Json& d) { d = "text"; }, "document: expected an object");

  const Json head = to_wire_json(to_json(sample_head()));
  const auto parse_head = [](const Json& d) { return head_from_json(d); };
  expect_rejected(
      parse_head, head, [](Json& d) { d["consistency"]["old_interval"] = 7; },
      "consistency.old_interval");
  expect_rejected(
      parse_head, head, [](Json& d) { d["inclusion"]["nodes"] = Json::array({1}); },
      "inclusion.nodes[0]");

  const Json file = to_wire_json(
      to_json(ProofFile{"example.org", "sha512:00", {}, sample_answer(), std::nullopt, {}}));
  const auto parse_file = [](const Json& d) { return proof_file_from_json(d); };
  expect_rejected(
      parse_file, file, [](Json& d) { d["format"] = "other"; }, "format");
  expect_rejected(
      parse_file, file, [](Json& d) { d["version"] = 2; }, "version");
  expect_rejected(
      parse_file, file, [](Json& d) { d["data"] = std::string(257, 'x'); }, "data");
  expect_rejected(
      parse_file, file, [](Json& d) { d["files"] = Json::array({1}); }, "files");
  expect_rejected(
      parse_file, file, [](Json& d) { d["timestamp"]["proof"]["a"] = "x"; }, "timestamp.proof.a");

  const PublicKey key = filled(20);
  const auto parse_keys = [](const Json& d) { return keys_from_json(d); };
  expect_rejected(
      parse_keys, to_wire_json(keys_json(std::span(&key, 1))),
      [](Json& d) { d[0]["key"] = "0000000000000000"; }, "keys[0].key");
  expect_rejected(
      parse_keys, to_wire_json(keys_json(std::span(&key, 1))),
      [](Json& d) { d[0]["algorithm"] = "rsa"; }, "keys[0].algorithm");
}

TEST(ProtocolJson, IgnoresUnknownFields) {
  Json j = to_wire_json(to_json(sample_answer()));
  j["future_extension"] = Json{{"x", 1}};
  j["proof"]["another"] = 5;
  EXPECT_TRUE(ts_answer_from_json(j));
}

}  // namespace
}  // namespace ink::core
