// The shared proof-file vectors (tests/vectors/proof-files.json, see its
// README) run through `ink verify`'s own checks: the C++ verifier must reach
// the verdict the file expects (and the web verifier reaches) for every case.

#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "cli/api.h"
#include "cli/proof_check.h"
#include "cli/proof_io.h"
#include "core/encoding.h"
#include "core/parse.h"

namespace ink::cli {
namespace {

namespace fs = std::filesystem;
using core::Json;

Json load_vectors() {
  std::ifstream in(INK_PROOF_FILE_VECTORS);
  std::stringstream text;
  text << in.rdbuf();
  return Json::parse(text.str());
}

// The data string as `ink verify` computes it: --text, or the files written to disk.
std::string data_of(const Json& document, const fs::path& dir) {
  if (document.contains("text")) return data_for_text(document.at("text").get<std::string>());
  std::vector<fs::path> paths;
  fs::create_directories(dir);
  for (const auto& f : document.at("files")) {
    const fs::path path = dir / f.at("name").get<std::string>();
    const core::Bytes bytes = core::from_hex(f.at("content_hex").get<std::string>()).value();
    std::ofstream(path, std::ios::binary)
        .write(reinterpret_cast<const char*>(bytes.data()),
               static_cast<std::streamsize>(bytes.size()));
    paths.push_back(path);
  }
  return data_for_files(paths).value();
}

// run_verify's checks: the proof file offline, then, if it passes and the case has
// a current head (what GET /api/v1/mth/current would answer), against that head.
core::CheckReport verify(const Json& c, const std::string& data,
                         const std::vector<core::PublicKey>& keys) {
  core::ProofFile proof;
  core::CheckReport report =
      check_proof_file(c.at("proof_file").get<std::string>(), data, "The document", keys, &proof);
  const Json& current = c.at("current");
  if (report.passed() && !current.is_null()) {
    FetchedHead head = parse_head_text(current.at("head").dump(), "current head");
    std::optional<core::ConsistencyProof> consistency;
    if (!current.at("consistency").is_null()) {
      auto parsed = core::consistency_from_json(current.at("consistency"));
      EXPECT_TRUE(parsed.ok()) << parsed.error().message;
      if (parsed) consistency = std::move(*parsed);
    }
    check_against_head(report, proof.timestamp.proof->head, head.head,
                       consistency ? &*consistency : nullptr, keys);
  }
  return report;
}

TEST(ProofCheckVectors, EveryCaseReachesTheExpectedVerdict) {
  const Json vectors = load_vectors();
  const auto& order = vectors.at("steps");
  const std::vector<std::string> step_order = order.get<std::vector<std::string>>();
  // The trusted keys as a key file (`ink key` output), as `ink verify --key` reads them.
  const std::vector<core::PublicKey> keys = parse_key_file(vectors.at("keys").dump()).value();
  const fs::path dir =
      fs::temp_directory_path() / ("ink_proof_vectors_" + std::to_string(::getpid()));

  const auto& cases = vectors.at("cases");
  ASSERT_FALSE(cases.empty());
  std::set<std::string> verdicts;
  size_t index = 0;
  for (const auto& c : cases) {
    const std::string name = c.at("name").get<std::string>();
    const std::string expect = c.at("expect").get<std::string>();
    SCOPED_TRACE(name);
    const std::string data = data_of(c.at("document"), dir / std::to_string(index++));
    EXPECT_EQ(data, c.at("data").get<std::string>());

    core::CheckReport report;
    try {
      report = verify(c, data, keys);
    } catch (const std::exception& e) {
      ADD_FAILURE() << "throws: " << e.what();
      continue;
    }
    ASSERT_FALSE(report.steps.empty());
    const core::CheckStep* failure = report.first_failure();
    const std::string verdict = failure ? failure->name : "pass";
    EXPECT_EQ(verdict, expect) << (failure ? failure->message : "");
    verdicts.insert(verdict);

    // Every step the C++ verifier names is one of the file's, in the file's order.
    size_t at = 0;
    for (const auto& s : report.steps) {
      auto it =
          std::find(step_order.begin() + static_cast<std::ptrdiff_t>(at), step_order.end(), s.name);
      EXPECT_NE(it, step_order.end()) << "step \"" << s.name << "\" unknown or out of order";
      if (it != step_order.end()) at = static_cast<size_t>(it - step_order.begin());
    }
    // A pass ran every step it could: through signature, and consistency with a current head.
    if (expect == "pass") {
      EXPECT_EQ(report.steps.back().name,
                c.at("current").is_null() ? std::string("signature") : std::string("consistency"));
    }
  }
  fs::remove_all(dir);
  // The file has good cases and bad ones for each step (the web test checks this too);
  // here it shows that the loop above compared more than one kind of verdict.
  EXPECT_GE(verdicts.size(), 8u);
}

}  // namespace
}  // namespace ink::cli
