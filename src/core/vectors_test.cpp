// vectors.json is the one set of vectors for every language. Each of its
// sections is checked against the code by the tests named here; a section
// added to the file fails this test until it has tests of its own.

#include <gtest/gtest.h>

#include <set>
#include <string>

#include "core/test_vectors.h"

namespace ink::core {
namespace {

TEST(Vectors, EverySectionIsChecked) {
  const std::set<std::string> checked = {
      "hash",            // Hash.VectorsNameSha3_256
      "note",            // prose: bytes are hex in the file
      "timestamp_hash",  // RecordHash.*, CborEncode.TimestampVectors
      "interval_hash",   // RecordHash.*, CborEncode.IntervalVectors
      "trees",           // IntervalTreeVectors, CompactRangeVectors, NodeReaderVectors, Hash
      "inclusion",       // IntervalTreeVectors, NodeReaderVectors, ProofPlanVectors, VerifyVectors
      "consistency",     // CompactRangeVectors, NodeReaderVectors, VerifyVectors
      "signed_head",     // Sign.*, CborEncode.SignedHeadStatementVector
      "compact",         // CompactString.*, CborEncode.CompactProofVector
      "client_conventions",  // ClientConventions.*, Hash.Sha512MatchesTheClientConventionVector
  };
  const nlohmann::json doc = test_vectors::load_vectors();
  ASSERT_TRUE(doc.is_object());
  std::set<std::string> sections;
  for (const auto& [name, value] : doc.items()) sections.insert(name);
  EXPECT_EQ(sections, checked);
}

}  // namespace
}  // namespace ink::core
