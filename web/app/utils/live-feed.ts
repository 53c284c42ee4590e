// The live list of heads, without Nuxt: WebSocket /api/v1/mth/live,
// reconnecting with backoff, catching up with GET /api/v1/mth/current on
// every (re)connect, filling gaps with GET /api/v1/mth/<i>, and checking
// each head in the browser. Everything it touches outside comes in `deps`,
// so it is unit-tested with a fake socket and fetch (live-feed.test.ts).
import type { HeadJson, KeyJson } from '~~/protocol/ink'

export const KEEP_HEADS = 10
export type LiveStatus = 'connecting' | 'connected' | 'reconnecting'
/** ok: checked; bad: a check failed; unchecked: the head's key is not known here yet. */
export type HeadCheck = 'ok' | 'bad' | 'unchecked'

export interface Box<T> {
  value: T
}
export interface LiveState {
  heads: Box<HeadJson[]>
  status: Box<LiveStatus>
  clockOffset: Box<number>
  checks: Box<Record<number, HeadCheck>>
}
export interface SocketLike {
  onopen: ((e?: unknown) => void) | null
  onmessage: ((e: { data: unknown }) => void) | null
  onclose: ((e?: unknown) => void) | null
  onerror: ((e?: unknown) => void) | null
  close(): void
}
export interface LiveDeps {
  url: string
  openSocket(url: string): SocketLike
  fetchHead(index: number | 'current'): Promise<HeadJson | null>
  /** The keys to check heads with; complete when they are the service's published list. */
  loadKeys(): Promise<{ keys: KeyJson[]; complete: boolean }>
  /** checkHead, maybe off the page's thread (the app runs it in a worker). */
  checkHead(head: HeadJson, prev: HeadJson | null, keys: KeyJson[], complete: boolean): Promise<HeadCheck>
  schedule(fn: () => void, ms: number): void
  now(): number
  random(): number
  /** Milliseconds since the epoch of a head's close, for the clock offset. */
  closedAt(head: HeadJson): number
}

export function mergeHead(list: HeadJson[], head: HeadJson): HeadJson[] {
  if (!head || !Number.isSafeInteger(head.interval?.index)) return list
  if (list.some((h) => h.interval.index === head.interval.index)) return list
  return [...list, head].sort((a, b) => a.interval.index - b.interval.index).slice(-KEEP_HEADS)
}

export function reconnectDelay(attempt: number, random: number): number {
  return Math.min(10_000, 500 * 2 ** Math.min(attempt, 5)) * (0.75 + random / 2)
}

export function createLiveFeed(s: LiveState, deps: LiveDeps) {
  let socket: SocketLike | null = null
  let attempt = 0
  let everConnected = false
  let stopped = false
  let lastMessage = deps.now()

  const mark = (i: number, check: HeadCheck) => {
    s.checks.value = { ...s.checks.value, [i]: check }
  }

  const checkHeads = async () => {
    let ring: { keys: KeyJson[]; complete: boolean }
    try {
      ring = await deps.loadKeys()
    } catch {
      return
    }
    const list = s.heads.value
    for (const head of list) {
      const i = head.interval.index
      if (s.checks.value[i] === 'ok' || s.checks.value[i] === 'bad') continue
      // Each head carries the proof that it extends the one before; only a
      // genuine predecessor can tell (a bad one would taint its successor).
      const prev = list.find((h) => h.interval.index === i - 1)
      const check = await deps.checkHead(head, prev && s.checks.value[i - 1] === 'ok' ? prev : null, ring.keys, ring.complete)
      // A fork seen meanwhile (add) stays marked bad.
      if ((s.checks.value[i] as HeadCheck | undefined) === 'bad') continue
      mark(i, check)
    }
  }

  const add = (head: HeadJson, live: boolean) => {
    if (!head || !Number.isSafeInteger(head.interval?.index)) return
    const i = head.interval.index
    const held = s.heads.value.find((h) => h.interval.index === i)
    // A second, different head for an interval already held is a fork: never consistent.
    if (held) {
      if (held.mth !== head.mth) mark(i, 'bad')
      return
    }
    const before = s.heads.value.at(-1)?.interval.index
    s.heads.value = mergeHead(s.heads.value, head)
    if (live && s.heads.value.at(-1) === head) s.clockOffset.value = deps.now() - deps.closedAt(head)
    if (before !== undefined && i > before + 1) void fillGap(before + 1, i - 1)
    void checkHeads()
  }

  const fillGap = async (from: number, to: number) => {
    for (let i = Math.max(from, to - KEEP_HEADS + 1); i <= to; i++) {
      const head = await deps.fetchHead(i)
      if (head) add(head, false)
    }
  }

  const catchUp = async () => {
    const current = await deps.fetchHead('current')
    if (current) add(current, false)
  }

  const scheduleReconnect = () => {
    if (stopped) return
    s.status.value = everConnected ? 'reconnecting' : 'connecting'
    attempt++
    deps.schedule(connect, reconnectDelay(attempt, deps.random()))
  }

  function connect() {
    if (stopped) return
    s.status.value = everConnected ? 'reconnecting' : 'connecting'
    try {
      socket = deps.openSocket(deps.url)
    } catch {
      scheduleReconnect()
      return
    }
    const mine = socket
    mine.onopen = () => {
      attempt = 0
      everConnected = true
      lastMessage = deps.now()
      s.status.value = 'connected'
      void catchUp()
    }
    mine.onmessage = (event) => {
      lastMessage = deps.now()
      try {
        add(JSON.parse(String(event.data)) as HeadJson, true)
      } catch {
        /* not a head: ignore */
      }
    }
    mine.onclose = () => {
      if (socket !== mine) return
      socket = null
      scheduleReconnect()
    }
    mine.onerror = () => mine.close()
  }

  return {
    start() {
      void checkHeads()
      connect()
    },
    stop() {
      stopped = true
      socket?.close()
    },
    catchUp,
    checkHeads,
    /** Milliseconds since the last frame (or connect). */
    quietFor: () => deps.now() - lastMessage,
    touch: () => {
      lastMessage = deps.now()
    },
  }
}
