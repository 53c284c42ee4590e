// Same-origin calls to the service's API from the browser, with errors as
// values. Status 0 means the service could not be reached at all.
import type { ConsistencyJson, CosignedJson, HeadJson, ListedKeyJson, TimestampJson, WitnessJson } from '~~/protocol/ink'

export type ApiResult<T> = { ok: true; value: T } | { ok: false; status: number; message: string }

export async function apiJson<T>(path: string, init: RequestInit = {}): Promise<ApiResult<T>> {
  let response: Response
  try {
    response = await fetch(path, { ...init, headers: { accept: 'application/json', ...(init.headers ?? {}) } })
  } catch {
    return { ok: false, status: 0, message: '' }
  }
  let body: unknown = null
  try {
    body = await response.json()
  } catch {
    body = null
  }
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
    result = await fetchTimestamp(result.value.id, true)
  }
  return result
}

export function fetchTimestamp(id: string, wait = false): Promise<ApiResult<TimestampJson>> {
  return apiJson<TimestampJson>(`/api/v1/ts/${encodeURIComponent(id)}/${wait ? '?wait' : ''}`)
}

export function fetchHeadResult(index: number | 'current'): Promise<ApiResult<HeadJson>> {
  return apiJson<HeadJson>(`/api/v1/mth/${index}`)
}

export async function fetchHead(index: number | 'current'): Promise<HeadJson | null> {
  const r = await fetchHeadResult(index)
  return r.ok ? r.value : null
}

export function fetchConsistency(newer: number, older: number): Promise<ApiResult<ConsistencyJson>> {
  return apiJson<ConsistencyJson>(`/api/v1/mth/${newer}/from/${older}`)
}

/** GET /api/v1/keys: the log's keys, oldest first, with the transitions and revocations that link them (docs/keys.md). */
export function fetchKeys(): Promise<ApiResult<ListedKeyJson[]>> {
  return apiJson<ListedKeyJson[]>('/api/v1/keys')
}

/** GET /api/v1/witnesses: the witnesses whose cosignatures the log accepts. */
export function fetchWitnesses(): Promise<ApiResult<WitnessJson[]>> {
  return apiJson<WitnessJson[]>('/api/v1/witnesses')
}

/** GET /api/v1/mth/cosigned: the newest head with `quorum` cosignatures, and the consistency proof from head `from`. */
export function fetchCosigned(quorum: number, from: number): Promise<ApiResult<CosignedJson>> {
  return apiJson<CosignedJson>(`/api/v1/mth/cosigned?quorum=${quorum}&from=${from}`)
}

/** Saves text as a file through the browser's download. */
export function downloadText(name: string, text: string, type = 'application/json') {
  const url = URL.createObjectURL(new Blob([text], { type }))
  const a = document.createElement('a')
  a.href = url
  a.download = name
  document.body.appendChild(a)
  a.click()
  a.remove()
  setTimeout(() => URL.revokeObjectURL(url), 1000)
}
