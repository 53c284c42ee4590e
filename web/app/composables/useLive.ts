// The newest heads: first from the server render (Redis `recent-mth`), then
// live (utils/live-feed.ts) once the page is interactive.
import type { HeadJson, KeyJson } from '~~/protocol/ink'
import { createLiveFeed, type HeadCheck, type LiveStatus, type SocketLike } from '~/utils/live-feed'
import { tsMillis } from '~/utils/format'

export function useLiveState() {
  return {
    heads: useState<HeadJson[]>('live-heads', () => []),
    status: useState<LiveStatus>('live-status', () => 'connecting'),
    note: useState<string | null>('live-note', () => null),
    /** Seconds per interval as configured on the server (INK_INTERVAL), a fallback for the estimate. */
    configuredInterval: useState<number>('live-interval', () => 2),
    /** Local clock minus server clock, in ms, as seen when heads arrive. */
    clockOffset: useState<number>('live-offset', () => 0),
    checks: useState<Record<number, HeadCheck>>('live-checks', () => ({})),
  }
}

/** Interval length in ms: the median gap between the newest heads, else the configured one. */
export function intervalMillis(heads: HeadJson[], fallbackSeconds: number): number {
  const gaps: number[] = []
  for (let i = 1; i < heads.length; i++) {
    const a = heads[i - 1]!
    const b = heads[i]!
    if (b.interval.index === a.interval.index + 1) gaps.push(tsMillis(b.interval.timestamp) - tsMillis(a.interval.timestamp))
  }
  const valid = gaps.filter((g) => g > 0 && Number.isFinite(g)).sort((x, y) => x - y)
  return valid.length ? valid[Math.floor(valid.length / 2)]! : fallbackSeconds * 1000
}

let started = false

/** checkHead in a worker (one for the page), falling back to this thread where workers fail. */
function headChecker(): (head: HeadJson, prev: HeadJson | null, keys: KeyJson[], complete: boolean) => Promise<HeadCheck> {
  let worker: Worker | null = null
  try {
    worker = new Worker(new URL('../workers/head-check.worker.ts', import.meta.url), { type: 'module' })
  } catch {
    worker = null
  }
  if (!worker) return async (...args) => (await import('~/utils/head-check')).checkHead(...args)
  const waiting = new Map<number, (check: HeadCheck) => void>()
  let next = 0
  worker.onmessage = (e: MessageEvent<{ id: number; check: HeadCheck }>) => {
    waiting.get(e.data.id)?.(e.data.check)
    waiting.delete(e.data.id)
  }
  const w = worker
  // Plain copies: reactive objects cannot be cloned into a worker.
  const plain = <T>(v: T): T => JSON.parse(JSON.stringify(v))
  return (head, prev, keys, complete) =>
    new Promise((resolve) => {
      const id = next++
      waiting.set(id, resolve)
      w.postMessage({ id, head: plain(head), prev: plain(prev), keys: plain(keys), complete })
    })
}

/** Starts the live connection once per page load (browser only). */
export function startLive() {
  if (started || import.meta.server) return
  started = true
  const s = useLiveState()
  const keys = useKeys()
  const feed = createLiveFeed(s, {
    url: `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/api/v1/mth/live`,
    openSocket: (url) => new WebSocket(url) as unknown as SocketLike,
    fetchHead,
    loadKeys: () => keys.load(),
    checkHead: headChecker(),
    schedule: (fn, ms) => void setTimeout(fn, ms),
    now: () => Date.now(),
    random: Math.random,
    closedAt: (head) => tsMillis(head.interval.timestamp),
  })
  // A connection that stays silent for many intervals may be half-dead: ask directly.
  setInterval(() => {
    if (s.status.value === 'connected' && feed.quietFor() > 5 * intervalMillis(s.heads.value, s.configuredInterval.value) + 5000) {
      feed.touch()
      void feed.catchUp()
    }
  }, 5000)
  document.addEventListener('visibilitychange', () => {
    if (document.visibilityState === 'visible' && s.status.value === 'connected') void feed.catchUp()
  })
  feed.start()
}
