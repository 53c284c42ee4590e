// INK_LOG_FORMAT=json for the web server, as for ink-backend and ink-worker
// (docs/operations.md, "Logs"): one JSON object per line with the same
// fields. The default (text) leaves the console as it is.
import { format } from 'node:util'

export type LogLevel = 'debug' | 'info' | 'warning' | 'error'

/** One log line: {"time","level","program","thread","message"}, newline-terminated. */
export function jsonLogLine(level: LogLevel, args: unknown[], now: Date = new Date()): string {
  // Microseconds, as the C++ programs write them (JavaScript has milliseconds).
  const time = now.toISOString().replace(/\.(\d{3})Z$/, '.$1000Z')
  return JSON.stringify({ time, level, program: 'ink-web', thread: process.pid, message: format(...args) }) + '\n'
}

/** Routes console.* to JSON lines on stderr when `mode` is "json". */
export function installLogFormat(mode: string | undefined, write: (line: string) => void = (l) => process.stderr.write(l)) {
  if (mode !== 'json') return
  const levels: [keyof Console, LogLevel][] = [
    ['debug', 'debug'],
    ['log', 'info'],
    ['info', 'info'],
    ['warn', 'warning'],
    ['error', 'error'],
  ]
  for (const [method, level] of levels) {
    ;(console as unknown as Record<string, unknown>)[method] = (...args: unknown[]) => write(jsonLogLine(level, args))
  }
}
