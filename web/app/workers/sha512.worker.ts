// SHA-512 of files, read in chunks off the page's thread (hash-wasm's
// WebAssembly SHA-512), so a file of any size is hashed without reading it
// whole into memory and the page stays responsive. Messages:
//   in:  { files: File[] }
//   out: { type: 'progress', done, total } ... then { type: 'done', digests: hex[] }
//        or { type: 'error', name, message, file }
import { createSHA512 } from 'hash-wasm'

const CHUNK = 8 * 1024 * 1024

function readChunk(file: File, offset: number): Promise<Uint8Array> {
  const read = file
    .slice(offset, Math.min(file.size, offset + CHUNK))
    .arrayBuffer()
    .then((b) => new Uint8Array(b))
  // Read ahead: if hashing stops before this chunk is awaited, its failure is not news.
  read.catch(() => {})
  return read
}

self.onmessage = async (event: MessageEvent<{ files: File[] }>) => {
  const files = event.data.files
  const total = files.reduce((n, f) => n + f.size, 0)
  let done = 0
  let lastReport = 0
  const digests: string[] = []
  const hasher = await createSHA512()
  for (const file of files) {
    hasher.init()
    try {
      // Chunks by slice(): each read checks that the file is still the one
      // chosen, so a file changed meanwhile fails (NotReadableError) instead of
      // giving a wrong fingerprint, which one long stream() read does not
      // promise. The next chunk is read while this one is hashed.
      let next = readChunk(file, 0)
      for (let offset = 0; offset < file.size; offset += CHUNK) {
        const chunk = await next
        if (offset + CHUNK < file.size) next = readChunk(file, offset + CHUNK)
        hasher.update(chunk)
        done += chunk.length
        const now = performance.now()
        if (now - lastReport > 100) {
          lastReport = now
          self.postMessage({ type: 'progress', done, total })
        }
      }
    } catch (e) {
      const error = e as Error
      self.postMessage({ type: 'error', name: error?.name ?? 'Error', message: error?.message ?? String(e), file: file.name })
      return
    }
    digests.push(hasher.digest('hex'))
  }
  self.postMessage({ type: 'progress', done, total })
  self.postMessage({ type: 'done', digests })
}
