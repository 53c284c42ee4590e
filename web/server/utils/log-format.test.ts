import { describe, expect, it } from 'vitest'
import { installLogFormat, jsonLogLine } from './log-format'

describe('web server JSON logs', () => {
  it('writes the same fields as the C++ programs, one object per line', () => {
    const line = jsonLogLine('warning', ['ts %s: %d', 'abc', 7, { a: 1 }], new Date('2026-12-03T12:00:00.123Z'))
    expect(line.endsWith('\n')).toBe(true)
    expect(line.indexOf('\n')).toBe(line.length - 1)
    const j = JSON.parse(line)
    expect(j).toMatchObject({ time: '2026-12-03T12:00:00.123000Z', level: 'warning', program: 'ink-web' })
    expect(j.message).toBe('ts abc: 7 { a: 1 }')
    expect(typeof j.thread).toBe('number')
  })

  it('escapes newlines and quotes inside the message', () => {
    const j = JSON.parse(jsonLogLine('error', ['a "b"\nc']))
    expect(j.message).toBe('a "b"\nc')
  })

  it('routes console output only in json mode', () => {
    const saved = { log: console.log, warn: console.warn, error: console.error, info: console.info, debug: console.debug }
    const lines: string[] = []
    try {
      installLogFormat('text', (l) => lines.push(l))
      expect(console.warn).toBe(saved.warn)
      installLogFormat('json', (l) => lines.push(l))
      console.warn('careful')
      console.log('hello')
      expect(lines.map((l) => JSON.parse(l).level)).toEqual(['warning', 'info'])
      expect(JSON.parse(lines[0]!).message).toBe('careful')
    } finally {
      Object.assign(console, saved)
    }
  })
})
