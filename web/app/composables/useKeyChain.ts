// Which key signed a proof's head and where it stands in the log's key chain
// (docs/keys.md): the trust made of the keys this browser pinned and the key
// lists it has (the proof file's `keys`, key files the user gave, the
// service's list), and, for the page, the signer's place in its chain and
// the pinned key the chain leads back to. Offline, with a proof file that
// carries its chain, a pinned earlier key is enough.
import { makeKeyTrust, signerPlace, type KeyTrust, type ListingSource, type ProofHeadJson } from '~~/protocol/ink'
import type { KeyRing, RememberedKey } from './useKeys'

/** A key of the signer's chain, as the page lists it. */
export interface ShownChainKey {
  key: string
  first: number
  last: number | null
  revokedAfter: number | null
  pinned: boolean
}

export interface SignerInfo {
  key: string
  interval: number
  /** in_chain: in a chain that holds a pinned key; pinned: pinned, in no such chain; untrusted: neither; broken: a key list does not hold. */
  state: 'in_chain' | 'pinned' | 'untrusted' | 'broken'
  /** For in_chain: the key's place and range, and the verdict for this head. */
  position?: number
  count?: number
  first?: number
  last?: number | null
  revokedAfter?: number | null
  verdict?: string
  chain: ShownChainKey[]
  /** The pinned keys the trust rests on: of the chain, or the signer itself. */
  pinnedVia: { key: string; source: RememberedKey['source'] | 'unknown'; firstSeen: string }[]
  /** For broken: which list, and what does not hold. */
  problem?: { source: ListingSource; reason: string }
}

export function useKeyChain() {
  const signer = ref<SignerInfo | null>(null)

  /** The trust for heads of `authority`: the ring's keys pinned, its key lists and the proof's own `keys` (when given). */
  function trustFor(ring: KeyRing, authority: string, carried: unknown): KeyTrust {
    const lists = [...(carried !== undefined && carried !== null ? [{ source: 'proof' as const, value: carried }] : []), ...ring.listings]
    return makeKeyTrust(ring.keys, lists, authority)
  }

  /** Says where the key of `head` stands under `trust`; `remembered` gives where each pinned key came from. */
  function describe(trust: KeyTrust, head: ProofHeadJson, remembered: RememberedKey[]) {
    if (!head || typeof head.key !== 'string' || !Number.isSafeInteger(head.interval)) {
      signer.value = null
      return
    }
    const origin = (key: string) => {
      const r = remembered.find((k) => k.key === key)
      return { key, source: r?.source ?? ('unknown' as const), firstSeen: r?.firstSeen ?? '' }
    }
    const problem = trust.problems[0]
    if (problem) {
      signer.value = {
        key: head.key,
        interval: head.interval,
        state: 'broken',
        chain: [],
        pinnedVia: [],
        problem: { source: problem.source, reason: problem.failure.reason },
      }
      return
    }
    const place = signerPlace(trust, head.interval, head.key)
    if (place.check && place.chain) {
      const k = place.check.key!
      const pinned = new Set(place.pinnedVia)
      signer.value = {
        key: head.key,
        interval: head.interval,
        state: 'in_chain',
        position: place.check.position,
        count: place.check.count,
        first: k.firstInterval,
        last: k.lastInterval,
        revokedAfter: k.revokedAfter,
        verdict: place.check.verdict,
        chain: place.chain.keys.map((c) => ({
          key: c.key,
          first: c.firstInterval,
          last: c.lastInterval,
          revokedAfter: c.revokedAfter,
          pinned: pinned.has(c.key),
        })),
        // The user's own keys first: they are what "pinned" means most.
        pinnedVia: place.pinnedVia.map(origin).sort((a, b) => Number(a.source === 'service') - Number(b.source === 'service')),
      }
      return
    }
    signer.value = {
      key: head.key,
      interval: head.interval,
      state: place.pinned ? 'pinned' : 'untrusted',
      chain: [],
      pinnedVia: place.pinned ? [origin(head.key)] : [],
    }
  }

  function reset() {
    signer.value = null
  }

  return { signer, trustFor, describe, reset }
}
