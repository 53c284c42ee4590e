// Witness cosignatures of heads (docs/witness.md): the statement a witness
// signs, the check of one cosignature, and what the cosignatures a log serves
// now say about a proof's head. Pure apart from the fetches handed in.
import { cbor } from './cbor'
import { bytesEqual, decodeBase64, utf8 } from './encoding'
import { keyId } from './keys'
import type { ConsistencyJson, HeadJson, ProofHeadJson } from './records'
import { verifySignature } from './signed-head'
import { verifyHeadConsistency, type Step } from './verify'

/** An entry of GET /api/v1/witnesses. */
export interface WitnessJson {
  name: string
  key: string
  public_key: string
  algorithm: string
}
/** An entry of a head's `cosignatures`. */
export interface CosignatureJson {
  witness: string
  name: string
  signature: string
}
/** The answer of GET /api/v1/mth/cosigned?quorum=K&from=X. */
export interface CosignedJson {
  head: HeadJson
  consistency?: ConsistencyJson | null
}

/** A witness name is 1 to 128 bytes of UTF-8 (docs/witness.md). */
export const MAX_WITNESS_NAME_BYTES = 128

/**
 * cbor({"authority", "interval", "mth", "typ": "cosig", "version": "1",
 * "witness"}): the bytes witness `witness` signs for head `interval` (root
 * `mth`, 32 bytes) of the log `authority`.
 */
export function cosignatureStatement(authority: string, interval: number, mth: Uint8Array, witness: string): Uint8Array {
  return cbor({ authority, interval, mth, typ: 'cosig', version: '1', witness })
}

/**
 * Whether `signature` is the Ed25519 signature of `publicKey` (raw, 32
 * bytes) over the cosignature statement. False for anything malformed: a
 * root that is not 32 bytes, an interval that is not a non-negative safe
 * integer, a name that is empty or over 128 bytes.
 */
export function verifyCosignature(
  publicKey: Uint8Array,
  witness: string,
  authority: string,
  interval: number,
  mth: Uint8Array,
  signature: Uint8Array,
): boolean {
  if (publicKey.length !== 32 || signature.length !== 64 || mth.length !== 32) return false
  if (!Number.isSafeInteger(interval) || interval < 0 || typeof authority !== 'string') return false
  const nameBytes = typeof witness === 'string' ? utf8.encode(witness).length : 0
  if (nameBytes < 1 || nameBytes > MAX_WITNESS_NAME_BYTES) return false
  return verifySignature(cosignatureStatement(authority, interval, mth, witness), signature, publicKey)
}

/** One cosignature as the page shows it: the witness's listed name and key id, and whether it holds. */
export interface CosignatureCheck {
  /** Key id the cosignature names. */
  witness: string
  /** The name the log lists for that key (what the statement binds), else the one served. */
  name: string
  status: 'pass' | 'fail'
  reason?: 'unknown_witness' | 'key_id_differs' | 'name_differs' | 'malformed' | 'bad_signature'
}

interface ListedWitness {
  name: string
  publicKey: Uint8Array | null
}

/** The log's witness list by key id; an entry whose id is not that of its key keeps no key. */
function listedWitnesses(list: WitnessJson[]): Map<string, ListedWitness> {
  const out = new Map<string, ListedWitness>()
  for (const w of list) {
    if (!w || typeof w.key !== 'string' || typeof w.name !== 'string') continue
    const raw = decodeBase64(w.public_key)
    // As for the log's own keys: the id is recomputed, never trusted.
    const ok = w.algorithm === 'ed25519' && raw !== null && raw.length === 32 && keyId(raw) === w.key
    out.set(w.key, { name: w.name, publicKey: ok ? raw : null })
  }
  return out
}

/**
 * Checks each cosignature of head `interval` (root `mth`) of `authority`
 * against the public keys and names of the log's witness list.
 */
export function checkCosignatures(
  authority: string,
  interval: number,
  mth: Uint8Array,
  cosignatures: CosignatureJson[],
  witnesses: WitnessJson[],
): CosignatureCheck[] {
  const listed = listedWitnesses(witnesses)
  return cosignatures.map((c): CosignatureCheck => {
    const witness = typeof c?.witness === 'string' ? c.witness : ''
    const served = typeof c?.name === 'string' ? c.name : ''
    const entry = listed.get(witness)
    if (!entry) return { witness, name: served, status: 'fail', reason: 'unknown_witness' }
    const name = entry.name
    if (!entry.publicKey) return { witness, name, status: 'fail', reason: 'key_id_differs' }
    // The statement binds the listed name; a log that labels the cosignature otherwise misleads.
    if (served !== name) return { witness, name, status: 'fail', reason: 'name_differs' }
    const signature = decodeBase64(c.signature)
    if (!signature || signature.length !== 64) return { witness, name, status: 'fail', reason: 'malformed' }
    return verifyCosignature(entry.publicKey, name, authority, interval, mth, signature)
      ? { witness, name, status: 'pass' }
      : { witness, name, status: 'fail', reason: 'bad_signature' }
  })
}

/** How many different witnesses' cosignatures hold. */
export function verifiedWitnessCount(checks: CosignatureCheck[]): number {
  return new Set(checks.filter((c) => c.status === 'pass').map((c) => c.witness)).size
}

/** A fetch's outcome; status 0 means the service could not be reached. */
export type Fetched<T> = { ok: true; value: T } | { ok: false; status: number }

/** Where the cosignatures come from: the log's API (app/utils/api.ts), or a test's fake. */
export interface WitnessSource {
  /** GET /api/v1/witnesses */
  witnesses(): Promise<Fetched<unknown>>
  /** GET /api/v1/mth/<i> */
  head(interval: number): Promise<Fetched<unknown>>
  /** GET /api/v1/mth/cosigned?quorum=1&from=<from> */
  cosigned(from: number): Promise<Fetched<unknown>>
}

/**
 * What the log's witnesses say about a proof's head, as the log serves
 * their cosignatures now:
 *  - 'unfetched': something could not be had (out of reach, an error status,
 *    an unreadable answer); nothing about the proof follows from that;
 *  - 'no_witnesses': the log lists none;
 *  - 'not_yet': no witness cosigned this head or a later one yet;
 *  - 'other_authority': the log here is another than the proof's;
 *  - 'head_differs': the log now serves another root for the proof's interval;
 *  - 'cosigned': the cosignatures of the proof's head, or (`later`) of a later
 *    head with the consistency proof from the proof's head to it.
 */
export type Witnessing =
  | { state: 'unfetched'; interval: number; reason: 'unreachable' | 'status' | 'unreadable'; status: number }
  | { state: 'no_witnesses'; interval: number }
  | { state: 'not_yet'; interval: number; listed: number }
  | { state: 'other_authority'; interval: number; authority: string; proof: string }
  | { state: 'head_differs'; interval: number }
  | {
      state: 'cosigned'
      interval: number
      /** The head the cosignatures are of: `interval` itself, or a later one. */
      head: number
      later: boolean
      /** For a later head: the consistency check from the proof's head to it. */
      consistency: Step | null
      checks: CosignatureCheck[]
      /** Different witnesses whose cosignature holds. */
      verified: number
      listed: number
    }

/** 'pass' when witnesses vouch for the proof's head, 'fail' when what the log serves contradicts it. */
export function witnessingOutcome(w: Witnessing): 'pass' | 'fail' | 'none' | 'unchecked' {
  switch (w.state) {
    case 'unfetched':
      return 'unchecked'
    case 'head_differs':
      return 'fail'
    case 'cosigned':
      if (w.consistency && w.consistency.status !== 'pass') return 'fail'
      return w.verified > 0 ? 'pass' : 'fail'
    default:
      return 'none'
  }
}

function isHead(value: unknown): value is HeadJson {
  const h = value as HeadJson
  return !!h && typeof h === 'object' && typeof h.authority === 'string' && typeof h.mth === 'string' && Number.isSafeInteger(h.interval?.index)
}

function unfetched(interval: number, r: { ok: false; status: number }): Witnessing {
  return { state: 'unfetched', interval, reason: r.status === 0 ? 'unreachable' : 'status', status: r.status }
}

/** Whether a proof's head names a root and an interval that cosignatures could be of. */
export function cosignableHead(head: ProofHeadJson): boolean {
  const mth = decodeBase64(head?.mth)
  return mth !== null && mth.length === 32 && Number.isSafeInteger(head.interval) && head.interval >= 0 && typeof head.authority === 'string'
}

/**
 * Fetches the log's witnesses and the cosignatures of the proof's head (or,
 * when it has none yet, of the newest cosigned head after it with the
 * consistency proof from it) and checks them here. Never throws.
 */
export async function checkWitnessing(proofHead: ProofHeadJson, source: WitnessSource): Promise<Witnessing> {
  const i = proofHead.interval
  const unreadable: Witnessing = { state: 'unfetched', interval: i, reason: 'unreadable', status: 0 }
  const mth = decodeBase64(proofHead.mth)
  if (!mth || !cosignableHead(proofHead)) return unreadable
  try {
    const list = await source.witnesses()
    // A log from before witnesses has no such route: it lists none.
    if (!list.ok) return list.status === 404 ? { state: 'no_witnesses', interval: i } : unfetched(i, list)
    if (!Array.isArray(list.value)) return unreadable
    const witnesses = list.value as WitnessJson[]
    if (witnesses.length === 0) return { state: 'no_witnesses', interval: i }
    const listed = witnesses.length

    const now = await source.head(i)
    if (!now.ok) return unfetched(i, now)
    if (!isHead(now.value)) return unreadable
    const head = now.value
    if (head.authority !== proofHead.authority) return { state: 'other_authority', interval: i, authority: head.authority, proof: proofHead.authority }
    const served = decodeBase64(head.mth)
    if (head.interval.index !== i || !served || !bytesEqual(served, mth)) return { state: 'head_differs', interval: i }
    const own = head.cosignatures
    if (Array.isArray(own) && own.length > 0) {
      const checks = checkCosignatures(proofHead.authority, i, mth, own as CosignatureJson[], witnesses)
      return { state: 'cosigned', interval: i, head: i, later: false, consistency: null, checks, verified: verifiedWitnessCount(checks), listed }
    }

    const answer = await source.cosigned(i)
    // 404: no head has a cosignature; 400: the newest cosigned head is before this one.
    if (!answer.ok) return answer.status === 404 || answer.status === 400 ? { state: 'not_yet', interval: i, listed } : unfetched(i, answer)
    const cosigned = answer.value as CosignedJson
    if (!cosigned || !isHead(cosigned.head)) return unreadable
    const later = cosigned.head
    const j = later.interval.index
    if (j < i) return { state: 'not_yet', interval: i, listed }
    if (later.authority !== proofHead.authority) return { state: 'other_authority', interval: i, authority: later.authority, proof: proofHead.authority }
    const laterMth = decodeBase64(later.mth)
    const own2 = later.cosignatures
    if (!laterMth || laterMth.length !== 32 || !Array.isArray(own2)) return unreadable
    // Cosigned between the two requests: the same head, so the same root.
    if (j === i && !bytesEqual(laterMth, mth)) return { state: 'head_differs', interval: i }
    const consistency = verifyHeadConsistency(i, proofHead.mth, later, cosigned.consistency ?? null)
    const checks = checkCosignatures(proofHead.authority, j, laterMth, own2 as CosignatureJson[], witnesses)
    return {
      state: 'cosigned',
      interval: i,
      head: j,
      later: j !== i,
      consistency: j !== i ? consistency : null,
      checks,
      verified: verifiedWitnessCount(checks),
      listed,
    }
  } catch {
    return unreadable
  }
}
