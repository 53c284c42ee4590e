// Compact strings: `<authority>/<i>#v1:<mth>` for a head and
// `<authority>/<i>#v1,<timestamp>,<cbor([a, path])>` for a timestamp.
import { cbor, readCborAPath } from './cbor'
import { fromBase64, fromBase64Url, toBase64Url } from './encoding'
import type { TimestampJson } from './records'

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

/** The compact timestamp string of a proved timestamp answer. */
export function compactOfTimestamp(answer: TimestampJson): string | null {
  const proof = answer.proof
  if (!proof) return null
  const head = parseHeadCompact(proof.mth)
  if (!head) return null
  return timestampCompact(head.authority, head.interval, answer.timestamp, proof.a, proof.path.map(fromBase64))
}
