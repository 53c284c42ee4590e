// H of PROTOCOL.md (SHA3-256) and the root of an empty tree.
import { sha3_256 } from '@noble/hashes/sha3.js'

export function H(bytes: Uint8Array): Uint8Array {
  return sha3_256(bytes)
}

export const EMPTY_ROOT = H(new Uint8Array(0))
