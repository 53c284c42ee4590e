// Witness cosignatures through the real backend (docs/witness.md): the
// accepted witnesses, submissions checked and stored once, every kind of bad
// submission refused with its status and nothing stored, heads carrying their
// cosignatures, and the newest head with a quorum.

#include <signal.h>

#include <fstream>
#include <random>
#include <sstream>
#include <thread>

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
  std::ofstream(list)
      << Json::array({{{"name", w1.name}, {"public_key", core::to_base64(w1.key.public_key())}},
                      {{"name", w2.name}, {"public_key", core::to_base64(w2.key.public_key())}}})
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
  auto cbor =
      core::cbor_encode(Json{{"witness", w2.key.key_id()},
                             {"signature", Json::binary(core::Bytes(sig2.begin(), sig2.end()))}});
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
  expect_error(
      post(s, "/api/v1/mth/x/cosignatures", cosig_json(w1, w1.name, i, mth_i), "application/json"),
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
  auto huge = post(s, target, Json{{"witness", std::string(20000, 'a')}, {"signature", ""}}.dump(),
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
    EXPECT_TRUE(
        core::verify_cosignature(w.key.public_key(), w.name, kAuthority, i, mth_i, signature));
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
  expect_error(http_get(s.base, "/api/v1/mth/cosigned?quorum=2&from=99"), 404, "not_found");
  expect_error(http_get(s.base, "/api/v1/mth/cosigned?quorum=zero"), 400, "bad_request");
}

TEST(Witnesses, AStartWithABadWitnessListIsRefusedWithTheReason) {
  std::string dir = test::testenv_dir() + "/witnesses-bad-" + std::to_string(getpid());
  std::system(("mkdir -p " + dir).c_str());
  std::ofstream(dir + "/witnesses.json") << R"([{"name": "w", "public_key": "AAAA"}])";
  test::Process backend(
      {test::bin_dir() + "/ink-backend", "--database-url", test::fresh_database("witnesses_bad"),
       "--listen", "127.0.0.1:" + std::to_string(free_port())},
      {{"INK_WITNESSES", dir + "/witnesses.json"}}, dir + "/backend.log");
  ASSERT_TRUE(test::wait_until([&] { return !backend.running(); }, 20s));
  EXPECT_EQ(backend.wait(), 1);
  EXPECT_NE(test::read_file(dir + "/backend.log").find("32 bytes"), std::string::npos)
      << test::read_file(dir + "/backend.log");
}

// `ink` run to its end; its output (stdout and stderr) and exit status.
std::pair<int, std::string> ink(const std::vector<std::string>& args, const std::string& log) {
  std::vector<std::string> argv{test::bin_dir() + "/ink"};
  argv.insert(argv.end(), args.begin(), args.end());
  test::Process p(argv, {}, log);
  int status = p.wait();
  return {status, test::read_file(log)};
}

// The first line of `text` that is a JSON object.
Json first_json_line(const std::string& text) {
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);)
    if (!line.empty() && line[0] == '{') return Json::parse(line, nullptr, false);
  return Json();
}

TEST(Witnesses, InkWitnessCosignsEveryHeadSurvivesKillNineAndRefusesAFork) {
  std::string dir = test::testenv_dir() + "/witness-follow-" + std::to_string(getpid());
  std::system(("rm -rf " + dir + " && mkdir -p " + dir).c_str());
  // Three witness keys from `ink witness keygen`, listed by the log.
  Json list = Json::array();
  for (std::string name : {"alpha", "beta", "gamma"}) {
    auto [status, output] =
        ink({"witness", "keygen", "--key", dir + "/" + name + ".pem", "--name", name},
            dir + "/keygen-" + name + ".log");
    ASSERT_EQ(status, 0) << output;
    auto entry = first_json_line(output);
    ASSERT_EQ(entry.value("name", ""), name) << output;
    list.push_back(entry);
  }
  auto again = ink({"witness", "keygen", "--key", dir + "/alpha.pem"}, dir + "/keygen-again.log");
  EXPECT_EQ(again.first, 2) << "a key is never overwritten: " << again.second;
  std::ofstream(dir + "/witnesses.json") << list.dump();

  StackOptions options;
  options.backend_env = {{"INK_WITNESSES", dir + "/witnesses.json"}};
  Stack s(options);
  ASSERT_TRUE(s.ready());
  auto key = ink({"key", "--server", s.base}, dir + "/key.log");
  ASSERT_EQ(key.first, 0) << key.second;
  std::ofstream(dir + "/log-key.json") << key.second.substr(key.second.find('['));

  auto witness = [&](const std::string& name, const std::string& server,
                     std::vector<std::string> extra = {}) {
    std::vector<std::string> argv{test::bin_dir() + "/ink",
                                  "witness",
                                  "--server",
                                  server,
                                  "--log-key",
                                  dir + "/log-key.json",
                                  "--key",
                                  dir + "/" + name + ".pem",
                                  "--name",
                                  name,
                                  "--state",
                                  dir + "/state-" + name,
                                  "--poll",
                                  "0.1"};
    argv.insert(argv.end(), extra.begin(), extra.end());
    return std::make_unique<test::Process>(argv, std::map<std::string, std::string>{},
                                           dir + "/witness-" + name + ".log");
  };
  auto alpha = witness("alpha", s.base);
  auto beta = witness("beta", s.base);
  auto gamma = witness("gamma", s.base);

  // alpha is killed -9 at random moments and restarted, beta runs throughout.
  std::mt19937 rng(std::random_device{}());
  for (int round = 0; round < 6; ++round) {
    std::this_thread::sleep_for(std::chrono::milliseconds(150 + rng() % 400));
    alpha->signal(SIGKILL);
    alpha->wait();
    alpha = witness("alpha", s.base);
  }
  auto newest = [&] { return s.count("SELECT coalesce(max(idx), 0) FROM interval"); };
  // Each witness starts from the head current when it first ran (docs/witness.md),
  // so the heads all three must cosign begin at the latest of those starts.
  ASSERT_TRUE(test::wait_until(
      [&] { return s.count("SELECT count(DISTINCT witness_key) FROM cosignature") == 3; }, 20s));
  const int64_t first = s.count(
      "SELECT max(m) FROM (SELECT min(idx) AS m FROM cosignature GROUP BY witness_key) starts");
  ASSERT_TRUE(test::wait_until([&] { return newest() >= first + 6; }, 20s));  // enough to say much
  const int64_t upto = newest();
  // Every head from the first cosigned on gets all three cosignatures within two intervals.
  ASSERT_TRUE(test::wait_until(
      [&] {
        return s.count("SELECT count(*) FROM interval i WHERE i.idx BETWEEN " +
                       std::to_string(first) + " AND " + std::to_string(upto) +
                       " AND (SELECT count(*) FROM cosignature c WHERE c.idx = i.idx) < 3") == 0;
      },
      10s))
      << test::read_file(dir + "/witness-alpha.log");
  // Per witness on /metrics (refreshed every 5 s): the newest head it cosigned, and its lag.
  ASSERT_TRUE(test::wait_until(
      [&] {
        auto body = http_get(s.base, "/api/metrics").body;
        auto at = body.find("ink_witness_newest_cosigned_interval{witness=\"beta\"} ");
        return at != std::string::npos &&
               std::strtod(body.c_str() + at + 53, nullptr) >= double(upto) &&
               body.find("ink_witness_lag_intervals{witness=\"alpha\"} ") != std::string::npos;
      },
      15s))
      << http_get(s.base, "/api/metrics").body;

  // Every stored cosignature is its witness's over the very head stored.
  std::map<std::string, std::pair<std::string, core::PublicKey>> by_key;
  for (const auto& e : list) {
    auto pk = core::from_base64(e["public_key"].get<std::string>());
    ASSERT_TRUE(pk.ok());
    core::PublicKey k{};
    std::copy(pk->begin(), pk->end(), k.begin());
    by_key[core::key_id(k)] = {e["name"], k};
  }
  auto rows = test::query_value(
      s.db,
      "SELECT string_agg(c.idx || ' ' || c.witness_key || ' ' || encode(c.signature, "
      "'hex') || ' ' || encode(i.mth, 'hex'), ';') FROM cosignature c JOIN interval i "
      "USING (idx)");
  std::istringstream rows_in(rows);
  int checked = 0;
  for (std::string row; std::getline(rows_in, row, ';');) {
    std::istringstream f(row);
    uint64_t idx;
    std::string witness_key, sig_hex, mth_hex;
    f >> idx >> witness_key >> sig_hex >> mth_hex;
    auto sig = core::from_hex(sig_hex);
    auto mth = core::hash_from_hex(mth_hex);
    ASSERT_TRUE(sig.ok() && mth.ok() && by_key.count(witness_key)) << row;
    core::Signature signature{};
    std::copy(sig->begin(), sig->end(), signature.begin());
    EXPECT_TRUE(core::verify_cosignature(by_key[witness_key].second, by_key[witness_key].first,
                                         kAuthority, idx, *mth, signature))
        << row;
    ++checked;
  }
  EXPECT_GE(checked, 3 * (upto - first + 1));

  // A split view: a second log with the same key and authority but its own
  // history. beta, shown it, cosigns nothing of it, keeps the evidence, exits 1.
  beta->signal(SIGTERM);
  EXPECT_EQ(beta->wait(), 0);
  auto beta_cosigned = [&] {
    auto state = Json::parse(test::read_file(dir + "/state-beta/state.json"));
    return state["cosigned"]["index"].get<int64_t>();
  };
  const int64_t k = beta_cosigned();
  Stack fork(options);  // same folder, so the same worker key
  ASSERT_TRUE(fork.ready());
  ASSERT_TRUE(test::wait_until(
      [&] { return fork.count("SELECT coalesce(max(idx), 0) FROM interval") >= k; }, 60s));
  auto fork_rows_before = fork.count("SELECT count(*) FROM cosignature");
  auto forked = witness("beta", fork.base);
  ASSERT_TRUE(test::wait_until([&] { return !forked->running(); }, 30s));
  EXPECT_EQ(forked->wait(), 1);
  std::string output = test::read_file(dir + "/witness-beta.log");
  EXPECT_NE(output.find("MISBEHAVIOUR"), std::string::npos) << output;
  EXPECT_NE(output.find("evidence saved to"), std::string::npos) << output;
  EXPECT_EQ(fork.count("SELECT count(*) FROM cosignature"), fork_rows_before)
      << "the witness cosigned a head of the fork";
  EXPECT_EQ(beta_cosigned(), k) << "the state moved onto the fork";
  bool evidence = false;
  for (const auto& f : std::filesystem::directory_iterator(dir + "/state-beta"))
    evidence |= f.path().filename().string().rfind("evidence-", 0) == 0;
  EXPECT_TRUE(evidence);

  // A proof from the fork does not pass `ink verify --witnesses`: no witness
  // cosigned that branch.
  std::ofstream(dir + "/forked.txt") << "stamped on the fork\n";
  auto stamped =
      ink({"stamp", dir + "/forked.txt", "--server", fork.base}, dir + "/fork-stamp.log");
  ASSERT_EQ(stamped.first, 0) << stamped.second;
  auto listed = ink({"key", "--witnesses", "--server", s.base}, dir + "/key-witnesses.log");
  ASSERT_EQ(listed.first, 0) << listed.second;
  std::ofstream(dir + "/trusted.json") << listed.second.substr(listed.second.find('['));
  auto forked_verify = ink({"verify", dir + "/forked.txt", "--server", fork.base, "--witnesses",
                            dir + "/trusted.json", "--quorum", "1"},
                           dir + "/fork-verify.log");
  EXPECT_EQ(forked_verify.first, 1) << forked_verify.second;
  EXPECT_NE(forked_verify.second.find("INVALID: step \"witnesses\""), std::string::npos)
      << forked_verify.second;
}

TEST(Witnesses, UpgradedProofVerifiesWithAQuorumOfflineAndFailsOtherwise) {
  std::string dir = test::testenv_dir() + "/witness-verify-" + std::to_string(getpid());
  std::system(("rm -rf " + dir + " && mkdir -p " + dir).c_str());
  auto keygen = [&](const std::string& name) {
    auto [status, output] =
        ink({"witness", "keygen", "--key", dir + "/" + name + ".pem", "--name", name},
            dir + "/keygen-" + name + ".log");
    EXPECT_EQ(status, 0) << output;
    return first_json_line(output);
  };
  Json alpha = keygen("alpha"), beta = keygen("beta"), gamma = keygen("gamma");
  auto write_list = [&](const std::string& file, Json list) {
    std::ofstream(dir + "/" + file) << list.dump();
    return dir + "/" + file;
  };
  std::string listed = write_list("witnesses.json", Json::array({alpha, beta}));
  std::string other = write_list("other.json", Json::array({alpha, gamma}));
  StackOptions options;
  options.backend_env = {{"INK_WITNESSES", listed}};
  Stack s(options);
  ASSERT_TRUE(s.ready());
  auto key = ink({"key", "--server", s.base}, dir + "/key.log");
  ASSERT_EQ(key.first, 0) << key.second;
  std::ofstream(dir + "/log-key.json") << key.second.substr(key.second.find('['));
  std::vector<std::unique_ptr<test::Process>> witnesses;
  for (std::string name : {"alpha", "beta"})
    witnesses.push_back(std::make_unique<test::Process>(
        std::vector<std::string>{test::bin_dir() + "/ink", "witness", "--server", s.base,
                                 "--log-key", dir + "/log-key.json", "--key",
                                 dir + "/" + name + ".pem", "--name", name, "--state",
                                 dir + "/state-" + name, "--poll", "0.1"},
        std::map<std::string, std::string>{}, dir + "/witness-" + name + ".log"));

  std::ofstream(dir + "/doc.txt") << "witnessed document\n";
  auto stamped = ink({"stamp", dir + "/doc.txt", "--server", s.base}, dir + "/stamp.log");
  ASSERT_EQ(stamped.first, 0) << stamped.second;
  const std::string proof = dir + "/doc.txt.ink.json";
  // Offline before the upgrade: the file carries no cosigned head.
  auto verify = [&](std::vector<std::string> extra, const std::string& log) {
    std::vector<std::string> args{"verify", dir + "/doc.txt", "--key", dir + "/log-key.json"};
    args.insert(args.end(), extra.begin(), extra.end());
    return ink(args, dir + "/" + log);
  };
  auto before = verify({"--witnesses", listed, "--quorum", "2"}, "verify-before.log");
  EXPECT_EQ(before.first, 1) << before.second;
  EXPECT_NE(before.second.find("ink upgrade adds it"), std::string::npos) << before.second;

  std::pair<int, std::string> upgraded;
  ASSERT_TRUE(test::wait_until(
      [&] {
        upgraded = ink({"upgrade", proof, "--server", s.base}, dir + "/upgrade.log");
        return upgraded.first == 0;
      },
      20s))
      << upgraded.second;
  EXPECT_NE(upgraded.second.find("2 of the 2 witnesses you listed"), std::string::npos)
      << upgraded.second;
  auto file = Json::parse(test::read_file(proof));
  ASSERT_TRUE(file.contains("witnessed")) << file.dump();

  // Offline, with the pinned key and the witness list: valid, naming them.
  auto ok = verify({"--witnesses", listed, "--quorum", "2"}, "verify-ok.log");
  EXPECT_EQ(ok.first, 0) << ok.second;
  EXPECT_NE(ok.second.find("ok    witnesses: 2 of the 2 witnesses you listed"), std::string::npos)
      << ok.second;
  EXPECT_NE(ok.second.find("alpha, beta"), std::string::npos) << ok.second;
  // Another list (gamma never cosigned): the quorum is not reached.
  auto not_reached = verify({"--witnesses", other, "--quorum", "2"}, "verify-other.log");
  EXPECT_EQ(not_reached.first, 1) << not_reached.second;
  EXPECT_NE(not_reached.second.find("INVALID: step \"witnesses\""), std::string::npos)
      << not_reached.second;
  EXPECT_EQ(verify({"--witnesses", other, "--quorum", "1"}, "verify-other-1.log").first, 0);
  EXPECT_EQ(verify({"--witnesses", listed, "--quorum", "3"}, "verify-3.log").first, 2)
      << "a quorum above the list is a usage error";
  // ink stamp --quorum 2 waits for the cosignatures and saves them at once.
  std::ofstream(dir + "/second.txt") << "stamped and witnessed in one go\n";
  auto quorum_stamp =
      ink({"stamp", dir + "/second.txt", "--server", s.base, "--quorum", "2"}, dir + "/stamp2.log");
  ASSERT_EQ(quorum_stamp.first, 0) << quorum_stamp.second;
  EXPECT_TRUE(Json::parse(test::read_file(dir + "/second.txt.ink.json")).contains("witnessed"));
  EXPECT_EQ(
      ink({"verify", dir + "/second.txt", "--key", dir + "/log-key.json", "--witnesses", listed},
          dir + "/verify-second.log")
          .first,
      0);

  // A changed cosignature in the file: no longer counted.
  auto sig = file["witnessed"]["head"]["cosignatures"][0]["signature"].get<std::string>();
  sig[3] = sig[3] == 'A' ? 'B' : 'A';
  file["witnessed"]["head"]["cosignatures"][0]["signature"] = sig;
  std::ofstream(proof) << file.dump(2);
  auto changed = verify({"--witnesses", listed, "--quorum", "2"}, "verify-changed.log");
  EXPECT_EQ(changed.first, 1) << changed.second;
  EXPECT_NE(changed.second.find("Only 1 of the 2"), std::string::npos) << changed.second;
}

}  // namespace
}  // namespace ink
