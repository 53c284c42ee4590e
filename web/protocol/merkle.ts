// RFC 6962 trees with H, the protocol's (a, path) inclusion encoding and
// RFC 9162 consistency verification.
import { concat, bytesEqual } from './encoding'
import { EMPTY_ROOT, H } from './hash'

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
  let a = 0
  for (let j = 0; j < levels.length; j++) if (levels[levels.length - 1 - j]) a += 2 ** j
  return { a, length: levels.length }
}

/**
 * RFC 9162 section 2.1.4.2: is a tree of `oldSize` with root `oldRoot` a
 * prefix of the tree of `newSize` with root `newRoot`? Sizes are leaf counts.
 */
export function verifyConsistency(oldSize: number, newSize: number, oldRoot: Uint8Array, newRoot: Uint8Array, proof: Uint8Array[]): boolean {
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
      while (fn % 2 === 0 && fn !== 0) {
        fn = Math.floor(fn / 2)
        sn = Math.floor(sn / 2)
      }
    } else {
      sr = nodeHash(sr, c)
    }
    fn = Math.floor(fn / 2)
    sn = Math.floor(sn / 2)
  }
  return sn === 0 && bytesEqual(fr, oldRoot) && bytesEqual(sr, newRoot)
}
