// Hashes files in Web Workers with progress and cancel: one reads the files
// (workers/file-reader.worker.ts), one hashes (workers/sha512.worker.ts),
// joined by a MessageChannel so reading and hashing overlap. One job at a
// time per caller; a new job cancels the old one.
export interface HashProgress {
  done: number
  total: number
}
export type HashOutcome =
  { ok: true; digests: string[] } | { ok: false; cancelled: true } | { ok: false; cancelled: false; name: string; message: string; file: string }

export function useFileHash() {
  const progress = ref<HashProgress | null>(null)
  // The running job's two workers (hasher, reader); null when none runs.
  let job: Worker[] | null = null
  let settle: ((outcome: HashOutcome) => void) | null = null

  function stop() {
    job?.forEach((w) => w.terminate())
    job = null
    progress.value = null
  }

  function cancel() {
    stop()
    settle?.({ ok: false, cancelled: true })
    settle = null
  }

  function hash(files: File[]): Promise<HashOutcome> {
    cancel()
    progress.value = { done: 0, total: files.reduce((n, f) => n + f.size, 0) }
    const w = new Worker(new URL('../workers/sha512.worker.ts', import.meta.url), { type: 'module' })
    const r = new Worker(new URL('../workers/file-reader.worker.ts', import.meta.url), { type: 'module' })
    const mine = [w, r]
    job = mine
    return new Promise<HashOutcome>((resolve) => {
      settle = resolve
      const finish = (outcome: HashOutcome) => {
        if (job !== mine) return
        stop()
        settle = null
        resolve(outcome)
      }
      w.onmessage = (e: MessageEvent) => {
        const m = e.data
        if (job !== mine) return
        if (m.type === 'progress') progress.value = { done: m.done, total: m.total }
        else if (m.type === 'done') finish({ ok: true, digests: m.digests })
        else if (m.type === 'error') finish({ ok: false, cancelled: false, name: m.name, message: m.message, file: m.file })
      }
      const failed = (e: ErrorEvent) => finish({ ok: false, cancelled: false, name: 'WorkerError', message: e.message ?? '', file: '' })
      w.onerror = failed
      r.onerror = failed
      const channel = new MessageChannel()
      // A plain array: a reactive one cannot be cloned into the worker.
      r.postMessage({ files: [...files], port: channel.port1 }, [channel.port1])
      w.postMessage({ sizes: files.map((f) => f.size), port: channel.port2 }, [channel.port2])
    })
  }

  if (getCurrentInstance()) onBeforeUnmount(cancel)
  return { progress, hash, cancel }
}
