// The log's key lifecycle on the verify page (docs/keys.md): stamp, rotate
// the stack's key with `ink-worker --rotate-key`, stamp; with only the first
// key pinned (loaded as a key file), both proofs verify, and the page says
// which key signed each head and where it stands in the chain. Offline, the
// proof file's own `keys` is enough. A head signed by the retired key after
// its last interval, by a revoked key after the revocation index, or a proof
// whose key list is tampered with, fails at the signature step with the reason.
//
// Needs the stack's files (INK_VAR_DIR, INK_BUILD_DIR, DATABASE_URL,
// INK_AUTHORITY from stack.env, as scripts/e2e-web.sh exports them). It
// rotates the stack's key; later tests see a log with two keys, as a real
// log would. Revocation is shown without changing the stack: the log's key
// list is answered with a revocation really signed by the new key.
import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { createPrivateKey, createPublicKey, generateKeyPairSync, sign } from 'node:crypto'
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { test } from 'node:test'
import AxeBuilderModule from '@axe-core/playwright'
import { H, cbor } from '../../tests/vectors/primitives.mjs'
import { ALL_PASS, BASE, SLOW, getJson, newPage, readResult, shot, stampViaApi, until, useBrowser } from './browser.mjs'

const AxeBuilder = AxeBuilderModule.default ?? AxeBuilderModule
useBrowser()

const VAR = process.env.INK_VAR_DIR
const BUILD = process.env.INK_BUILD_DIR
const KEY_PATH = process.env.INK_KEY_PATH || (VAR ? path.join(VAR, 'keys', 'ink-ed25519.pem') : '')

// The statements signed here (PROTOCOL.md, docs/keys.md), in the vector generators' canonical CBOR.
const headStatement = (authority, interval, mth) => cbor({ authority, interval, mth, typ: 'mth', version: '1' })
const revocationStatement = (authority, interval, key) => cbor({ authority, interval, key, typ: 'revoke', version: '1' })
const rawPublicKey = (privatePem) => createPublicKey(createPrivateKey(privatePem)).export({ format: 'der', type: 'spki' }).subarray(12)
const keyIdOf = (raw) => H(raw).subarray(0, 8).toString('hex')

const s = { first: null, n: 0, oldPem: '', newPem: '', t: -1, before: null, after: null, beforeText: '', afterText: '' }

/** Verifies on a page that was given the first key as a key file; `route` may change the page's requests first. */
async function verifyPinned(page, text, proof, { offline = false } = {}) {
  // Offline from the start: this browser never gets to see the service's keys.
  if (offline) await page.route('**/api/**', (route) => route.abort('internetdisconnected'))
  await page.goto(`${BASE}/verify`)
  await page.click('[data-testid="keys-panel"] summary')
  await page.setInputFiles('[data-testid="keys-file"]', { name: 'first.key', mimeType: 'application/json', buffer: Buffer.from(JSON.stringify([s.first])) })
  await page.waitForSelector('[data-testid="keys-message"].ok-text')
  await page.fill('[data-testid="verify-text"]', text)
  await page.fill('[data-testid="verify-proof-text"]', JSON.stringify(proof))
  await page.waitForFunction(() => document.querySelector('[data-testid="verify-data"] code')?.textContent?.startsWith('sha512:'))
  await page.click('[data-testid="verify-button"]')
  const r = await readResult(page)
  await page.waitForSelector('[data-testid="key-chain"]')
  const chain = await page.$eval('[data-testid="key-chain"]', (e) => ({ ...e.dataset, text: e.textContent.replace(/\s+/g, ' ').trim() }))
  const signature = await page.$eval('[data-step="signature"]', (e) => e.textContent.replace(/\s+/g, ' ').trim())
  return { ...r, chain, signature }
}

test('stamp, rotate with ink-worker --rotate-key, stamp: the key list links both keys', { timeout: SLOW * 4 }, async () => {
  assert.ok(VAR && BUILD && process.env.DATABASE_URL && process.env.INK_AUTHORITY, 'run with the stack.env of scripts/e2e-stack.sh exported')
  const listed = await getJson('/api/v1/keys')
  s.first = listed.at(-1)
  const firstRaw = Buffer.from(s.first.public_key, 'base64')
  s.oldPem = readFileSync(KEY_PATH, 'utf8')
  assert.equal(keyIdOf(rawPublicKey(s.oldPem)), s.first.key, "the stack's key file is the active key")
  assert.equal(keyIdOf(firstRaw), s.first.key)

  s.beforeText = `keys before ${Math.random()}`
  s.before = await stampViaApi(s.beforeText)
  assert.equal(s.before.timestamp.proof.head.key, s.first.key)

  const dir = mkdtempSync(path.join(tmpdir(), 'ink-e2e-keys-'))
  s.newPem = generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' })
  writeFileSync(path.join(dir, 'new.pem'), s.newPem, { mode: 0o600 })
  const out = execFileSync(
    path.join(BUILD, 'src', 'app', 'ink-worker'),
    [
      '--database-url',
      process.env.DATABASE_URL,
      '--authority',
      process.env.INK_AUTHORITY,
      '--key',
      KEY_PATH,
      '--rotate-key',
      path.join(dir, 'new.pem'),
      '--rotate-wait',
      '30',
    ],
    { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] },
  )
  assert.match(out, /key transition at interval/)
  const newId = keyIdOf(rawPublicKey(s.newPem))
  const keys = await until('the key list with the new key', async () => {
    const list = await getJson('/api/v1/keys')
    return list.at(-1)?.key === newId ? list : null
  })
  const entry = keys.at(-1)
  s.t = entry.first_interval
  // The chain's length (2 on a fresh stack): the first key is the one before the last.
  s.n = keys.length - keys.findLastIndex((k) => !k.transition)
  assert.equal(entry.transition.from, s.first.key)
  assert.equal(keys.at(-2).last_interval, s.t - 1)

  s.afterText = `keys after ${Math.random()}`
  s.after = await stampViaApi(s.afterText)
  assert.equal(s.after.timestamp.proof.head.key, newId)
  // As `ink stamp` does after a rotation: the proof file carries the log's key list.
  s.after.keys = keys
})

test(
  'with only the first key pinned, both proofs verify, and the page says which key signed each head and its place in the chain',
  { timeout: SLOW * 2 },
  async () => {
    assert.ok(s.after, 'rotated in the test before')
    const { page, context, errors } = await newPage()
    const first = await verifyPinned(page, s.beforeText, s.before)
    assert.deepEqual(first.steps, ALL_PASS)
    assert.equal(first.chain.state, 'in_chain')
    assert.deepEqual([first.chain.key, first.chain.position, first.chain.count, first.chain.verdict], [s.first.key, String(s.n - 1), String(s.n), 'valid'])
    assert.match(first.chain.text, new RegExp(`key ${s.n - 1} of ${s.n} in the log's key chain, retired after interval ${s.t - 1}`))
    assert.match(first.chain.text, new RegExp(`Key ${s.first.key} is one this browser trusts \\(loaded from a key file`))

    const second = await verifyPinned(page, s.afterText, s.after)
    assert.deepEqual(second.steps, ALL_PASS)
    assert.deepEqual([second.chain.key, second.chain.position, second.chain.count], [s.after.timestamp.proof.head.key, String(s.n), String(s.n)])
    assert.match(second.chain.text, new RegExp(`key ${s.n} of ${s.n} in the log's key chain, active since interval ${s.t}`))
    assert.match(second.chain.text, new RegExp(`checks out back to key ${s.first.key}, which this browser trusts \\(loaded from a key file`))
    assert.match(second.signature, new RegExp(`key ${s.n} of ${s.n} in the log's key chain`))
    const items = await page.$$eval('[data-testid="key-chain-list"] li', (els) => els.map((e) => ({ ...e.dataset })))
    assert.deepEqual(
      items.slice(-2).map((x) => [x.key, x.signer, x.pinned]),
      [
        [s.first.key, 'false', 'true'],
        [s.after.timestamp.proof.head.key, 'true', 'true'],
      ],
    )
    await shot(page, 'verify-key-chain')
    const axe = await new AxeBuilder({ page }).include('[data-testid="key-chain"]').analyze()
    assert.deepEqual(
      axe.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => v.id),
      [],
    )
    await context.close()
    assert.deepEqual(errors, [])
  },
)

test(
  'offline, the first key pinned: the proof that carries the chain verifies; without it the signature is "not checked", not failed',
  { timeout: SLOW * 2 },
  async () => {
    const { page, context, errors } = await newPage()
    const r = await verifyPinned(page, s.afterText, s.after, { offline: true })
    assert.deepEqual(r.steps, { ...ALL_PASS, 'current-head': 'unchecked', consistency: 'unchecked' })
    assert.equal(r.summary.outcome, 'partial')
    assert.equal(r.chain.state, 'in_chain')
    assert.equal(r.chain.position, String(s.n))

    const { keys, ...bare } = s.after
    assert.ok(keys)
    const without = await verifyPinned(page, s.afterText, bare, { offline: true })
    assert.equal(without.steps.signature, 'unchecked')
    assert.equal(without.reasons.signature, 'key_unavailable')
    assert.equal(without.summary.outcome, 'partial')
    assert.equal(without.chain.state, 'untrusted')
    await context.close()
    assert.deepEqual(errors, [])
  },
)

test('a head signed by the retired key after its last interval fails at the signature step, saying why', { timeout: SLOW }, async () => {
  const forged = structuredClone(s.after)
  const head = forged.timestamp.proof.head
  head.signature = sign(null, headStatement(head.authority, head.interval, Buffer.from(head.mth, 'base64')), createPrivateKey(s.oldPem)).toString('base64')
  head.key = s.first.key
  const { page, context, errors } = await newPage()
  const r = await verifyPinned(page, s.afterText, forged)
  assert.equal(r.summary.outcome, 'fail')
  assert.equal(r.summary.failed, 'signature')
  assert.equal(r.reasons.signature, 'key_retired')
  assert.match(r.signature, new RegExp(`is signed by key ${s.first.key}, which was retired after interval ${s.t - 1} \\(a later key signs from ${s.t}\\)`))
  assert.equal(r.chain.verdict, 'retired')
  await shot(page, 'verify-key-retired')
  await context.close()
  assert.deepEqual(errors, [])
})

test('a head signed by a revoked key after the revocation index fails at the signature step, saying why', { timeout: SLOW }, async () => {
  const i = s.before.timestamp.proof.head.interval
  const after = i - 1
  const firstRaw = Buffer.from(s.first.public_key, 'base64')
  const signature = sign(null, revocationStatement(process.env.INK_AUTHORITY, after, firstRaw), createPrivateKey(s.newPem)).toString('base64')
  const newId = keyIdOf(rawPublicKey(s.newPem))
  const { page, context, errors } = await newPage()
  // The log's real key list, with the revocation `ink-worker --revoke-key` would add (signed by the new key).
  await page.route('**/api/v1/keys', async (route) => {
    const response = await route.fetch()
    const list = await response.json()
    const at = list.findIndex((k) => k.key === s.first.key)
    list[at] = { ...list[at], revocation: { after, by: newId, signature } }
    await route.fulfill({ response, json: list })
  })
  const r = await verifyPinned(page, s.beforeText, s.before)
  assert.equal(r.summary.failed, 'signature')
  assert.equal(r.reasons.signature, 'key_revoked')
  assert.match(r.signature, new RegExp(`is signed by key ${s.first.key}, which was revoked after interval ${after} \\(compromised\\)`))
  assert.match(r.chain.text, new RegExp(`revoked after interval ${after}`))
  // The new key's proof still holds.
  const still = await verifyPinned(page, s.afterText, s.after)
  assert.deepEqual(still.steps, ALL_PASS)
  await context.close()
  assert.deepEqual(errors, [])
})

test('a proof whose key list was tampered with fails at the signature step: the chain does not hold (German)', { timeout: SLOW }, async () => {
  const tampered = structuredClone(s.after)
  const entry = tampered.keys.at(-1)
  const sig = Buffer.from(entry.transition.signature, 'base64')
  sig[0] ^= 1
  entry.transition.signature = sig.toString('base64')
  const { page, context, errors } = await newPage({ locale: 'de-DE' })
  const r = await verifyPinned(page, s.afterText, tampered)
  assert.equal(r.summary.failed, 'signature')
  assert.equal(r.reasons.signature, 'chain_bad_signature')
  assert.match(
    r.signature,
    new RegExp(`Die Schlüsselkette hält nicht: in der Schlüsselliste der Nachweisdatei hält die Signatur des alten Schlüssels ${s.first.key}`),
  )
  assert.equal(r.chain.state, 'broken')
  assert.match(r.chain.text, /Die Schlüsselliste in der Nachweisdatei hält nicht/)
  await shot(page, 'verify-key-chain-broken-de')
  await context.close()
  assert.deepEqual(errors, [])
})
