// GET /_web/recent: the newest heads from Redis for the first paint.
export default defineEventHandler(async (event) => {
  setHeader(event, 'cache-control', 'no-store')
  const recent = await readRecentHeads()
  const interval = Number(process.env.INK_INTERVAL)
  return { ...recent, interval: interval > 0 ? interval : 2, now: Date.now() }
})
