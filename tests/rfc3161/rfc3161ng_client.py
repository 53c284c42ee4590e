#!/usr/bin/python3
"""rfc3161ng_client.py URL OUT.tst

Obtains a token for b"hello from rfc3161ng" with Debian's python3-rfc3161ng
(SHA-256, certificate requested, a nonce) and writes the token (DER
TimeStampToken) to OUT.tst; prints its genTime and the imprint's hex. The
caller verifies the signature with openssl: rfc3161ng 2.1.3's check_timestamp
verifies RSA signatures only (PKCS#1 v1.5), and this TSA signs with ECDSA P-256.
"""
import hashlib
import sys

import rfc3161ng
from pyasn1.codec.der import decoder

DATA = b"hello from rfc3161ng"


def main() -> int:
    url, out = sys.argv[1], sys.argv[2]
    stamper = rfc3161ng.RemoteTimestamper(url, hashname="sha256", include_tsa_certificate=True)
    nonce = 0x5EED1234
    tst = stamper.timestamp(data=DATA, nonce=nonce)
    token, _ = decoder.decode(tst, asn1Spec=rfc3161ng.TimeStampToken())
    info = token.tst_info
    if int(info["nonce"]) != nonce:
        print("the nonce was not echoed")
        return 1
    imprint = bytes(info.message_imprint.hashed_message)
    if imprint != hashlib.sha256(DATA).digest():
        print("the imprint is not the data's SHA-256")
        return 1
    with open(out, "wb") as f:
        f.write(tst)
    print(rfc3161ng.get_timestamp(tst).strftime("%Y-%m-%dT%H:%M:%S.%fZ"), imprint.hex(),
          format(int(info["serialNumber"]), "x"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
