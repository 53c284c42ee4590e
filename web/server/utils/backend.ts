// Server-side reads from the backend (env INK_API_INTERNAL), used only while
// rendering; the browser always talks to same-origin /api.
export async function backendGet(path: string, timeoutMs = 2000): Promise<{ status: number; body: unknown }> {
  const base = (process.env.INK_API_INTERNAL || 'http://127.0.0.1:8081').replace(/\/+$/, '')
  try {
    const res = await fetch(base + path, { headers: { accept: 'application/json' }, signal: AbortSignal.timeout(timeoutMs) })
    const text = await res.text()
    let body: unknown = null
    try {
      body = JSON.parse(text)
    } catch {
      body = null
    }
    return { status: res.status, body }
  } catch {
    return { status: 502, body: null }
  }
}
