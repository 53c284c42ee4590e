// Failing cases for the head checks a browser runs on every head it sees:
// each test fails if the check it names is removed from verify.ts.
import { describe, expect, it } from 'vitest'
import { ed25519 } from '@noble/curves/ed25519.js'
import * as ink from './ink'

const seed = ink.fromHex('11'.repeat(32))
const publicKey = ed25519.getPublicKey(seed)
const keys = [ink.keyJsonOf(publicKey)]
const authority = 'heads.example'
const closedAt = (i: number, tag = 0) => `2026-03-01T00:00:${String(i).padStart(2, '0')}.${String(tag).padStart(6, '0')}Z`

/** A main tree of n intervals; `variant` changes interval 2's contents (a fork). */
function tree(n: number, variant = 0) {
  const records = Array.from({ length: n }, (_, i) => ({
    index: i,
    timestamp: closedAt(i),
    ith: i === 2 && variant ? ink.H(Uint8Array.of(variant)) : ink.EMPTY_ROOT,
  }))
  const ihashes = records.map(ink.ihash)
  const head = (i: number, signWith = seed): ink.HeadJson => {
    const leaves = ihashes.slice(0, i + 1)
    const mth = ink.merkleRoot(leaves)
    const bits = ink.expectedPathBits(i, i + 1)
    return {
      authority,
      version: '1',
      mth: ink.toBase64(mth),
      interval: { index: i, timestamp: records[i]!.timestamp, ith: ink.toBase64(records[i]!.ith), typ: 'it', version: '1' },
      inclusion: { head: i, leaf: i, a: bits.a, nodes: rfcPath(i, leaves).map(ink.toBase64), version: '1' },
      consistency: null,
      signature: ink.toBase64(ed25519.sign(ink.headStatement(authority, i, mth), signWith)),
      key: ink.keyId(ed25519.getPublicKey(signWith)),
    }
  }
  const consistency = (x: number, y: number): ink.ConsistencyJson => ({
    old_interval: x,
    new_interval: y,
    nodes: rfcConsistency(x + 1, ihashes.slice(0, y + 1)).map(ink.toBase64),
    version: '1',
  })
  return { head, consistency, ihashes }
}

function rfcPath(m: number, d: Uint8Array[]): Uint8Array[] {
  if (d.length <= 1) return []
  let k = 1
  while (k * 2 < d.length) k *= 2
  return m < k ? [...rfcPath(m, d.slice(0, k)), ink.merkleRoot(d.slice(k))] : [...rfcPath(m - k, d.slice(k)), ink.merkleRoot(d.slice(0, k))]
}
function rfcConsistency(m: number, d: Uint8Array[]): Uint8Array[] {
  const sub = (m: number, d: Uint8Array[], b: boolean): Uint8Array[] => {
    if (m === d.length) return b ? [] : [ink.merkleRoot(d)]
    let k = 1
    while (k * 2 < d.length) k *= 2
    return m <= k ? [...sub(m, d.slice(0, k), b), ink.merkleRoot(d.slice(k))] : [...sub(m - k, d.slice(k), false), ink.merkleRoot(d.slice(0, k))]
  }
  return sub(m, d, true)
}
const bad = (steps: ink.Step[]) => steps.filter((s) => s.status !== 'pass').map((s) => `${s.id}:${s.reason}`)

describe('verifyHead', () => {
  const t = tree(7)
  it('accepts genuine heads of every size', () => {
    for (let i = 0; i < 7; i++) expect(bad(ink.verifyHead(t.head(i), keys)), `head ${i}`).toEqual([])
  })

  it('refuses an inclusion proof that names another leaf or head, even though its root matches', () => {
    const leaf = t.head(5)
    leaf.inclusion.leaf = 4
    expect(bad(ink.verifyHead(leaf, keys))).toEqual(['ihash:wrong_position'])
    const head = t.head(5)
    head.inclusion.head = 6
    expect(bad(ink.verifyHead(head, keys))).toEqual(['ihash:wrong_position'])
  })

  it('refuses a head whose mth is a tree of the record alone, not of all intervals (position by a and length)', () => {
    // Signed and internally consistent, but mth_5 must be over 6 leaves.
    const h = t.head(5)
    const record = ink.ihash({ index: 5, timestamp: h.interval.timestamp, ith: ink.fromBase64(h.interval.ith) })
    const lone = ink.merkleRoot([record])
    h.mth = ink.toBase64(lone)
    h.inclusion = { ...h.inclusion, a: 0, nodes: [] }
    h.signature = ink.toBase64(ed25519.sign(ink.headStatement(authority, 5, lone), seed))
    expect(bad(ink.verifyHead(h, keys))).toEqual(['inclusion:wrong_position'])
  })

  it('refuses a path of the right length for another position', () => {
    // Leaf 4 of 6 and leaf 5 of 6 have paths of equal length; swap the a.
    const h = t.head(5)
    h.inclusion.a = ink.expectedPathBits(4, 6).a
    expect(bad(ink.verifyHead(h, keys))).toEqual(['inclusion:wrong_position'])
  })

  it('checks the key id against the public key: a key list pairing the id with another key is refused', () => {
    const attacker = ink.fromHex('22'.repeat(32))
    const forged = tree(7, 9).head(5, attacker)
    // The attacker's head claims the service's key id; its key list pairs that id with the attacker's key.
    forged.key = keys[0]!.key
    const listed = [{ key: keys[0]!.key, public_key: ink.toBase64(ed25519.getPublicKey(attacker)), algorithm: 'ed25519' }]
    expect(bad(ink.verifyHead(forged, listed))).toEqual(['signature:key_id_differs'])
    expect(ink.parseKeyFile(JSON.stringify(listed))).toEqual({ ok: false, reason: 'key_id_differs' })
  })

  it('an unknown key fails against the published list and is unchecked without it', () => {
    const h = t.head(3)
    expect(bad(ink.verifyHead(h, []))).toEqual(['signature:unknown_key'])
    expect(ink.verifyHead(h, [], false).at(-1)).toMatchObject({ status: 'unchecked', reason: 'key_unavailable' })
  })
})

describe('verifyHeadConsistency', () => {
  const t = tree(9)
  const fork = tree(9, 7)
  it('a later head with its proof is consistent', () => {
    expect(ink.verifyHeadConsistency(3, t.head(3).mth, t.head(8), t.consistency(3, 8)).status).toBe('pass')
    expect(ink.verifyHeadConsistency(3, t.head(3).mth, t.head(3), null)).toMatchObject({ status: 'pass', reason: 'same_head' })
  })
  it('a different head for the same interval is a fork, never consistent', () => {
    const other = fork.head(3)
    expect(other.mth).not.toBe(t.head(3).mth)
    expect(ink.verifyHeadConsistency(3, t.head(3).mth, other, null)).toMatchObject({ status: 'fail', reason: 'forked' })
    expect(ink.verifyHeadConsistency(3, t.head(3).mth, other, t.consistency(3, 3))).toMatchObject({ status: 'fail', reason: 'forked' })
  })
  it('a forked later head fails with its own (valid for it) proof', () => {
    expect(ink.verifyHeadConsistency(3, t.head(3).mth, fork.head(8), fork.consistency(3, 8))).toMatchObject({ status: 'fail', reason: 'not_consistent' })
  })
  it('an older head, or a proof for other intervals, fails', () => {
    expect(ink.verifyHeadConsistency(5, t.head(5).mth, t.head(4), null)).toMatchObject({ status: 'fail', reason: 'current_older' })
    expect(ink.verifyHeadConsistency(3, t.head(3).mth, t.head(8), t.consistency(2, 8))).toMatchObject({ status: 'fail', reason: 'no_proof' })
  })
  it('verifyAgainstCurrent refuses a current head that is not genuine before looking at consistency', () => {
    const proofHead = { ...t.head(3), interval: 3 } as unknown as ink.ProofHeadJson
    const forged = { ...t.head(8), signature: t.head(7).signature }
    expect(bad(ink.verifyAgainstCurrent(proofHead, forged, t.consistency(3, 8), keys))).toEqual([
      'current-head:head_invalid',
      'consistency:current_head_failed',
    ])
    expect(bad(ink.verifyAgainstCurrent(proofHead, t.head(8), t.consistency(3, 8), keys))).toEqual([])
  })
})

describe('readProofFile', () => {
  it('says the line and column where the JSON breaks', () => {
    const r = ink.readProofFile('{\n  "format": "unchanging.ink/proof",\n  "version": 1\n  "data": "x"\n}')
    expect(r).toMatchObject({ ok: false, reason: 'json', line: 4, column: 3 })
  })
  it('says which field is missing', () => {
    const r = ink.readProofFile(
      JSON.stringify({ format: 'unchanging.ink/proof', version: 1, authority: 'a', data: 'x', files: [], timestamp: { timestamp: 'now', proof: {} } }),
    )
    expect(r).toMatchObject({ ok: false, reason: 'field', field: 'timestamp.hash', problem: 'missing' })
  })
})

describe('parseKeyFile', () => {
  const pem = `-----BEGIN PUBLIC KEY-----\n${ink.toBase64(ink.concat(ink.fromHex('302a300506032b6570032100'), publicKey))}\n-----END PUBLIC KEY-----\n`
  it('reads the JSON of `ink key`, a PEM key, and a raw key in base64 or hex', () => {
    for (const text of [JSON.stringify(keys), JSON.stringify(keys[0]), pem, ink.toBase64(publicKey), ink.toHex(publicKey)])
      expect(ink.parseKeyFile(text), text.slice(0, 30)).toEqual({ ok: true, keys })
  })
  it('refuses junk', () => {
    expect(ink.parseKeyFile('hello').ok).toBe(false)
    expect(ink.parseKeyFile('[]').ok).toBe(false)
    expect(ink.parseKeyFile(ink.toBase64(publicKey.slice(1))).ok).toBe(false)
  })
})

describe('heads under a key chain (docs/keys.md)', () => {
  // The key rotates to `next` at interval 4; `next` revokes the first key after 2.
  const nextSeed = ink.fromHex('22'.repeat(32))
  const next = ed25519.getPublicKey(nextSeed)
  const statement = ink.keyTransitionStatement(authority, 4, next)
  const entry = (n: number, revoked = false): ink.ListedKeyJson[] => [
    {
      ...keys[0]!,
      first_interval: 0,
      last_interval: 3,
      transition: null,
      revocation: revoked
        ? { after: 2, by: ink.keyId(next), signature: ink.toBase64(ed25519.sign(ink.keyRevocationStatement(authority, 2, publicKey), nextSeed)) }
        : null,
    },
    {
      ...ink.keyJsonOf(next),
      first_interval: 4,
      last_interval: null,
      transition: {
        interval: 4,
        from: keys[0]!.key,
        signature: ink.toBase64(ed25519.sign(statement, n === 0 ? nextSeed : seed)),
        countersignature: ink.toBase64(ed25519.sign(statement, nextSeed)),
      },
      revocation: null,
    },
  ]
  const t = tree(8)
  const trustOf = (list: ink.ListedKeyJson[]) => ink.makeKeyTrust(keys, [{ source: 'proof', value: list }], authority)

  it('a head by the later key verifies with only the first key pinned, offline, and says its place', () => {
    const h = t.head(5, nextSeed)
    expect(ink.verifyHead(h, keys, false).at(-1)).toMatchObject({ status: 'unchecked', reason: 'key_unavailable' })
    expect(ink.verifyHead(h, keys, false, trustOf(entry(1))).at(-1)).toMatchObject({
      status: 'pass',
      reason: 'in_chain',
      detail: { key: ink.keyId(next), position: 2, count: 2 },
    })
  })

  it('fails at the signature step for a retired key after its last interval, and a revoked key after the index', () => {
    expect(bad(ink.verifyHead(t.head(3), keys, true, trustOf(entry(1))))).toEqual([])
    expect(ink.verifyHead(t.head(4), keys, true, trustOf(entry(1))).at(-1)).toMatchObject({
      status: 'fail',
      reason: 'key_retired',
      detail: { last: 3, next: 4, i: 4 },
    })
    expect(bad(ink.verifyHead(t.head(2), keys, true, trustOf(entry(1, true))))).toEqual([])
    expect(ink.verifyHead(t.head(3), keys, true, trustOf(entry(1, true))).at(-1)).toMatchObject({
      status: 'fail',
      reason: 'key_revoked',
      detail: { after: 2, i: 3 },
    })
    expect(ink.verifyHead(t.head(3, nextSeed), keys, true, trustOf(entry(1))).at(-1)).toMatchObject({ status: 'fail', reason: 'key_not_yet_active' })
    // The current head is held to the same rules.
    expect(bad(ink.verifyAgainstCurrent(t.head(1), t.head(4), t.consistency(1, 4), keys, true, trustOf(entry(1))))).toEqual([
      'current-head:head_invalid',
      'consistency:current_head_failed',
    ])
  })

  it('a key list whose transition does not hold fails every head at the signature step', () => {
    expect(ink.verifyHead(t.head(1), keys, true, trustOf(entry(0))).at(-1)).toMatchObject({
      status: 'fail',
      reason: 'chain_bad_signature',
      detail: { source: 'proof', interval: 4 },
    })
  })
})
