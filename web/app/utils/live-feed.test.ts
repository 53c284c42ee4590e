// The live feed with a fake WebSocket, fetch and clock: reconnecting,
// catching up on every (re)connect, filling gaps, and marking bad heads.
import { ed25519 } from '@noble/curves/ed25519.js'
import { describe, expect, it } from 'vitest'
import * as ink from '~~/protocol/ink'
import { checkHead } from './head-check'
import { createLiveFeed, reconnectDelay, type HeadCheck, type LiveState, type LiveStatus, type SocketLike } from './live-feed'

const seed = ink.fromHex('33'.repeat(32))
const keys = [ink.keyJsonOf(ed25519.getPublicKey(seed))]
const authority = 'live.example'

// A main tree of 30 genuine heads, each with its consistency proof from the one before.
const records = Array.from({ length: 30 }, (_, i) => ({ index: i, timestamp: `2026-03-01T00:00:${String(i).padStart(2, '0')}.000000Z`, ith: ink.EMPTY_ROOT }))
const ihashes = records.map(ink.ihash)
function pathOf(m: number, d: Uint8Array[]): Uint8Array[] {
  if (d.length <= 1) return []
  let k = 1
  while (k * 2 < d.length) k *= 2
  return m < k ? [...pathOf(m, d.slice(0, k)), ink.merkleRoot(d.slice(k))] : [...pathOf(m - k, d.slice(k)), ink.merkleRoot(d.slice(0, k))]
}
function proofOf(m: number, d: Uint8Array[]): Uint8Array[] {
  const sub = (m: number, d: Uint8Array[], b: boolean): Uint8Array[] => {
    if (m === d.length) return b ? [] : [ink.merkleRoot(d)]
    let k = 1
    while (k * 2 < d.length) k *= 2
    return m <= k ? [...sub(m, d.slice(0, k), b), ink.merkleRoot(d.slice(k))] : [...sub(m - k, d.slice(k), false), ink.merkleRoot(d.slice(0, k))]
  }
  return sub(m, d, true)
}
function head(i: number): ink.HeadJson {
  const leaves = ihashes.slice(0, i + 1)
  const mth = ink.merkleRoot(leaves)
  return {
    authority,
    version: '1',
    mth: ink.toBase64(mth),
    interval: { index: i, timestamp: records[i]!.timestamp, ith: ink.toBase64(ink.EMPTY_ROOT), typ: 'it', version: '1' },
    inclusion: { head: i, leaf: i, a: ink.expectedPathBits(i, i + 1).a, nodes: pathOf(i, leaves).map(ink.toBase64), version: '1' },
    consistency: i === 0 ? null : { old_interval: i - 1, new_interval: i, nodes: proofOf(i, leaves).map(ink.toBase64), version: '1' },
    signature: ink.toBase64(ed25519.sign(ink.headStatement(authority, i, mth), seed)),
    key: keys[0]!.key,
  }
}

class FakeSocket implements SocketLike {
  onopen: SocketLike['onopen'] = null
  onmessage: SocketLike['onmessage'] = null
  onclose: SocketLike['onclose'] = null
  onerror: SocketLike['onerror'] = null
  closed = false
  close() {
    if (this.closed) return
    this.closed = true
    this.onclose?.()
  }
  send(h: unknown) {
    this.onmessage?.({ data: JSON.stringify(h) })
  }
}

function setup(initial: number[] = [], current = 5) {
  const state: LiveState = {
    heads: { value: initial.map(head) },
    status: { value: 'connecting' as LiveStatus },
    clockOffset: { value: 0 },
    checks: { value: {} as Record<number, HeadCheck> },
  }
  const sockets: FakeSocket[] = []
  const fetched: (number | 'current')[] = []
  const timers: { fn: () => void; ms: number }[] = []
  const world = { current, online: true }
  const feed = createLiveFeed(state, {
    url: 'ws://test/api/v1/mth/live',
    openSocket: () => {
      const s = new FakeSocket()
      sockets.push(s)
      return s
    },
    fetchHead: async (i) => {
      fetched.push(i)
      if (!world.online) return null
      const n = i === 'current' ? world.current : i
      return n <= world.current ? head(n) : null
    },
    loadKeys: async () => ({ keys, complete: true }),
    checkHead: async (...args) => checkHead(...args),
    schedule: (fn, ms) => void timers.push({ fn, ms }),
    now: () => 1_000_000,
    random: () => 0.5,
    closedAt: () => 0,
  })
  return { state, sockets, fetched, timers, world, feed }
}
// Lets the feed's promises (fetches, key loads, checks) run to the end.
const settle = async () => {
  for (let i = 0; i < 20; i++) await new Promise((r) => setImmediate(r))
}
const indexes = (s: LiveState) => s.heads.value.map((h) => h.interval.index)

describe('live feed', () => {
  it('catches up with the current head when it connects', async () => {
    const t = setup([2, 3], 5)
    t.feed.start()
    expect(t.state.status.value).toBe('connecting')
    t.sockets[0]!.onopen!()
    expect(t.state.status.value).toBe('connected')
    await settle()
    expect(t.fetched[0]).toBe('current')
    // 5 arrived by catch-up; 4 was missing in between and was fetched to fill the gap.
    expect(indexes(t.state)).toEqual([2, 3, 4, 5])
    expect(t.fetched).toContain(4)
    expect(t.state.checks.value).toEqual({ 2: 'ok', 3: 'ok', 4: 'ok', 5: 'ok' })
  })

  it('fills a gap between live heads', async () => {
    const t = setup([5], 5)
    t.feed.start()
    t.sockets[0]!.onopen!()
    await settle()
    t.world.current = 9
    t.sockets[0]!.send(head(9))
    await settle()
    expect(indexes(t.state)).toEqual([5, 6, 7, 8, 9])
    expect(t.fetched.filter((x) => x !== 'current').sort()).toEqual([6, 7, 8])
    expect(Object.values(t.state.checks.value).every((c) => c === 'ok')).toBe(true)
  })

  it('reconnects after the connection drops, with backoff, and catches up again', async () => {
    const t = setup([5], 5)
    t.feed.start()
    t.sockets[0]!.onopen!()
    await settle()
    t.sockets[0]!.close()
    expect(t.state.status.value).toBe('reconnecting')
    expect(t.timers).toHaveLength(1)
    expect(t.timers[0]!.ms).toBe(reconnectDelay(1, 0.5))
    // While away, the service moved on to head 7.
    t.world.current = 7
    t.timers[0]!.fn()
    expect(t.sockets).toHaveLength(2)
    t.sockets[1]!.close() // the first retry fails too: the delay grows
    expect(t.timers[1]!.ms).toBeGreaterThan(t.timers[0]!.ms)
    t.timers[1]!.fn()
    t.sockets[2]!.onopen!()
    expect(t.state.status.value).toBe('connected')
    await settle()
    expect(indexes(t.state)).toEqual([5, 6, 7])
    // After a successful connect the backoff starts again from the beginning.
    t.sockets[2]!.close()
    expect(t.timers[2]!.ms).toBe(reconnectDelay(1, 0.5))
  })

  it('marks a tampered live head bad, and does not blame the next head for it', async () => {
    const t = setup([5], 5)
    t.feed.start()
    t.sockets[0]!.onopen!()
    await settle()
    const forged = head(6)
    forged.mth = ink.toBase64(ink.H(Uint8Array.of(6)))
    t.sockets[0]!.send(forged)
    await settle()
    expect(t.state.checks.value[6]).toBe('bad')
    t.sockets[0]!.send(head(7))
    await settle()
    expect(t.state.checks.value[7]).toBe('ok')
  })

  it('marks a second, different head for an interval already held as bad (a fork)', async () => {
    const t = setup([5, 6], 6)
    t.feed.start()
    t.sockets[0]!.onopen!()
    await settle()
    expect(t.state.checks.value[6]).toBe('ok')
    const other = head(6)
    other.mth = head(5).mth
    t.sockets[0]!.send(other)
    await settle()
    expect(t.state.checks.value[6]).toBe('bad')
  })

  it('marks a head whose consistency proof does not extend its predecessor as bad', async () => {
    const t = setup([5], 5)
    t.feed.start()
    t.sockets[0]!.onopen!()
    await settle()
    const h = head(6)
    h.consistency = { ...h.consistency!, nodes: [...h.consistency!.nodes].reverse() }
    t.sockets[0]!.send(h)
    await settle()
    expect(t.state.checks.value[6]).toBe('bad')
  })
})
