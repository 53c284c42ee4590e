// Step-by-step verification of a proof, with the step names of `ink verify`
// (src/core/check.cpp, src/cli/proof_check.cpp), so both verifiers report a
// broken proof at the same step. Every step is computed, also after a
// failure, so the page can say which links still hold; the first failing
// step is the verdict.
//
// A step that needs something this device cannot get (the service is out of
// reach, the head's key is unknown here) is 'unchecked', never 'fail'.
import type { ParsedTimestampCompact } from './compact'
import { parseHeadCompact } from './compact'
import { bytesEqual, decodeBase64, decodeBase64List, toBase64, toHex } from './encoding'
import { expectedPathBits, rootFromPath, verifyConsistency } from './merkle'
import type { ProofFile } from './proof-file'
import { CLOCK_FORM, ihash, tsHash, type ConsistencyJson, type HeadJson, type IntervalJson, type InclusionJson, type ProofHeadJson } from './records'
import { keyId, type KeyJson } from './keys'
import { keyRefusal, signerPlace, trustedKeys, type KeyTrust } from './keyChain'
import { headStatement, verifySignature } from './signed-head'

/** The links of a proof, in the order they are checked. */
export const STEP_ORDER = ['proof-file', 'data', 'proof', 'ts-hash', 'interval-path', 'ihash', 'inclusion', 'signature', 'current-head', 'consistency'] as const
export type StepId = (typeof STEP_ORDER)[number]
export type StepStatus = 'pass' | 'fail' | 'skip' | 'unchecked'
export interface Step {
  id: StepId
  status: StepStatus
  /** A short machine-readable reason, e.g. 'document_differs'. */
  reason?: string
  /** Values worth showing: hashes, indexes, names. */
  detail?: Record<string, string | number>
}

/** The first failing step, which is the verdict; null when none failed. */
export function firstFailure(steps: Step[]): Step | null {
  return steps.find((s) => s.status === 'fail') ?? null
}

/** 'fail' if a step failed, 'partial' if some could not be checked, else 'pass'. */
export function outcome(steps: Step[]): 'pass' | 'fail' | 'partial' {
  if (steps.some((s) => s.status === 'fail')) return 'fail'
  return steps.some((s) => s.status === 'unchecked') ? 'partial' : 'pass'
}

/** Everything a verifier needs, after the proof file or compact string was read. */
export interface ProofMaterial {
  /** The `data` the proof claims; null for a compact string (it carries none). */
  claimedData: string | null
  /** The ts `hash` the proof claims; null when absent. */
  claimedHash: string | null
  /** Names of the stamped files, as the proof file lists them. */
  files: string[]
  timestamp: string
  a: number
  path: string[]
  ith: string | null
  authority: string
  intervalIndex: number
  /** mth named by the proof's compact head string, if it has one. */
  mthFromString: string | null
  interval: IntervalJson
  inclusion: InclusionJson
  head: ProofHeadJson
}

/** Material from a proof file that carries the offline extensions (as readProofFile checked it). */
export function materialFromProofFile(file: ProofFile): ProofMaterial | { error: 'no_proof' | 'no_extensions' } {
  const ts = file.timestamp
  const proof = ts?.proof
  if (!proof) return { error: 'no_proof' }
  if (!proof.interval || !proof.inclusion || !proof.head) return { error: 'no_extensions' }
  const named = parseHeadCompact(String(proof.mth ?? ''))
  return {
    claimedData: file.data,
    claimedHash: typeof ts.hash === 'string' ? ts.hash : null,
    files: file.files ?? [],
    timestamp: ts.timestamp,
    a: proof.a,
    path: proof.path,
    ith: proof.ith,
    authority: proof.head.authority,
    intervalIndex: named?.interval ?? proof.interval.index,
    mthFromString: named ? toBase64(named.mth) : null,
    interval: proof.interval,
    inclusion: proof.inclusion,
    head: proof.head,
  }
}

function headPart(head: HeadJson): ProofHeadJson {
  return { authority: head.authority, interval: head.interval.index, mth: head.mth, signature: head.signature, key: head.key }
}

/** Material from a proof file without the offline extensions, completed with head i from the service. */
export function materialFromProofFileAndHead(file: ProofFile, head: HeadJson): ProofMaterial | { error: string } {
  const proof = file.timestamp?.proof
  if (!proof) return { error: 'no_proof' }
  const named = parseHeadCompact(String(proof.mth ?? ''))
  if (!named) return { error: 'malformed' }
  return {
    claimedData: file.data,
    claimedHash: typeof file.timestamp.hash === 'string' ? file.timestamp.hash : null,
    files: file.files ?? [],
    timestamp: file.timestamp.timestamp,
    a: proof.a,
    path: proof.path,
    ith: proof.ith,
    authority: named.authority,
    intervalIndex: named.interval,
    mthFromString: toBase64(named.mth),
    interval: head.interval,
    inclusion: head.inclusion,
    head: headPart(head),
  }
}

/** Material from a compact timestamp string plus head i fetched from the service. */
export function materialFromCompact(parsed: ParsedTimestampCompact, head: HeadJson): ProofMaterial {
  return {
    claimedData: null,
    claimedHash: null,
    files: [],
    timestamp: parsed.timestamp,
    a: parsed.a,
    path: parsed.path.map(toBase64),
    ith: null,
    authority: parsed.authority,
    intervalIndex: parsed.interval,
    mthFromString: null,
    interval: head.interval,
    inclusion: head.inclusion,
    head: headPart(head),
  }
}

/**
 * The offline links from `data` to the signed head: data, ts-hash,
 * interval-path, ihash, inclusion, signature. `keys` are the public keys
 * this device trusts; `keysComplete` says whether they are the service's
 * whole published list (then an unknown key is a failure, else unchecked).
 */
export function verifyOffline(data: string, m: ProofMaterial, keys: KeyJson[], keysComplete = true, trust: KeyTrust | null = null): Step[] {
  const steps: Step[] = []
  const computed = tsHash(data, m.timestamp)
  const claimedHash = m.claimedHash === null ? null : decodeBase64(m.claimedHash)
  const hashMatches = claimedHash !== null && bytesEqual(claimedHash, computed)

  // data: the document given is the one the proof file names.
  const files = m.files.join(', ')
  if (m.claimedData === null) steps.push({ id: 'data', status: 'skip', reason: 'compact_has_no_data', detail: { data } })
  else if (m.claimedData === data) steps.push({ id: 'data', status: 'pass', detail: { data } })
  else
    steps.push({
      id: 'data',
      status: 'fail',
      // The ts hash tells which side changed: if it matches the document given,
      // the document is the stamped one and only the proof's `data` was edited.
      reason: hashMatches ? 'data_field_altered' : 'document_differs',
      detail: { data, claimed: m.claimedData, files },
    })

  // ts-hash: the hash over the data and the service's clock reading.
  const tsDetail = { hash: toHex(computed), timestamp: m.timestamp }
  if (m.claimedHash === null) steps.push({ id: 'ts-hash', status: 'pass', reason: 'computed', detail: tsDetail })
  else if (hashMatches) steps.push({ id: 'ts-hash', status: 'pass', detail: tsDetail })
  else {
    const proofHashFitsItsData = m.claimedData !== null && claimedHash !== null && bytesEqual(claimedHash, tsHash(m.claimedData, m.timestamp))
    steps.push({
      id: 'ts-hash',
      status: 'fail',
      reason: m.claimedData !== data && proofHashFitsItsData ? 'document_differs' : 'hash_differs',
      detail: tsDetail,
    })
  }

  // interval-path: (a, path) lead from the ts hash to the interval's root, and
  // the ts lies inside the interval. Follows the proof's own hash when it has
  // one, so a changed document does not hide whether the rest is intact.
  const leaf = claimedHash ?? computed
  const path = decodeBase64List(m.path)
  const ith = decodeBase64(m.interval?.ith)
  const ithRoot = path ? rootFromPath(leaf, m.a, path) : null
  const iv = m.interval
  if (!path || !ith || (m.ith !== null && !decodeBase64(m.ith))) steps.push({ id: 'interval-path', status: 'fail', reason: 'malformed' })
  else if (!ithRoot) steps.push({ id: 'interval-path', status: 'fail', reason: 'a_too_long' })
  else if (!bytesEqual(ithRoot, ith))
    steps.push({
      id: 'interval-path',
      status: 'fail',
      reason: m.claimedHash === null ? 'compact_root_differs' : 'root_differs',
      detail: { computed: toHex(ithRoot), ith: toHex(ith) },
    })
  else if (typeof iv?.timestamp === 'string' && m.timestamp > iv.timestamp)
    steps.push({ id: 'interval-path', status: 'fail', reason: 'ts_after_interval', detail: { timestamp: m.timestamp, closed: iv.timestamp } })
  else steps.push({ id: 'interval-path', status: 'pass', detail: { ith: toHex(ith), a: m.a, length: path.length } })

  // ihash, inclusion, signature: the signed head and its interval record.
  steps.push(...verifyHeadParts(m.head, m.interval, m.inclusion, keys, keysComplete, m.intervalIndex, m.mthFromString, trust))
  return steps
}

/** The head's own links: ihash of its record (at the right position), inclusion in mth_i, signature. */
function verifyHeadParts(
  head: ProofHeadJson,
  iv: IntervalJson,
  inc: InclusionJson,
  keys: KeyJson[],
  keysComplete: boolean,
  namedIndex: number,
  mthFromString: string | null,
  trust: KeyTrust | null,
): Step[] {
  const steps: Step[] = []
  const ith = decodeBase64(iv?.ith)
  let record: Uint8Array | null = null
  if (!ith || !iv || typeof iv.timestamp !== 'string' || !CLOCK_FORM.test(iv.timestamp) || !Number.isSafeInteger(iv.index))
    steps.push({ id: 'ihash', status: 'fail', reason: 'malformed' })
  else if (iv.index !== namedIndex || head?.interval !== iv.index)
    steps.push({ id: 'ihash', status: 'fail', reason: 'index_differs', detail: { index: iv.index, named: namedIndex } })
  else if (inc?.leaf !== iv.index || inc?.head !== iv.index)
    // The inclusion proof must be about this record, at its own position.
    steps.push({ id: 'ihash', status: 'fail', reason: 'wrong_position', detail: { index: iv.index, leaf: String(inc?.leaf), head: String(inc?.head) } })
  else {
    record = ihash({ index: iv.index, timestamp: iv.timestamp, ith })
    steps.push({ id: 'ihash', status: 'pass', detail: { ihash: toHex(record), index: iv.index, closed: iv.timestamp } })
  }

  // inclusion: ihash_i is leaf i of the main tree of size i+1 whose root is mth_i.
  const mth = decodeBase64(head?.mth)
  const nodes = decodeBase64List(inc?.nodes)
  const named = mthFromString === null ? mth : decodeBase64(mthFromString)
  if (!ith || !iv || !mth || !nodes || !named || !Number.isSafeInteger(iv.index) || typeof iv.timestamp !== 'string')
    steps.push({ id: 'inclusion', status: 'fail', reason: 'malformed' })
  else {
    const i = iv.index
    const leaf = record ?? ihash({ index: i, timestamp: iv.timestamp, ith })
    const expected = expectedPathBits(i, i + 1)
    const root = rootFromPath(leaf, inc.a, nodes)
    if (expected.a !== inc.a || expected.length !== nodes.length) steps.push({ id: 'inclusion', status: 'fail', reason: 'wrong_position', detail: { head: i } })
    else if (!root || !bytesEqual(root, mth))
      steps.push({ id: 'inclusion', status: 'fail', reason: 'root_differs', detail: { computed: root ? toHex(root) : '', mth: toHex(mth), head: i } })
    else if (!bytesEqual(named, mth)) steps.push({ id: 'inclusion', status: 'fail', reason: 'string_differs', detail: { head: i } })
    else steps.push({ id: 'inclusion', status: 'pass', detail: { mth: toHex(mth), head: i } })
  }

  steps.push(verifyHeadSignature(head, keys, keysComplete, trust))
  return steps
}

/**
 * Step 'signature': the key named by the head is known, its id belongs to
 * its public key, and the signature over the head statement holds. An
 * unknown key fails when `keys` is the service's whole published list, and
 * is unchecked when it is not (e.g. offline, with only remembered keys).
 *
 * With a `trust` (docs/keys.md), keys of chains that hold a pinned key are
 * known too, and the head must lie in its key's range: a head signed by a
 * retired key after its last interval, or by a revoked key after the
 * revocation index, fails here, and so does every head when a key list
 * given does not hold.
 */
export function verifyHeadSignature(head: ProofHeadJson, keys: KeyJson[], keysComplete = true, trust: KeyTrust | null = null): Step {
  const mth = decodeBase64(head?.mth)
  const signature = decodeBase64(head?.signature)
  if (!mth || !signature || typeof head.authority !== 'string' || !Number.isSafeInteger(head.interval))
    return { id: 'signature', status: 'fail', reason: 'malformed' }
  const problem = trust?.problems[0]
  if (problem)
    return {
      id: 'signature',
      status: 'fail',
      reason: `chain_${problem.failure.reason}`,
      detail: { source: problem.source, ...problem.failure.detail },
    }
  const known = trust ? [...keys, ...trustedKeys(trust).filter((k) => !keys.some((o) => o.key === k.key))] : keys
  const entry = known.find((k) => k.key === head.key && k.algorithm === 'ed25519')
  if (!entry)
    return keysComplete
      ? { id: 'signature', status: 'fail', reason: 'unknown_key', detail: { key: String(head.key) } }
      : { id: 'signature', status: 'unchecked', reason: 'key_unavailable', detail: { key: String(head.key) } }
  const publicKey = decodeBase64(entry.public_key)
  // A key list could pair the service's key id with another key: the id is recomputed.
  if (!publicKey || keyId(publicKey) !== entry.key) return { id: 'signature', status: 'fail', reason: 'key_id_differs', detail: { key: entry.key } }
  const ok = verifySignature(headStatement(head.authority, head.interval, mth), signature, publicKey)
  if (!ok) return { id: 'signature', status: 'fail', reason: 'bad_signature', detail: { key: entry.key } }
  const at = { key: entry.key, authority: head.authority, i: head.interval }
  const refused = trust ? keyRefusal(trust, head.interval, entry.key) : null
  if (refused) {
    const k = refused.key!
    if (refused.verdict === 'revoked') return { id: 'signature', status: 'fail', reason: 'key_revoked', detail: { ...at, after: k.revokedAfter! } }
    if (refused.verdict === 'retired')
      return { id: 'signature', status: 'fail', reason: 'key_retired', detail: { ...at, last: k.lastInterval!, next: k.lastInterval! + 1 } }
    return { id: 'signature', status: 'fail', reason: 'key_not_yet_active', detail: { ...at, first: k.firstInterval } }
  }
  const place = trust ? signerPlace(trust, head.interval, entry.key).check : null
  return place && place.count > 1
    ? {
        id: 'signature',
        status: 'pass',
        reason: 'in_chain',
        detail: { key: entry.key, authority: head.authority, position: place.position, count: place.count },
      }
    : { id: 'signature', status: 'pass', detail: { key: entry.key, authority: head.authority } }
}

/** A head on its own (as received live or fetched): ihash, inclusion, signature. */
export function verifyHead(head: HeadJson, keys: KeyJson[], keysComplete = true, trust: KeyTrust | null = null): Step[] {
  if (!head || typeof head !== 'object' || !head.interval || !head.inclusion) return [{ id: 'ihash', status: 'fail', reason: 'malformed' }]
  return verifyHeadParts(headPart(head), head.interval, head.inclusion, keys, keysComplete, head.interval.index, null, trust)
}

/**
 * Step 'consistency' alone: mth_x (older) is a prefix of head y, by the
 * consistency proof of GET /mth/<y>/from/<x>. A different head for the same
 * interval is a fork, never consistent.
 */
export function verifyHeadConsistency(oldIndex: number, oldMth: string, newHead: HeadJson, proof: ConsistencyJson | null): Step {
  const oldRoot = decodeBase64(oldMth)
  const newRoot = decodeBase64(newHead?.mth)
  const y = newHead?.interval?.index
  const detail = { from: oldIndex, to: String(y) }
  if (!oldRoot || !newRoot || !Number.isSafeInteger(y)) return { id: 'consistency', status: 'fail', reason: 'malformed', detail }
  if (y < oldIndex) return { id: 'consistency', status: 'fail', reason: 'current_older', detail }
  if (y === oldIndex)
    return bytesEqual(oldRoot, newRoot)
      ? { id: 'consistency', status: 'pass', reason: 'same_head', detail }
      : { id: 'consistency', status: 'fail', reason: 'forked', detail }
  const nodes = decodeBase64List(proof?.nodes)
  if (!proof || !nodes || proof.old_interval !== oldIndex || proof.new_interval !== y) return { id: 'consistency', status: 'fail', reason: 'no_proof', detail }
  return verifyConsistency(oldIndex + 1, y + 1, oldRoot, newRoot, nodes)
    ? { id: 'consistency', status: 'pass', detail }
    : { id: 'consistency', status: 'fail', reason: 'not_consistent', detail }
}

/**
 * Steps 'current-head' and 'consistency': the service's current head is
 * genuine (same authority, its own links hold) and extends the proof's head.
 */
export function verifyAgainstCurrent(
  proofHead: ProofHeadJson,
  current: HeadJson,
  proof: ConsistencyJson | null,
  keys: KeyJson[],
  keysComplete = true,
  trust: KeyTrust | null = null,
): Step[] {
  const later: Step = { id: 'consistency', status: 'unchecked', reason: 'current_head_failed' }
  const y = current?.interval?.index
  if (current?.authority !== proofHead.authority)
    return [
      { id: 'current-head', status: 'fail', reason: 'other_authority', detail: { authority: String(current?.authority), proof: proofHead.authority } },
      later,
    ]
  const own = verifyHead(current, keys, keysComplete, trust)
  const failed = own.find((s) => s.status === 'fail')
  if (failed)
    return [{ id: 'current-head', status: 'fail', reason: 'head_invalid', detail: { to: String(y), step: failed.id, why: failed.reason ?? '' } }, later]
  if (own.some((s) => s.status === 'unchecked'))
    return [{ id: 'current-head', status: 'unchecked', reason: 'key_unavailable', detail: { to: String(y), key: current.key } }, later]
  return [{ id: 'current-head', status: 'pass', detail: { to: y, key: current.key } }, verifyHeadConsistency(proofHead.interval, proofHead.mth, current, proof)]
}
