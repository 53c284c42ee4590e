// Large files are hashed in a Web Worker, streamed in chunks: a sparse file
// above 4 GiB gives sha512sum's digest, with a percentage on the way and the
// page responsive; hashing can be cancelled; an unreadable file says so.
import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { closeSync, mkdtempSync, openSync, rmSync, truncateSync, writeSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { after, before, test } from 'node:test'
import { promisify } from 'node:util'
import { BASE, newPage, shot, useBrowser } from './browser.mjs'

useBrowser()
const run = promisify(execFile)
let dir
before(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'ink-e2e-large-'))
})
after(() => rmSync(dir, { recursive: true, force: true }))

/** A sparse file of `size` bytes with a few marks, some beyond 4 GiB (no 32-bit offsets hide there). */
function sparseFile(name, size) {
  const file = path.join(dir, name)
  const fd = openSync(file, 'w')
  truncateSync(file, size)
  for (const offset of [0, 1_000_003, 2 ** 32 - 3, 2 ** 32 + 12_345, size - 7]) {
    if (offset >= 0 && offset + 5 <= size) writeSync(fd, Buffer.from('mark!'), 0, 5, offset)
  }
  closeSync(fd)
  return file
}

test("a file above 4 GiB: the worker's fingerprint equals sha512sum, with progress and a responsive page", { timeout: 600_000 }, async () => {
  const size = 4 * 2 ** 30 + 2 ** 20 + 17
  const file = sparseFile('big.bin', size)
  // Before, not alongside (the two would share this machine's cores): sha512sum
  // also brings the file into the page cache, as a file just written is, so the
  // figure printed below is the browser's rate, not the kernel's zero-filling
  // of a fresh sparse file.
  const { stdout } = await run('sha512sum', [file], { maxBuffer: 1 << 20 })
  const { page, context, errors } = await newPage()
  await page.goto(`${BASE}/`)
  await page.click('[data-testid="stamp-tab-files"]')
  // Watch the main thread while the worker hashes: the longest gap between animation frames, and the percentages shown.
  await page.evaluate(() => {
    window.__frames = { last: performance.now(), maxGap: 0, percents: new Set() }
    const tick = () => {
      const now = performance.now()
      window.__frames.maxGap = Math.max(window.__frames.maxGap, now - window.__frames.last)
      window.__frames.last = now
      const p = document.querySelector('[data-testid="stamp-progress"]')?.dataset.percent
      if (p !== undefined) window.__frames.percents.add(Number(p))
      if (!window.__frames.done) requestAnimationFrame(tick)
    }
    requestAnimationFrame(tick)
  })
  const started = Date.now()
  await page.setInputFiles('[data-testid="stamp-files"]', file)
  await page.waitForSelector('[data-testid="stamp-progress"]')
  await shot(page, 'hashing-progress')
  await page.waitForFunction(() => document.querySelector('[data-testid="stamp-data"] code')?.textContent?.startsWith('sha512:'), null, { timeout: 600_000 })
  const seconds = (Date.now() - started) / 1000
  const data = (await page.textContent('[data-testid="stamp-data"] code')).trim()
  const frames = await page.evaluate(() => {
    window.__frames.done = true
    return { maxGap: window.__frames.maxGap, percents: [...window.__frames.percents].sort((a, b) => a - b) }
  })
  assert.equal(data, 'sha512:' + stdout.split(' ')[0], "the browser's fingerprint is sha512sum's")
  assert.ok(frames.percents.length >= 3, `the percentage moved while hashing: ${frames.percents.join(',')}`)
  console.log(
    `# sha512 of ${(size / 2 ** 30).toFixed(2)} GiB in the worker: ${seconds.toFixed(1)} s, ${(size / 1e6 / seconds).toFixed(0)} MB/s; ` +
      `longest frame gap on the page ${frames.maxGap.toFixed(0)} ms`,
  )
  await context.close()
  assert.deepEqual(errors, [])
})

test('hashing can be cancelled, and an unreadable file gets a clear error', { timeout: 120_000 }, async () => {
  const file = sparseFile('medium.bin', 3 * 2 ** 30)
  const { page, context, errors } = await newPage()
  await page.goto(`${BASE}/`)
  await page.click('[data-testid="stamp-tab-files"]')
  await page.setInputFiles('[data-testid="stamp-files"]', file)
  await page.waitForSelector('[data-testid="stamp-cancel"]')
  await page.click('[data-testid="stamp-cancel"]')
  await page.waitForSelector('[data-testid="stamp-progress"]', { state: 'detached' })
  assert.equal(await page.$('[data-testid="stamp-data"] code'), null, 'no fingerprint after cancelling')
  assert.equal(await page.$('[data-testid="stamp-error"]'), null, 'cancelling is not an error')
  assert.ok(await page.isDisabled('[data-testid="stamp-button"]'))

  // The file changes after it was chosen: the browser refuses to read it further.
  await page.setInputFiles('[data-testid="stamp-files"]', file)
  await page.waitForSelector('[data-testid="stamp-progress"]')
  truncateSync(file, 1000)
  await page.waitForSelector('[data-testid="stamp-error"]')
  assert.match(await page.textContent('[data-testid="stamp-error"]'), /medium\.bin could not be read: .*choose it again/)
  await shot(page, 'hashing-error')
  await context.close()
  assert.deepEqual(errors, [])
})
