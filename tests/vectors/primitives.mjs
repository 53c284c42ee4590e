// What the vector generators share: SHA3-256, base64, canonical CBOR and
// Ed25519 keys from fixed seeds, with Node's crypto only (no packages), so
// the vectors never depend on the code they check.
import { createHash, createPrivateKey, createPublicKey } from 'node:crypto'

export const H = (bytes) => createHash('sha3-256').update(bytes).digest()
export const b64 = (bytes) => Buffer.from(bytes).toString('base64')

// Canonical CBOR for text, bytes, unsigned integers, arrays and text-keyed
// maps; keys sorted by encoded length, then bytewise (RFC 7049 3.9).
function cborHead(major, n) {
  if (n < 24) return Buffer.from([(major << 5) | n])
  if (n < 0x100) return Buffer.from([(major << 5) | 24, n])
  if (n < 0x10000) return Buffer.from([(major << 5) | 25, n >> 8, n & 255])
  if (n < 0x100000000) {
    const b = Buffer.alloc(5)
    b[0] = (major << 5) | 26
    b.writeUInt32BE(n, 1)
    return b
  }
  const b = Buffer.alloc(9)
  b[0] = (major << 5) | 27
  b.writeBigUInt64BE(BigInt(n), 1)
  return b
}
export function cbor(value) {
  if (typeof value === 'number') return cborHead(0, value)
  if (typeof value === 'string') {
    const t = Buffer.from(value, 'utf8')
    return Buffer.concat([cborHead(3, t.length), t])
  }
  if (value instanceof Uint8Array) return Buffer.concat([cborHead(2, value.length), value])
  if (Array.isArray(value)) return Buffer.concat([cborHead(4, value.length), ...value.map(cbor)])
  const entries = Object.entries(value)
    .map(([k, v]) => [cbor(k), cbor(v)])
    .sort(([a], [b]) => a.length - b.length || Buffer.compare(a, b))
  return Buffer.concat([cborHead(5, entries.length), ...entries.flat()])
}

// Ed25519 from a fixed 32-byte seed (PKCS#8 wrapping of RFC 8410).
export function keyFromSeed(seedHex) {
  const privateKey = createPrivateKey({
    key: Buffer.concat([Buffer.from('302e020100300506032b657004220420', 'hex'), Buffer.from(seedHex, 'hex')]),
    format: 'der',
    type: 'pkcs8',
  })
  const raw = createPublicKey(privateKey).export({ format: 'der', type: 'spki' }).subarray(12)
  return { privateKey, raw, id: H(raw).subarray(0, 8).toString('hex') }
}
