#include "core/record_hash.h"

namespace ink::core {

Bytes ts_cbor(std::string_view data, std::string_view timestamp) {
  // Keys in canonical order: typ, data, version, timestamp.
  Bytes out;
  out.reserve(48 + data.size() + timestamp.size());
  CborWriter w(out);
  w.map(4);
  w.text("typ");
  w.text("ts");
  w.text("data");
  w.text(data);
  w.text("version");
  w.text("1");
  w.text("timestamp");
  w.text(timestamp);
  return out;
}

Hash ts_hash(std::string_view data, std::string_view timestamp) {
  return sha3_256(ts_cbor(data, timestamp));
}

Bytes interval_cbor(const IntervalRecord& record) {
  // Keys in canonical order: ith, typ, index, version, timestamp.
  Bytes out;
  out.reserve(96 + record.timestamp.size());
  CborWriter w(out);
  w.map(5);
  w.text("ith");
  w.bytes(record.ith);
  w.text("typ");
  w.text("it");
  w.text("index");
  w.uint(record.index);
  w.text("version");
  w.text("1");
  w.text("timestamp");
  w.text(record.timestamp);
  return out;
}

Hash ihash(const IntervalRecord& record) { return sha3_256(interval_cbor(record)); }

}  // namespace ink::core
