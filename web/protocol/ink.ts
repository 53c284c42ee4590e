// The unchanging.ink wire protocol, version 1, for the browser and the web
// server: hashes, canonical CBOR, Merkle proofs, signed heads, compact
// strings, proof files and the client conventions of PROTOCOL.md.
//
// Pure: no network, no DOM. Functions that check something return a value
// saying what went wrong instead of throwing, so the page can show it.
// Byte strings are Uint8Array; JSON carries them as standard base64.

import { sha3_256 } from '@noble/hashes/sha3.js'
import { ed25519 } from '@noble/curves/ed25519.js'
import { encode as cborgEncode } from 'cborg'

// ---------------------------------------------------------------- encodings

export function toHex(bytes: Uint8Array): string {
  let out = ''
  for (const b of bytes) out += b.toString(16).padStart(2, '0')
  return out
}

export function fromHex(hex: string): Uint8Array {
  if (hex.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(hex)) throw new Error('not hex')
  const out = new Uint8Array(hex.length / 2)
  for (let i = 0; i < out.length; i++) out[i] = parseInt(hex.slice(2 * i, 2 * i + 2), 16)
  return out
}

const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/'

export function toBase64(bytes: Uint8Array): string {
  let out = ''
  for (let i = 0; i < bytes.length; i += 3) {
    const n = (bytes[i]! << 16) | ((bytes[i + 1] ?? 0) << 8) | (bytes[i + 2] ?? 0)
    out += B64[(n >> 18) & 63]! + B64[(n >> 12) & 63]!
    out += i + 1 < bytes.length ? B64[(n >> 6) & 63]! : '='
    out += i + 2 < bytes.length ? B64[n & 63]! : '='
  }
  return out
}

/** Standard base64 with padding; throws on anything else. */
export function fromBase64(text: string): Uint8Array {
  if (typeof text !== 'string' || text.length % 4 !== 0 || !/^[A-Za-z0-9+/]*={0,2}$/.test(text)) {
    throw new Error('not base64')
  }
  const pad = text.endsWith('==') ? 2 : text.endsWith('=') ? 1 : 0
  const out = new Uint8Array((text.length / 4) * 3 - pad)
  let o = 0
  for (let i = 0; i < text.length; i += 4) {
    let n = 0
    for (let j = 0; j < 4; j++) {
      const c = text[i + j]!
      n = (n << 6) | (c === '=' ? 0 : B64.indexOf(c))
    }
    if (o < out.length) out[o++] = (n >> 16) & 255
    if (o < out.length) out[o++] = (n >> 8) & 255
    if (o < out.length) out[o++] = n & 255
  }
  return out
}

export function toBase64Url(bytes: Uint8Array): string {
  return toBase64(bytes).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '')
}

/** base64url without padding (as in compact strings). */
export function fromBase64Url(text: string): Uint8Array {
  if (!/^[A-Za-z0-9_-]*$/.test(text) || text.length % 4 === 1) throw new Error('not base64url')
  const std = text.replace(/-/g, '+').replace(/_/g, '/')
  return fromBase64(std + '='.repeat((4 - (std.length % 4)) % 4))
}

export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false
  let diff = 0
  for (let i = 0; i < a.length; i++) diff |= a[i]! ^ b[i]!
  return diff === 0
}

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0))
  let o = 0
  for (const p of parts) {
    out.set(p, o)
    o += p.length
  }
  return out
}

const utf8 = new TextEncoder()

// --------------------------------------------------------------------- hash

/** H of PROTOCOL.md: SHA3-256. */
export function H(bytes: Uint8Array): Uint8Array {
  return sha3_256(bytes)
}

/**
 * Canonical CBOR: definite lengths, shortest heads, map keys sorted by
 * encoded length then bytewise (RFC 7049 section 3.9). cborg's default map
 * sorter is exactly that length-first order. Only text, byte strings,
 * non-negative integers, arrays and string-keyed objects occur here.
 */
export function cbor(value: unknown): Uint8Array {
  return cborgEncode(value)
}

export const EMPTY_ROOT = H(new Uint8Array(0))

// ------------------------------------------------------------------ records

export function tsHash(data: string, timestamp: string): Uint8Array {
  return H(cbor({ data, timestamp, typ: 'ts', version: '1' }))
}

export interface IntervalRecord {
  index: number
  timestamp: string
  ith: Uint8Array
}

export function ihash(record: IntervalRecord): Uint8Array {
  return H(cbor({ index: record.index, timestamp: record.timestamp, ith: record.ith, typ: 'it', version: '1' }))
}

export function headStatement(authority: string, interval: number, mth: Uint8Array): Uint8Array {
  return cbor({ authority, interval, mth, typ: 'mth', version: '1' })
}

/** Key id: first 8 bytes of H(raw public key), lower-case hex. */
export function keyId(publicKey: Uint8Array): string {
  return toHex(H(publicKey).slice(0, 8))
}

export function verifySignature(statement: Uint8Array, signature: Uint8Array, publicKey: Uint8Array): boolean {
  try {
    return ed25519.verify(signature, statement, publicKey)
  } catch {
    return false
  }
}

// ------------------------------------------------------------- Merkle trees

export function leafHash(leaf: Uint8Array): Uint8Array {
  return H(concat(Uint8Array.of(0), leaf))
}

export function nodeHash(left: Uint8Array, right: Uint8Array): Uint8Array {
  return H(concat(Uint8Array.of(1), left, right))
}

function largestPowerOfTwoBelow(n: number): number {
  let k = 1
  while (k * 2 < n) k *= 2
  return k
}

/** MTH(D[0:n]) of RFC 6962, straight from the definition (for small trees). */
export function merkleRoot(leaves: Uint8Array[]): Uint8Array {
  if (leaves.length === 0) return EMPTY_ROOT
  if (leaves.length === 1) return leafHash(leaves[0]!)
  const k = largestPowerOfTwoBelow(leaves.length)
  return nodeHash(merkleRoot(leaves.slice(0, k)), merkleRoot(leaves.slice(k)))
}

/**
 * Root reached from `leaf` by the `(a, path)` encoding, or null when `a`
 * has bits beyond the path (PROTOCOL.md: accept iff a >> len(path) == 0).
 */
export function rootFromPath(leaf: Uint8Array, a: number, path: Uint8Array[]): Uint8Array | null {
  if (!Number.isSafeInteger(a) || a < 0) return null
  let cur = leafHash(leaf)
  let bits = BigInt(a)
  for (const node of path) {
    cur = bits & 1n ? nodeHash(node, cur) : nodeHash(cur, node)
    bits >>= 1n
  }
  return bits === 0n ? cur : null
}

/**
 * The `a` that RFC 6962 PATH(m, D[n]) must carry for leaf m of a tree of
 * size n (0 <= m < n): bit j set when the sibling at level j is on the left.
 * Lets a verifier insist that an inclusion proof is for the claimed leaf.
 */
export function expectedPathBits(leafIndex: number, treeSize: number): { a: number; length: number } {
  let a = 0
  let length = 0
  let m = leafIndex
  let n = treeSize
  const levels: boolean[] = []
  // Walk down from the root; record which side the leaf is on at each split.
  while (n > 1) {
    const k = largestPowerOfTwoBelow(n)
    if (m < k) {
      levels.push(false)
      n = k
    } else {
      levels.push(true)
      m -= k
      n -= k
    }
  }
  // The path is listed from the leaf upwards, so the deepest split is bit 0.
  for (let j = 0; j < levels.length; j++) {
    if (levels[levels.length - 1 - j]) a += 2 ** j
    length++
  }
  return { a, length }
}

/**
 * RFC 9162 section 2.1.4.2: is a tree of `oldSize` with root `oldRoot` a
 * prefix of the tree of `newSize` with root `newRoot`? Sizes are leaf counts.
 */
export function verifyConsistency(
  oldSize: number,
  newSize: number,
  oldRoot: Uint8Array,
  newRoot: Uint8Array,
  proof: Uint8Array[],
): boolean {
  if (!Number.isSafeInteger(oldSize) || !Number.isSafeInteger(newSize)) return false
  if (oldSize < 1 || oldSize > newSize) return false
  if (oldSize === newSize) return proof.length === 0 && bytesEqual(oldRoot, newRoot)
  if (proof.length === 0) return false
  let path = proof
  // A power-of-two old tree is itself a node of the new tree: prepend it.
  if ((oldSize & (oldSize - 1)) === 0) path = [oldRoot, ...proof]
  let fn = oldSize - 1
  let sn = newSize - 1
  while (fn % 2 === 1) {
    fn = Math.floor(fn / 2)
    sn = Math.floor(sn / 2)
  }
  let fr = path[0]!
  let sr = path[0]!
  for (const c of path.slice(1)) {
    if (sn === 0) return false
    if (fn % 2 === 1 || fn === sn) {
      fr = nodeHash(c, fr)
      sr = nodeHash(c, sr)
      if (fn % 2 === 0) {
        while (fn % 2 === 0 && fn !== 0) {
          fn = Math.floor(fn / 2)
          sn = Math.floor(sn / 2)
        }
      }
    } else {
      sr = nodeHash(sr, c)
    }
    fn = Math.floor(fn / 2)
    sn = Math.floor(sn / 2)
  }
  return sn === 0 && bytesEqual(fr, oldRoot) && bytesEqual(sr, newRoot)
}

// --------------------------------------------------------- compact strings

export function headCompact(authority: string, interval: number, mth: Uint8Array): string {
  return `${authority}/${interval}#v1:${toBase64Url(mth)}`
}

export interface ParsedHeadCompact {
  authority: string
  interval: number
  mth: Uint8Array
}

export function parseHeadCompact(text: string): ParsedHeadCompact | null {
  const m = /^(.+)\/(\d+)#v1:([A-Za-z0-9_-]+)$/.exec(text.trim())
  if (!m) return null
  try {
    const mth = fromBase64Url(m[3]!)
    if (mth.length !== 32) return null
    return { authority: m[1]!, interval: Number(m[2]), mth }
  } catch {
    return null
  }
}

export function timestampCompact(authority: string, interval: number, timestamp: string, a: number, path: Uint8Array[]): string {
  return `${authority}/${interval}#v1,${timestamp},${toBase64Url(cbor([a, path]))}`
}

export interface ParsedTimestampCompact {
  authority: string
  interval: number
  timestamp: string
  a: number
  path: Uint8Array[]
}

// A minimal reader for exactly the CBOR that compact strings carry:
// [uint, [bytes, ...]] in canonical form.
function readCborAPath(bytes: Uint8Array): { a: number; path: Uint8Array[] } | null {
  let pos = 0
  const head = (): { major: number; value: number } | null => {
    if (pos >= bytes.length) return null
    const ib = bytes[pos++]!
    const major = ib >> 5
    const info = ib & 31
    if (info < 24) return { major, value: info }
    const size = info === 24 ? 1 : info === 25 ? 2 : info === 26 ? 4 : info === 27 ? 8 : 0
    if (size === 0 || pos + size > bytes.length) return null
    let value = 0
    for (let i = 0; i < size; i++) value = value * 256 + bytes[pos++]!
    if (!Number.isSafeInteger(value)) return null
    return { major, value }
  }
  const outer = head()
  if (!outer || outer.major !== 4 || outer.value !== 2) return null
  const a = head()
  if (!a || a.major !== 0) return null
  const list = head()
  if (!list || list.major !== 4) return null
  const path: Uint8Array[] = []
  for (let i = 0; i < list.value; i++) {
    const item = head()
    if (!item || item.major !== 2 || pos + item.value > bytes.length) return null
    path.push(bytes.slice(pos, pos + item.value))
    pos += item.value
  }
  return pos === bytes.length ? { a: a.value, path } : null
}

export function parseTimestampCompact(text: string): ParsedTimestampCompact | null {
  const m = /^(.+)\/(\d+)#v1,([0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{6}Z),([A-Za-z0-9_-]+)$/.exec(text.trim())
  if (!m) return null
  try {
    const decoded = readCborAPath(fromBase64Url(m[4]!))
    if (!decoded) return null
    return { authority: m[1]!, interval: Number(m[2]), timestamp: m[3]!, ...decoded }
  } catch {
    return null
  }
}

// ------------------------------------------------------- client conventions

async function sha512Hex(bytes: Uint8Array): Promise<string> {
  const digest = await globalThis.crypto.subtle.digest('SHA-512', bytes as BufferSource)
  return toHex(new Uint8Array(digest))
}

/** The `data` string for a text: sha512 of its UTF-8 bytes. */
export async function dataForText(text: string): Promise<string> {
  return `sha512:${await sha512Hex(utf8.encode(text))}`
}

/** The `data` string for one file's bytes. */
export async function dataForFile(content: Uint8Array): Promise<string> {
  return `sha512:${await sha512Hex(content)}`
}

/** Several files: per-file strings sorted, joined as `["s1", "s2"]`, stamped as a text. */
export function combinedFilesText(perFile: string[]): string {
  return `[${[...perFile].sort().map((s) => `"${s}"`).join(', ')}]`
}

export async function dataForFiles(contents: Uint8Array[]): Promise<string> {
  if (contents.length === 1) return dataForFile(contents[0]!)
  const perFile = await Promise.all(contents.map(dataForFile))
  return dataForText(combinedFilesText(perFile))
}

// --------------------------------------------------- API objects and proofs

/** The JSON shapes of PROTOCOL.md (byte strings as base64 text). */
export interface IntervalJson {
  index: number
  timestamp: string
  ith: string
  typ: 'it'
  version: '1'
}
export interface InclusionJson {
  head: number
  leaf: number
  a: number
  nodes: string[]
  version: '1'
}
export interface ConsistencyJson {
  old_interval: number
  new_interval: number
  nodes: string[]
  version: '1'
}
export interface HeadJson {
  authority: string
  version: '1'
  mth: string
  interval: IntervalJson
  inclusion: InclusionJson
  consistency: ConsistencyJson | null
  signature: string
  key: string
  [extra: string]: unknown
}
export interface ProofJson {
  a: number
  path: string[]
  ith: string
  mth: string
  interval?: IntervalJson
  inclusion?: InclusionJson
  head?: { authority: string; interval: number; mth: string; signature: string; key: string }
}
export interface TimestampJson {
  hash: string
  timestamp: string
  typ: 'ts'
  version: '1'
  id: string
  interval: number | null
  proof: ProofJson | null
}
export interface ProofFile {
  format: 'unchanging.ink/proof'
  version: 1
  authority: string
  data: string
  files: string[]
  timestamp: TimestampJson
}
export interface KeyJson {
  key: string
  public_key: string
  algorithm: string
}

export function makeProofFile(answer: TimestampJson, data: string, files: string[]): ProofFile {
  if (!answer.proof) throw new Error('the timestamp has no proof yet')
  const authority = answer.proof.head?.authority ?? parseHeadCompact(answer.proof.mth)?.authority ?? ''
  return { format: 'unchanging.ink/proof', version: 1, authority, data, files, timestamp: answer }
}

/** Reads a proof file's JSON text; null when it is not one. */
export function parseProofFile(text: string): ProofFile | null {
  try {
    const value = JSON.parse(text)
    if (value?.format !== 'unchanging.ink/proof' || value.version !== 1) return null
    if (typeof value.data !== 'string' || typeof value.timestamp !== 'object' || value.timestamp === null) return null
    if (!Array.isArray(value.files)) value.files = []
    return value as ProofFile
  } catch {
    return null
  }
}

/** The compact timestamp string of a proved timestamp answer. */
export function compactOfTimestamp(answer: TimestampJson): string | null {
  const proof = answer.proof
  if (!proof) return null
  const head = parseHeadCompact(proof.mth)
  if (!head) return null
  return timestampCompact(head.authority, head.interval, answer.timestamp, proof.a, proof.path.map(fromBase64))
}

// ------------------------------------------------------------- verification

/** The links of a proof, in the order they are checked. */
export type StepId = 'data' | 'ts_hash' | 'ith' | 'ihash' | 'inclusion' | 'signature' | 'consistency'
export type StepStatus = 'pass' | 'fail' | 'skip'
export interface Step {
  id: StepId
  status: StepStatus
  /** A short machine-readable reason for failures, e.g. 'data_differs'. */
  reason?: string
  /** Values worth showing: hashes, indexes. */
  detail?: Record<string, string | number>
}

/** Everything a verifier needs, after the proof file or compact string was read. */
export interface ProofMaterial {
  /** The `data` the proof claims; null for a compact string (it carries none). */
  claimedData: string | null
  /** The ts `hash` the proof claims; null when absent. */
  claimedHash: string | null
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
  head: { authority: string; interval: number; mth: string; signature: string; key: string }
}

/** Material from a proof file that carries the offline extensions; or an error code. */
export function materialFromProofFile(file: ProofFile): ProofMaterial | { error: string } {
  const ts = file.timestamp
  const proof = ts?.proof
  if (!proof) return { error: 'no_proof' }
  if (!proof.interval || !proof.inclusion || !proof.head) return { error: 'no_extensions' }
  const named = parseHeadCompact(String(proof.mth ?? ''))
  return {
    claimedData: file.data,
    claimedHash: typeof ts.hash === 'string' ? ts.hash : null,
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

/** Material from a compact timestamp string plus head i fetched from the service. */
export function materialFromCompact(parsed: ParsedTimestampCompact, head: HeadJson): ProofMaterial {
  return {
    claimedData: null,
    claimedHash: null,
    timestamp: parsed.timestamp,
    a: parsed.a,
    path: parsed.path.map(toBase64),
    ith: null,
    authority: parsed.authority,
    intervalIndex: parsed.interval,
    mthFromString: null,
    interval: head.interval,
    inclusion: head.inclusion,
    head: { authority: head.authority, interval: head.interval.index, mth: head.mth, signature: head.signature, key: head.key },
  }
}

function decodeAll(list: unknown): Uint8Array[] | null {
  if (!Array.isArray(list)) return null
  try {
    return list.map((x) => fromBase64(x as string))
  } catch {
    return null
  }
}

function decode(text: unknown): Uint8Array | null {
  try {
    return fromBase64(text as string)
  } catch {
    return null
  }
}

/**
 * Checks every offline link from `data` to a signed head. Steps after the
 * first failure are still computed where they do not depend on it, so the
 * page can say exactly which link broke. Consistency with a newer head needs
 * the network and is checked separately (verifyHeadConsistency).
 */
export function verifyOffline(data: string, m: ProofMaterial, keys: KeyJson[]): Step[] {
  const steps: Step[] = []

  // 1. The file or text given is the one that was stamped.
  if (m.claimedData === null) steps.push({ id: 'data', status: 'skip', reason: 'compact_has_no_data', detail: { data } })
  else if (m.claimedData === data) steps.push({ id: 'data', status: 'pass', detail: { data } })
  else steps.push({ id: 'data', status: 'fail', reason: 'data_differs', detail: { data, claimed: m.claimedData } })

  // 2. ts hash over the data and the server's clock reading.
  const hash = tsHash(data, m.timestamp)
  if (m.claimedHash === null) steps.push({ id: 'ts_hash', status: 'pass', detail: { hash: toHex(hash), timestamp: m.timestamp } })
  else {
    const claimed = decode(m.claimedHash)
    const ok = claimed !== null && bytesEqual(claimed, hash)
    steps.push({
      id: 'ts_hash',
      status: ok ? 'pass' : 'fail',
      reason: ok ? undefined : 'hash_differs',
      detail: { hash: toHex(hash), timestamp: m.timestamp },
    })
  }

  // 3. (a, path) lead from the ts hash to the interval tree head.
  const path = decodeAll(m.path)
  const ith = decode(m.interval?.ith)
  const ithClaim = m.ith === null ? ith : decode(m.ith)
  const ithRoot = path ? rootFromPath(hash, m.a, path) : null
  if (!path || !ith || !ithClaim) steps.push({ id: 'ith', status: 'fail', reason: 'malformed' })
  else if (!ithRoot) steps.push({ id: 'ith', status: 'fail', reason: 'a_too_long' })
  else if (!bytesEqual(ithRoot, ith) || !bytesEqual(ithClaim, ith))
    steps.push({ id: 'ith', status: 'fail', reason: 'root_differs', detail: { computed: toHex(ithRoot), ith: toHex(ith) } })
  else steps.push({ id: 'ith', status: 'pass', detail: { ith: toHex(ith), a: m.a, length: path.length } })

  // 4. The interval record: its index is the one named, the ts lies inside it.
  let ih: Uint8Array | null = null
  const iv = m.interval
  if (!ith || !iv || typeof iv.timestamp !== 'string' || !Number.isSafeInteger(iv.index))
    steps.push({ id: 'ihash', status: 'fail', reason: 'malformed' })
  else {
    ih = ihash({ index: iv.index, timestamp: iv.timestamp, ith })
    if (iv.index !== m.intervalIndex) steps.push({ id: 'ihash', status: 'fail', reason: 'index_differs' })
    else if (m.timestamp > iv.timestamp) steps.push({ id: 'ihash', status: 'fail', reason: 'ts_after_interval' })
    else steps.push({ id: 'ihash', status: 'pass', detail: { ihash: toHex(ih), index: iv.index, closed: iv.timestamp } })
  }

  // 5. ihash_i is leaf i of the main tree of size i+1 whose root is mth_i.
  const inc = m.inclusion
  const mth = decode(m.head?.mth)
  const nodes = decodeAll(inc?.nodes)
  const named = m.mthFromString === null ? mth : decode(m.mthFromString)
  if (!ih || !mth || !nodes || !inc || !named) steps.push({ id: 'inclusion', status: 'fail', reason: 'malformed' })
  else {
    const i = m.intervalIndex
    const expected = expectedPathBits(i, i + 1)
    const root = rootFromPath(ih, inc.a, nodes)
    if (inc.leaf !== i || inc.head !== i || m.head.interval !== i || expected.a !== inc.a || expected.length !== nodes.length)
      steps.push({ id: 'inclusion', status: 'fail', reason: 'wrong_position' })
    else if (!root || !bytesEqual(root, mth))
      steps.push({ id: 'inclusion', status: 'fail', reason: 'root_differs', detail: { computed: root ? toHex(root) : '', mth: toHex(mth) } })
    else if (!bytesEqual(named, mth)) steps.push({ id: 'inclusion', status: 'fail', reason: 'string_differs' })
    else steps.push({ id: 'inclusion', status: 'pass', detail: { mth: toHex(mth), head: i } })
  }

  // 6. The deployment signed mth_i with one of its published keys.
  steps.push(verifyHeadSignature(m.head, keys))
  return steps
}

/** Step 'signature' for a head: the key is published, the id matches it, the signature holds. */
export function verifyHeadSignature(
  head: { authority: string; interval: number; mth: string; signature: string; key: string },
  keys: KeyJson[],
): Step {
  const mth = decode(head?.mth)
  const signature = decode(head?.signature)
  if (!mth || !signature || typeof head.authority !== 'string') return { id: 'signature', status: 'fail', reason: 'malformed' }
  const entry = keys.find((k) => k.key === head.key && k.algorithm === 'ed25519')
  if (!entry) return { id: 'signature', status: 'fail', reason: 'unknown_key', detail: { key: String(head.key) } }
  const publicKey = decode(entry.public_key)
  if (!publicKey || keyId(publicKey) !== entry.key) return { id: 'signature', status: 'fail', reason: 'key_id_differs', detail: { key: entry.key } }
  const ok = verifySignature(headStatement(head.authority, head.interval, mth), signature, publicKey)
  return ok
    ? { id: 'signature', status: 'pass', detail: { key: entry.key, authority: head.authority } }
    : { id: 'signature', status: 'fail', reason: 'bad_signature', detail: { key: entry.key } }
}

/**
 * Step 'consistency': mth_x (older, from the proof) is a prefix of mth_y (the
 * current head), by the consistency proof answered for GET /mth/<y>/from/<x>.
 */
export function verifyHeadConsistency(
  oldIndex: number,
  oldMth: string,
  newHead: HeadJson,
  proof: ConsistencyJson | null,
): Step {
  const oldRoot = decode(oldMth)
  const newRoot = decode(newHead?.mth)
  const y = newHead?.interval?.index
  if (!oldRoot || !newRoot || !Number.isSafeInteger(y)) return { id: 'consistency', status: 'fail', reason: 'malformed' }
  if (y < oldIndex) return { id: 'consistency', status: 'fail', reason: 'current_older' }
  if (y === oldIndex) {
    return bytesEqual(oldRoot, newRoot)
      ? { id: 'consistency', status: 'pass', detail: { from: oldIndex, to: y } }
      : { id: 'consistency', status: 'fail', reason: 'not_consistent', detail: { from: oldIndex, to: y } }
  }
  const nodes = decodeAll(proof?.nodes)
  if (!proof || !nodes || proof.old_interval !== oldIndex || proof.new_interval !== y)
    return { id: 'consistency', status: 'fail', reason: 'malformed' }
  return verifyConsistency(oldIndex + 1, y + 1, oldRoot, newRoot, nodes)
    ? { id: 'consistency', status: 'pass', detail: { from: oldIndex, to: y } }
    : { id: 'consistency', status: 'fail', reason: 'not_consistent', detail: { from: oldIndex, to: y } }
}

/**
 * Checks a head on its own (as received live or fetched): its interval
 * record is leaf i of mth_i, and it is signed. Returns the failing steps.
 */
export function verifyHead(head: HeadJson, keys: KeyJson[]): Step[] {
  const ith = decode(head?.interval?.ith)
  const mth = decode(head?.mth)
  const nodes = decodeAll(head?.inclusion?.nodes)
  const steps: Step[] = []
  if (!ith || !mth || !nodes) return [{ id: 'inclusion', status: 'fail', reason: 'malformed' }]
  const i = head.interval.index
  const expected = expectedPathBits(i, i + 1)
  const root = rootFromPath(ihash({ index: i, timestamp: head.interval.timestamp, ith }), head.inclusion.a, nodes)
  const ok =
    head.inclusion.leaf === i && head.inclusion.head === i && expected.a === head.inclusion.a &&
    expected.length === nodes.length && root !== null && bytesEqual(root, mth)
  steps.push(ok ? { id: 'inclusion', status: 'pass', detail: { head: i } } : { id: 'inclusion', status: 'fail', reason: 'root_differs' })
  steps.push(verifyHeadSignature({ authority: head.authority, interval: i, mth: head.mth, signature: head.signature, key: head.key }, keys))
  return steps
}

/** True when an interval had no timestamps (ith = H("")). */
export function isEmptyInterval(ithBase64: string): boolean {
  const ith = decode(ithBase64)
  return ith !== null && bytesEqual(ith, EMPTY_ROOT)
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
    timestamp: file.timestamp.timestamp,
    a: proof.a,
    path: proof.path,
    ith: proof.ith,
    authority: named.authority,
    intervalIndex: named.interval,
    mthFromString: toBase64(named.mth),
    interval: head.interval,
    inclusion: head.inclusion,
    head: { authority: head.authority, interval: head.interval.index, mth: head.mth, signature: head.signature, key: head.key },
  }
}
