// Reads the newest heads for server-side rendering from Redis key
// `recent-mth` (JSON array, oldest first). Fails soft: when Redis is down or
// the value is unreadable the page renders with an empty list and a note.
import Redis from 'ioredis'

let client: Redis | null = null

function redis(): Redis {
  if (!client) {
    client = new Redis(process.env.REDIS_URL || 'redis://127.0.0.1:6379', {
      lazyConnect: false,
      connectTimeout: 1000,
      maxRetriesPerRequest: 1,
      // Keep trying in the background; requests in between fail fast below.
      retryStrategy: (times) => Math.min(times * 200, 2000),
    })
    // Without a listener ioredis would report every failed reconnect loudly.
    client.on('error', () => {})
  }
  return client
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('timeout')), ms)
    promise.then(
      (v) => {
        clearTimeout(timer)
        resolve(v)
      },
      (e) => {
        clearTimeout(timer)
        reject(e)
      },
    )
  })
}

export interface RecentHeads {
  heads: unknown[]
  /** Why the list is empty, when it is not simply because no head exists yet. */
  error: 'redis_unavailable' | 'bad_value' | null
}

export async function readRecentHeads(): Promise<RecentHeads> {
  let raw: string | null
  const r = redis()
  // Known to be down: answer at once instead of holding every page for the timeout.
  if (r.status === 'reconnecting' || r.status === 'close' || r.status === 'end') return { heads: [], error: 'redis_unavailable' }
  try {
    raw = await withTimeout(r.get('recent-mth'), 800)
  } catch {
    return { heads: [], error: 'redis_unavailable' }
  }
  if (raw === null) return { heads: [], error: null }
  try {
    const value = JSON.parse(raw)
    if (!Array.isArray(value)) return { heads: [], error: 'bad_value' }
    const heads = value.filter((h) => h && typeof h === 'object' && Number.isSafeInteger(h.interval?.index))
    heads.sort((a, b) => a.interval.index - b.interval.index)
    return { heads, error: null }
  } catch {
    return { heads: [], error: 'bad_value' }
  }
}
