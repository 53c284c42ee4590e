#!/usr/bin/env bash
# The RFC 3161 TSA against a real stack (scripts/e2e-stack.sh, fixture
# "stack"), with real clients: openssl ts, osslsigncode, jarsigner.
#   rfc3161_test.sh STACK_DIR CASE
# Each granted token is followed to its ts: GET /api/v1/ts/<serial>/?wait must
# give a ts whose timestamp is the token's genTime and whose hash is that of
# the imprint as data (sha256:<hex> ...), with a proof.
set -euo pipefail
stack=${1:?usage: rfc3161_test.sh STACK_DIR CASE}
case_name=${2:?usage: rfc3161_test.sh STACK_DIR CASE}
set -a; . "$stack/stack.env"; set +a
base=$INK_BASE_URL
root_pem=$INK_VAR_DIR/keys/tsa-root.pem
chain_pem=$INK_VAR_DIR/keys/tsa-chain.pem
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"

fail() { echo "FAIL: $*" >&2; exit 1; }
ts_count() { psql -qtA "$DATABASE_URL" -c 'SELECT count(*) FROM ts'; }
# post FILE.tsq FILE.tsr [PATH]: POST the query, the reply in FILE.tsr; prints the HTTP status.
post() {
  curl -sS -o "$2" -w '%{http_code}' -H 'Content-Type: application/timestamp-query' \
    --data-binary "@$1" "$base${3:-/tsa}"
}
reply_text() { openssl ts -reply -in "$1" -text 2>/dev/null; }

# follow FILE.tsr NAME HEX: the token's ts has data NAME:HEX, timestamp genTime, a proof.
follow() {
  local text serial id answer
  text=$(reply_text "$1")
  serial=$(sed -n 's/^Serial number: 0x//p' <<<"$text")
  [ ${#serial} -le 32 ] && [ -n "$serial" ] || fail "serial '$serial' is not a 128-bit ts id"
  id=$(python3 -c 'import sys,uuid; print(uuid.UUID(int=int(sys.argv[1],16)))' "$serial")
  answer=$(curl -sS --fail "$base/api/v1/ts/$id/?wait")
  python3 "$here/check_ts.py" "$answer" "$2:$3" "$(sed -n 's/^Time stamp: //p' <<<"$text")" ||
    fail "the ts $id does not match the token"
  echo "ok: token $serial is ts $id"
}

# stamp DIGEST [QUERY OPTIONS...]: a granted, verifiable token for a fresh file.
stamp() {
  local digest=$1; shift
  head -c 1000 /dev/urandom >F
  openssl ts -query "-$digest" -data F "$@" -out F.tsq 2>/dev/null
  [ "$(post F.tsq F.tsr)" = 200 ] || fail "POST /tsa did not answer 200"
  reply_text F.tsr | grep -q '^Status: Granted' || fail "not granted: $(reply_text F.tsr)"
  local untrusted=()
  # Without -cert the token carries no certificate: the verifier needs the chain.
  [[ " $* " == *" -cert "* ]] || untrusted=(-untrusted "$chain_pem")
  openssl ts -verify -data F -in F.tsr -CAfile "$root_pem" "${untrusted[@]}" >verify.out 2>&1 ||
    fail "openssl ts -verify: $(cat verify.out)"
  grep -q '^Verification: OK' verify.out || fail "openssl ts -verify: $(cat verify.out)"
  # A changed file must not verify.
  echo x >>F
  if openssl ts -verify -data F -in F.tsr -CAfile "$root_pem" "${untrusted[@]}" >/dev/null 2>&1; then
    fail "a changed file verified"
  fi
  local hex
  hex=$(head -c 1000 F | openssl dgst "-$digest" -r | cut -d' ' -f1)
  follow F.tsr "$digest" "$hex"
}

# rejected FILE.tsq FAILURE-TEXT: status rejection with that failInfo, no ts row.
rejected() {
  local before after
  before=$(ts_count)
  [ "$(post "$1" R.tsr)" = 200 ] || fail "a rejection is still HTTP 200"
  reply_text R.tsr | grep -q '^Status: Rejected' || fail "not rejected: $(reply_text R.tsr)"
  reply_text R.tsr | grep -q "^Failure info: $2" || fail "wrong failInfo: $(reply_text R.tsr)"
  openssl ts -reply -in R.tsr -token_out -out /dev/null 2>/dev/null && fail "a rejection with a token"
  after=$(ts_count)
  [ "$before" = "$after" ] || fail "the ts count changed from $before to $after"
  echo "ok: rejected with '$2', ts count $after unchanged"
}

case $case_name in
  openssl_sha256) stamp sha256 -cert ;;
  openssl_sha384) stamp sha384 -cert ;;
  openssl_sha512) stamp sha512 -cert ;;
  openssl_sha3_256) stamp sha3-256 -cert ;;
  openssl_no_nonce_no_cert) stamp sha256 -no_nonce ;;
  api_path)
    # The backend's own path answers as /tsa does.
    head -c 100 /dev/urandom >F
    openssl ts -query -sha256 -cert -data F -out F.tsq 2>/dev/null
    [ "$(post F.tsq F.tsr /api/v1/rfc3161)" = 200 ] || fail "POST /api/v1/rfc3161 not 200"
    openssl ts -verify -data F -in F.tsr -CAfile "$root_pem" >/dev/null 2>&1 || fail "no verify"
    follow F.tsr sha256 "$(openssl dgst -sha256 -r F | cut -d' ' -f1)"
    ;;
  certs)
    curl -sS --fail "$base/api/v1/rfc3161/certs" >certs.pem
    cmp -s certs.pem "$chain_pem" || fail "/api/v1/rfc3161/certs is not the chain"
    openssl verify -CAfile "$root_pem" <(openssl x509 -in certs.pem) >/dev/null ||
      fail "the served signing certificate does not chain to the root"
    openssl x509 -in certs.pem -noout -ext extendedKeyUsage | grep -q 'critical' ||
      fail "the EKU is not critical"
    echo "ok: the chain is served"
    ;;
  reject_md5)
    echo hi >F; openssl ts -query -md5 -data F -out Q.tsq 2>/dev/null
    rejected Q.tsq "unrecognized or unsupported algorithm identifier" ;;
  reject_sha1)
    echo hi >F; openssl ts -query -sha1 -data F -out Q.tsq 2>/dev/null
    rejected Q.tsq "unrecognized or unsupported algorithm identifier" ;;
  reject_policy)
    echo hi >F; openssl ts -query -sha256 -tspolicy 1.2.3.4 -data F -out Q.tsq 2>/dev/null
    rejected Q.tsq "the requested TSA policy is not supported by the TSA" ;;
  reject_garbage)
    echo "not a TimeStampReq" >Q.tsq
    rejected Q.tsq "the data submitted has the wrong format" ;;
  reject_version)
    echo hi >F; openssl ts -query -sha256 -data F -out Q.tsq 2>/dev/null
    # The first INTEGER (version 1) made 2.
    python3 -c 'import sys; d=open(sys.argv[1],"rb").read(); i=d.index(b"\x02\x01\x01"); open(sys.argv[1],"wb").write(d[:i]+b"\x02\x01\x02"+d[i+3:])' Q.tsq
    rejected Q.tsq "transaction not permitted or supported" ;;
  http_errors)
    before=$(ts_count)
    echo hi >F; openssl ts -query -sha256 -data F -out Q.tsq 2>/dev/null
    code=$(curl -sS -o /dev/null -w '%{http_code}' -H 'Content-Type: application/octet-stream' \
      --data-binary @Q.tsq "$base/tsa")
    [ "$code" = 415 ] || fail "another content type: $code, not 415"
    head -c 17000 /dev/zero >big
    [ "$(post big R.tsr)" = 413 ] || fail "a 17000-byte body is not 413"
    code=$(curl -sS -o /dev/null -w '%{http_code}' "$base/tsa")
    [ "$code" = 405 ] || fail "GET /tsa: $code, not 405"
    [ "$before" = "$(ts_count)" ] || fail "the ts count changed"
    echo "ok: 415, 413, 405 and no ts"
    ;;
  osslsigncode)
    command -v osslsigncode >/dev/null || fail "osslsigncode is not installed (scripts/install-deps.sh)"
    # A code-signing certificate of our own; the timestamp is what is tested.
    openssl req -x509 -newkey rsa:2048 -noenc -days 30 -subj "/CN=ink test signer" \
      -addext "extendedKeyUsage=codeSigning" -keyout sign.key -out sign.pem 2>/dev/null
    printf 'Write-Output "hello"\r\n' >script.ps1
    osslsigncode sign -certs sign.pem -key sign.key -ts "$base/tsa" -in script.ps1 \
      -out signed.ps1 >sign.out 2>&1 || fail "osslsigncode sign: $(cat sign.out)"
    osslsigncode verify -CAfile sign.pem -TSA-CAfile "$root_pem" -in signed.ps1 >verify.out 2>&1 ||
      fail "osslsigncode verify: $(cat verify.out)"
    grep -qi 'Timestamp Server Signature verification: ok' verify.out ||
      fail "no verified timestamp: $(cat verify.out)"
    echo "ok: osslsigncode signed and verified with our timestamp"
    ;;
  jarsigner)
    command -v jarsigner >/dev/null || fail "jarsigner is not installed (scripts/install-deps.sh)"
    keytool -genkeypair -keystore ks.p12 -storetype PKCS12 -storepass secret123 -alias me \
      -keyalg EC -groupname secp256r1 -dname CN=ink-test -validity 30 >/dev/null 2>&1
    mkdir d && echo hello >d/a.txt && (cd d && jar cf ../t.jar a.txt)
    jarsigner -keystore ks.p12 -storepass secret123 -tsa "$base/tsa" t.jar me >sign.out 2>&1 ||
      fail "jarsigner: $(cat sign.out)"
    jarsigner -verify -verbose -certs t.jar >verify.out 2>&1 || fail "verify: $(cat verify.out)"
    grep -q "Timestamped by \"CN=$INK_AUTHORITY TSA\"" verify.out ||
      fail "no timestamp of ours: $(cat verify.out)"
    echo "ok: jarsigner signed with our timestamp: $(grep -m1 'Timestamped by' verify.out)"
    ;;
  rfc3161ng)
    /usr/bin/python3 -c 'import rfc3161ng' 2>/dev/null ||
      fail "python3-rfc3161ng is not installed (scripts/install-deps.sh)"
    read -r gen hex serial < <(/usr/bin/python3 "$here/rfc3161ng_client.py" "$base/tsa" T.tst) ||
      fail "rfc3161ng could not obtain a token"
    printf 'hello from rfc3161ng' >F
    openssl ts -verify -data F -in T.tst -token_in -CAfile "$root_pem" >verify.out 2>&1 ||
      fail "openssl ts -verify of rfc3161ng's token: $(cat verify.out)"
    id=$(python3 -c 'import sys,uuid; print(uuid.UUID(int=int(sys.argv[1],16)))' "$serial")
    answer=$(curl -sS --fail "$base/api/v1/ts/$id/?wait")
    python3 - "$answer" "sha256:$hex" "$gen" <<'PY' || fail "the ts $id does not match the token"
import json, sys
answer = json.loads(sys.argv[1])
sys.exit(0 if answer["timestamp"] == sys.argv[3] and answer["proof"] else 1)
PY
    echo "ok: rfc3161ng obtained token $serial, ts $id at $gen"
    ;;
  startup_refuses)
    # The backend refuses a certificate not made for time-stamping, or a key
    # not its own, at once (before it waits for the database) and says why.
    backend=$INK_BUILD_DIR/src/app/ink-backend
    mkcert() {  # mkcert NAME EKU
      openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -noenc -days 1 \
        -subj "/CN=$1" -addext "extendedKeyUsage=$2" -keyout "$1.key" -out "$1.pem" 2>/dev/null
    }
    mkcert codesign critical,codeSigning
    mkcert noncritical timeStamping
    mkcert good critical,timeStamping
    refuses() {  # refuses CERT KEY MESSAGE
      local rc=0
      INK_TSA_CERT=$1 INK_TSA_KEY=$2 timeout 30 "$backend" --listen 127.0.0.1:0 \
        --database-url postgresql://nobody@127.0.0.1:1/none >out.log 2>&1 || rc=$?
      [ "$rc" = 1 ] || fail "ink-backend with $1 and $2 exited $rc, not 1: $(cat out.log)"
      grep -q "$3" out.log || fail "no '$3' in: $(cat out.log)"
      echo "ok: refused $1/$2: $(grep -m1 'TSA refused' out.log)"
    }
    refuses codesign.pem codesign.key "not timeStamping alone"
    refuses noncritical.pem noncritical.key "not critical"
    refuses good.pem codesign.key "does not match"
    refuses missing.pem good.key "cannot read the TSA certificate file missing.pem"
    ;;
  ink_token)
    # ink stamp --rfc3161 and ink verify --tsr: the token checked as a TSA's
    # token and then against the log; each kind of bad token fails (exit 1)
    # at its own step.
    ink=$INK_BUILD_DIR/src/app/ink
    head -c 5000 /dev/urandom >F
    "$ink" stamp --rfc3161 -s "$base" F >stamp.out 2>&1 || fail "ink stamp --rfc3161: $(cat stamp.out)"
    [ -s F.tsr ] && [ -s F.ink.json ] || fail "no F.tsr or F.ink.json beside F: $(cat stamp.out)"
    openssl ts -verify -data F -in F.tsr -CAfile "$root_pem" >v.out 2>&1 ||
      fail "openssl ts -verify of ink's token: $(cat v.out)"
    "$ink" verify F -s "$base" >plain.out || fail "ink verify of the proof: $(cat plain.out)"
    "$ink" verify F --tsr F.tsr -s "$base" >online.out || fail "ink verify --tsr: $(cat online.out)"
    for step in token tsa-signature imprint log-entry ts-hash signature consistency; do
      grep -q "^ok    $step" online.out || fail "no step $step: $(cat online.out)"
    done
    "$ink" key -s "$base" >keys.json
    "$ink" verify F --tsr F.tsr --key keys.json --tsa-cert "$root_pem" -s http://127.0.0.1:1 \
      --retries 0 >offline.out 2>&1 && fail "--server given, yet it did not ask it"
    "$ink" verify F --tsr F.tsr --key keys.json --tsa-cert "$root_pem" >offline.out ||
      fail "ink verify --tsr offline: $(cat offline.out)"
    grep -q '^VALID' offline.out || fail "offline: $(cat offline.out)"
    mv F.ink.json kept.json  # now the log entry comes from the server
    "$ink" verify F --tsr F.tsr --tsa-cert "$root_pem" -s "$base" >fetched.out ||
      fail "ink verify --tsr without a proof file: $(cat fetched.out)"
    # F.ink.json of another, ordinary stamp of F: the token's ts comes from the server.
    "$ink" stamp -s "$base" F >/dev/null 2>&1 || fail "ink stamp F"
    "$ink" verify F --tsr F.tsr -s "$base" >other.out ||
      fail "ink verify --tsr beside the proof of another stamp: $(cat other.out)"

    invalid() {  # invalid STEP ARGS...: exit 1, the step named
      local step=$1 rc=0; shift
      "$ink" verify "$@" >bad.out 2>&1 || rc=$?
      [ "$rc" = 1 ] || fail "exit $rc, not 1, for $*: $(cat bad.out)"
      grep -q "^FAIL  $step" bad.out || fail "not failed at $step: $(cat bad.out)"
      echo "ok: $step fails for $*"
    }
    cp F G && echo changed >>G
    invalid imprint G --tsr F.tsr -s "$base"
    invalid log-entry F --tsr F.tsr --proof F.ink.json -s "$base"  # a proof of another ts, named
    python3 - F F.tsr <<'PY'  # one bit of the imprint inside the signed TSTInfo
import hashlib, sys
data = open(sys.argv[1], "rb").read(); tsr = bytearray(open(sys.argv[2], "rb").read())
at = tsr.find(hashlib.sha512(data).digest()); assert at > 0
tsr[at + 10] ^= 1; open("flipped.tsr", "wb").write(tsr)
PY
    invalid tsa-signature F --tsr flipped.tsr -s "$base"
    # Another TSA key signs a token for F with the serial of F's ts.
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -noenc -days 1 \
      -subj "/CN=another tsa" -addext "extendedKeyUsage=critical,timeStamping" \
      -keyout other.key -out other.pem 2>/dev/null
    serial=$(reply_text F.tsr | sed -n 's/^Serial number: 0x//p')
    printf '[ tsa ]\ndefault_tsa = t\n[ t ]\nserial = ./serial\nsigner_digest = sha256\n%s\n%s\n%s\n' \
      'default_policy = 1.2.3.4' 'digests = sha512' 'ess_cert_id_alg = sha256' >tsa.cnf
    echo "$serial" >serial
    openssl ts -query -sha512 -cert -data F -out F.tsq 2>/dev/null
    openssl ts -reply -config tsa.cnf -queryfile F.tsq -signer other.pem -inkey other.key \
      -out other.tsr 2>/dev/null || fail "openssl ts -reply with another key"
    invalid tsa-signature F --tsr other.tsr -s "$base"
    # Our own TSA key, misused: a token for F naming the ts of another file.
    head -c 100 /dev/urandom >H
    "$ink" stamp --rfc3161 -s "$base" H >/dev/null 2>&1 || fail "ink stamp --rfc3161 H"
    reply_text H.tsr | sed -n 's/^Serial number: 0x//p' >serial
    openssl ts -reply -config tsa.cnf -queryfile F.tsq -signer "$chain_pem" \
      -inkey "$INK_VAR_DIR/keys/tsa-key.pem" -chain "$chain_pem" -out misused.tsr 2>/dev/null ||
      fail "openssl ts -reply with the TSA key"
    invalid log-entry F --tsr misused.tsr -s "$base"
    "$ink" stamp --rfc3161 --text hi -s "$base" >/dev/null 2>&1 && fail "--rfc3161 with --text"
    echo "ok: ink stamp --rfc3161 and ink verify --tsr"
    ;;
  *) fail "unknown case $case_name" ;;
esac
