// Same-origin calls to the service's API from the browser, with errors as values.
import type { TimestampJson } from '~~/protocol/ink'

export type ApiResult<T> = { ok: true; value: T } | { ok: false; status: number; message: string }

export async function apiJson<T>(path: string, init: RequestInit = {}): Promise<ApiResult<T>> {
  let response: Response
  try {
    response = await fetch(path, { ...init, headers: { accept: 'application/json', ...(init.headers ?? {}) } })
  } catch {
    return { ok: false, status: 0, message: '' }
  }
  let body: unknown = null
  try { body = await response.json() } catch { body = null }
  if (!response.ok) {
    const b = body as { error?: string; message?: string } | null
    return { ok: false, status: response.status, message: b?.message ?? b?.error ?? response.statusText }
  }
  return { ok: true, value: body as T }
}

/** POST /api/v1/ts/?wait; if the hold ran out before the proof, asks again with GET ...?wait. */
export async function stampData(data: string, onAccepted?: (answer: TimestampJson) => void): Promise<ApiResult<TimestampJson>> {
  let result = await apiJson<TimestampJson>('/api/v1/ts/?wait', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ data }),
  })
  for (let tries = 0; result.ok && !result.value.proof && tries < 5; tries++) {
    onAccepted?.(result.value)
    result = await apiJson<TimestampJson>(`/api/v1/ts/${encodeURIComponent(result.value.id)}/?wait`)
  }
  return result
}
