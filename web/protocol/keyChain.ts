// The log's key lifecycle (docs/keys.md), as core::KeyChain and
// core::KeyTrust (src/core/key_chain.*, key_trust.*) check it: key
// transition statements (the old key signs, the new key countersigns),
// revocation statements (signed by a later key of the chain), the chains a
// key list (GET /api/v1/keys, a proof file's `keys`, `ink key`'s file) makes,
// and whether head i signed by key K is valid under the chains that hold a
// pinned key. Pure: no I/O.
import { cbor } from './cbor'
import { bytesEqual, decodeBase64, toBase64 } from './encoding'
import { keyId, type KeyJson } from './keys'
import { verifySignature } from './signed-head'

/** An entry of GET /api/v1/keys (docs/keys.md); members after `algorithm` are absent in version 1 lists. */
export interface ListedKeyJson extends KeyJson {
  first_interval?: number | null
  last_interval?: number | null
  transition?: { interval: number; from: string; signature: string; countersignature: string } | null
  revocation?: { after: number; by: string; signature: string } | null
}

export interface KeyTransition {
  /** The first interval the new key signs. */
  interval: number
  oldKey: Uint8Array
  newKey: Uint8Array
  /** By the old key over the statement. */
  signature: Uint8Array
  /** By the new key over the same statement. */
  countersignature: Uint8Array
}

export interface KeyRevocation {
  /** The revoked key. */
  key: Uint8Array
  /** Heads after this interval signed by `key` are refused. */
  after: number
  /** A key later in the chain than `key`. */
  signer: Uint8Array
  signature: Uint8Array
}

export interface ChainKey {
  publicKey: Uint8Array
  key: string
  firstInterval: number
  /** null: the active key. */
  lastInterval: number | null
  /** The lowest valid revocation's index; null: not revoked. */
  revokedAfter: number | null
}

export interface KeyChain {
  authority: string
  /** Oldest first. */
  keys: ChainKey[]
}

/** Why a chain does not hold; `detail` names the transition or revocation. */
export type ChainProblem =
  | 'malformed'
  | 'not_from_previous'
  | 'key_repeated'
  | 'not_after_previous'
  | 'bad_signature'
  | 'bad_countersignature'
  | 'revoked_not_in_chain'
  | 'revoker_not_later'
  | 'bad_revocation_signature'
export interface ChainFailure {
  ok: false
  reason: ChainProblem
  detail: Record<string, string | number>
}
export type ChainResult = { ok: true; chain: KeyChain } | ChainFailure

const isUint = (v: unknown): v is number => Number.isSafeInteger(v) && (v as number) >= 0
const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v)

function keyStatement(authority: string, interval: number, key: Uint8Array, typ: 'key' | 'revoke'): Uint8Array {
  // cborg sorts the map canonically: key, typ, version, interval, authority.
  return cbor({ authority, interval, key, typ, version: '1' })
}

/** cbor({"authority", "interval": i, "key": NEW_PUBLIC_KEY, "typ": "key", "version": "1"}). */
export function keyTransitionStatement(authority: string, interval: number, newKey: Uint8Array): Uint8Array {
  return keyStatement(authority, interval, newKey, 'key')
}

/** cbor({"authority", "interval": r, "key": REVOKED_PUBLIC_KEY, "typ": "revoke", "version": "1"}). */
export function keyRevocationStatement(authority: string, after: number, key: Uint8Array): Uint8Array {
  return keyStatement(authority, after, key, 'revoke')
}

/**
 * Checks and builds a chain, as KeyChain::make: transitions in order, each
 * from the previous key (the first from `origin`) to a key not yet in the
 * chain, at an interval after the previous key's first interval, with both
 * signatures holding for `authority`; each revocation of a key of the chain
 * signed by a later key of the chain.
 */
export function makeKeyChain(
  authority: string,
  origin: Uint8Array,
  originFirstInterval: number,
  transitions: KeyTransition[],
  revocations: KeyRevocation[],
): ChainResult {
  const keys: ChainKey[] = [{ publicKey: origin, key: keyId(origin), firstInterval: originFirstInterval, lastInterval: null, revokedAfter: null }]
  const indexOf = (k: Uint8Array) => keys.findIndex((c) => bytesEqual(c.publicKey, k))
  for (const t of transitions) {
    const previous = keys.at(-1)!
    const detail = { key: keyId(t.newKey), interval: t.interval, from: previous.key }
    if (!bytesEqual(t.oldKey, previous.publicKey)) return { ok: false, reason: 'not_from_previous', detail: { ...detail, signer: keyId(t.oldKey) } }
    if (indexOf(t.newKey) >= 0) return { ok: false, reason: 'key_repeated', detail }
    if (!isUint(t.interval) || t.interval <= previous.firstInterval)
      return { ok: false, reason: 'not_after_previous', detail: { ...detail, first: previous.firstInterval } }
    const statement = keyTransitionStatement(authority, t.interval, t.newKey)
    if (!verifySignature(statement, t.signature, t.oldKey)) return { ok: false, reason: 'bad_signature', detail }
    if (!verifySignature(statement, t.countersignature, t.newKey)) return { ok: false, reason: 'bad_countersignature', detail }
    previous.lastInterval = t.interval - 1
    keys.push({ publicKey: t.newKey, key: keyId(t.newKey), firstInterval: t.interval, lastInterval: null, revokedAfter: null })
  }
  for (const r of revocations) {
    const detail = { key: keyId(r.key), after: r.after, signer: keyId(r.signer) }
    const revoked = indexOf(r.key)
    const signer = indexOf(r.signer)
    if (revoked < 0) return { ok: false, reason: 'revoked_not_in_chain', detail }
    if (signer <= revoked) return { ok: false, reason: 'revoker_not_later', detail }
    if (!isUint(r.after) || !verifySignature(keyRevocationStatement(authority, r.after, r.key), r.signature, r.signer))
      return { ok: false, reason: 'bad_revocation_signature', detail }
    const k = keys[revoked]!
    if (k.revokedAfter === null || r.after < k.revokedAfter) k.revokedAfter = r.after
  }
  return { ok: true, chain: { authority, keys } }
}

export type KeyVerdict = 'valid' | 'unknown-key' | 'not-yet-active' | 'retired' | 'revoked'
export interface HeadKeyCheck {
  verdict: KeyVerdict
  /** The key, when it is in the chain. */
  key: ChainKey | null
  /** 1-based place of the key in its chain, and the chain's length. */
  position: number
  count: number
}

/** Whether the key named `key` may sign head `interval` under `chain` (the signature itself is the caller's to check). */
export function checkHeadKey(chain: KeyChain, interval: number, key: string): HeadKeyCheck {
  const at = chain.keys.findIndex((k) => k.key === key)
  const count = chain.keys.length
  if (at < 0) return { verdict: 'unknown-key', key: null, position: 0, count }
  const k = chain.keys[at]!
  const verdict: KeyVerdict =
    k.revokedAfter !== null && interval > k.revokedAfter
      ? 'revoked'
      : k.lastInterval !== null && interval > k.lastInterval
        ? 'retired'
        : interval < k.firstInterval
          ? 'not-yet-active'
          : 'valid'
  return { verdict, key: k, position: at + 1, count }
}

export interface ListedKey {
  publicKey: Uint8Array
  key: string
  firstInterval: number | null
  lastInterval: number | null
  transition: KeyTransition | null
  revocation: KeyRevocation | null
}
export type ListingResult = { ok: true; keys: ListedKey[] } | ChainFailure

/**
 * Reads a key list (GET /api/v1/keys, a proof file's `keys`, `ink key`'s
 * output), as key_listing_from_json: every id recomputed from its key, a
 * transition's `from` naming the entry before it, a revocation's `by` a
 * listed key. A version 1 list (only key, public_key, algorithm) is read too.
 */
export function parseKeyListing(value: unknown): ListingResult {
  const bad = (field: string): ChainFailure => ({ ok: false, reason: 'malformed', detail: { field } })
  if (!Array.isArray(value)) return bad('keys')
  const out: ListedKey[] = []
  const revokedBy: string[] = []
  for (let i = 0; i < value.length; i++) {
    const where = `keys[${i}]`
    const e = value[i] as unknown
    if (!isObject(e) || e.algorithm !== 'ed25519') return bad(`${where}.algorithm`)
    const publicKey = decodeBase64(e.public_key)
    if (!publicKey || publicKey.length !== 32) return bad(`${where}.public_key`)
    const key = keyId(publicKey)
    if (e.key !== key) return bad(`${where}.key`)
    const optional = (name: string): number | null | undefined => {
      const v = e[name]
      return v === undefined || v === null ? null : isUint(v) ? v : undefined
    }
    const firstInterval = optional('first_interval')
    const lastInterval = optional('last_interval')
    if (firstInterval === undefined) return bad(`${where}.first_interval`)
    if (lastInterval === undefined) return bad(`${where}.last_interval`)
    let transition: KeyTransition | null = null
    if (e.transition !== undefined && e.transition !== null) {
      const t = e.transition
      if (!isObject(t) || !isUint(t.interval)) return bad(`${where}.transition.interval`)
      const signature = decodeBase64(t.signature)
      const countersignature = decodeBase64(t.countersignature)
      if (!signature || signature.length !== 64) return bad(`${where}.transition.signature`)
      if (!countersignature || countersignature.length !== 64) return bad(`${where}.transition.countersignature`)
      const previous = out.at(-1)
      if (!previous || t.from !== previous.key) return bad(`${where}.transition.from`)
      transition = { interval: t.interval, oldKey: previous.publicKey, newKey: publicKey, signature, countersignature }
    }
    let revocation: KeyRevocation | null = null
    revokedBy.push('')
    if (e.revocation !== undefined && e.revocation !== null) {
      const r = e.revocation
      if (!isObject(r) || !isUint(r.after)) return bad(`${where}.revocation.after`)
      if (typeof r.by !== 'string') return bad(`${where}.revocation.by`)
      const signature = decodeBase64(r.signature)
      if (!signature || signature.length !== 64) return bad(`${where}.revocation.signature`)
      revokedBy[i] = r.by
      revocation = { key: publicKey, after: r.after, signer: new Uint8Array(32), signature }
    }
    out.push({ publicKey, key, firstInterval, lastInterval, transition, revocation })
  }
  for (let i = 0; i < out.length; i++) {
    const r = out[i]!.revocation
    if (!r) continue
    const signer = out.find((k) => k.key === revokedBy[i])
    if (!signer) return bad(`keys[${i}].revocation.by`)
    r.signer = signer.publicKey
  }
  return { ok: true, keys: out }
}

export type ChainsResult = { ok: true; chains: KeyChain[] } | ChainFailure

/** The chains of a list (each entry with no transition starts one), each checked for `authority`. */
export function keyChainsOf(listed: ListedKey[], authority: string): ChainsResult {
  const chains: KeyChain[] = []
  for (let start = 0; start < listed.length;) {
    let end = start + 1
    while (end < listed.length && listed[end]!.transition) end++
    const part = listed.slice(start, end)
    const made = makeKeyChain(
      authority,
      part[0]!.publicKey,
      part[0]!.firstInterval ?? 0,
      part.slice(1).map((k) => k.transition!),
      part.flatMap((k) => (k.revocation ? [k.revocation] : [])),
    )
    if (!made.ok) return made
    chains.push(made.chain)
    start = end
  }
  return { ok: true, chains }
}

/** Where a key list came from. */
export type ListingSource = 'proof' | 'service' | 'file'

/**
 * What a verifier trusts (core::KeyTrust): the keys it pinned, and the
 * chains of the key lists it was given, of which only those holding a
 * pinned key count. A list whose chains do not hold is kept as a problem:
 * nothing in it is trusted, and a head checked under this trust fails.
 */
export interface KeyTrust {
  authority: string
  pinned: KeyJson[]
  chains: { source: ListingSource; chain: KeyChain }[]
  problems: { source: ListingSource; failure: ChainFailure }[]
}

export function makeKeyTrust(pinned: KeyJson[], lists: { source: ListingSource; value: unknown }[], authority: string): KeyTrust {
  const trust: KeyTrust = { authority, pinned, chains: [], problems: [] }
  for (const { source, value } of lists) {
    const listed = parseKeyListing(value)
    const chains = listed.ok ? keyChainsOf(listed.keys, authority) : listed
    if (!chains.ok) trust.problems.push({ source, failure: chains })
    else for (const chain of chains.chains) trust.chains.push({ source, chain })
  }
  return trust
}

/** The pinned keys among a chain's keys. */
function pinnedIn(trust: KeyTrust, chain: KeyChain): ChainKey[] {
  return chain.keys.filter((k) => trust.pinned.some((p) => p.key === k.key && bytesEqual(decodeBase64(p.public_key) ?? new Uint8Array(), k.publicKey)))
}

/** The chains that hold a pinned key. */
export function trustedChains(trust: KeyTrust): KeyChain[] {
  return trust.chains.filter((c) => pinnedIn(trust, c.chain).length > 0).map((c) => c.chain)
}

/** The pinned keys and every key of a trusted chain: the keys signatures may be accepted from. */
export function trustedKeys(trust: KeyTrust): KeyJson[] {
  const out = [...trust.pinned]
  for (const chain of trustedChains(trust))
    for (const k of chain.keys) if (!out.some((o) => o.key === k.key)) out.push({ key: k.key, public_key: toBase64(k.publicKey), algorithm: 'ed25519' })
  return out
}

/** Where the key that signed a head stands: its chain, its place in it, and the pinned keys that chain holds. */
export interface SignerPlace {
  key: string
  interval: number
  /** null: the key is in no trusted chain (pinned on its own, or not trusted at all). */
  check: HeadKeyCheck | null
  chain: KeyChain | null
  /** Pinned keys of that chain (ids), the key itself included when pinned. */
  pinnedVia: string[]
  /** The key itself is pinned. */
  pinned: boolean
}

export function signerPlace(trust: KeyTrust, interval: number, key: string): SignerPlace {
  const pinned = trust.pinned.some((p) => p.key === key)
  for (const chain of trustedChains(trust)) {
    const check = checkHeadKey(chain, interval, key)
    if (check.verdict === 'unknown-key') continue
    return { key, interval, check, chain, pinnedVia: pinnedIn(trust, chain).map((k) => k.key), pinned }
  }
  return { key, interval, check: null, chain: null, pinnedVia: pinned ? [key] : [], pinned }
}

/**
 * Why head `interval` signed by `key` must be refused although its key is
 * trusted (KeyTrust::refusal): a trusted chain holding the key puts the head
 * outside the key's range, or revoked it. null: nothing against it.
 */
export function keyRefusal(trust: KeyTrust, interval: number, key: string): HeadKeyCheck | null {
  for (const chain of trustedChains(trust)) {
    const check = checkHeadKey(chain, interval, key)
    if (check.verdict !== 'unknown-key' && check.verdict !== 'valid') return check
  }
  return null
}
