// The newest heads: in the first HTML, live without reload, checked in the
// browser, and a tampered head injected into the live feed is marked bad.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { BASE, SLOW, getJson, newPage, newContext, shot, useBrowser } from './browser.mjs'

useBrowser()

test('the first HTML already contains the newest head, in a table with column headers and UTC times', { timeout: SLOW }, async () => {
  const current = await getJson('/api/v1/mth/current')
  const newest = current.interval.index
  let html = ''
  let indexes = []
  // Redis `recent-mth` is written right after the head is committed: look until it shows.
  for (let attempt = 0; attempt < 20; attempt++) {
    const res = await fetch(`${BASE}/`)
    assert.equal(res.status, 200)
    html = await res.text()
    indexes = [...html.matchAll(/data-head-index="(\d+)"/g)].map((m) => Number(m[1]))
    if (indexes.length && Math.max(...indexes) >= newest) break
    await new Promise((r) => setTimeout(r, 250))
  }
  assert.ok(indexes.length > 0, 'the server-rendered page lists heads')
  assert.ok(Math.max(...indexes) >= newest, `newest head in HTML ${Math.max(...indexes)} >= current ${newest} before the request`)
  assert.match(html, /<th scope="col">Interval<\/th>/)
  assert.match(html, /Closed \(UTC\)/)
  assert.doesNotMatch(html, />\s*timestamps\s*</, 'no bare word "timestamps" without a number')
})

test('a new head appears without reload, checked in the browser; the live list pauses while focused', { timeout: SLOW }, async () => {
  const { page, context, errors } = await newPage()
  await page.goto(`${BASE}/`)
  await page.waitForSelector('[data-testid="live-indicator"][data-status="connected"]')
  const first = await page.$eval('[data-testid="heads"] [data-head-index]', (e) => Number(e.dataset.headIndex))
  await page.evaluate(() => {
    window.__noReload = 'still here'
  })
  await page.waitForFunction((n) => Number(document.querySelector('[data-testid="heads"] [data-head-index]')?.dataset.headIndex) > n, first, {
    timeout: 30_000,
  })
  assert.equal(await page.evaluate(() => window.__noReload), 'still here', 'the page was not reloaded')
  await page.waitForSelector('[data-testid="heads"] [data-check="ok"]')
  assert.equal(await page.$$eval('[data-testid="heads"] [data-check="bad"]', (e) => e.length), 0, 'no head failed its check')
  // Local time on hover, beside the UTC time shown.
  const hover = await page.$eval('[data-testid="heads"] .head-time span', (e) => e.title)
  assert.match(hover, /your time/)

  // Keyboard users keep their place: while focus is in the list, it does not move.
  await page.focus('[data-testid="heads"] tbody tr:first-child a')
  await page.waitForSelector('[data-testid="heads-paused"]')
  const focusedIndex = await page.evaluate(() => document.activeElement?.closest('tr')?.dataset.headIndex)
  const rowsBefore = await page.$$eval('[data-testid="heads"] tbody tr', (rows) => rows.map((r) => r.dataset.headIndex).join(','))
  const newest = (await getJson('/api/v1/mth/current')).interval.index
  await page.waitForFunction(async (n) => (await (await fetch('/api/v1/mth/current')).json()).interval.index > n, newest)
  assert.equal(await page.$$eval('[data-testid="heads"] tbody tr', (rows) => rows.map((r) => r.dataset.headIndex).join(',')), rowsBefore, 'rows stay put')
  assert.equal(await page.evaluate(() => document.activeElement?.closest('tr')?.dataset.headIndex), focusedIndex)
  await page.focus('[data-testid="stamp-text"]')
  await page.waitForFunction((n) => Number(document.querySelector('[data-testid="heads"] [data-head-index]')?.dataset.headIndex) > n, newest)
  await context.close()
  assert.deepEqual(errors, [])
})

test('a tampered head injected into the live feed is marked bad; the genuine ones stay good', { timeout: SLOW }, async () => {
  const context = await newContext()
  let tampered = null
  let seen = 0
  await context.routeWebSocket(/\/api\/v1\/mth\/live$/, (ws) => {
    const server = ws.connectToServer()
    server.onMessage((message) => {
      seen++
      // The second head of the feed arrives with a forged mth (and the signature of the real one).
      if (seen === 2 && tampered === null) {
        const head = JSON.parse(String(message))
        const mth = Buffer.from(head.mth, 'base64')
        mth[0] ^= 1
        head.mth = mth.toString('base64')
        tampered = head.interval.index
        ws.send(JSON.stringify(head))
        return
      }
      ws.send(message)
    })
  })
  const { page, errors } = await newPage({ context })
  await page.goto(`${BASE}/`)
  await page.waitForFunction(() => document.querySelector('[data-testid="live-indicator"]')?.dataset.status === 'connected')
  await page.waitForFunction(() => window.document.querySelector('[data-testid="heads"] [data-check="bad"]'), null, { timeout: 30_000 })
  assert.notEqual(tampered, null)
  const bad = await page.$$eval('[data-testid="heads"] tr[data-head-index]', (rows) =>
    rows.filter((r) => r.querySelector('[data-check="bad"]')).map((r) => Number(r.dataset.headIndex)),
  )
  assert.deepEqual(bad, [tampered], 'exactly the tampered head is marked bad')
  // The head after it is genuine and checked as such.
  await page.waitForSelector(`[data-testid="heads"] tr[data-head-index="${tampered + 1}"] [data-check="ok"]`)
  await shot(page, 'home-tampered-head')
  await context.close()
  assert.deepEqual(errors, [])
})
