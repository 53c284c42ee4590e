// Signed heads: the statement the deployment signs, and its Ed25519 signature.
import { ed25519 } from '@noble/curves/ed25519.js'
import { cbor } from './cbor'

export function headStatement(authority: string, interval: number, mth: Uint8Array): Uint8Array {
  return cbor({ authority, interval, mth, typ: 'mth', version: '1' })
}

export function verifySignature(statement: Uint8Array, signature: Uint8Array, publicKey: Uint8Array): boolean {
  try {
    return ed25519.verify(signature, statement, publicKey)
  } catch {
    return false
  }
}
