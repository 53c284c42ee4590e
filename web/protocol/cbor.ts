// Canonical CBOR as PROTOCOL.md hashes it, and the one CBOR value a reader
// meets: the [a, path] of a compact timestamp string.
import { encode as cborgEncode } from 'cborg'

/**
 * Canonical CBOR: definite lengths, shortest heads, map keys sorted by
 * encoded length then bytewise (RFC 7049 section 3.9). cborg's default map
 * sorter is exactly that length-first order. Only text, byte strings,
 * non-negative integers, arrays and string-keyed objects occur here.
 */
export function cbor(value: unknown): Uint8Array {
  return cborgEncode(value)
}

/** Reads exactly `[uint, [bytes, ...]]` in canonical form; null for anything else. */
export function readCborAPath(bytes: Uint8Array): { a: number; path: Uint8Array[] } | null {
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
