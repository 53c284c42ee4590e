#!/usr/bin/env python3
"""check_ts.py ANSWER_JSON DATA GENTIME

Checks that a ts answer (GET /api/v1/ts/<id>/?wait) is the ts of an RFC 3161
token: its timestamp is the token's genTime (as `openssl ts -reply -text`
prints it, e.g. "Dec  2 17:50:00.143022 2026 GMT"), its hash is
H(cbor({data, timestamp, typ, version})) of PROTOCOL.md with DATA the imprint
("sha256:<hex>"), and it has its proof. Exit 1 with the reason otherwise.
"""
import base64
import datetime
import hashlib
import json
import sys


def cbor_text(s: str) -> bytes:
    b = s.encode()
    n = len(b)
    if n < 24:
        head = bytes([0x60 | n])
    elif n < 256:
        head = bytes([0x78, n])
    else:
        head = bytes([0x79]) + n.to_bytes(2, "big")
    return head + b


def ts_hash(data: str, timestamp: str) -> bytes:
    fields = {"data": data, "timestamp": timestamp, "typ": "ts", "version": "1"}
    # Canonical order: by encoded key length, then bytewise.
    keys = sorted(fields, key=lambda k: (len(cbor_text(k)), cbor_text(k)))
    body = bytes([0xA0 | len(keys)]) + b"".join(cbor_text(k) + cbor_text(fields[k]) for k in keys)
    return hashlib.sha3_256(body).digest()


def main() -> int:
    answer = json.loads(sys.argv[1])
    data = sys.argv[2]
    gen = " ".join(sys.argv[3].split())  # "Dec 2 17:50:00.143022 2026 GMT"
    fmt = "%b %d %H:%M:%S.%f %Y GMT" if "." in gen else "%b %d %H:%M:%S %Y GMT"
    gen_time = datetime.datetime.strptime(gen, fmt)
    want = gen_time.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    if answer["timestamp"] != want:
        print(f"timestamp {answer['timestamp']} is not genTime {want}")
        return 1
    if base64.b64decode(answer["hash"]) != ts_hash(data, answer["timestamp"]):
        print(f"the ts hash is not that of data {data}")
        return 1
    if not answer.get("proof"):
        print("the ts has no proof")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
