// Witness cosignatures through the real backend (docs/witness.md): the
// accepted witnesses, submissions checked and stored once, every kind of bad
// submission refused with its status and nothing stored, heads carrying their
// cosignatures, and the newest head with a quorum.

#include <fstream>

#include "backend/backend_stack.h"
#include "core/cbor.h"
#include "core/cosignature.h"

namespace ink {
namespace {

struct TestWitness {
  std::string name;
  core::SigningKey key;
};

TestWitness make_witness(const std::string& name) {
  auto key = core::SigningKey::generate();
  EXPECT_TRUE(key.ok());
  return {name, *key};
}

core::Hash head_mth(const Stack& s, uint64_t i) {
  auto j = parse_json(http_get(s.base, "/api/v1/mth/" + std::to_string(i)).body);
  auto mth = core::hash_from_base64(j.at("mth").get<std::string>());
  EXPECT_TRUE(mth.ok());
  return mth.ok() ? *mth : core::Hash{};
}

std::string cosig_json(const TestWitness& w, const std::string& name, uint64_t i,
                       const core::Hash& mth) {
  auto sig = w.key.sign(core::cosignature_statement(kAuthority, i, mth, name));
  return Json{{"witness", w.key.key_id()}, {"signature", core::to_base64(sig)}}.dump();
}

TEST(Witnesses, CosignaturesAreCheckedStoredOnceAndServedWithTheirHeads) {
  auto w1 = make_witness("witness-one.example"), w2 = make_witness("Zeugin zwei"),
       stranger = make_witness("stranger");
  std::string dir = test::testenv_dir() + "/witnesses-" + std::to_string(getpid());
  std::system(("mkdir -p " + dir).c_str());
  std::string list = dir + "/witnesses.json";
  std::ofstream(list) << Json::array({{{"name", w1.name},
                                       {"public_key", core::to_base64(w1.key.public_key())}},
                                      {{"name", w2.name},
                                       {"public_key", core::to_base64(w2.key.public_key())}}})
                             .dump();
  StackOptions options;
  options.backend_env = {{"INK_WITNESSES", list}};
  Stack s(options);
  ASSERT_TRUE(s.ready());
  ASSERT_TRUE(test::wait_until(
      [&] {
        auto head = parse_json(http_get(s.base, "/api/v1/mth/current").body);
        return head.is_object() && head["interval"].value("index", 0) >= 2;
      },
      20s));
  const uint64_t i = 1, j = 2;
  const auto mth_i = head_mth(s, i), mth_j = head_mth(s, j);

  auto listed = parse_json(http_get(s.base, "/api/v1/witnesses").body);
  ASSERT_EQ(listed.size(), 2u) << listed.dump();
  EXPECT_EQ(listed[0]["name"], w1.name);
  EXPECT_EQ(listed[0]["key"], w1.key.key_id());
  EXPECT_EQ(listed[1]["public_key"], core::to_base64(w2.key.public_key()));

  std::string target = "/api/v1/mth/" + std::to_string(i) + "/cosignatures";
  auto first = post(s, target, cosig_json(w1, w1.name, i, mth_i), "application/json");
  ASSERT_EQ(first.status, 200) << first.body;
  EXPECT_EQ(parse_json(first.body).value("stored", ""), "new");
  auto again = post(s, target, cosig_json(w1, w1.name, i, mth_i), "application/json");
  ASSERT_EQ(again.status, 200) << again.body;
  EXPECT_EQ(parse_json(again.body).value("stored", ""), "known");
  // CBOR, the signature as bytes.
  auto sig2 = w2.key.sign(core::cosignature_statement(kAuthority, i, mth_i, w2.name));
  auto cbor = core::cbor_encode(
      Json{{"witness", w2.key.key_id()}, {"signature", Json::binary(core::Bytes(sig2.begin(), sig2.end()))}});
  auto second = post(s, target, std::string(cbor.begin(), cbor.end()), "application/cbor");
  ASSERT_EQ(second.status, 200) << second.body;
  EXPECT_EQ(parse_cbor(second.body).value("name", ""), w2.name);
  EXPECT_EQ(s.count("SELECT count(*) FROM cosignature"), 2);

  // Refused, each with its status, and nothing stored.
  expect_error(post(s, target, cosig_json(stranger, stranger.name, i, mth_i), "application/json"),
               403, "unknown_witness");
  expect_error(post(s, target, cosig_json(w1, "another name", i, mth_i), "application/json"), 400,
               "bad_signature");
  expect_error(post(s, target, cosig_json(w1, w1.name, j, mth_j), "application/json"), 400,
               "bad_signature");  // head j's statement presented for head i
  expect_error(post(s, "/api/v1/mth/999999999/cosignatures",
                    cosig_json(w1, w1.name, 999999999, mth_i), "application/json"),
               404, "not_found");
  expect_error(post(s, "/api/v1/mth/x/cosignatures", cosig_json(w1, w1.name, i, mth_i),
                    "application/json"),
               400, "bad_request");
  expect_error(post(s, target, "{not json", "application/json"), 400, "bad_request");
  expect_error(post(s, target, "[]", "application/json"), 400, "bad_request");
  expect_error(post(s, target, Json{{"witness", w1.key.key_id()}}.dump(), "application/json"), 400,
               "bad_request");
  expect_error(post(s, target, Json{{"witness", w1.key.key_id()}, {"signature", "AAAA"}}.dump(),
                    "application/json"),
               400, "bad_request");
  expect_error(post(s, target, Json{{"witness", w1.key.key_id()}, {"signature", "%%%"}}.dump(),
                    "application/json"),
               400, "bad_request");
  expect_error(post(s, target, "<x/>", "application/xml"), 415, "unsupported_media_type");
  auto huge = post(s, target,
                   Json{{"witness", std::string(20000, 'a')}, {"signature", ""}}.dump(),
                   "application/json");
  EXPECT_EQ(huge.status, 413) << huge.body;
  EXPECT_EQ(s.count("SELECT count(*) FROM cosignature"), 2);

  // The head carries its cosignatures, each verifiable; it is no longer immutable.
  auto head = http_get(s.base, "/api/v1/mth/" + std::to_string(i));
  EXPECT_EQ(head.header("cache-control"), "no-cache");
  auto cosigs = parse_json(head.body).at("cosignatures");
  ASSERT_EQ(cosigs.size(), 2u) << head.body;
  for (const auto& c : cosigs) {
    const auto& w = c["name"] == w1.name ? w1 : w2;
    EXPECT_EQ(c["witness"], w.key.key_id());
    auto sig = core::from_base64(c["signature"].get<std::string>());
    ASSERT_TRUE(sig.ok() && sig->size() == 64);
    core::Signature signature{};
    std::copy(sig->begin(), sig->end(), signature.begin());
    EXPECT_TRUE(core::verify_cosignature(w.key.public_key(), w.name, kAuthority, i, mth_i, signature));
  }
  EXPECT_TRUE(parse_json(http_get(s.base, "/api/v1/mth/" + std::to_string(j)).body)
                  .at("cosignatures")
                  .empty());

  // The newest head with a quorum, with a consistency proof from an older head.
  ASSERT_EQ(post(s, "/api/v1/mth/" + std::to_string(j) + "/cosignatures",
                 cosig_json(w1, w1.name, j, mth_j), "application/json")
                .status,
            200);
  auto quorum2 = parse_json(http_get(s.base, "/api/v1/mth/cosigned?quorum=2&from=0").body);
  EXPECT_EQ(quorum2["head"]["interval"].value("index", -1), int(i)) << quorum2.dump();
  EXPECT_EQ(quorum2["head"]["cosignatures"].size(), 2u);
  ASSERT_TRUE(quorum2.contains("consistency")) << quorum2.dump();
  auto quorum1 = parse_json(http_get(s.base, "/api/v1/mth/cosigned?quorum=1").body);
  EXPECT_EQ(quorum1["head"]["interval"].value("index", -1), int(j));
  EXPECT_FALSE(quorum1.contains("consistency"));
  expect_error(http_get(s.base, "/api/v1/mth/cosigned?quorum=3"), 400, "bad_request");
  expect_error(http_get(s.base, "/api/v1/mth/cosigned?quorum=2&from=99"), 400, "bad_request");
  expect_error(http_get(s.base, "/api/v1/mth/cosigned?quorum=zero"), 400, "bad_request");
}

TEST(Witnesses, AStartWithABadWitnessListIsRefusedWithTheReason) {
  std::string dir = test::testenv_dir() + "/witnesses-bad-" + std::to_string(getpid());
  std::system(("mkdir -p " + dir).c_str());
  std::ofstream(dir + "/witnesses.json") << R"([{"name": "w", "public_key": "AAAA"}])";
  test::Process backend({test::bin_dir() + "/ink-backend", "--database-url",
                         test::fresh_database("witnesses_bad"), "--listen",
                         "127.0.0.1:" + std::to_string(free_port())},
                        {{"INK_WITNESSES", dir + "/witnesses.json"}}, dir + "/backend.log");
  ASSERT_TRUE(test::wait_until([&] { return !backend.running(); }, 20s));
  EXPECT_EQ(backend.wait(), 1);
  EXPECT_NE(test::read_file(dir + "/backend.log").find("32 bytes"), std::string::npos)
      << test::read_file(dir + "/backend.log");
}

}  // namespace
}  // namespace ink
