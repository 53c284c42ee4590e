#include "cli/proof_io.h"

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <memory>
#include <sstream>

#include "core/client_conventions.h"
#include "core/decode.h"
#include "core/encoding.h"
#include "core/json_write.h"
#include "core/parse.h"
#include "core/proof_file.h"

namespace ink::cli {

using core::ErrorCode;
using core::Json;
using core::make_error;

namespace fs = std::filesystem;

core::Result<std::string> data_for_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return make_error(ErrorCode::kInvalidArgument,
                      "cannot read " + path.string() + ": " + std::strerror(errno));
  }
  if (fs::is_directory(path)) {
    return make_error(ErrorCode::kInvalidArgument,
                      "cannot read " + path.string() + ": is a directory");
  }
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), EVP_MD_CTX_free);
  if (!ctx || EVP_DigestInit_ex(ctx.get(), EVP_sha512(), nullptr) != 1)
    return make_error(ErrorCode::kInternal, "OpenSSL cannot start SHA-512");
  std::vector<char> chunk(1 << 16);
  while (in) {
    in.read(chunk.data(), static_cast<std::streamsize>(chunk.size()));
    if (in.gcount() > 0)
      EVP_DigestUpdate(ctx.get(), chunk.data(), static_cast<size_t>(in.gcount()));
  }
  if (in.bad()) {
    return make_error(ErrorCode::kInvalidArgument,
                      "cannot read " + path.string() + ": " + std::strerror(errno));
  }
  std::array<uint8_t, 64> digest{};
  unsigned int len = 0;
  EVP_DigestFinal_ex(ctx.get(), digest.data(), &len);
  return "sha512:" + core::to_hex(digest);
}

std::string data_for_text(std::string_view text) {
  return core::data_for_bytes(core::as_bytes(text));
}

core::Result<std::string> data_for_files(const std::vector<fs::path>& paths) {
  std::vector<std::string> each;
  for (const auto& p : paths) {
    auto d = data_for_file(p);
    if (!d) return d.error();
    each.push_back(std::move(*d));
  }
  if (each.empty()) return make_error(ErrorCode::kInvalidArgument, "no files given");
  return core::data_for_files(std::move(each));
}

core::Result<core::ProofFile> parse_proof_file(std::string_view text) {
  core::DecodeLimits limits;
  limits.max_bytes = 256 * 1024;
  auto json = core::decode_json_strict(text, limits);
  if (!json)
    return make_error(ErrorCode::kInvalidArgument, "not valid JSON: " + json.error().message);
  const Json& j = *json;
  // The core treats these as optional (they are, in API answers); a proof
  // file without them is incomplete, or had a key name altered.
  if (j.is_object()) {
    if (!j.contains("files")) return make_error(ErrorCode::kInvalidArgument, "files: missing");
    auto ts = j.find("timestamp");
    if (ts != j.end() && ts->is_object()) {
      for (const char* name : {"interval", "proof"}) {
        auto it = ts->find(name);
        if (it == ts->end() || it->is_null())
          return make_error(
              ErrorCode::kInvalidArgument,
              std::string("timestamp.") + name +
                  ": missing (the proof file has no proof; fetch the timestamp again)");
      }
    }
  }
  auto proof = core::proof_file_from_json(j);
  if (!proof) return proof.error();
  const auto& head = proof->timestamp.proof->head;
  if (proof->authority != head.authority) {
    return make_error(ErrorCode::kInvalidArgument, "authority: \"" + proof->authority +
                                                       "\" differs from the signed head's \"" +
                                                       head.authority + "\"");
  }
  return proof;
}

std::string format_proof_file(const core::ProofFile& proof) {
  return core::to_wire_json(core::to_json(proof)).dump(2) + "\n";
}

fs::path default_proof_path(const fs::path& input) {
  fs::path out = input;
  out += ".ink.json";
  return out;
}

core::Result<std::string> read_text_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in || fs::is_directory(path)) {
    return make_error(ErrorCode::kInvalidArgument,
                      "cannot read " + path.string() + ": " +
                          (fs::is_directory(path) ? "is a directory" : std::strerror(errno)));
  }
  std::ostringstream ss;
  ss << in.rdbuf();
  if (in.bad()) return make_error(ErrorCode::kInvalidArgument, "cannot read " + path.string());
  return ss.str();
}

core::Status write_file_atomically(const fs::path& path, std::string_view content) {
  fs::path tmp = path;
  tmp += ".tmp-" + std::to_string(::getpid());
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (!out) {
      return make_error(ErrorCode::kInvalidArgument,
                        "cannot write " + path.string() + ": " + std::strerror(errno));
    }
    out.write(content.data(), static_cast<std::streamsize>(content.size()));
    out.flush();
    if (!out) {
      std::error_code ignored;
      fs::remove(tmp, ignored);
      return make_error(ErrorCode::kInvalidArgument, "cannot write " + path.string());
    }
  }
  std::error_code ec;
  fs::rename(tmp, path, ec);
  if (ec) {
    std::error_code ignored;
    fs::remove(tmp, ignored);
    return make_error(ErrorCode::kInvalidArgument,
                      "cannot write " + path.string() + ": " + ec.message());
  }
  return core::ok_status();
}

namespace {

core::Result<std::vector<core::PublicKey>> parse_pem_keys(std::string_view text) {
  std::vector<core::PublicKey> keys;
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(
      BIO_new_mem_buf(text.data(), static_cast<int>(text.size())), BIO_free);
  while (true) {
    EVP_PKEY* raw = PEM_read_bio_PUBKEY(bio.get(), nullptr, nullptr, nullptr);
    if (!raw) break;
    std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> key(raw, EVP_PKEY_free);
    if (EVP_PKEY_id(raw) != EVP_PKEY_ED25519)
      return make_error(ErrorCode::kInvalidArgument, "PEM key is not an Ed25519 public key");
    core::PublicKey pk{};
    size_t len = pk.size();
    if (EVP_PKEY_get_raw_public_key(raw, pk.data(), &len) != 1 || len != pk.size())
      return make_error(ErrorCode::kInvalidArgument, "PEM key: cannot read the raw public key");
    keys.push_back(pk);
  }
  if (keys.empty())
    return make_error(ErrorCode::kInvalidArgument, "no PEM \"PUBLIC KEY\" block found");
  return keys;
}

}  // namespace

core::Result<std::vector<core::PublicKey>> parse_key_file(std::string_view text) {
  if (text.find("-----BEGIN") != std::string_view::npos) return parse_pem_keys(text);
  auto json = core::decode_json_strict(text);
  if (!json) {
    return make_error(ErrorCode::kInvalidArgument,
                      "not a key file (expected the JSON of /api/v1/keys or a PEM public key): " +
                          json.error().message);
  }
  auto keys = core::keys_from_json(*json);
  if (!keys) return keys.error();
  if (keys->empty()) return make_error(ErrorCode::kInvalidArgument, "the key file lists no keys");
  return keys;
}

}  // namespace ink::cli
