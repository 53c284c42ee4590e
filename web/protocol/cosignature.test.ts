// Witness cosignatures: every case of the shared tests/vectors/cosignatures.json
// (which the C++ checks too), then what the page makes of the cosignatures a
// log serves, against a fake of the log's three answers.
import { execFileSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { ed25519 } from '@noble/curves/ed25519.js'
import { describe, expect, it } from 'vitest'
import * as ink from './ink'

const file = fileURLToPath(new URL('../../tests/vectors/cosignatures.json', import.meta.url))
const generator = fileURLToPath(new URL('../../tests/vectors/generate-cosignatures.mjs', import.meta.url))
const vectors = JSON.parse(readFileSync(file, 'utf8'))

interface VectorWitness {
  name: string
  seed_hex: string
  public_key: string
  key: string
}
interface Case {
  name: string
  authority: string
  interval: number
  mth: string
  witness: string
  key: string
  statement_hex: string
  signature: string
  valid: boolean
}
const witnesses = vectors.witnesses as VectorWitness[]
const cases = vectors.cases as Case[]
const publicKeyOf = (key: string) => ink.fromBase64(witnesses.find((w) => w.key === key)!.public_key)

describe('shared cosignature vectors', () => {
  it('the file is what the generator writes, with cases to accept and to refuse', () => {
    execFileSync(process.execPath, [generator, '--check'], { stdio: 'pipe' })
    expect(cases.some((c) => c.valid)).toBe(true)
    expect(cases.some((c) => !c.valid)).toBe(true)
  })

  it('each witness key is the one its seed gives, with its id', () => {
    for (const w of witnesses) {
      const publicKey = ed25519.getPublicKey(ink.fromHex(w.seed_hex))
      expect(ink.toBase64(publicKey)).toBe(w.public_key)
      expect(ink.keyId(publicKey)).toBe(w.key)
    }
  })

  it('the first case is the one docs/witness.md spells out', () => {
    expect(cases[0]).toMatchObject({ authority: 'ink.example', interval: 0, witness: 'witness.example.org', key: 'd29027f28e86b44f', valid: true })
    expect(ink.toHex(ink.fromBase64(cases[0]!.mth))).toBe('7a2f5258219a902f2e7114715d959d3295b17666841985fabc6f721c34f27e03')
  })

  for (const c of cases) {
    it(`${c.name}: ${c.valid ? 'accepted' : 'refused'}`, () => {
      const mth = ink.fromBase64(c.mth)
      expect(ink.toHex(ink.cosignatureStatement(c.authority, c.interval, mth, c.witness))).toBe(c.statement_hex)
      const signature = ink.fromBase64(c.signature)
      expect(ink.verifyCosignature(publicKeyOf(c.key), c.witness, c.authority, c.interval, mth, signature)).toBe(c.valid)
      // The same through the list a log serves.
      const checks = ink.checkCosignatures(c.authority, c.interval, mth, [{ witness: c.key, name: c.witness, signature: c.signature }], witnesses.map(listed))
      expect(checks).toEqual([
        c.valid ? { witness: c.key, name: c.witness, status: 'pass' } : { witness: c.key, name: c.witness, status: 'fail', reason: 'bad_signature' },
      ])
    })
  }

  it('a valid cosignature is refused once any one of its fields changes, or under another key', () => {
    const c = cases.find((x) => x.valid && x.interval === 255)!
    const mth = ink.fromBase64(c.mth)
    const sig = ink.fromBase64(c.signature)
    const pk = publicKeyOf(c.key)
    expect(ink.verifyCosignature(pk, c.witness, c.authority, c.interval, mth, sig)).toBe(true)
    expect(ink.verifyCosignature(pk, c.witness, c.authority, c.interval + 1, mth, sig)).toBe(false)
    expect(ink.verifyCosignature(pk, c.witness, c.authority + '.', c.interval, mth, sig)).toBe(false)
    expect(ink.verifyCosignature(pk, c.witness + ' ', c.authority, c.interval, mth, sig)).toBe(false)
    const flipped = Uint8Array.from(mth)
    flipped[31]! ^= 1
    expect(ink.verifyCosignature(pk, c.witness, c.authority, c.interval, flipped, sig)).toBe(false)
    const other = witnesses.find((w) => w.key !== c.key)!
    expect(ink.verifyCosignature(ink.fromBase64(other.public_key), c.witness, c.authority, c.interval, mth, sig)).toBe(false)
    // Malformed inputs are refused, not thrown on.
    expect(ink.verifyCosignature(pk, c.witness, c.authority, c.interval, mth.slice(1), sig)).toBe(false)
    expect(ink.verifyCosignature(pk, c.witness, c.authority, -1, mth, sig)).toBe(false)
    expect(ink.verifyCosignature(pk, '', c.authority, c.interval, mth, sig)).toBe(false)
    expect(ink.verifyCosignature(pk, 'x'.repeat(129), c.authority, c.interval, mth, sig)).toBe(false)
    expect(ink.verifyCosignature(pk, c.witness, c.authority, c.interval, mth, sig.slice(1))).toBe(false)
  })
})

// ---- a small log with two witnesses ------------------------------------------

const AUTHORITY = 'ink.example'
const [W1, W2, W3] = witnesses as [VectorWitness, VectorWitness, VectorWitness]
function listed(w: VectorWitness): ink.WitnessJson {
  return { name: w.name, key: w.key, public_key: w.public_key, algorithm: 'ed25519' }
}
function cosign(w: VectorWitness, interval: number, mth: Uint8Array, authority = AUTHORITY): ink.CosignatureJson {
  const signature = ed25519.sign(ink.cosignatureStatement(authority, interval, mth, w.name), ink.fromHex(w.seed_hex))
  return { witness: w.key, name: w.name, signature: ink.toBase64(signature) }
}

// Main tree leaves; head i has root mth_i = MTH(leaves[0..i]).
const leaves = Array.from({ length: 12 }, (_, n) => new TextEncoder().encode(`interval ${n}`))
const mthOf = (i: number) => ink.merkleRoot(leaves.slice(0, i + 1))

/** RFC 6962 SUBPROOF(m, D[n], b), straight from the definition. */
function subproof(m: number, d: Uint8Array[], complete: boolean): Uint8Array[] {
  if (m === d.length) return complete ? [] : [ink.merkleRoot(d)]
  let k = 1
  while (k * 2 < d.length) k *= 2
  if (m <= k) return [...subproof(m, d.slice(0, k), complete), ink.merkleRoot(d.slice(k))]
  return [...subproof(m - k, d.slice(k), false), ink.merkleRoot(d.slice(0, k))]
}
function consistency(from: number, to: number): ink.ConsistencyJson {
  return { old_interval: from, new_interval: to, nodes: subproof(from + 1, leaves.slice(0, to + 1), true).map(ink.toBase64), version: '1' }
}
function head(i: number, cosignatures?: ink.CosignatureJson[], mth = mthOf(i)): ink.HeadJson {
  return { authority: AUTHORITY, interval: { index: i }, mth: ink.toBase64(mth), ...(cosignatures ? { cosignatures } : {}) } as unknown as ink.HeadJson
}
function proofHead(i: number, mth = mthOf(i)): ink.ProofHeadJson {
  return { authority: AUTHORITY, interval: i, mth: ink.toBase64(mth), signature: '', key: '' }
}

const ok = <T>(value: T): ink.Fetched<T> => ({ ok: true, value })
const status = (s: number): ink.Fetched<never> => ({ ok: false, status: s })
/** A fake log; each answer can be overridden. Records what was asked. */
function source(answers: Partial<{ witnesses: ink.Fetched<unknown>; head: ink.Fetched<unknown>; cosigned: ink.Fetched<unknown> }>) {
  const asked: string[] = []
  const s: ink.WitnessSource = {
    witnesses: async () => (asked.push('witnesses'), answers.witnesses ?? ok([W1, W2].map(listed))),
    head: async (i) => (asked.push(`head ${i}`), answers.head ?? status(500)),
    cosigned: async (from) => (asked.push(`cosigned from ${from}`), answers.cosigned ?? status(404)),
  }
  return { s, asked }
}

describe('what the witnesses say about a head', () => {
  it('the cosignatures of the head itself, each checked against the listed key and name', async () => {
    const { s, asked } = source({ head: ok(head(5, [cosign(W1, 5, mthOf(5)), cosign(W2, 5, mthOf(5))])) })
    const w = await ink.checkWitnessing(proofHead(5), s)
    expect(w).toMatchObject({ state: 'cosigned', interval: 5, head: 5, later: false, consistency: null, verified: 2, listed: 2 })
    expect(w.state === 'cosigned' && w.checks.map((c) => [c.name, c.status])).toEqual([
      [W1.name, 'pass'],
      [W2.name, 'pass'],
    ])
    expect(ink.witnessingOutcome(w)).toBe('pass')
    expect(asked).toEqual(['witnesses', 'head 5'])
  })

  it('a cosignature for another log, another root, by an unlisted witness or under another name fails; only the rest count', async () => {
    const relabelled = { ...cosign(W2, 5, mthOf(5)), name: 'someone else' }
    const cosigs = [cosign(W1, 5, mthOf(5)), cosign(W1, 5, mthOf(5), 'other.example'), cosign(W2, 5, mthOf(4)), cosign(W3, 5, mthOf(5)), relabelled]
    const w = await ink.checkWitnessing(proofHead(5), source({ head: ok(head(5, cosigs)) }).s)
    expect(w.state === 'cosigned' && w.checks.map((c) => c.reason ?? c.status)).toEqual([
      'pass',
      'bad_signature',
      'bad_signature',
      'unknown_witness',
      'name_differs',
    ])
    // One witness, counted once, although it appears twice.
    expect(w).toMatchObject({ verified: 1 })
    expect(ink.witnessingOutcome(w)).toBe('pass')
  })

  it('a listed key whose id is not its own is refused, as are garbled signatures; none verified is a failure', async () => {
    const wrongId = { ...listed(W1), public_key: W2.public_key }
    const garbled = { ...cosign(W2, 5, mthOf(5)), signature: 'not base64!' }
    const w = await ink.checkWitnessing(proofHead(5), source({ witnesses: ok([wrongId, listed(W2)]), head: ok(head(5, [cosign(W1, 5, mthOf(5)), garbled])) }).s)
    expect(w.state === 'cosigned' && w.checks.map((c) => c.reason)).toEqual(['key_id_differs', 'malformed'])
    expect(ink.witnessingOutcome(w)).toBe('fail')
  })

  it('no cosignature of the head yet: those of a later head, with the consistency proof from this one', async () => {
    const { s, asked } = source({
      head: ok(head(5, [])),
      cosigned: ok({ head: head(9, [cosign(W1, 9, mthOf(9)), cosign(W2, 9, mthOf(9))]), consistency: consistency(5, 9) }),
    })
    const w = await ink.checkWitnessing(proofHead(5), s)
    expect(w).toMatchObject({ state: 'cosigned', interval: 5, head: 9, later: true, verified: 2, consistency: { id: 'consistency', status: 'pass' } })
    expect(ink.witnessingOutcome(w)).toBe('pass')
    expect(asked).toEqual(['witnesses', 'head 5', 'cosigned from 5'])
  })

  it('a later head whose consistency proof does not hold, or that forks, is a failure however many cosigned it', async () => {
    const broken = consistency(5, 9)
    broken.nodes[0] = ink.toBase64(new Uint8Array(32))
    const later = head(9, [cosign(W1, 9, mthOf(9)), cosign(W2, 9, mthOf(9))])
    const w = await ink.checkWitnessing(proofHead(5), source({ head: ok(head(5)), cosigned: ok({ head: later, consistency: broken }) }).s)
    expect(w).toMatchObject({ state: 'cosigned', verified: 2, consistency: { status: 'fail', reason: 'not_consistent' } })
    expect(ink.witnessingOutcome(w)).toBe('fail')
    const missing = await ink.checkWitnessing(proofHead(5), source({ head: ok(head(5)), cosigned: ok({ head: later }) }).s)
    expect(missing).toMatchObject({ consistency: { status: 'fail', reason: 'no_proof' } })
    // The proof's own root is not the log's: no consistency proof from the log's mth_5 helps.
    const forkedRoot = ink.H(new TextEncoder().encode('another branch'))
    const fork = await ink.checkWitnessing(
      proofHead(5, forkedRoot),
      source({ head: ok(head(5, [], forkedRoot)), cosigned: ok({ head: later, consistency: consistency(5, 9) }) }).s,
    )
    expect(ink.witnessingOutcome(fork)).toBe('fail')
  })

  it("the log serving another root for the proof's interval is a split view", async () => {
    const w = await ink.checkWitnessing(proofHead(5), source({ head: ok(head(5, [cosign(W1, 5, mthOf(4))], mthOf(4))) }).s)
    expect(w).toEqual({ state: 'head_differs', interval: 5 })
    expect(ink.witnessingOutcome(w)).toBe('fail')
  })

  it('no head cosigned yet, or none at or after this one', async () => {
    for (const code of [404, 400]) {
      const w = await ink.checkWitnessing(proofHead(5), source({ head: ok(head(5, [])), cosigned: status(code) }).s)
      expect(w).toEqual({ state: 'not_yet', interval: 5, listed: 2 })
      expect(ink.witnessingOutcome(w)).toBe('none')
    }
  })

  it('a log that lists no witnesses (or has no such route) says so, without asking for heads', async () => {
    for (const witnesses of [ok([]), status(404)]) {
      const { s, asked } = source({ witnesses })
      expect(await ink.checkWitnessing(proofHead(5), s)).toEqual({ state: 'no_witnesses', interval: 5 })
      expect(asked).toEqual(['witnesses'])
    }
  })

  it('out of reach or an error at any request: not fetched, never failed', async () => {
    const cases = [
      source({ witnesses: status(0) }),
      source({ head: status(0) }),
      source({ head: ok(head(5, [])), cosigned: status(0) }),
      source({ head: status(503) }),
      source({ witnesses: ok({ not: 'a list' }) }),
    ]
    const got = await Promise.all(cases.map(({ s }) => ink.checkWitnessing(proofHead(5), s)))
    expect(got.map((w) => (w.state === 'unfetched' ? [w.reason, w.status] : w.state))).toEqual([
      ['unreachable', 0],
      ['unreachable', 0],
      ['unreachable', 0],
      ['status', 503],
      ['unreadable', 0],
    ])
    for (const w of got) expect(ink.witnessingOutcome(w)).toBe('unchecked')
    const throwing: ink.WitnessSource = {
      witnesses: async () => {
        throw new Error('boom')
      },
      head: async () => status(0),
      cosigned: async () => status(0),
    }
    expect(await ink.checkWitnessing(proofHead(5), throwing)).toMatchObject({ state: 'unfetched', reason: 'unreadable' })
  })

  it('another log answering is not about this proof', async () => {
    const other = { ...head(5, [cosign(W1, 5, mthOf(5))]), authority: 'other.example' }
    const w = await ink.checkWitnessing(proofHead(5), source({ head: ok(other) }).s)
    expect(w).toEqual({ state: 'other_authority', interval: 5, authority: 'other.example', proof: AUTHORITY })
  })

  it('the consistency proofs made here are the ones the verifier accepts (the fake log is sound)', () => {
    for (let i = 0; i < leaves.length; i++)
      for (let j = i + 1; j < leaves.length; j++) {
        const p = consistency(i, j)
        expect(ink.verifyConsistency(i + 1, j + 1, mthOf(i), mthOf(j), p.nodes.map(ink.fromBase64)), `${i}->${j}`).toBe(true)
      }
  })
})
