// The public keys this browser trusts: the service's published list when it
// can be reached, and every key seen before or given by the user, remembered
// on this device with the date first seen. Offline, a proof signed with a
// remembered key still verifies; an unknown key is then "not checked", not
// "forged", because only the service's own list can say it does not publish it.
//
// Key lists that carry the chain of key transitions (docs/keys.md) are kept
// too: the service's, fetched with its keys, and those of key files the user
// gave (`ink key` after a rotation), remembered so they work offline.
import { parseKeyFile, type KeyJson } from '~~/protocol/keys'
import { parseKeyListing, type ListedKeyJson, type ListingSource } from '~~/protocol/keyChain'

export interface RememberedKey extends KeyJson {
  /** ISO date when this browser first saw the key. */
  firstSeen: string
  source: 'service' | 'file' | 'pasted'
}
export interface KeyRing {
  keys: KeyJson[]
  /** True when `keys` include the service's whole published list (fetched just now). */
  complete: boolean
  /** Whether the service answered. */
  reachable: boolean
  /** Key lists with their chains: key files the user gave, then the service's (when it answered). */
  listings: { source: ListingSource; value: unknown }[]
}

const STORE = 'ink-keys'
const LISTS = 'ink-key-lists'
let servicePromise: Promise<ListedKeyJson[]> | null = null

export function useKeys() {
  const remembered = useState<RememberedKey[]>('keys-remembered', () => [])

  function refresh() {
    remembered.value = readLocal<RememberedKey[]>(STORE, []).filter((k) => k && typeof k.key === 'string')
  }

  function remember(list: KeyJson[], source: RememberedKey['source']) {
    refresh()
    const known = new Set(remembered.value.map((k) => k.key))
    const now = new Date().toISOString()
    const added = list.filter((k) => !known.has(k.key)).map((k) => ({ key: k.key, public_key: k.public_key, algorithm: k.algorithm, firstSeen: now, source }))
    // A key seen from the service that the user now gives is theirs: pinned by them from now on.
    const given = source === 'service' ? new Set<string>() : new Set(list.filter((k) => known.has(k.key)).map((k) => k.key))
    const confirmed = remembered.value.map((k) => (k.source === 'service' && given.has(k.key) ? { ...k, source } : k))
    const upgraded = confirmed.some((k, n) => k !== remembered.value[n])
    if (added.length || upgraded) {
      remembered.value = [...confirmed, ...added]
      writeLocal(STORE, remembered.value)
    }
    return added.length
  }

  /** The service's keys (fetched once per page; again with `refresh`), plus every remembered key. */
  async function load(refreshService = false): Promise<KeyRing> {
    if (!servicePromise || refreshService) {
      servicePromise = fetchKeys().then((r) => {
        if (!r.ok || !Array.isArray(r.value)) throw new Error(String(r.ok ? 'bad list' : r.status))
        return r.value
      })
      servicePromise.catch(() => {
        servicePromise = null
      })
    }
    let service: ListedKeyJson[] | null = null
    try {
      service = await servicePromise
    } catch {
      service = null
    }
    // A listed key is checked against its id before anything trusts it.
    const checked = service ? (parseKeyFile(JSON.stringify(service)) as { ok: boolean; keys?: KeyJson[] }) : null
    if (checked?.ok && checked.keys) remember(checked.keys, 'service')
    else refresh()
    const own = remembered.value.map(({ key, public_key, algorithm }) => ({ key, public_key, algorithm }))
    const files = readLocal<unknown[]>(LISTS, []).map((value) => ({ source: 'file' as const, value }))
    const listings = service ? [...files, { source: 'service' as const, value: service }] : files
    return { keys: own, complete: !!checked?.ok, reachable: service !== null, listings }
  }

  /** Adds keys from a key file or pasted text; returns how many were new, or the reason it was refused. */
  function addFromText(text: string, source: 'file' | 'pasted'): { ok: true; added: number } | { ok: false; reason: string } {
    const r = parseKeyFile(text)
    if (!r.ok) return r
    keepChain(text)
    return { ok: true, added: remember(r.keys, source) }
  }

  /** Remembers a key list that links keys by transitions (a chain), so it helps offline. */
  function keepChain(text: string) {
    let value: unknown
    try {
      value = JSON.parse(text)
    } catch {
      return
    }
    const listed = parseKeyListing(value)
    if (!listed.ok || !listed.keys.some((k) => k.transition || k.revocation)) return
    const kept = readLocal<unknown[]>(LISTS, [])
    const same = JSON.stringify(value)
    if (!kept.some((v) => JSON.stringify(v) === same)) writeLocal(LISTS, [...kept, value])
  }

  function forget(key: string) {
    refresh()
    remembered.value = remembered.value.filter((k) => k.key !== key)
    writeLocal(STORE, remembered.value)
  }

  return { remembered, refresh, load, addFromText, forget }
}
