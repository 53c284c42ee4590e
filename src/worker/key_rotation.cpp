#include "worker/key_rotation.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <stdexcept>
#include <thread>

#include "core/key_chain.h"
#include "core/key_listing.h"
#include "store/key_store.h"
#include "store/schema.h"
#include "worker/key_file.h"
#include "worker/worker.h"

namespace ink::worker {
namespace fs = std::filesystem;
namespace {

std::string error_text(int e) { return std::strerror(e); }

void sync_directory_of(const std::string& path) {
  fs::path dir = fs::path(path).has_parent_path() ? fs::path(path).parent_path() : fs::path(".");
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY);
  if (fd < 0) return;
  ::fsync(fd);
  ::close(fd);
}

// Writes `pem` to `path` (mode 0600) unless it exists: then true only if it
// holds the same key.
void install_file(const std::string& path, const core::SigningKey& key) {
  std::string tmp = path + ".tmp." + std::to_string(getpid());
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  if (fd < 0) throw std::runtime_error("cannot write " + tmp + ": " + error_text(errno));
  std::string pem = key.to_pem();
  bool written = ::write(fd, pem.data(), pem.size()) == static_cast<ssize_t>(pem.size());
  written = (::fsync(fd) == 0) && written;
  ::close(fd);
  if (!written) {
    ::unlink(tmp.c_str());
    throw std::runtime_error("cannot write " + tmp + ": " + error_text(errno));
  }
  int linked = ::link(tmp.c_str(), path.c_str());
  int link_errno = errno;
  ::unlink(tmp.c_str());
  if (linked == 0) {
    sync_directory_of(path);
    return;
  }
  if (link_errno != EEXIST)
    throw std::runtime_error("cannot create " + path + ": " + error_text(link_errno));
  core::SigningKey there = read_key_file(path);
  if (there.public_key() != key.public_key())
    throw std::runtime_error(path + " holds another next key (" + there.key_id() +
                             ") not taken yet; remove it first if that rotation is not wanted");
}

bool has_transition_to(store::KeyStore& keys, const core::PublicKey& k) {
  auto t = keys.transitions();
  return std::any_of(t.begin(), t.end(),
                     [&k](const core::KeyTransition& x) { return x.new_key == k; });
}

}  // namespace

std::string next_key_path(const std::string& key_path) { return key_path + ".next"; }

std::string retired_key_path(const std::string& key_path, const std::string& key_id) {
  return key_path + ".retired-" + key_id;
}

std::optional<core::SigningKey> read_next_key(const std::string& key_path) {
  std::error_code ec;
  if (!fs::exists(next_key_path(key_path), ec)) return std::nullopt;
  return read_key_file(next_key_path(key_path));
}

void swap_key_files(const std::string& key_path, const std::string& old_key_id) {
  const std::string next = next_key_path(key_path);
  const std::string retired = retired_key_path(key_path, old_key_id);
  if (::link(key_path.c_str(), retired.c_str()) != 0 && errno != EEXIST && errno != ENOENT)
    throw std::runtime_error("cannot keep the retired key as " + retired + ": " +
                             error_text(errno));
  if (::rename(next.c_str(), key_path.c_str()) != 0 && errno != ENOENT)
    throw std::runtime_error("cannot rename " + next + " to " + key_path + ": " +
                             error_text(errno));
  sync_directory_of(key_path);
}

int rotate_key_command(const WorkerConfig& config, const std::string& new_key_pem,
                       double wait_seconds, std::ostream& out, std::ostream& err) {
  try {
    core::SigningKey current = read_key_file(config.key_path);
    core::SigningKey next = read_key_file(new_key_pem);
    auto conn = store::sync::PgConnection::connect(config.database_url, "ink-worker rotate-key");
    store::check_schema(conn.get());
    store::KeyStore keys(conn);
    if (has_transition_to(keys, next.public_key())) {
      out << "key " << next.key_id() << " signs already (its transition is stored)\n";
      return 0;
    }
    if (next.public_key() == current.public_key()) {
      err << "ink-worker --rotate-key: " << new_key_pem << " is the key at " << config.key_path
          << " already (key " << current.key_id() << "); give a new key\n";
      return 1;
    }
    auto newest = keys.newest_head_key();
    if (!newest) {
      err << "ink-worker --rotate-key: the log has no head yet; start it with the key wanted\n";
      return 1;
    }
    if (*newest != current.public_key()) {
      err << "ink-worker --rotate-key: the newest head is signed by key " << core::key_id(*newest)
          << ", not by the key at " << config.key_path << " (" << current.key_id()
          << "): run this with the active worker's INK_KEY_PATH\n";
      return 1;
    }
    for (const core::PublicKey& k : keys.keys()) {
      if (k == next.public_key()) {
        err << "ink-worker --rotate-key: key " << next.key_id()
            << " was used by this log before; a key is used once\n";
        return 1;
      }
    }
    install_file(next_key_path(config.key_path), next);
    out << "installed " << next_key_path(config.key_path) << " (key " << next.key_id()
        << "); the worker rotates to it with its next interval\n";
    auto deadline = std::chrono::steady_clock::now() +
                    std::chrono::milliseconds(static_cast<int64_t>(wait_seconds * 1000));
    while (std::chrono::steady_clock::now() < deadline) {
      for (const core::KeyTransition& t : keys.transitions()) {
        if (t.new_key == next.public_key()) {
          out << "key transition at interval " << t.interval << ": key " << current.key_id()
              << " retired after interval " << t.interval - 1 << ", key " << next.key_id()
              << " signs from interval " << t.interval << "\n";
          return 0;
        }
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
    }
    err << "ink-worker --rotate-key: no worker rotated to key " << next.key_id() << " within "
        << wait_seconds << " s; is ink-worker running with INK_KEY_PATH=" << config.key_path
        << "? It takes " << next_key_path(config.key_path) << " when it starts\n";
    return 3;
  } catch (const std::exception& e) {
    err << "ink-worker --rotate-key: " << e.what() << "\n";
    return 1;
  }
}

int revoke_key_command(const WorkerConfig& config, const std::string& key_id, uint64_t after,
                       std::ostream& out, std::ostream& err) {
  try {
    core::SigningKey signer = read_key_file(config.key_path);
    auto conn = store::sync::PgConnection::connect(config.database_url, "ink-worker revoke-key");
    store::check_schema(conn.get());
    store::KeyStore keys(conn);
    auto newest = keys.newest_head_key();
    if (!newest || *newest != signer.public_key()) {
      err << "ink-worker --revoke-key: the key at " << config.key_path << " (" << signer.key_id()
          << ") is not the key of the newest head; a revocation is signed by the active key\n";
      return 1;
    }
    auto listing = keys.listing();
    auto chains = core::key_chains(listing, config.authority);
    if (!chains) {
      err << "ink-worker --revoke-key: the stored key chain does not hold: "
          << chains.error().message << "\n";
      return 1;
    }
    const core::KeyChain& chain = chains->back();  // the active key's
    const core::ChainKey* revoked = chain.find(key_id);
    if (!revoked) {
      err << "ink-worker --revoke-key: key " << key_id
          << " is not a key of the active key's chain\n";
      return 1;
    }
    if (revoked->public_key == signer.public_key()) {
      err << "ink-worker --revoke-key: key " << key_id
          << " is the active key; rotate first (ink-worker --rotate-key NEW.pem), then revoke it\n";
      return 1;
    }
    core::KeyRevocation r{
        revoked->public_key, after, signer.public_key(),
        signer.sign(core::key_revocation_statement(config.authority, after, revoked->public_key))};
    std::vector<core::KeyRevocation> all = chain.revocations();
    all.push_back(r);
    auto check =
        core::KeyChain::make(config.authority, chain.keys().front().public_key,
                             chain.keys().front().first_interval, chain.transitions(), all);
    if (!check) {
      err << "ink-worker --revoke-key: " << check.error().message << "\n";
      return 1;
    }
    try {
      keys.insert_revocation(r);
    } catch (const store::StoreError& e) {
      if (!e.is_unique_violation()) throw;
      err << "ink-worker --revoke-key: key " << key_id << " was revoked already\n";
      return 1;
    }
    out << "revoked key " << key_id << " after interval " << after << " (signed by key "
        << signer.key_id() << "); verifiers refuse its heads after " << after << "\n";
    return 0;
  } catch (const std::exception& e) {
    err << "ink-worker --revoke-key: " << e.what() << "\n";
    return 1;
  }
}

}  // namespace ink::worker
