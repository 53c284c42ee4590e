// Reads files in order, in slices, a few slices ahead of the hashing worker,
// and hands each slice over (transferred, not copied) on the port it is given.
// Reading has a thread of its own because copying a slice into an ArrayBuffer
// costs the reading thread about as much as hashing it: on one thread the two
// take turns, on two they overlap (1.4-1.5x faster: docs/performance.md).
// Messages:
//   in (from the page): { files: File[], port: MessagePort }
//   out (on the port):  { type: 'chunk', buffer } ... { type: 'end' } per file,
//                       or { type: 'error', name, message, file }
//   in (on the port):   { type: 'more' }: the hasher finished one chunk
// Each slice is its own read, so a file changed or truncated after it was
// chosen fails (NotReadableError) instead of giving a wrong fingerprint,
// which one long stream() read does not promise.
const CHUNK = 8 * 1024 * 1024
// Slices read or in flight but not yet hashed; bounds memory to ~32 MiB.
const AHEAD = 4

self.onmessage = (event: MessageEvent<{ files: File[]; port: MessagePort }>) => {
  const { files, port } = event.data
  let unhashed = 0 // slices started and not yet hashed
  let wake: (() => void) | null = null
  port.onmessage = () => {
    unhashed--
    wake?.()
    wake = null
  }

  void (async () => {
    for (const file of files) {
      // Reads are started ahead and delivered in order.
      const reads: { bytes: Promise<ArrayBuffer>; length: number }[] = []
      try {
        for (let next = 0, delivered = 0; delivered < file.size;) {
          while (next < file.size && unhashed < AHEAD) {
            const length = Math.min(CHUNK, file.size - next)
            const bytes = file.slice(next, next + length).arrayBuffer()
            bytes.catch(() => {}) // if an earlier read fails, this one's failure is not news
            reads.push({ bytes, length })
            unhashed++
            next += length
          }
          const read = reads.shift()
          if (!read) {
            // Every slice read is with the hasher: wait until it takes one.
            await new Promise<void>((resolve) => (wake = resolve))
            continue
          }
          const buffer = await read.bytes
          // A short slice would hash other bytes than the file's: never a fingerprint.
          if (buffer.byteLength !== read.length) throw new DOMException('the file changed while it was read', 'NotReadableError')
          delivered += read.length
          port.postMessage({ type: 'chunk', buffer }, [buffer])
        }
      } catch (e) {
        const error = e as Error
        port.postMessage({ type: 'error', name: error?.name ?? 'Error', message: error?.message ?? String(e), file: file.name })
        return
      }
      port.postMessage({ type: 'end' })
    }
  })()
}
