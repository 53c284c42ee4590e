#include "core/cosignature.h"

#include "core/cbor.h"

namespace ink::core {

Bytes cosignature_statement(std::string_view authority, uint64_t interval, const Hash& mth,
                            std::string_view witness_name) {
  // Keys in canonical order (length, then bytewise): mth, typ, version,
  // witness, interval, authority.
  Bytes out;
  out.reserve(112 + authority.size() + witness_name.size());
  CborWriter w(out);
  w.map(6);
  w.text("mth");
  w.bytes(mth);
  w.text("typ");
  w.text("cosig");
  w.text("version");
  w.text("1");
  w.text("witness");
  w.text(witness_name);
  w.text("interval");
  w.uint(interval);
  w.text("authority");
  w.text(authority);
  return out;
}

bool verify_cosignature(const PublicKey& witness_key, std::string_view witness_name,
                        std::string_view authority, uint64_t interval, const Hash& mth,
                        const Signature& signature) {
  return verify_signature(witness_key,
                          cosignature_statement(authority, interval, mth, witness_name), signature);
}

}  // namespace ink::core
