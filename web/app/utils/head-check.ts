// One head of the live list checked on its own and against the head before
// it. Apart from live-feed.ts so the page's main script does not carry the
// signature code: the app runs this in a worker (workers/head-check.worker.ts).
import type { HeadJson, KeyJson } from '~~/protocol/ink'
import { verifyHead, verifyHeadConsistency } from '~~/protocol/ink'
import type { HeadCheck } from './live-feed'

/**
 * One head's check: its own links (ihash, inclusion, signature), and that it
 * extends `prev`, the head before it, when that one is known to be genuine.
 */
export function checkHead(head: HeadJson, prev: HeadJson | null, keys: KeyJson[], complete: boolean): HeadCheck {
  const steps = verifyHead(head, keys, complete)
  if (steps.some((x) => x.status === 'fail')) return 'bad'
  if (steps.some((x) => x.status === 'unchecked')) return 'unchecked'
  if (prev && head.consistency && verifyHeadConsistency(prev.interval.index, prev.mth, head, head.consistency).status !== 'pass') return 'bad'
  return 'ok'
}
