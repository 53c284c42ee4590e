// Shared by the browser tests: one chromium (Debian's, via playwright-core,
// headless, no download) per test file, pages in fresh contexts, screenshots
// in web/test-results/, and the stack under test from INK_BASE_URL.
import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { after, before } from 'node:test'
import { chromium } from 'playwright-core'

export const BASE = (process.env.INK_BASE_URL || 'http://127.0.0.1:23230').replace(/\/+$/, '')
export const OUT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', 'test-results')
export const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium'
export const DESKTOP = { width: 1280, height: 800 }
export const PHONE = { width: 390, height: 844 }
// Long enough for several intervals plus the server's `wait`.
export const SLOW = 45_000

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms))

/** Polls `probe` until it returns something truthy, or fails with `what` after SLOW. */
export async function until(what, probe) {
  const deadline = Date.now() + SLOW
  for (;;) {
    const value = await probe()
    if (value) return value
    assert.ok(Date.now() < deadline, `timed out waiting for ${what}`)
    await sleep(250)
  }
}
mkdirSync(OUT, { recursive: true })

let browser
let profileDir
export function useBrowser() {
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
}

/** A page in a fresh context; `errors` collects script errors and console errors. */
export async function newPage({ viewport = DESKTOP, locale = 'en-GB', colorScheme = 'light', javaScriptEnabled = true, context: existing } = {}) {
  const context = existing ?? (await browser.newContext({ viewport, locale, colorScheme, acceptDownloads: true, javaScriptEnabled }))
  const page = await context.newPage()
  page.setDefaultTimeout(SLOW)
  const errors = []
  page.on('pageerror', (e) => errors.push(String(e)))
  page.on('console', (m) => {
    // Requests the test blocks on purpose (offline) are logged by chromium as errors; they are not the page's.
    if (m.type() === 'error' && !/Failed to load resource|ERR_FAILED|ERR_INTERNET_DISCONNECTED|WebSocket connection/.test(m.text())) errors.push(m.text())
  })
  return { page, context, errors }
}

export function newContext(options = {}) {
  return browser.newContext({ viewport: DESKTOP, locale: 'en-GB', acceptDownloads: true, ...options })
}

export async function shot(page, name) {
  await page.screenshot({ path: path.join(OUT, `${name}.png`), fullPage: true })
}

export async function getJson(p) {
  const res = await fetch(BASE + p, { headers: { accept: 'application/json' } })
  assert.equal(res.status, 200, `GET ${p} answered ${res.status}`)
  return res.json()
}

export const sha512Data = (text) => 'sha512:' + createHash('sha512').update(text, 'utf8').digest('hex')
export const sha512OfBytes = (bytes) => 'sha512:' + createHash('sha512').update(bytes).digest('hex')
export const b64ToHex = (b64) => Buffer.from(b64, 'base64').toString('hex')

/** Stamps a text through the API (no browser) and returns the proof file the page would make. */
export async function stampViaApi(text, files = []) {
  const data = sha512Data(text)
  const res = await fetch(`${BASE}/api/v1/ts/?wait`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ data }) })
  assert.equal(res.status, 200)
  let answer = await res.json()
  for (let i = 0; !answer.proof && i < 5; i++) answer = await getJson(`/api/v1/ts/${answer.id}/?wait`)
  assert.ok(answer.proof, 'the timestamp got its proof')
  return { format: 'unchanging.ink/proof', version: 1, authority: answer.proof.head.authority, data, files, timestamp: answer }
}

/** Runs the verify page with a text and a proof; returns the steps and the summary. */
export async function verifyInBrowser(page, text, proofJson, { name } = {}) {
  await page.goto(`${BASE}/verify`)
  await page.fill('[data-testid="verify-text"]', text)
  await page.setInputFiles('[data-testid="verify-proof-file"]', {
    name: name ?? 'proof.ink.json',
    mimeType: 'application/json',
    buffer: Buffer.from(proofJson),
  })
  await page.waitForFunction(() => document.querySelector('[data-testid="verify-data"] code')?.textContent?.startsWith('sha512:'))
  await page.click('[data-testid="verify-button"]')
  return readResult(page)
}

export async function readResult(page) {
  await page.waitForSelector('[data-testid="verify-result"] [data-testid="steps"] [data-step]')
  await page.waitForFunction(() => !document.querySelector('[data-testid="steps"] [data-status="pending"]'))
  await page.waitForSelector('[data-testid="verify-summary"]')
  const steps = await page.$$eval('[data-testid="verify-result"] [data-step]', (els) => Object.fromEntries(els.map((e) => [e.dataset.step, e.dataset.status])))
  const reasons = await page.$$eval('[data-testid="verify-result"] [data-step]', (els) =>
    Object.fromEntries(els.map((e) => [e.dataset.step, e.dataset.reason ?? null])),
  )
  const summary = await page.$eval('[data-testid="verify-summary"]', (e) => ({
    outcome: e.dataset.outcome,
    failed: e.dataset.failedStep ?? null,
    text: e.textContent.trim(),
  }))
  return { steps, reasons, summary, text: await page.textContent('[data-testid="verify-result"]') }
}

export const ALL_PASS = {
  data: 'pass',
  'ts-hash': 'pass',
  'interval-path': 'pass',
  ihash: 'pass',
  inclusion: 'pass',
  signature: 'pass',
  'current-head': 'pass',
  consistency: 'pass',
}
