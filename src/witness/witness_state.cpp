#include "witness/witness_state.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <fstream>
#include <sstream>

#include "core/encoding.h"

namespace ink::witness {
namespace {

using core::ErrorCode;
using core::Json;
using core::make_error;

// Writes `text` to `path` through a temporary file: written, fsynced,
// renamed, and the folder fsynced, so a crash leaves the old or the new file.
core::Status write_durably(const std::filesystem::path& path, const std::string& text) {
  auto fail = [&](const std::string& what) {
    return make_error(ErrorCode::kInternal,
                      what + " " + path.string() + ": " + std::strerror(errno));
  };
  auto tmp = path;
  tmp += ".tmp";
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return fail("cannot create");
  size_t done = 0;
  while (done < text.size()) {
    ssize_t n = ::write(fd, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      ::close(fd);
      return fail("cannot write");
    }
    done += size_t(n);
  }
  if (::fsync(fd) != 0) {
    ::close(fd);
    return fail("cannot fsync");
  }
  ::close(fd);
  if (::rename(tmp.c_str(), path.c_str()) != 0) return fail("cannot rename over");
  int dir = ::open(path.parent_path().c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir < 0) return fail("cannot open the folder of");
  int synced = ::fsync(dir);
  ::close(dir);
  if (synced != 0) return fail("cannot fsync the folder of");
  return core::Ok{};
}

}  // namespace

core::Result<std::optional<WitnessState>> load_state(const std::filesystem::path& dir) {
  auto path = dir / "state.json";
  std::ifstream in(path);
  if (!in) {
    if (!std::filesystem::exists(path)) return std::optional<WitnessState>();
    return make_error(ErrorCode::kInvalidArgument, "cannot read " + path.string());
  }
  std::stringstream text;
  text << in.rdbuf();
  auto bad = [&](const std::string& why) {
    return make_error(ErrorCode::kInvalidArgument, path.string() + ": " + why);
  };
  auto j = Json::parse(text.str(), nullptr, false);
  if (!j.is_object() || j.value("format", "") != "unchanging.ink/witness" ||
      j.value("version", 0) != 1)
    return bad("not a witness state (format unchanging.ink/witness, version 1)");
  WitnessState s;
  try {
    s.server = j.at("server").get<std::string>();
    s.authority = j.at("authority").get<std::string>();
    s.name = j.at("name").get<std::string>();
    s.witness_key = j.at("witness_key").get<std::string>();
    auto key = core::from_base64(j.at("log_key").get<std::string>());
    if (!key.ok() || key->size() != 32) return bad("log_key is not 32 bytes of base64");
    std::copy(key->begin(), key->end(), s.log_key.begin());
    const auto& c = j.at("cosigned");
    if (!c.is_null()) {
      auto mth = core::hash_from_base64(c.at("mth").get<std::string>());
      if (!mth.ok()) return bad("cosigned.mth is not a 32-byte hash");
      s.cosigned = CosignedHead{c.at("index").get<uint64_t>(), *mth};
    }
  } catch (const Json::exception& e) {
    return bad(std::string("malformed: ") + e.what());
  }
  return std::optional<WitnessState>(std::move(s));
}

core::Status save_state(const std::filesystem::path& dir, const WitnessState& s) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec)
    return make_error(ErrorCode::kInternal, "cannot create " + dir.string() + ": " + ec.message());
  Json j{{"format", "unchanging.ink/witness"},
         {"version", 1},
         {"server", s.server},
         {"authority", s.authority},
         {"log_key", core::to_base64(s.log_key)},
         {"name", s.name},
         {"witness_key", s.witness_key},
         {"cosigned",
          s.cosigned ? Json{{"index", s.cosigned->index}, {"mth", core::to_base64(s.cosigned->mth)}}
                     : Json(nullptr)}};
  return write_durably(dir / "state.json", j.dump(2) + "\n");
}

core::Result<std::filesystem::path> save_evidence(const std::filesystem::path& dir,
                                                  const std::string& kind,
                                                  const core::Json& evidence) {
  auto now = std::chrono::system_clock::now();
  auto secs = std::chrono::system_clock::to_time_t(now);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char stamp[32];
  std::strftime(stamp, sizeof stamp, "%Y%m%dT%H%M%SZ", &tm);
  auto path = dir / ("evidence-" + std::string(stamp) + "-" + kind + ".json");
  auto written = write_durably(path, evidence.dump(2) + "\n");
  if (!written.ok()) return written.error();
  return path;
}

}  // namespace ink::witness
