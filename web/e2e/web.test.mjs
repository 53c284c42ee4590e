// Browser end-to-end tests of the web page against a running stack
// (env INK_BASE_URL = the nginx URL). Debian's chromium via playwright-core,
// headless; no browser download. Screenshots go to web/test-results/.
//
//   INK_BASE_URL=http://127.0.0.1:23230 npm run test:e2e
import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { chromium } from 'playwright-core'

const BASE = (process.env.INK_BASE_URL || 'http://127.0.0.1:23230').replace(/\/+$/, '')
const OUT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', 'test-results')
const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium'
const DESKTOP = { width: 1280, height: 860 }
const PHONE = { width: 390, height: 844 }
// Long enough for several intervals plus the server's `wait`.
const SLOW = 45_000

mkdirSync(OUT, { recursive: true })

let browser
let profileDir
/** Shared across tests, in order: what was stamped and the proof file it gave. */
const stamped = { text: '', data: '', proof: null, proofJson: '', compact: '' }

before(async () => {
  profileDir = mkdtempSync(path.join(tmpdir(), 'ink-e2e-chromium-'))
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-background-networking', '--disable-dev-shm-usage', `--disk-cache-dir=${profileDir}`],
  })
})

after(async () => {
  await browser?.close()
  if (profileDir) rmSync(profileDir, { recursive: true, force: true })
})

async function newPage(viewport = DESKTOP, locale = 'en-GB') {
  const context = await browser.newContext({ viewport, locale, acceptDownloads: true })
  const page = await context.newPage()
  page.setDefaultTimeout(SLOW)
  const errors = []
  page.on('pageerror', (e) => errors.push(String(e)))
  return { page, context, errors }
}

async function shot(page, name) {
  await page.screenshot({ path: path.join(OUT, `${name}.png`), fullPage: true })
}

async function getJson(p) {
  const res = await fetch(BASE + p, { headers: { accept: 'application/json' } })
  assert.equal(res.status, 200, `GET ${p} answered ${res.status}`)
  return res.json()
}

const sha512Data = (text) => 'sha512:' + createHash('sha512').update(text, 'utf8').digest('hex')
const b64ToHex = (b64) => Buffer.from(b64, 'base64').toString('hex')

async function stepStatuses(page) {
  await page.waitForSelector('[data-testid="verify-summary"]')
  await page.waitForFunction(() => !document.querySelector('[data-testid="steps"] [data-status="pending"]'))
  return page.$$eval('[data-testid="steps"] [data-step]', (els) => Object.fromEntries(els.map((e) => [e.dataset.step, e.dataset.status])))
}

async function verifyInBrowser(name, text, proofJson) {
  const { page, context, errors } = await newPage()
  await page.goto(`${BASE}/verify`)
  await page.fill('[data-testid="verify-text"]', text)
  await page.setInputFiles('[data-testid="verify-proof-file"]', { name: 'proof.ink.json', mimeType: 'application/json', buffer: Buffer.from(proofJson) })
  await page.waitForFunction(() => document.querySelector('[data-testid="verify-data"] code')?.textContent?.startsWith('sha512:'))
  await page.click('[data-testid="verify-button"]')
  const steps = await stepStatuses(page)
  const summary = await page.$eval('[data-testid="verify-summary"]', (e) => ({ outcome: e.dataset.outcome, failed: e.dataset.failedStep ?? null, text: e.textContent }))
  await shot(page, name)
  await context.close()
  assert.deepEqual(errors, [], 'no script errors on the page')
  return { steps, summary }
}

test('the first HTML already contains the newest head', { timeout: SLOW }, async () => {
  const current = await getJson('/api/v1/mth/current')
  const newest = current.interval.index
  // Redis `recent-mth` is written right after the head is committed; give it a moment.
  let indexes = []
  for (let attempt = 0; attempt < 5; attempt++) {
    const res = await fetch(`${BASE}/`)
    assert.equal(res.status, 200)
    const html = await res.text()
    indexes = [...html.matchAll(/data-head-index="(\d+)"/g)].map((m) => Number(m[1]))
    if (indexes.length && Math.max(...indexes) >= newest) break
    await new Promise((r) => setTimeout(r, 300))
  }
  assert.ok(indexes.length > 0, 'the server-rendered page lists heads')
  assert.ok(Math.max(...indexes) >= newest, `newest head in HTML ${Math.max(...indexes)} >= current ${newest} before the request`)
})

test('a new head appears without reload, and the live indicator says connected', { timeout: SLOW }, async () => {
  const { page, context, errors } = await newPage()
  await page.goto(`${BASE}/`)
  await page.waitForSelector('[data-testid="live-indicator"][data-status="connected"]')
  const first = await page.$eval('[data-testid="heads"] [data-head-index]', (e) => Number(e.dataset.headIndex))
  await page.evaluate(() => { window.__noReload = 'still here' })
  await page.waitForFunction(
    (n) => Number(document.querySelector('[data-testid="heads"] [data-head-index]')?.dataset.headIndex) > n,
    first,
    { timeout: 30_000 },
  )
  assert.equal(await page.evaluate(() => window.__noReload), 'still here', 'the page was not reloaded')
  // Heads received live are checked in the browser (signature, inclusion, consistency).
  await page.waitForSelector('[data-testid="heads"] [data-check="ok"]')
  assert.equal(await page.$$eval('[data-testid="heads"] [data-check="bad"]', (e) => e.length), 0, 'no head failed its check')
  await shot(page, 'home-desktop')
  await context.close()
  assert.deepEqual(errors, [])
})

test('stamping a text yields a proof with a compact string and a proof file', { timeout: SLOW * 2 }, async () => {
  const { page, context, errors } = await newPage()
  stamped.text = `e2e ${new Date().toISOString()} ${Math.random()}`
  stamped.data = sha512Data(stamped.text)
  await page.goto(`${BASE}/`)
  await page.fill('[data-testid="stamp-text"]', stamped.text)
  await page.waitForFunction((d) => document.querySelector('[data-testid="stamp-data"] code')?.textContent === d, stamped.data)
  await page.click('[data-testid="stamp-button"]')
  await page.waitForSelector('[data-testid="stamp-result"]', { timeout: SLOW })
  const included = await page.textContent('[data-testid="stamp-included"]')
  stamped.compact = (await page.textContent('[data-testid="stamp-compact"]')).trim()
  await shot(page, 'stamp-result-desktop')

  const [download] = await Promise.all([page.waitForEvent('download'), page.click('[data-testid="stamp-download"]')])
  assert.match(download.suggestedFilename(), /\.ink\.json$/)
  const file = path.join(OUT, download.suggestedFilename())
  await download.saveAs(file)
  const { readFileSync } = await import('node:fs')
  stamped.proofJson = readFileSync(file, 'utf8')
  stamped.proof = JSON.parse(stamped.proofJson)
  await context.close()
  assert.deepEqual(errors, [])

  const p = stamped.proof
  assert.equal(p.format, 'unchanging.ink/proof')
  assert.equal(p.version, 1)
  assert.equal(p.data, stamped.data, 'the proof carries the data computed in the browser')
  assert.ok(Array.isArray(p.files))
  assert.ok(p.timestamp.proof, 'the timestamp has its proof')
  const i = p.timestamp.proof.interval.index
  assert.match(included, new RegExp(`\\b${i}\\b`), 'the page says which head includes it')
  assert.equal(p.timestamp.interval, i)
  assert.equal(p.authority, p.timestamp.proof.head.authority)
  assert.ok(stamped.compact.startsWith(`${p.authority}/${i}#v1,${p.timestamp.timestamp},`), 'compact string names authority, interval and time')
  // The service agrees: same ts by id, and head i has the mth the proof names.
  const again = await getJson(`/api/v1/ts/${p.timestamp.id}/`)
  assert.equal(again.hash, p.timestamp.hash)
  const head = await getJson(`/api/v1/mth/${i}`)
  assert.equal(head.mth, p.timestamp.proof.head.mth)
})

test('stamping two files hashes them in the browser as PROTOCOL.md combines them', { timeout: SLOW * 2 }, async () => {
  const files = [
    { name: 'alpha.txt', mimeType: 'text/plain', buffer: Buffer.from('alpha\n') },
    { name: 'beta.bin', mimeType: 'application/octet-stream', buffer: Buffer.from(`e2e files ${Date.now()} ${Math.random()}`) },
  ]
  const perFile = files.map((f) => 'sha512:' + createHash('sha512').update(f.buffer).digest('hex')).sort()
  const expected = sha512Data(`[${perFile.map((s) => `"${s}"`).join(', ')}]`)

  const { page, context, errors } = await newPage()
  await page.goto(`${BASE}/`)
  await page.click('[data-testid="stamp-tab-files"]')
  await page.setInputFiles('[data-testid="stamp-files"]', files)
  await page.waitForFunction((d) => document.querySelector('[data-testid="stamp-data"] code')?.textContent === d, expected)
  await page.click('[data-testid="stamp-button"]')
  await page.waitForSelector('[data-testid="stamp-result"]', { timeout: SLOW })
  const [download] = await Promise.all([page.waitForEvent('download'), page.click('[data-testid="stamp-download"]')])
  const file = path.join(OUT, download.suggestedFilename())
  await download.saveAs(file)
  await context.close()
  assert.deepEqual(errors, [])
  const { readFileSync } = await import('node:fs')
  const proof = JSON.parse(readFileSync(file, 'utf8'))
  assert.equal(proof.data, expected)
  assert.deepEqual(proof.files, ['alpha.txt', 'beta.bin'])
  assert.match(download.suggestedFilename(), /^files-\d+\.ink\.json$/)
})

test('verifying the proof with the same text passes every step', { timeout: SLOW }, async () => {
  assert.ok(stamped.proof, 'needs the proof from the stamping test')
  const { steps, summary } = await verifyInBrowser('verify-pass-desktop', stamped.text, stamped.proofJson)
  assert.deepEqual(steps, { data: 'pass', ts_hash: 'pass', ith: 'pass', ihash: 'pass', inclusion: 'pass', signature: 'pass', consistency: 'pass' })
  assert.equal(summary.outcome, 'pass')
})

test('a changed text fails at the data step', { timeout: SLOW }, async () => {
  assert.ok(stamped.proof)
  const { steps, summary } = await verifyInBrowser('verify-changed-text', stamped.text + '.', stamped.proofJson)
  assert.equal(summary.outcome, 'fail')
  assert.equal(summary.failed, 'data')
  assert.equal(steps.data, 'fail')
  // The signed head itself is untouched, so its own links still hold.
  assert.equal(steps.inclusion, 'pass')
  assert.equal(steps.signature, 'pass')
})

test('a tampered proof fails at the tampered link', { timeout: SLOW * 2 }, async () => {
  assert.ok(stamped.proof)
  const flip = (b64) => { const b = Buffer.from(b64, 'base64'); b[0] ^= 1; return b.toString('base64') }

  const badSignature = structuredClone(stamped.proof)
  badSignature.timestamp.proof.head.signature = flip(badSignature.timestamp.proof.head.signature)
  let r = await verifyInBrowser('verify-tampered-signature', stamped.text, JSON.stringify(badSignature))
  assert.equal(r.summary.failed, 'signature')
  assert.equal(r.steps.signature, 'fail')
  assert.equal(r.steps.data, 'pass')

  // Another time in the proof: the ts hash no longer matches what was recorded.
  const badTime = structuredClone(stamped.proof)
  badTime.timestamp.timestamp = badTime.timestamp.timestamp.replace(/\d(?=Z$)/, (d) => String((Number(d) + 1) % 10))
  r = await verifyInBrowser('verify-tampered-time', stamped.text, JSON.stringify(badTime))
  assert.equal(r.summary.failed, 'ts_hash')
  assert.equal(r.steps.data, 'pass')
  assert.equal(r.steps.ts_hash, 'fail')

  // A forged interval root: the interval record no longer leads to the signed head.
  const badIth = structuredClone(stamped.proof)
  badIth.timestamp.proof.interval.ith = flip(badIth.timestamp.proof.interval.ith)
  badIth.timestamp.proof.ith = badIth.timestamp.proof.interval.ith
  r = await verifyInBrowser('verify-tampered-ith', stamped.text, JSON.stringify(badIth))
  assert.equal(r.steps.ith, 'fail')
  assert.equal(r.steps.inclusion, 'fail')
})

test('verifying with the compact string and the text passes', { timeout: SLOW }, async () => {
  assert.ok(stamped.compact)
  const { page, context, errors } = await newPage()
  await page.goto(`${BASE}/verify`)
  await page.fill('[data-testid="verify-text"]', stamped.text)
  await page.fill('[data-testid="verify-proof-text"]', stamped.compact)
  await page.waitForFunction(() => document.querySelector('[data-testid="verify-data"] code')?.textContent?.startsWith('sha512:'))
  await page.click('[data-testid="verify-button"]')
  const steps = await stepStatuses(page)
  await context.close()
  assert.deepEqual(errors, [])
  assert.deepEqual(steps, { data: 'skip', ts_hash: 'pass', ith: 'pass', ihash: 'pass', inclusion: 'pass', signature: 'pass', consistency: 'pass' })
})

test('the interval page renders the head, server-side and checked in the browser', { timeout: SLOW }, async () => {
  assert.ok(stamped.proof)
  const i = stamped.proof.timestamp.proof.interval.index
  const head = await getJson(`/api/v1/mth/${i}`)
  const res = await fetch(`${BASE}/${i}`)
  assert.equal(res.status, 200)
  assert.ok((await res.text()).includes(b64ToHex(head.mth)), 'the first HTML shows mth_i')

  const { page, context, errors } = await newPage()
  await page.goto(`${BASE}/${i}`)
  assert.match(await page.textContent('[data-testid="interval-title"]'), new RegExp(`\\b${i}\\b`))
  assert.equal((await page.textContent('[data-testid="interval-mth"]')).trim(), b64ToHex(head.mth))
  assert.ok((await page.textContent('[data-testid="interval-compact"]')).startsWith(`${head.authority}/${i}#v1:`))
  await page.waitForFunction(() => document.querySelectorAll('[data-testid="steps"] [data-step]').length === 3 && !document.querySelector('[data-testid="steps"] [data-status="pending"]'))
  const steps = await page.$$eval('[data-testid="steps"] [data-step]', (els) => Object.fromEntries(els.map((e) => [e.dataset.step, e.dataset.status])))
  assert.deepEqual(steps, { inclusion: 'pass', signature: 'pass', consistency: 'pass' })
  if (i > 0) assert.ok(await page.$('[data-testid="interval-prev"]'))
  assert.equal(await page.$('[data-testid="interval-fragment"]'), null, 'no head string in the address, nothing to compare')
  await shot(page, 'interval-desktop')

  // Opened from a head string, the page compares the string's mth with the signed one.
  const mthUrl = Buffer.from(head.mth, 'base64').toString('base64url')
  await page.goto(`${BASE}/${i}#v1:${mthUrl}`)
  assert.equal(await (await page.waitForSelector('[data-testid="interval-fragment"]')).getAttribute('data-outcome'), 'matches')
  const forged = Buffer.from(head.mth, 'base64')
  forged[0] ^= 1
  await page.goto(`${BASE}/`)
  await page.goto(`${BASE}/${i}#v1:${forged.toString('base64url')}`)
  await page.waitForSelector('[data-testid="interval-fragment"][data-outcome="differs"]')
  await context.close()
  assert.deepEqual(errors, [])

  const missing = await fetch(`${BASE}/999999999999`)
  assert.equal(missing.status, 404, 'an interval beyond the newest is a 404')
})

test('German from the browser, and screens on a phone', { timeout: SLOW * 2 }, async () => {
  const res = await fetch(`${BASE}/about`, { headers: { 'accept-language': 'de-DE,de;q=0.9,en;q=0.5' } })
  const html = await res.text()
  assert.ok(html.includes('So funktioniert es') && html.includes('lang="de"'), 'German chosen from Accept-Language')
  assert.ok(html.includes('ink verify'), 'the about page shows the command-line client')

  const { page, context, errors } = await newPage(PHONE, 'de-DE')
  await page.goto(`${BASE}/`)
  await page.waitForSelector('[data-testid="heads"] [data-head-index]')
  assert.equal(await page.getAttribute('html', 'lang'), 'de')
  await shot(page, 'home-phone-de')
  await page.click('[data-testid="lang-en"]')
  await page.waitForFunction(() => document.documentElement.lang === 'en')
  await shot(page, 'home-phone-en')
  await page.goto(`${BASE}/verify`)
  await shot(page, 'verify-phone')
  if (stamped.proof) {
    await page.goto(`${BASE}/${stamped.proof.timestamp.proof.interval.index}`)
    await page.waitForSelector('[data-testid="interval-head"]')
    await shot(page, 'interval-phone')
  }
  await page.goto(`${BASE}/about`)
  await shot(page, 'about-phone')
  await context.close()
  assert.deepEqual(errors, [])
})
