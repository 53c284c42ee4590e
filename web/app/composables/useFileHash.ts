// Hashes files in a Web Worker (workers/sha512.worker.ts) with progress and
// cancel. One job at a time per caller; a new job cancels the old one.
export interface HashProgress {
  done: number
  total: number
}
export type HashOutcome =
  { ok: true; digests: string[] } | { ok: false; cancelled: true } | { ok: false; cancelled: false; name: string; message: string; file: string }

export function useFileHash() {
  const progress = ref<HashProgress | null>(null)
  let worker: Worker | null = null
  let settle: ((outcome: HashOutcome) => void) | null = null

  function cancel() {
    worker?.terminate()
    worker = null
    progress.value = null
    settle?.({ ok: false, cancelled: true })
    settle = null
  }

  function hash(files: File[]): Promise<HashOutcome> {
    cancel()
    progress.value = { done: 0, total: files.reduce((n, f) => n + f.size, 0) }
    const w = new Worker(new URL('../workers/sha512.worker.ts', import.meta.url), { type: 'module' })
    worker = w
    return new Promise<HashOutcome>((resolve) => {
      settle = resolve
      const finish = (outcome: HashOutcome) => {
        if (worker !== w) return
        w.terminate()
        worker = null
        settle = null
        progress.value = null
        resolve(outcome)
      }
      w.onmessage = (e: MessageEvent) => {
        const m = e.data
        if (worker !== w) return
        if (m.type === 'progress') progress.value = { done: m.done, total: m.total }
        else if (m.type === 'done') finish({ ok: true, digests: m.digests })
        else if (m.type === 'error') finish({ ok: false, cancelled: false, name: m.name, message: m.message, file: m.file })
      }
      w.onerror = (e) => finish({ ok: false, cancelled: false, name: 'WorkerError', message: e.message ?? '', file: '' })
      // A plain array: a reactive one cannot be cloned into the worker.
      w.postMessage({ files: [...files] })
    })
  }

  if (getCurrentInstance()) onBeforeUnmount(cancel)
  return { progress, hash, cancel }
}
