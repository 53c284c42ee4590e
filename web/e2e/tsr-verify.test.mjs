// An RFC 3161 token of the service's TSA, verified on /verify with the file it
// stamps: the token's steps (token, tsa-signature, imprint, log-entry), then
// its ts proof; a changed file fails at imprint. The token is asked of
// POST /api/v1/rfc3161 with a query made by `openssl ts -query` (the test
// stack always has a TSA: no answer is a failure, not a reason to skip).
import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { test } from 'node:test'
import { BASE, SLOW, newPage, readResult, shot, useBrowser } from './browser.mjs'

useBrowser()

/** A token for `bytes` (SHA-512 imprint, with the signing certificate). */
async function tokenFor(bytes) {
  const dir = mkdtempSync(path.join(tmpdir(), 'ink-e2e-tsr-'))
  try {
    writeFileSync(path.join(dir, 'F'), bytes)
    execFileSync('openssl', ['ts', '-query', '-sha512', '-cert', '-data', 'F', '-out', 'F.tsq'], { cwd: dir, stdio: 'ignore' })
    const r = await fetch(`${BASE}/api/v1/rfc3161`, {
      method: 'POST',
      headers: { 'content-type': 'application/timestamp-query' },
      body: readFileSync(path.join(dir, 'F.tsq')),
    })
    assert.equal(r.status, 200, `POST /api/v1/rfc3161: ${r.status}`)
    return Buffer.from(await r.arrayBuffer())
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

async function verifyToken(page, file, tsr) {
  await page.goto(`${BASE}/verify`)
  await page.setInputFiles('[data-testid="verify-files"]', { name: 'F.bin', mimeType: 'application/octet-stream', buffer: file })
  await page.waitForFunction(() => document.querySelector('[data-testid="verify-data"] code')?.textContent?.startsWith('sha512:'))
  await page.setInputFiles('[data-testid="verify-tsr-file"]', { name: 'F.bin.tsr', mimeType: 'application/timestamp-reply', buffer: tsr })
  await page.waitForSelector('[data-testid="verify-tsr-name"]')
  await page.click('[data-testid="verify-button"]')
  await page.waitForSelector('[data-testid="verify-tsr-result"] [data-step]')
  await page.waitForFunction(() => !document.querySelector('[data-testid="verify-tsr-result"] [data-status="pending"]'))
  return page.$$eval('[data-testid="verify-tsr-result"] [data-step]', (els) => Object.fromEntries(els.map((e) => [e.dataset.step, e.dataset.status])))
}

test('an RFC 3161 token verifies with its file and leads to its ts proof; a changed file fails at imprint', { timeout: SLOW * 3 }, async () => {
  const file = Buffer.from(`e2e tsr ${new Date().toISOString()} ${Math.random()}`)
  const tsr = await tokenFor(file)
  const { page, context, errors } = await newPage()
  const steps = await verifyToken(page, file, tsr)
  assert.deepEqual(steps, { token: 'pass', 'tsa-signature': 'pass', imprint: 'pass', 'log-entry': 'pass' })
  const result = await readResult(page)
  assert.equal(result.summary.outcome, 'pass', result.text)
  for (const step of ['data', 'ts-hash', 'interval-path', 'ihash', 'inclusion', 'signature'])
    assert.equal(result.steps[step], 'pass', `${step}: ${result.text}`)
  await shot(page, 'verify-tsr-pass-1280')

  const changed = Buffer.concat([file, Buffer.from('!')])
  const bad = await verifyToken(page, changed, tsr)
  assert.deepEqual(bad, { token: 'pass', 'tsa-signature': 'pass', imprint: 'fail' })
  assert.equal(await page.$eval('[data-testid="verify-tsr-summary"]', (e) => e.dataset.failedStep), 'imprint')
  assert.equal(await page.$$eval('[data-testid="verify-result"]', (els) => els.length), 0, 'no proof steps after a failed token')
  await context.close()
  assert.deepEqual(errors, [])
})
