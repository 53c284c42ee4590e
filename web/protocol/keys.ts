// Public keys: key ids, and reading the keys a user gives (the JSON `ink key`
// prints, a PEM public key, or the raw key as base64 or hex).
import { bytesEqual, fromBase64, fromHex, toBase64, toHex } from './encoding'
import { H } from './hash'

export interface KeyJson {
  key: string
  public_key: string
  algorithm: string
}

/** Key id: first 8 bytes of H(raw public key), lower-case hex. */
export function keyId(publicKey: Uint8Array): string {
  return toHex(H(publicKey).slice(0, 8))
}

export function keyJsonOf(publicKey: Uint8Array): KeyJson {
  return { key: keyId(publicKey), public_key: toBase64(publicKey), algorithm: 'ed25519' }
}

// SubjectPublicKeyInfo of an Ed25519 key (RFC 8410): this prefix, then the 32 key bytes.
const SPKI_ED25519 = fromHex('302a300506032b6570032100')

export type KeyFileResult = { ok: true; keys: KeyJson[] } | { ok: false; reason: string }

/**
 * Reads keys a user gives. Every key's id is recomputed from its bytes: a
 * listed id that does not belong to its public key is refused, since a
 * signature check trusts the id.
 */
export function parseKeyFile(text: string): KeyFileResult {
  const trimmed = text.trim()
  if (!trimmed) return { ok: false, reason: 'empty' }
  if (trimmed.startsWith('-----BEGIN')) {
    const keys: KeyJson[] = []
    for (const m of trimmed.matchAll(/-----BEGIN PUBLIC KEY-----([\s\S]*?)-----END PUBLIC KEY-----/g)) {
      let der: Uint8Array
      try {
        der = fromBase64(m[1]!.replace(/\s+/g, ''))
      } catch {
        return { ok: false, reason: 'pem_not_base64' }
      }
      if (der.length !== 44 || !bytesEqual(der.slice(0, 12), SPKI_ED25519)) return { ok: false, reason: 'pem_not_ed25519' }
      keys.push(keyJsonOf(der.slice(12)))
    }
    return keys.length ? { ok: true, keys } : { ok: false, reason: 'pem_no_key' }
  }
  if (trimmed.startsWith('[') || trimmed.startsWith('{')) {
    let value: unknown
    try {
      value = JSON.parse(trimmed)
    } catch {
      return { ok: false, reason: 'not_json' }
    }
    const list = Array.isArray(value) ? value : [value]
    const keys: KeyJson[] = []
    for (const entry of list as Partial<KeyJson>[]) {
      if (entry?.algorithm !== 'ed25519') return { ok: false, reason: 'not_ed25519' }
      let raw: Uint8Array
      try {
        raw = fromBase64(String(entry.public_key))
      } catch {
        return { ok: false, reason: 'not_base64' }
      }
      if (raw.length !== 32) return { ok: false, reason: 'wrong_length' }
      if (entry.key !== keyId(raw)) return { ok: false, reason: 'key_id_differs' }
      keys.push(keyJsonOf(raw))
    }
    return keys.length ? { ok: true, keys } : { ok: false, reason: 'no_keys' }
  }
  let raw: Uint8Array | null = null
  if (/^[0-9a-fA-F]{64}$/.test(trimmed)) raw = fromHex(trimmed)
  else {
    try {
      raw = fromBase64(trimmed)
    } catch {
      raw = null
    }
  }
  if (!raw || raw.length !== 32) return { ok: false, reason: 'unknown_form' }
  return { ok: true, keys: [keyJsonOf(raw)] }
}
