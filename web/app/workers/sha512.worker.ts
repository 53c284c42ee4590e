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
        const { done: end, value } = await reader.read()
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
