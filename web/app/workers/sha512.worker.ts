// SHA-512 of files, streamed off the page's thread (hash-wasm's
// WebAssembly SHA-512), so a file of any size is hashed without reading it
// whole into memory and the page stays responsive. Messages:
//   in:  { files: File[] }
//   out: { type: 'progress', done, total } ... then { type: 'done', digests: hex[] }
//        or { type: 'error', name, message, file }
import { createSHA512 } from 'hash-wasm'

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
      // The browser keeps reading into the stream's queue while this thread
      // hashes, so reading and hashing overlap.
      const reader = file.stream().getReader()
      for (;;) {
        let chunk: ReadableStreamReadResult<Uint8Array>
        try {
          chunk = await reader.read()
        } catch (e) {
          // Chromium reports a file that changed or vanished after it was chosen as a
          // NotReadableError from slice() but a TypeError ("network error") from a stream.
          throw Object.assign(new Error((e as Error)?.message ?? String(e)), { name: 'NotReadableError' })
        }
        const { done: end, value } = chunk
        if (end) break
        hasher.update(value)
        done += value.length
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
