// Verifying with the service out of reach: a genuine proof is never called
// forged. Keys seen before are remembered with the date; a key file or a
// pasted key can be given; what could not be checked says so.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { BASE, SLOW, getJson, newContext, newPage, readResult, shot, stampViaApi, useBrowser } from './browser.mjs'

useBrowser()

/** Cuts this page off from the service's API after it loaded. */
async function goOffline(page) {
  await page.route('**/api/**', (route) => route.abort('internetdisconnected'))
}

async function verifyOffline(page, text, proof) {
  await page.fill('[data-testid="verify-text"]', text)
  await page.fill('[data-testid="verify-proof-text"]', JSON.stringify(proof))
  await page.waitForFunction(() => document.querySelector('[data-testid="verify-data"] code')?.textContent?.startsWith('sha512:'))
  await page.click('[data-testid="verify-button"]')
  return readResult(page)
}

test('offline, with the key this browser saw before: the offline steps pass, the online ones are "not checked"', { timeout: SLOW }, async () => {
  const text = `offline ${Math.random()}`
  const proof = await stampViaApi(text)
  const context = await newContext()
  const { page, errors } = await newPage({ context })
  // Online once: the page remembers the service's keys.
  await page.goto(`${BASE}/verify`)
  const first = await verifyOffline(page, text, proof)
  assert.equal(first.summary.outcome, 'pass')
  const remembered = await page.evaluate(() => JSON.parse(localStorage.getItem('ink-keys')))
  assert.ok(remembered.some((k) => k.key === proof.timestamp.proof.head.key && k.source === 'service' && !Number.isNaN(Date.parse(k.firstSeen))))

  // Later, the service is out of reach (page already loaded).
  await page.goto(`${BASE}/verify`)
  await goOffline(page)
  const r = await verifyOffline(page, text, proof)
  assert.deepEqual(
    { ...r.steps },
    {
      data: 'pass',
      'ts-hash': 'pass',
      'interval-path': 'pass',
      ihash: 'pass',
      inclusion: 'pass',
      signature: 'pass',
      'current-head': 'unchecked',
      consistency: 'unchecked',
    },
  )
  assert.equal(r.summary.outcome, 'partial')
  assert.doesNotMatch(r.text, /forged|does not publish/)
  await page.click('[data-testid="keys-panel"] summary')
  assert.match(await page.textContent('[data-testid="keys-list"]'), /first seen .* from the service/)
  await shot(page, 'verify-offline-known-key')
  await context.close()
  assert.deepEqual(errors, [])
})

test('offline, key never seen: the signature is "not checked", until the user loads the key file', { timeout: SLOW }, async () => {
  const text = `offline-key ${Math.random()}`
  const proof = await stampViaApi(text)
  const keyFile = JSON.stringify(await getJson('/api/v1/keys'))
  const { page, context, errors } = await newPage()
  // Out of reach from the start: this browser never gets to see the service's keys.
  await goOffline(page)
  await page.goto(`${BASE}/verify`)
  let r = await verifyOffline(page, text, proof)
  assert.equal(r.steps.signature, 'unchecked')
  assert.equal(r.reasons.signature, 'key_unavailable')
  assert.equal(r.summary.outcome, 'partial')
  assert.doesNotMatch(r.text, /forged|does not publish/)
  assert.ok(await page.isVisible('[data-testid="verify-key-note"]'))

  // A pasted key that is not one is refused with a reason; the key file is taken.
  await page.click('[data-testid="keys-panel"] summary')
  await page.fill('[data-testid="keys-paste"]', 'not a key')
  await page.click('[data-testid="keys-add"]')
  assert.match(await page.textContent('[data-testid="keys-message"]'), /Not added: not a key in a known form/)
  await page.setInputFiles('[data-testid="keys-file"]', { name: 'unchanging.key', mimeType: 'application/json', buffer: Buffer.from(keyFile) })
  await page.waitForFunction(() => /new key/.test(document.querySelector('[data-testid="keys-message"]')?.textContent ?? ''))
  await page.click('[data-testid="verify-button"]')
  r = await readResult(page)
  assert.equal(r.steps.signature, 'pass')
  assert.equal(r.summary.outcome, 'partial', 'current head and consistency still need the service')
  await shot(page, 'verify-offline-key-file')
  await context.close()
  assert.deepEqual(errors, [])
})

test('online, a key the service does not publish is a failure, not "not checked"', { timeout: SLOW }, async () => {
  const text = `unknown-key ${Math.random()}`
  const proof = await stampViaApi(text)
  proof.timestamp.proof.head.key = '0123456789abcdef'
  const { page, context, errors } = await newPage()
  await page.goto(`${BASE}/verify`)
  const r = await verifyOffline(page, text, proof)
  assert.equal(r.summary.failed, 'signature')
  assert.equal(r.reasons.signature, 'unknown_key')
  await context.close()
  assert.deepEqual(errors, [])
})
