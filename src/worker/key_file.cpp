#include "worker/key_file.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace ink::worker {
namespace {

core::SigningKey read_key(const std::string& path) {
  std::ifstream in(path);
  if (!in)
    throw std::runtime_error("cannot read signing key " + path + ": " + std::strerror(errno));
  std::stringstream ss;
  ss << in.rdbuf();
  auto key = core::SigningKey::from_pem(ss.str());
  if (!key)
    throw std::runtime_error("signing key " + path +
                             " is not an Ed25519 PKCS#8 PEM key: " + key.error().message);
  return *key;
}

}  // namespace

core::SigningKey read_key_file(const std::string& path) { return read_key(path); }

LoadedKey load_or_create_key(const std::string& path) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (fs::exists(path, ec)) return {read_key(path), false};

  auto generated = core::SigningKey::generate();
  if (!generated)
    throw std::runtime_error("cannot generate a signing key: " + generated.error().message);
  fs::path target(path);
  if (target.has_parent_path()) {
    fs::create_directories(target.parent_path(), ec);
    if (ec)
      throw std::runtime_error("cannot create " + target.parent_path().string() + ": " +
                               ec.message());
  }
  // Write a temporary file, then link() it into place: link fails if another
  // worker created the key meanwhile, and then that key is the one we use.
  std::string tmp = path + ".tmp." + std::to_string(getpid());
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  if (fd < 0)
    throw std::runtime_error("cannot write signing key " + tmp + ": " + std::strerror(errno));
  std::string pem = generated->to_pem();
  bool written = ::write(fd, pem.data(), pem.size()) == static_cast<ssize_t>(pem.size());
  written = (::fsync(fd) == 0) && written;
  ::close(fd);
  if (!written) {
    ::unlink(tmp.c_str());
    throw std::runtime_error("cannot write signing key " + tmp + ": " + std::strerror(errno));
  }
  int linked = ::link(tmp.c_str(), path.c_str());
  int link_errno = errno;
  ::unlink(tmp.c_str());
  if (linked != 0) {
    if (link_errno == EEXIST) return {read_key(path), false};
    throw std::runtime_error("cannot create signing key " + path + ": " +
                             std::strerror(link_errno));
  }
  return {*generated, true};
}

}  // namespace ink::worker
