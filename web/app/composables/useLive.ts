// The newest heads: first from the server render (Redis `recent-mth`), then
// live over the WebSocket /api/v1/mth/live, reconnecting on loss and
// catching up missed heads with GET /api/v1/mth/<i>.
import type { HeadJson, KeyJson } from '~~/protocol/ink'
import { verifyHead, verifyHeadConsistency } from '~~/protocol/ink'
import { tsMillis } from './format'

export const KEEP_HEADS = 10
export type LiveStatus = 'connecting' | 'connected' | 'reconnecting'
export type HeadCheck = 'ok' | 'bad'

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

export function mergeHead(list: HeadJson[], head: HeadJson): HeadJson[] {
  if (!head || !Number.isSafeInteger(head.interval?.index)) return list
  if (list.some((h) => h.interval.index === head.interval.index)) return list
  return [...list, head].sort((a, b) => a.interval.index - b.interval.index).slice(-KEEP_HEADS)
}

let keysPromise: Promise<KeyJson[]> | null = null
/** The service's public keys, fetched once (again when a head names an unknown key). */
export function loadKeys(refresh = false): Promise<KeyJson[]> {
  if (!keysPromise || refresh) {
    keysPromise = fetch('/api/v1/keys', { headers: { accept: 'application/json' } })
      .then((r) => (r.ok ? r.json() : Promise.reject(new Error(String(r.status)))))
      .then((k) => (Array.isArray(k) ? k : []))
      .catch((e) => { keysPromise = null; throw e })
  }
  return keysPromise
}

export async function fetchHead(index: number | 'current'): Promise<HeadJson | null> {
  try {
    const r = await fetch(`/api/v1/mth/${index}`, { headers: { accept: 'application/json' } })
    return r.ok ? ((await r.json()) as HeadJson) : null
  } catch {
    return null
  }
}

let started = false

/** Starts the live connection once per page load (browser only). */
export function startLive() {
  if (started || import.meta.server) return
  started = true
  const s = useLiveState()
  let socket: WebSocket | null = null
  let attempt = 0
  let everConnected = false
  let lastMessage = Date.now()

  const checkHeads = async () => {
    let keys: KeyJson[]
    try { keys = await loadKeys() } catch { return }
    const list = s.heads.value
    for (const head of list) {
      const i = head.interval.index
      if (s.checks.value[i]) continue
      if (!keys.some((k) => k.key === head.key)) {
        try { keys = await loadKeys(true) } catch { /* keep the old list */ }
      }
      let ok = verifyHead(head, keys).every((step) => step.status === 'pass')
      // Each head carries the proof that it extends the one before it.
      const prev = list.find((h) => h.interval.index === i - 1)
      if (ok && prev && head.consistency) ok = verifyHeadConsistency(i - 1, prev.mth, head, head.consistency).status === 'pass'
      s.checks.value = { ...s.checks.value, [i]: ok ? 'ok' : 'bad' }
    }
  }

  const add = (head: HeadJson, live: boolean) => {
    const before = s.heads.value.at(-1)?.interval.index
    s.heads.value = mergeHead(s.heads.value, head)
    if (live && s.heads.value.at(-1) === head) s.clockOffset.value = Date.now() - tsMillis(head.interval.timestamp)
    if (before !== undefined && head.interval.index > before + 1) void fillGap(before + 1, head.interval.index - 1)
    void checkHeads()
  }

  const fillGap = async (from: number, to: number) => {
    for (let i = Math.max(from, to - KEEP_HEADS + 1); i <= to; i++) {
      const head = await fetchHead(i)
      if (head) add(head, false)
    }
  }

  const catchUp = async () => {
    const current = await fetchHead('current')
    if (current) add(current, false)
  }

  const connect = () => {
    s.status.value = everConnected ? 'reconnecting' : 'connecting'
    const url = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/api/v1/mth/live`
    try {
      socket = new WebSocket(url)
    } catch {
      scheduleReconnect()
      return
    }
    socket.onopen = () => {
      attempt = 0
      everConnected = true
      lastMessage = Date.now()
      s.status.value = 'connected'
      s.note.value = null
      void catchUp()
    }
    socket.onmessage = (event) => {
      lastMessage = Date.now()
      try {
        add(JSON.parse(String(event.data)) as HeadJson, true)
      } catch { /* not a head: ignore */ }
    }
    socket.onclose = () => {
      socket = null
      scheduleReconnect()
    }
    socket.onerror = () => socket?.close()
  }

  const scheduleReconnect = () => {
    s.status.value = everConnected ? 'reconnecting' : 'connecting'
    attempt++
    const delay = Math.min(10_000, 500 * 2 ** Math.min(attempt, 5)) * (0.75 + Math.random() / 2)
    setTimeout(connect, delay)
  }

  // A connection that stays silent for many intervals may be half-dead: ask directly.
  setInterval(() => {
    const quiet = Date.now() - lastMessage
    if (s.status.value === 'connected' && quiet > 5 * intervalMillis(s.heads.value, s.configuredInterval.value) + 5000) {
      lastMessage = Date.now()
      void catchUp()
    }
  }, 5000)
  document.addEventListener('visibilitychange', () => {
    if (document.visibilityState === 'visible' && s.status.value === 'connected') void catchUp()
  })

  void checkHeads()
  connect()
}
