// Reproduces every example of the shared vectors.json with the web page's
// protocol module, plus checks that tampering is caught.
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { ed25519 } from '@noble/curves/ed25519.js'
import * as ink from './ink'

const vectorsPath = fileURLToPath(new URL('../../../shared/protocol/vectors.json', import.meta.url))
const vectors = JSON.parse(readFileSync(vectorsPath, 'utf8'))
const ascii = (s: string) => new TextEncoder().encode(s)
const hex = ink.toHex
const unhex = ink.fromHex

describe('timestamp hash', () => {
  for (const v of vectors.timestamp_hash) {
    it(`data=${JSON.stringify(v.data).slice(0, 24)}`, () => {
      expect(hex(ink.cbor({ data: v.data, timestamp: v.timestamp, typ: 'ts', version: '1' }))).toBe(v.cbor)
      expect(hex(ink.tsHash(v.data, v.timestamp))).toBe(v.hash)
    })
  }
})

describe('interval hash', () => {
  for (const v of vectors.interval_hash) {
    it(`index ${v.index}`, () => {
      const record = { index: v.index, timestamp: v.timestamp, ith: unhex(v.ith) }
      expect(hex(ink.cbor({ ...record, typ: 'it', version: '1' }))).toBe(v.cbor)
      expect(hex(ink.ihash(record))).toBe(v.ihash)
    })
  }
})

describe('Merkle tree roots', () => {
  for (const v of vectors.trees) {
    it(`${v.leaves_ascii.length} leaves`, () => {
      expect(hex(ink.merkleRoot(v.leaves_ascii.map(ascii)))).toBe(v.root)
    })
  }
})

describe('inclusion proofs', () => {
  for (const v of vectors.inclusion) {
    it(`leaf ${v.leaf_index} of ${v.tree_size}`, () => {
      const path = v.path.map(unhex)
      const root = ink.rootFromPath(ascii(v.leaf), v.a, path)
      expect(root && hex(root)).toBe(v.root)
      expect(ink.expectedPathBits(v.leaf_index, v.tree_size)).toEqual({ a: v.a, length: v.path.length })
    })
    it(`leaf ${v.leaf_index} of ${v.tree_size} rejects a changed leaf, flipped side or extra bits`, () => {
      const path = v.path.map(unhex)
      expect(hex(ink.rootFromPath(ascii(v.leaf + 'x'), v.a, path)!)).not.toBe(v.root)
      if (path.length > 0) expect(hex(ink.rootFromPath(ascii(v.leaf), v.a ^ 1, path)!)).not.toBe(v.root)
      expect(ink.rootFromPath(ascii(v.leaf), v.a + 2 ** path.length, path)).toBeNull()
    })
  }

  it('expected bits agree with a path computed from the RFC 6962 definition', () => {
    // PATH(m, D[n]) straight from the RFC, on leaf hashes, for many sizes.
    const leaves = Array.from({ length: 40 }, (_, i) => ascii(`leaf-${i}`))
    const pathOf = (m: number, d: Uint8Array[]): { path: Uint8Array[]; a: number } => {
      if (d.length <= 1) return { path: [], a: 0 }
      let k = 1
      while (k * 2 < d.length) k *= 2
      if (m < k) {
        const sub = pathOf(m, d.slice(0, k))
        return { path: [...sub.path, ink.merkleRoot(d.slice(k))], a: sub.a }
      }
      const sub = pathOf(m - k, d.slice(k))
      return { path: [...sub.path, ink.merkleRoot(d.slice(0, k))], a: sub.a + 2 ** sub.path.length }
    }
    for (let n = 1; n <= leaves.length; n++) {
      const d = leaves.slice(0, n)
      const root = ink.merkleRoot(d)
      for (let m = 0; m < n; m++) {
        const { path, a } = pathOf(m, d)
        expect(ink.expectedPathBits(m, n)).toEqual({ a, length: path.length })
        expect(hex(ink.rootFromPath(d[m]!, a, path)!)).toBe(hex(root))
      }
    }
  })
})

describe('consistency proofs', () => {
  for (const v of vectors.consistency) {
    it(`${v.old_size} -> ${v.new_size}`, () => {
      const proof = v.proof.map(unhex)
      expect(ink.verifyConsistency(v.old_size, v.new_size, unhex(v.old_root), unhex(v.new_root), proof)).toBe(true)
    })
    it(`${v.old_size} -> ${v.new_size} rejects tampering`, () => {
      const proof = v.proof.map(unhex)
      const wrongRoot = unhex(v.new_root)
      wrongRoot[0] ^= 1
      expect(ink.verifyConsistency(v.old_size, v.new_size, unhex(v.old_root), wrongRoot, proof)).toBe(false)
      if (proof.length > 0) {
        const bent = proof.map((p: Uint8Array) => p.slice())
        bent[bent.length - 1]![5] ^= 0x40
        expect(ink.verifyConsistency(v.old_size, v.new_size, unhex(v.old_root), unhex(v.new_root), bent)).toBe(false)
      }
      if (v.old_size !== v.new_size) {
        expect(ink.verifyConsistency(v.old_size, v.new_size, unhex(v.old_root), unhex(v.new_root), [])).toBe(false)
      }
    })
  }
})

// PROOF(m, D[n]) of RFC 6962 section 2.1.2, straight from the definition.
function rfcConsistencyProof(m: number, d: Uint8Array[]): Uint8Array[] {
  const sub = (m: number, d: Uint8Array[], b: boolean): Uint8Array[] => {
    const n = d.length
    if (m === n) return b ? [] : [ink.merkleRoot(d)]
    let k = 1
    while (k * 2 < n) k *= 2
    if (m <= k) return [...sub(m, d.slice(0, k), b), ink.merkleRoot(d.slice(k))]
    return [...sub(m - k, d.slice(k), false), ink.merkleRoot(d.slice(0, k))]
  }
  return sub(m, d, true)
}

describe('consistency against the RFC definition', () => {
  it('every pair of sizes up to 33 verifies, and a wrong old root fails', () => {
    const leaves = Array.from({ length: 33 }, (_, i) => ascii(`leaf-${i}`))
    for (let n = 1; n <= leaves.length; n++) {
      const newRoot = ink.merkleRoot(leaves.slice(0, n))
      for (let m = 1; m <= n; m++) {
        const oldRoot = ink.merkleRoot(leaves.slice(0, m))
        const proof = rfcConsistencyProof(m, leaves.slice(0, n))
        expect(ink.verifyConsistency(m, n, oldRoot, newRoot, proof), `${m}->${n}`).toBe(true)
        if (m > 1) expect(ink.verifyConsistency(m, n, ink.merkleRoot(leaves.slice(0, m - 1)), newRoot, proof)).toBe(false)
      }
    }
  })
  it('matches the vectors', () => {
    const leaves = Array.from({ length: 17 }, (_, i) => ascii(`leaf-${i}`))
    for (const v of vectors.consistency) {
      expect(rfcConsistencyProof(v.old_size, leaves.slice(0, v.new_size)).map(hex)).toEqual(v.proof)
    }
  })
})

describe('signed head', () => {
  const v = vectors.signed_head
  const publicKey = unhex(v.public_key)
  const statement = ink.headStatement(v.authority, v.interval, unhex(v.mth))

  it('statement, key id and public key', () => {
    expect(hex(statement)).toBe(v.statement_cbor)
    expect(ink.keyId(publicKey)).toBe(v.key_id)
    expect(hex(ed25519.getPublicKey(unhex(v.secret_key_seed)))).toBe(v.public_key)
  })

  it('signature verifies, and is deterministic', () => {
    expect(ink.verifySignature(statement, unhex(v.signature), publicKey)).toBe(true)
    expect(hex(ed25519.sign(statement, unhex(v.secret_key_seed)))).toBe(v.signature)
  })

  it('signature fails for another interval or a flipped bit', () => {
    expect(ink.verifySignature(ink.headStatement(v.authority, v.interval + 1, unhex(v.mth)), unhex(v.signature), publicKey)).toBe(false)
    const sig = unhex(v.signature)
    sig[10] ^= 1
    expect(ink.verifySignature(statement, sig, publicKey)).toBe(false)
  })
})

describe('compact strings', () => {
  it('head string', () => {
    const v = vectors.signed_head
    expect(ink.headCompact(v.authority, v.interval, unhex(v.mth))).toBe(vectors.compact.mth)
    const parsed = ink.parseHeadCompact(vectors.compact.mth)!
    expect(parsed.authority).toBe(v.authority)
    expect(parsed.interval).toBe(v.interval)
    expect(hex(parsed.mth)).toBe(v.mth)
  })

  it('timestamp string', () => {
    const t = vectors.compact.timestamp_example
    expect(ink.timestampCompact(t.authority, t.interval, t.timestamp, t.a, t.path.map(unhex))).toBe(t.compact)
    const parsed = ink.parseTimestampCompact(t.compact)!
    expect(parsed.authority).toBe(t.authority)
    expect(parsed.interval).toBe(t.interval)
    expect(parsed.timestamp).toBe(t.timestamp)
    expect(parsed.a).toBe(t.a)
    expect(parsed.path.map(hex)).toEqual(t.path)
  })

  it('rejects malformed strings', () => {
    const t = vectors.compact.timestamp_example.compact as string
    expect(ink.parseTimestampCompact(t.slice(0, -3))).toBeNull()
    expect(ink.parseTimestampCompact(t.replace('#v1,', '#v2,'))).toBeNull()
    expect(ink.parseHeadCompact('example.org/x#v1:abc')).toBeNull()
    expect(ink.parseHeadCompact(vectors.compact.mth.slice(0, -2))).toBeNull()
  })
})

describe('client conventions', () => {
  const c = vectors.client_conventions
  it('text', async () => {
    expect(await ink.dataForText(c.text.text)).toBe(c.text.data)
  })
  it('one file', async () => {
    expect(await ink.dataForFiles([unhex(c.one_file.content_hex)])).toBe(c.one_file.data)
  })
  it('several files, in any order', async () => {
    const contents = c.several_files.contents_hex.map(unhex)
    const perFile = await Promise.all(contents.map(ink.dataForFile))
    expect(perFile).toEqual(c.several_files.per_file)
    expect(ink.combinedFilesText(perFile)).toBe(c.several_files.combined_text)
    expect(await ink.dataForFiles(contents)).toBe(c.several_files.data)
    expect(await ink.dataForFiles([...contents].reverse())).toBe(c.several_files.data)
  })
})

describe('base64', () => {
  it('round-trips every length and rejects junk', () => {
    for (let n = 0; n < 40; n++) {
      const bytes = Uint8Array.from({ length: n }, (_, i) => (i * 37 + n) & 255)
      expect(ink.fromBase64(ink.toBase64(bytes))).toEqual(bytes)
      expect(ink.fromBase64Url(ink.toBase64Url(bytes))).toEqual(bytes)
      expect(ink.toBase64(bytes)).toBe(Buffer.from(bytes).toString('base64'))
    }
    expect(() => ink.fromBase64('abc')).toThrow()
    expect(() => ink.fromBase64('ab$=')).toThrow()
  })
})

// A whole proof built from the vectors' key, as the service would answer it,
// so verifyOffline is exercised end to end without a server.
describe('verifyOffline on a constructed proof', () => {
  const sv = vectors.signed_head
  const seed = unhex(sv.secret_key_seed)
  const keys: ink.KeyJson[] = [{ key: sv.key_id, public_key: ink.toBase64(unhex(sv.public_key)), algorithm: 'ed25519' }]
  const authority = 'localhost:23230'
  const data = 'sha512:' + 'ab'.repeat(64)
  const timestamp = '2026-11-28T12:00:04.123456Z'
  const closedAt = (i: number) => `2026-11-28T12:00:0${i + 1}.000000Z`

  function build() {
    // Interval 4 holds three ts; ours is the second. Main tree over 5 intervals.
    const hash = ink.tsHash(data, timestamp)
    const others = [ink.tsHash('x', timestamp), ink.tsHash('y', timestamp)]
    const leaves = [others[0]!, hash, others[1]!]
    const ith = ink.merkleRoot(leaves)
    const path = [ink.leafHash(others[0]!), ink.leafHash(others[1]!)]
    // leaf 1 of 3: sibling leaf 0 on the left (bit 0), then leaf 2 on the right.
    const a = 1
    const records = Array.from({ length: 5 }, (_, i) => ({ index: i, timestamp: closedAt(i), ith: i === 4 ? ith : ink.EMPTY_ROOT }))
    const ihashes = records.map(ink.ihash)
    const mth = ink.merkleRoot(ihashes)
    const nodes = [ink.merkleRoot(ihashes.slice(0, 4))]
    const signature = ed25519.sign(ink.headStatement(authority, 4, mth), seed)
    const answer: ink.TimestampJson = {
      hash: ink.toBase64(hash),
      timestamp,
      typ: 'ts',
      version: '1',
      id: '00000000-0000-0000-0000-000000000000',
      interval: 4,
      proof: {
        a,
        path: path.map(ink.toBase64),
        ith: ink.toBase64(ith),
        mth: ink.headCompact(authority, 4, mth),
        interval: { index: 4, timestamp: records[4]!.timestamp, ith: ink.toBase64(ith), typ: 'it', version: '1' },
        inclusion: { head: 4, leaf: 4, a: 1, nodes: nodes.map(ink.toBase64), version: '1' },
        head: { authority, interval: 4, mth: ink.toBase64(mth), signature: ink.toBase64(signature), key: sv.key_id },
      },
    }
    return ink.makeProofFile(answer, data, ['a.txt'])
  }

  const run = (file: ink.ProofFile, d = data) => {
    const m = ink.materialFromProofFile(file)
    if ('error' in m) throw new Error(m.error)
    return ink.verifyOffline(d, m, keys)
  }
  const failing = (steps: ink.Step[]) => steps.filter((s) => s.status !== 'pass').map((s) => `${s.id}:${s.reason}`)

  it('passes every step and round-trips through JSON', () => {
    const file = ink.parseProofFile(JSON.stringify(build()))!
    expect(file.authority).toBe(authority)
    const steps = run(file)
    expect(steps.map((s) => s.id)).toEqual(['data', 'ts-hash', 'interval-path', 'ihash', 'inclusion', 'signature'])
    expect(failing(steps)).toEqual([])
  })

  it('compact string with head i verifies the same links', () => {
    const file = build()
    const compact = ink.compactOfTimestamp(file.timestamp)!
    const p = file.timestamp.proof!
    const head: ink.HeadJson = {
      authority,
      version: '1',
      mth: p.head!.mth,
      interval: p.interval!,
      inclusion: p.inclusion!,
      consistency: null,
      signature: p.head!.signature,
      key: p.head!.key,
    }
    const steps = ink.verifyOffline(data, ink.materialFromCompact(ink.parseTimestampCompact(compact)!, head), keys)
    expect(failing(steps)).toEqual(['data:compact_has_no_data'])
    expect(failing(ink.verifyHead(head, keys))).toEqual([])
    const other = ink.verifyOffline('sha512:00', ink.materialFromCompact(ink.parseTimestampCompact(compact)!, head), keys)
    expect(failing(other)).toEqual(['data:compact_has_no_data', 'interval-path:compact_root_differs'])
  })

  it('a changed text fails at data (and at ts hash)', () => {
    // The rest of the chain follows the proof's own hash and still holds.
    expect(failing(run(build(), 'sha512:' + 'cd'.repeat(64)))).toEqual(['data:document_differs', 'ts-hash:document_differs'])
  })

  it('tampering with each link fails that link', () => {
    const cases: [string, (f: ink.ProofFile) => void, string[]][] = [
      [
        'path',
        (f) => {
          f.timestamp.proof!.path.reverse()
        },
        ['interval-path:root_differs'],
      ],
      [
        'a',
        (f) => {
          f.timestamp.proof!.a = 2
        },
        ['interval-path:root_differs'],
      ],
      [
        'interval time',
        (f) => {
          f.timestamp.proof!.interval!.timestamp = '2026-11-28T12:00:07.000000Z'
        },
        ['inclusion:root_differs'],
      ],
      [
        'ts after interval',
        (f) => {
          f.timestamp.timestamp = '2026-11-28T12:00:05.500000Z'
          f.timestamp.hash = ink.toBase64(ink.tsHash(data, f.timestamp.timestamp))
        },
        ['interval-path:root_differs'],
      ],
      [
        'inclusion node',
        (f) => {
          f.timestamp.proof!.inclusion!.nodes = [ink.toBase64(ink.EMPTY_ROOT)]
        },
        ['inclusion:root_differs'],
      ],
      [
        'inclusion position',
        (f) => {
          f.timestamp.proof!.inclusion!.a = 0
        },
        ['inclusion:wrong_position'],
      ],
      [
        'signature',
        (f) => {
          const s = ink.fromBase64(f.timestamp.proof!.head!.signature)
          s[0] ^= 1
          f.timestamp.proof!.head!.signature = ink.toBase64(s)
        },
        ['signature:bad_signature'],
      ],
      [
        'key',
        (f) => {
          f.timestamp.proof!.head!.key = '0000000000000000'
        },
        ['signature:unknown_key'],
      ],
      [
        'mth string',
        (f) => {
          f.timestamp.proof!.mth = ink.headCompact(authority, 4, ink.EMPTY_ROOT)
        },
        ['inclusion:string_differs'],
      ],
      [
        'authority',
        (f) => {
          f.timestamp.proof!.head!.authority = 'evil.example'
        },
        ['signature:bad_signature'],
      ],
    ]
    for (const [name, tamper, expected] of cases) {
      const file = build()
      tamper(file)
      expect(failing(run(file)), name).toEqual(expected)
    }
  })

  it('consistency of mth_4 with a newer head', () => {
    const file = build()
    const p = file.timestamp.proof!
    // Grow the tree to 7 intervals and prove 5 -> 7 leaves with the RFC vectors' shape.
    const ihashes = [0, 1, 2, 3].map((i) => ink.ihash({ index: i, timestamp: closedAt(i), ith: ink.EMPTY_ROOT }))
    ihashes.push(ink.ihash({ index: 4, timestamp: p.interval!.timestamp, ith: ink.fromBase64(p.ith) }))
    expect(ink.toBase64(ink.merkleRoot(ihashes))).toBe(p.head!.mth)
    const all = [...ihashes, ascii('5'), ascii('6')]
    const newRoot = ink.merkleRoot(all)
    const nodes = rfcConsistencyProof(5, all)
    const newHead = { interval: { index: 6 }, mth: ink.toBase64(newRoot) } as unknown as ink.HeadJson
    const proof: ink.ConsistencyJson = { old_interval: 4, new_interval: 6, nodes: nodes.map(ink.toBase64), version: '1' }
    expect(ink.verifyHeadConsistency(4, p.head!.mth, newHead, proof).status).toBe('pass')
    const badProof = { ...proof, nodes: [...proof.nodes].reverse() }
    expect(ink.verifyHeadConsistency(4, p.head!.mth, newHead, badProof)).toMatchObject({ status: 'fail', reason: 'not_consistent' })
    expect(ink.verifyHeadConsistency(4, p.head!.mth, newHead, { ...proof, old_interval: 3 })).toMatchObject({ status: 'fail', reason: 'no_proof' })
  })
})
