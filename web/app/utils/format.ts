// Small display helpers shared by the pages.
import { fromBase64, toBase64Url, toHex } from '~~/protocol/encoding'
import { isEmptyInterval, type HeadJson } from '~~/protocol/records'

/** `2026-11-28T12:00:00.000001Z` -> `2026-11-28 12:00:00.000001` */
export function utcText(ts: string): string {
  return ts.replace('T', ' ').replace('Z', '')
}

/** Clock readings carry microseconds; Date keeps milliseconds, enough for display and countdowns. */
export function tsMillis(ts: string): number {
  return Date.parse(ts.slice(0, 23) + 'Z')
}

export function localText(ts: string, locale: string): string {
  const ms = tsMillis(ts)
  if (Number.isNaN(ms)) return ts
  return new Date(ms).toLocaleString(locale === 'de' ? 'de-DE' : 'en-GB', { dateStyle: 'medium', timeStyle: 'medium' })
}

export function timeOfDay(ts: string): string {
  return ts.slice(11, 23)
}

export function b64ToHex(b64: string): string {
  try {
    return toHex(fromBase64(b64))
  } catch {
    return ''
  }
}

export function b64ToUrl(b64: string): string {
  try {
    return toBase64Url(fromBase64(b64))
  } catch {
    return ''
  }
}

/** Number of ts in a head's interval, when known: an extra field, or 0 for ith = H(""). */
export function tsCountOf(head: HeadJson): number | null {
  const extra = (head as Record<string, unknown>).ts_count ?? (head.interval as unknown as Record<string, unknown>).ts_count
  if (typeof extra === 'number') return extra
  return isEmptyInterval(head.interval.ith) ? 0 : null
}
