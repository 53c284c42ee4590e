// A clock that ticks while some component shows it (browser only).
let timer: ReturnType<typeof setInterval> | null = null
let users = 0

export function useNow() {
  const now = useState<number>('now', () => Date.now())
  if (import.meta.client) {
    onMounted(() => {
      users++
      if (!timer)
        timer = setInterval(() => {
          now.value = Date.now()
        }, 250)
    })
    onBeforeUnmount(() => {
      users--
      if (users === 0 && timer) {
        clearInterval(timer)
        timer = null
      }
    })
  }
  return now
}

/** Where we stand in the current interval: ms left and fraction done, or null before any head. */
export function useCountdown() {
  const s = useLiveState()
  const now = useNow()
  return computed(() => {
    const last = s.heads.value.at(-1)
    if (!last) return null
    const length = intervalMillis(s.heads.value, s.configuredInterval.value)
    const closedLocal = tsMillis(last.interval.timestamp) + s.clockOffset.value
    const elapsed = now.value - closedLocal
    // A head a little late still counts down from the last one; a long silence is shown as due.
    if (elapsed > 3 * length) return { left: 0, fraction: 1, length, due: true }
    const into = ((elapsed % length) + length) % length
    return { left: length - into, fraction: into / length, length, due: false }
  })
}
