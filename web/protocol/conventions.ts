// Client conventions of PROTOCOL.md: the `data` string of a text, of one
// file and of several files. Large files are hashed in a streaming worker
// (app/workers/); these take bytes already in memory, or finished digests.
import { toHex, utf8 } from './encoding'

async function sha512Hex(bytes: Uint8Array): Promise<string> {
  const digest = await globalThis.crypto.subtle.digest('SHA-512', bytes as BufferSource)
  return toHex(new Uint8Array(digest))
}

/** `sha512:<hex>` from a finished SHA-512 digest in hex. */
export function dataForDigest(sha512hex: string): string {
  return `sha512:${sha512hex.toLowerCase()}`
}

/** The `data` string for a text: sha512 of its UTF-8 bytes. */
export async function dataForText(text: string): Promise<string> {
  return dataForDigest(await sha512Hex(utf8.encode(text)))
}

/** The `data` string for one file's bytes. */
export async function dataForFile(content: Uint8Array): Promise<string> {
  return dataForDigest(await sha512Hex(content))
}

/** Several files: per-file strings sorted, joined as `["s1", "s2"]`, stamped as a text. */
export function combinedFilesText(perFile: string[]): string {
  return `[${[...perFile]
    .sort()
    .map((s) => `"${s}"`)
    .join(', ')}]`
}

/** One file is its own string; several are combined as a text. */
export async function dataForPerFile(perFile: string[]): Promise<string> {
  if (perFile.length === 1) return perFile[0]!
  return dataForText(combinedFilesText(perFile))
}

export async function dataForFiles(contents: Uint8Array[]): Promise<string> {
  return dataForPerFile(await Promise.all(contents.map(dataForFile)))
}
