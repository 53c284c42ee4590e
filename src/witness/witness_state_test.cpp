#include "witness/witness_state.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <fstream>

namespace ink::witness {
namespace {

std::filesystem::path fresh_dir(const std::string& name) {
  auto dir = std::filesystem::path(::testing::TempDir()) /
             ("witness-" + name + "-" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  return dir;
}

TEST(WitnessState, AFreshFolderHasNoStateAndSavedStateReadsBack) {
  auto dir = fresh_dir("roundtrip");
  auto none = load_state(dir);
  ASSERT_TRUE(none.ok());
  EXPECT_FALSE(none->has_value());
  WitnessState s;
  s.server = "http://127.0.0.1:1";
  s.authority = "ink.example";
  s.log_key[0] = 9;
  s.name = "Zeugin";
  s.witness_key = "0011223344556677";
  ASSERT_TRUE(save_state(dir, s).ok());
  auto back = load_state(dir);
  ASSERT_TRUE(back.ok() && back->has_value()) << (back.ok() ? "" : back.error().message);
  EXPECT_EQ((*back)->log_key, s.log_key);
  EXPECT_FALSE((*back)->cosigned);
  s.cosigned = CosignedHead{41, core::Hash{7}};
  ASSERT_TRUE(save_state(dir, s).ok());
  back = load_state(dir);
  ASSERT_TRUE((*back)->cosigned);
  EXPECT_EQ((*back)->cosigned->index, 41u);
  EXPECT_EQ((*back)->cosigned->mth, core::Hash{7});
  EXPECT_EQ((*back)->name, "Zeugin");
  EXPECT_FALSE(std::filesystem::exists(dir / "state.json.tmp"));
}

TEST(WitnessState, AMangledStateIsAnErrorNamingTheFile) {
  auto dir = fresh_dir("mangled");
  std::filesystem::create_directories(dir);
  std::ofstream(dir / "state.json") << R"({"format": "unchanging.ink/monitor", "version": 1})";
  auto r = load_state(dir);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("state.json"), std::string::npos);
  std::ofstream(dir / "state.json") << R"({"format": "unchanging.ink/witness", "version": 1})";
  EXPECT_FALSE(load_state(dir).ok());
}

TEST(WitnessState, EvidenceIsSavedBesideTheState) {
  auto dir = fresh_dir("evidence");
  std::filesystem::create_directories(dir);
  auto path = save_evidence(dir, "fork", core::Json{{"a", 1}});
  ASSERT_TRUE(path.ok());
  EXPECT_NE(path->filename().string().find("-fork.json"), std::string::npos);
  std::ifstream in(*path);
  EXPECT_EQ(core::Json::parse(in)["a"], 1);
}

}  // namespace
}  // namespace ink::witness
