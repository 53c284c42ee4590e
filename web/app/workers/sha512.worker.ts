// SHA-512 of files (hash-wasm's WebAssembly SHA-512), off the page's thread,
// fed slice by slice by workers/file-reader.worker.ts over a MessagePort, so
// a file of any size is hashed without being held in memory and the page
// stays responsive. Messages:
//   in:  { sizes: number[], port: MessagePort } (the reader's other end)
//   out: { type: 'progress', done, total } ... then { type: 'done', digests: hex[] }
//        or { type: 'error', name, message, file }
import { createSHA512 } from 'hash-wasm'

self.onmessage = async (event: MessageEvent<{ sizes: number[]; port: MessagePort }>) => {
  const { sizes, port } = event.data
  const total = sizes.reduce((n, size) => n + size, 0)
  const hasher = await createSHA512()
  hasher.init()
  const digests: string[] = []
  let done = 0
  let lastReport = 0
  // Chunks sent before the hasher was ready have waited in the port: it
  // starts delivering when onmessage is set.
  port.onmessage = (e: MessageEvent) => {
    const m = e.data
    if (m.type === 'chunk') {
      hasher.update(new Uint8Array(m.buffer))
      port.postMessage({ type: 'more' })
      done += m.buffer.byteLength
      const now = performance.now()
      if (now - lastReport > 100) {
        lastReport = now
        self.postMessage({ type: 'progress', done, total })
      }
    } else if (m.type === 'end') {
      digests.push(hasher.digest('hex'))
      hasher.init()
      if (digests.length === sizes.length) {
        self.postMessage({ type: 'progress', done, total })
        self.postMessage({ type: 'done', digests })
      }
    } else if (m.type === 'error') {
      self.postMessage(m)
    }
  }
  if (sizes.length === 0) self.postMessage({ type: 'done', digests })
}
