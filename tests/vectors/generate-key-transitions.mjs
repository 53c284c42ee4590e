// Writes key-transitions.json: key transition and revocation statements
// (docs/keys.md), their Ed25519 signatures by fixed keys, chains of keys a
// verifier must accept or refuse, and the verdict for heads signed by each
// key, computed here from the definitions with Node's crypto only.
//   node tests/vectors/generate-key-transitions.mjs           # rewrite
//   node tests/vectors/generate-key-transitions.mjs --check   # exit 1 if stale
import { createHash, sign } from 'node:crypto'
import { readFileSync, writeFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { b64, cbor, keyFromSeed } from './primitives.mjs'

const OUT = fileURLToPath(new URL('./key-transitions.json', import.meta.url))
const seed = (label) => createHash('sha256').update(`unchanging.ink key transition vectors: ${label}`).digest('hex')
const KEYS = [0, 1, 2, 3].map((i) => ({ seed_hex: seed(`key ${i}`) }))
for (const k of KEYS) k.key = keyFromSeed(k.seed_hex)
const [k0, k1, k2, k3] = KEYS

const transitionStatement = (authority, interval, key) => cbor({ authority, interval, key, typ: 'key', version: '1' })
const revocationStatement = (authority, interval, key) => cbor({ authority, interval, key, typ: 'revoke', version: '1' })
const sig = (signer, bytes) => b64(sign(null, bytes, signer.key.privateKey))

// Statements for intervals whose CBOR integer takes each length.
const statements = []
for (const [authority, interval] of [
  ['ink.example', 1],
  ['ink.example', 24],
  ['localhost:23230', 256],
  ['unchanging.ink', 65536],
  ['unchanging.ink', 4294967296],
]) {
  const bytes = transitionStatement(authority, interval, k1.key.raw)
  statements.push({
    name: `transition-${interval}`,
    typ: 'key',
    authority,
    interval,
    key: b64(k1.key.raw),
    statement_hex: bytes.toString('hex'),
    signer: k0.key.id,
    signature: sig(k0, bytes),
  })
}
{
  const bytes = revocationStatement('ink.example', 150, k1.key.raw)
  statements.push({
    name: 'revocation-150',
    typ: 'revoke',
    authority: 'ink.example',
    interval: 150,
    key: b64(k1.key.raw),
    statement_hex: bytes.toString('hex'),
    signer: k2.key.id,
    signature: sig(k2, bytes),
  })
}

// A transition from `from` to `to` at `interval`, signed as the definition
// says unless a field of `bad` replaces a signature.
const AUTHORITY = 'ink.example'
function transition(from, to, interval, bad = {}) {
  const bytes = transitionStatement(AUTHORITY, interval, to.key.raw)
  return {
    interval,
    from: from.key.id,
    to: to.key.id,
    signature: bad.signature ?? sig(from, bytes),
    countersignature: bad.countersignature ?? sig(to, bytes),
  }
}
function revocation(key, after, signer, bad = {}) {
  return {
    key: key.key.id,
    after,
    signer: signer.key.id,
    signature: bad.signature ?? sig(signer, revocationStatement(AUTHORITY, after, key.key.raw)),
  }
}

const good = {
  authority: AUTHORITY,
  origin: k0.key.id,
  origin_first_interval: 0,
  transitions: [transition(k0, k1, 100), transition(k1, k2, 200)],
  revocations: [revocation(k1, 150, k2)],
}
const chains = [
  {
    name: 'rotated-twice-one-revoked',
    description: 'k0 signs 0..99, k1 100..199 (revoked after 150), k2 from 200',
    ...good,
    valid: true,
    keys: [
      { key: k0.key.id, first_interval: 0, last_interval: 99, revoked_after: null },
      { key: k1.key.id, first_interval: 100, last_interval: 199, revoked_after: 150 },
      { key: k2.key.id, first_interval: 200, last_interval: null, revoked_after: null },
    ],
    heads: [
      [0, k0, 'valid'],
      [99, k0, 'valid'],
      [100, k0, 'retired'],
      [4294967296, k0, 'retired'],
      [99, k1, 'not-yet-active'],
      [100, k1, 'valid'],
      [150, k1, 'valid'],
      [151, k1, 'revoked'],
      [200, k1, 'revoked'],
      [199, k2, 'not-yet-active'],
      [200, k2, 'valid'],
      [4294967296, k2, 'valid'],
      [5, k3, 'unknown-key'],
    ].map(([interval, k, verdict]) => ({ interval, key: k.key.id, verdict })),
  },
]
const refused = (name, description, change) => chains.push({ name, description, ...good, ...change(), valid: false, keys: null, heads: [] })
refused('transition-not-signed-by-old-key', 'k0 to k1 signed by k3 instead of k0', () => ({
  transitions: [transition(k0, k1, 100, { signature: sig(k3, transitionStatement(AUTHORITY, 100, k1.key.raw)) })],
  revocations: [],
}))
refused('transition-not-countersigned', 'the countersignature of k1 was made for interval 101', () => ({
  transitions: [transition(k0, k1, 100, { countersignature: sig(k1, transitionStatement(AUTHORITY, 101, k1.key.raw)) })],
  revocations: [],
}))
refused('transition-other-authority', 'both signatures made for another log', () => {
  const bytes = transitionStatement('other.example', 100, k1.key.raw)
  return { transitions: [transition(k0, k1, 100, { signature: sig(k0, bytes), countersignature: sig(k1, bytes) })], revocations: [] }
})
refused('transition-as-revocation', 'signatures over the revocation statement (typ "revoke") of the same fields', () => {
  const bytes = revocationStatement(AUTHORITY, 100, k1.key.raw)
  return { transitions: [transition(k0, k1, 100, { signature: sig(k0, bytes), countersignature: sig(k1, bytes) })], revocations: [] }
})
refused('transition-skips-a-key', 'k0 to k1, then k0 to k2: the second is not from the key before it', () => ({
  transitions: [transition(k0, k1, 100), transition(k0, k2, 200)],
  revocations: [],
}))
refused('transition-not-after-previous', 'k1 to k2 at 100, the interval k1 starts at', () => ({
  transitions: [transition(k0, k1, 100), transition(k1, k2, 100)],
  revocations: [],
}))
refused('transition-back-to-a-key', 'k0 to k1, then k1 back to k0', () => ({
  transitions: [transition(k0, k1, 100), transition(k1, k0, 200)],
  revocations: [],
}))
refused('revocation-by-the-revoked-key', 'k1 revoked after 150 in a statement signed by k1 itself', () => ({
  revocations: [revocation(k1, 150, k1)],
}))
refused('revocation-by-an-earlier-key', 'k1 revoked by k0', () => ({ revocations: [revocation(k1, 150, k0)] }))
refused('revocation-other-interval', 'signed for after 151, presented as after 150', () => ({
  revocations: [revocation(k1, 150, k2, { signature: sig(k2, revocationStatement(AUTHORITY, 151, k1.key.raw)) })],
}))
refused('revocation-as-transition', 'a signature over the transition statement (typ "key") of the same fields', () => ({
  revocations: [revocation(k1, 150, k2, { signature: sig(k2, transitionStatement(AUTHORITY, 150, k1.key.raw)) })],
}))

const vectors = {
  description:
    'Key transitions and revocations (docs/keys.md): transition statement = cbor({"authority", "interval", "key": NEW_PUBLIC_KEY, "typ": "key", "version": "1"}) signed by the old key and countersigned by the new; revocation statement = cbor({"authority", "interval": AFTER, "key": REVOKED_PUBLIC_KEY, "typ": "revoke", "version": "1"}) signed by a later key of the chain. A chain with valid=false must be refused as a whole. Generated by generate-key-transitions.mjs; do not edit by hand.',
  keys: KEYS.map((k) => ({ seed_hex: k.seed_hex, public_key: b64(k.key.raw), key: k.key.id })),
  statements,
  chains,
}
const output = JSON.stringify(vectors, null, 2) + '\n'
if (process.argv.includes('--check')) {
  if (readFileSync(OUT, 'utf8') !== output) {
    console.error(`${OUT} differs from what the generator writes; run it without --check`)
    process.exit(1)
  }
  console.log(`${OUT}: up to date (${statements.length} statements, ${chains.length} chains)`)
} else {
  writeFileSync(OUT, output)
  console.log(`wrote ${OUT} (${statements.length} statements, ${chains.length} chains)`)
}
