// Key transitions and revocations: every statement and every chain of the
// shared tests/vectors/key-transitions.json (which the C++ checks too, in
// src/core/key_chain_test.cpp), then key lists as GET /api/v1/keys serves
// them and the trust made of them.
import { execFileSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { ed25519 } from '@noble/curves/ed25519.js'
import { describe, expect, it } from 'vitest'
import * as ink from './ink'
import {
  checkHeadKey,
  keyChainsOf,
  keyRefusal,
  keyRevocationStatement,
  keyTransitionStatement,
  makeKeyChain,
  makeKeyTrust,
  parseKeyListing,
  signerPlace,
  trustedKeys,
  type KeyRevocation,
  type KeyTransition,
  type ListedKeyJson,
} from './keyChain'

const file = fileURLToPath(new URL('../../tests/vectors/key-transitions.json', import.meta.url))
const generator = fileURLToPath(new URL('../../tests/vectors/generate-key-transitions.mjs', import.meta.url))
const vectors = JSON.parse(readFileSync(file, 'utf8'))

interface VectorKey {
  seed_hex: string
  public_key: string
  key: string
}
interface Statement {
  name: string
  typ: 'key' | 'revoke'
  authority: string
  interval: number
  key: string
  statement_hex: string
  signer: string
  signature: string
}
interface Chain {
  name: string
  authority: string
  origin: string
  origin_first_interval: number
  transitions: { interval: number; from: string; to: string; signature: string; countersignature: string }[]
  revocations: { key: string; after: number; signer: string; signature: string }[]
  valid: boolean
  keys: { key: string; first_interval: number; last_interval: number | null; revoked_after: number | null }[] | null
  heads: { interval: number; key: string; verdict: string }[]
}
const keys = vectors.keys as VectorKey[]
const statements = vectors.statements as Statement[]
const chains = vectors.chains as Chain[]
const pub = (id: string) => ink.fromBase64(keys.find((k) => k.key === id)!.public_key)
const seed = (id: string) => ink.fromHex(keys.find((k) => k.key === id)!.seed_hex)
const keyJson = (id: string): ink.KeyJson => ({ key: id, public_key: keys.find((k) => k.key === id)!.public_key, algorithm: 'ed25519' })

function transitionsOf(c: Chain): KeyTransition[] {
  return c.transitions.map((t) => ({
    interval: t.interval,
    oldKey: pub(t.from),
    newKey: pub(t.to),
    signature: ink.fromBase64(t.signature),
    countersignature: ink.fromBase64(t.countersignature),
  }))
}
function revocationsOf(c: Chain): KeyRevocation[] {
  return c.revocations.map((r) => ({ key: pub(r.key), after: r.after, signer: pub(r.signer), signature: ink.fromBase64(r.signature) }))
}
const chainOf = (c: Chain) => makeKeyChain(c.authority, pub(c.origin), c.origin_first_interval, transitionsOf(c), revocationsOf(c))

/** The vector chain as GET /api/v1/keys would list it. */
function listingOf(c: Chain): ListedKeyJson[] {
  const ids = [c.origin, ...c.transitions.map((t) => t.to)]
  return ids.map((id, n) => {
    const t = n > 0 ? c.transitions[n - 1]! : null
    const r = c.revocations.find((x) => x.key === id)
    return {
      ...keyJson(id),
      first_interval: n === 0 ? c.origin_first_interval : t!.interval,
      last_interval: n + 1 < ids.length ? c.transitions[n]!.interval - 1 : null,
      transition: t ? { interval: t.interval, from: t.from, signature: t.signature, countersignature: t.countersignature } : null,
      revocation: r ? { after: r.after, by: r.signer, signature: r.signature } : null,
    }
  })
}

describe('shared key transition vectors', () => {
  it('the file is what the generator writes: 12 chains, 11 to refuse', () => {
    execFileSync(process.execPath, [generator, '--check'], { stdio: 'pipe' })
    expect(chains).toHaveLength(12)
    expect(chains.filter((c) => !c.valid)).toHaveLength(11)
    expect(statements.length).toBeGreaterThanOrEqual(6)
  })

  it('the vector keys are what their seeds make', () => {
    for (const k of keys) {
      expect(ink.toBase64(ed25519.getPublicKey(ink.fromHex(k.seed_hex))), k.key).toBe(k.public_key)
      expect(ink.keyId(pub(k.key))).toBe(k.key)
    }
  })

  for (const s of statements)
    it(`statement ${s.name}: the same bytes, and its signature holds`, () => {
      const key = ink.fromBase64(s.key)
      const bytes = s.typ === 'key' ? keyTransitionStatement(s.authority, s.interval, key) : keyRevocationStatement(s.authority, s.interval, key)
      expect(ink.toHex(bytes)).toBe(s.statement_hex)
      expect(ink.verifySignature(bytes, ink.fromBase64(s.signature), pub(s.signer))).toBe(true)
      // Signed by a key for the other typ, or by another key: refused.
      const other = s.typ === 'key' ? keyRevocationStatement(s.authority, s.interval, key) : keyTransitionStatement(s.authority, s.interval, key)
      expect(ink.verifySignature(other, ink.fromBase64(s.signature), pub(s.signer))).toBe(false)
    })

  for (const c of chains)
    it(`chain ${c.name}: ${c.valid ? 'accepted, with the ranges and verdicts of the file' : 'refused'}`, () => {
      const made = chainOf(c)
      expect(made.ok, made.ok ? '' : `${made.reason} ${JSON.stringify(made.detail)}`).toBe(c.valid)
      // The same chain as a key list, as the service or a proof file carries it
      // (a transition not from the key listed before it is refused when read).
      const listed = parseKeyListing(listingOf(c))
      expect(listed.ok && keyChainsOf(listed.keys, c.authority).ok).toBe(c.valid)
      if (!made.ok) return
      expect(
        made.chain.keys.map((k) => ({ key: k.key, first_interval: k.firstInterval, last_interval: k.lastInterval, revoked_after: k.revokedAfter })),
      ).toEqual(c.keys)
      for (const h of c.heads) expect(checkHeadKey(made.chain, h.interval, h.key).verdict, `head ${h.interval} by ${h.key}`).toBe(h.verdict)
      // Another log's verifier refuses the same chain.
      if (c.transitions.length) expect(makeKeyChain('other.example', pub(c.origin), 0, transitionsOf(c), revocationsOf(c)).ok).toBe(false)
    })
})

describe('key lists and trust', () => {
  const good = chains.find((c) => c.valid)!
  const [k0, k1, k2] = [good.origin, good.transitions[0]!.to, good.transitions[1]!.to]

  it('a version 1 list (three members) is read as chains of one key each', () => {
    const listed = parseKeyListing([keyJson(k0), keyJson(k1)])
    expect(listed.ok).toBe(true)
    if (!listed.ok) return
    const made = keyChainsOf(listed.keys, good.authority)
    expect(made.ok && made.chains.map((c) => c.keys.map((k) => k.key))).toEqual([[k0], [k1]])
  })

  it('refuses a list whose ids, `from` or `by` do not fit', () => {
    const list = listingOf(good)
    expect(parseKeyListing({})).toMatchObject({ ok: false, reason: 'malformed' })
    expect(parseKeyListing([{ ...list[0], key: k1 }])).toMatchObject({ ok: false, detail: { field: 'keys[0].key' } })
    expect(parseKeyListing([list[0], { ...list[1], transition: { ...list[1]!.transition!, from: k2 } }])).toMatchObject({
      ok: false,
      detail: { field: 'keys[1].transition.from' },
    })
    expect(parseKeyListing([list[0], list[1]])).toMatchObject({ ok: false, detail: { field: 'keys[1].revocation.by' } })
    expect(parseKeyListing([list[0], { ...list[1], first_interval: -1 }])).toMatchObject({ ok: false, detail: { field: 'keys[1].first_interval' } })
  })

  it('trusts a chain only through a pinned key, in both directions, each key in its range', () => {
    const list = listingOf(good)
    const fromFirst = makeKeyTrust([keyJson(k0)], [{ source: 'proof', value: list }], good.authority)
    expect(fromFirst.problems).toEqual([])
    expect(trustedKeys(fromFirst).map((k) => k.key)).toEqual([k0, k1, k2])
    const fromLast = makeKeyTrust([keyJson(k2)], [{ source: 'service', value: list }], good.authority)
    expect(trustedKeys(fromLast).map((k) => k.key)).toEqual([k2, k0, k1])
    const nobody = makeKeyTrust([keyJson(keys[3]!.key)], [{ source: 'service', value: list }], good.authority)
    expect(trustedKeys(nobody).map((k) => k.key)).toEqual([keys[3]!.key])
    expect(keyRefusal(nobody, 120, k0)).toBeNull()

    expect(keyRefusal(fromFirst, 99, k0)).toBeNull()
    expect(keyRefusal(fromFirst, 100, k0)).toMatchObject({ verdict: 'retired', key: { lastInterval: 99 } })
    expect(keyRefusal(fromFirst, 151, k1)).toMatchObject({ verdict: 'revoked', key: { revokedAfter: 150 } })
    expect(keyRefusal(fromFirst, 99, k1)).toMatchObject({ verdict: 'not-yet-active' })
    expect(signerPlace(fromFirst, 250, k2)).toMatchObject({ pinned: false, pinnedVia: [k0], check: { verdict: 'valid', position: 3, count: 3 } })
    expect(signerPlace(fromFirst, 5, k0)).toMatchObject({ pinned: true, check: { position: 1, count: 3 } })
  })

  it('a list whose chain does not hold is a problem, and trusts nothing', () => {
    const list = listingOf(good)
    const forged = ed25519.sign(keyTransitionStatement(good.authority, 100, pub(k1)), seed(keys[3]!.key))
    list[1] = { ...list[1]!, transition: { ...list[1]!.transition!, signature: ink.toBase64(forged) } }
    const trust = makeKeyTrust([keyJson(k0)], [{ source: 'proof', value: list }], good.authority)
    expect(trust.problems).toMatchObject([{ source: 'proof', failure: { reason: 'bad_signature', detail: { key: k1, interval: 100, from: k0 } } }])
    expect(trustedKeys(trust).map((k) => k.key)).toEqual([k0])
  })
})
