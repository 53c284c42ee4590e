// The records PROTOCOL.md hashes (ts, interval) and the JSON shapes of the
// API's answers (byte strings as base64 text).
import { cbor } from './cbor'
import { EMPTY_ROOT, H } from './hash'
import { bytesEqual, decodeBase64 } from './encoding'

/** A clock reading: `YYYY-MM-DDTHH:MM:SS.ffffffZ`. */
export const CLOCK_FORM = /^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{6}Z$/

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

/** True when an interval had no timestamps (ith = H("")). */
export function isEmptyInterval(ithBase64: string): boolean {
  const ith = decodeBase64(ithBase64)
  return ith !== null && bytesEqual(ith, EMPTY_ROOT)
}

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
/** The signed head as a proof carries it. */
export interface ProofHeadJson {
  authority: string
  interval: number
  mth: string
  signature: string
  key: string
}
export interface ProofJson {
  a: number
  path: string[]
  ith: string
  mth: string
  interval?: IntervalJson
  inclusion?: InclusionJson
  head?: ProofHeadJson
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
