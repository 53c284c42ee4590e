// GET /_web/mth/<i>: head i for rendering the interval page, and the newest
// head for its context. Recent heads come from Redis; older ones from the backend.
export default defineEventHandler(async (event) => {
  setHeader(event, 'cache-control', 'no-store')
  const raw = getRouterParam(event, 'index') ?? ''
  if (!/^\d{1,15}$/.test(raw)) throw createError({ statusCode: 400, statusMessage: 'interval index must be a number' })
  const index = Number(raw)
  const recent = await readRecentHeads()
  const newest = (recent.heads.at(-1) as { interval: { index: number } } | undefined) ?? null
  let head = recent.heads.find((h) => (h as { interval: { index: number } }).interval.index === index) ?? null
  let status = head ? 200 : 0
  if (!head) {
    const answer = await backendGet(`/api/v1/mth/${index}`)
    status = answer.status
    if (answer.status === 200 && answer.body && typeof answer.body === 'object') head = answer.body
  }
  let current = newest
  if (!current) {
    const answer = await backendGet('/api/v1/mth/current')
    if (answer.status === 200) current = answer.body as typeof newest
  }
  return { index, head, status, current }
})
