// Witness cosignatures on the verify page (docs/witness.md): the stack runs
// local witnesses (INK_LOCAL_WITNESSES, `local-1` and `local-2`) that cosign
// every head; after a proof verifies, the page lists each witness's
// cosignature of the proof's head, checked in the browser. Then the paths a
// real log seldom shows on demand, made by changing the log's real answers in
// the browser: a head not cosigned yet (a later one's cosignatures with the
// consistency proof), a forged cosignature, and the API out of reach.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import AxeBuilderModule from '@axe-core/playwright'
import { ALL_PASS, BASE, SLOW, getJson, newPage, shot, stampViaApi, until, useBrowser, verifyInBrowser } from './browser.mjs'

const AxeBuilder = AxeBuilderModule.default ?? AxeBuilderModule
useBrowser()

/** Head i once every listed witness has cosigned it. */
function cosignedByAll(i, witnesses) {
  return until(`head ${i} cosigned by ${witnesses.length} witnesses`, async () => {
    const head = await getJson(`/api/v1/mth/${i}`)
    return (head.cosignatures ?? []).length >= witnesses.length ? head : null
  })
}

/** The cosignatures section once its fetches are done. */
async function readCosignatures(page) {
  await page.waitForSelector('[data-testid="cosignatures"]:not([data-state="pending"])')
  const section = await page.$eval('[data-testid="cosignatures"]', (e) => ({ ...e.dataset }))
  const items = await page.$$eval('[data-testid="cosignature"]', (els) => els.map((e) => ({ ...e.dataset, text: e.textContent.trim() })))
  const summary = (await page.textContent('[data-testid="cosignatures-summary"]')).trim()
  const consistency = await page.$eval('[data-testid="cosignatures-consistency"]', (e) => ({ ...e.dataset })).catch(() => null)
  return { section, items, summary, consistency }
}

let witnesses = []
const stamped = { text: '', proof: null, i: -1 }

test('the log lists at least two witnesses, and they cosign a new head', { timeout: SLOW * 2 }, async () => {
  witnesses = await getJson('/api/v1/witnesses')
  assert.ok(Array.isArray(witnesses) && witnesses.length >= 2, `the stack runs at least 2 witnesses (INK_LOCAL_WITNESSES): ${JSON.stringify(witnesses)}`)
  for (const w of witnesses) assert.equal(w.algorithm, 'ed25519')
  stamped.text = `witnesses ${new Date().toISOString()} ${Math.random()}`
  stamped.proof = await stampViaApi(stamped.text)
  stamped.i = stamped.proof.timestamp.proof.interval.index
  const head = await cosignedByAll(stamped.i, witnesses)
  assert.deepEqual(new Set(head.cosignatures.map((c) => c.witness)), new Set(witnesses.map((w) => w.key)))
})

test('after a proof verifies, the page lists each witness, its key id, and its cosignature verified in the browser', { timeout: SLOW * 2 }, async () => {
  assert.ok(stamped.proof, 'stamped in the test before')
  const { page, context, errors } = await newPage()
  const r = await verifyInBrowser(page, stamped.text, JSON.stringify(stamped.proof))
  assert.deepEqual(r.steps, ALL_PASS)
  const c = await readCosignatures(page)
  assert.equal(c.section.state, 'cosigned')
  assert.equal(c.section.outcome, 'pass')
  assert.equal(Number(c.section.head), stamped.i, "the cosignatures are of the proof's own head")
  assert.ok(c.items.length >= 2, `at least 2 cosignatures listed: ${JSON.stringify(c.items)}`)
  for (const item of c.items) {
    assert.equal(item.status, 'pass', `${item.name} verified: ${item.text}`)
    const listed = witnesses.find((w) => w.key === item.witness)
    assert.ok(listed, `${item.witness} is a listed witness`)
    assert.equal(item.name, listed.name)
    assert.ok(item.text.includes(item.witness), 'the key id is shown')
  }
  assert.equal(Number(c.section.verified), witnesses.length)
  assert.match(c.summary, new RegExp(`${witnesses.length} independent witnesses saw this head; a split view would need them to collude`))
  assert.equal(c.consistency, null, 'no consistency proof needed for the head itself')
  await shot(page, 'verify-cosignatures-1280')

  const axe = await new AxeBuilder({ page }).include('[data-testid="verify-result"]').analyze()
  const serious = axe.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(' | ')}`)
  assert.deepEqual(serious, [])
  await context.close()
  assert.deepEqual(errors, [])
})

test('German, dark: the same section in German, with no accessibility violations', { timeout: SLOW }, async () => {
  const { page, context, errors } = await newPage({ locale: 'de-DE', colorScheme: 'dark' })
  await verifyInBrowser(page, stamped.text, JSON.stringify(stamped.proof))
  const c = await readCosignatures(page)
  assert.equal(c.section.outcome, 'pass')
  assert.match(c.summary, /unabhängige Zeugen haben diesen Kopf gesehen/)
  assert.match(await page.textContent('[data-testid="cosignatures"]'), /Gegenzeichnungen von Kopf/)
  const axe = await new AxeBuilder({ page }).include('[data-testid="verify-result"]').analyze()
  assert.deepEqual(
    axe.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => v.id),
    [],
  )
  await shot(page, 'verify-cosignatures-de-dark')
  await context.close()
  assert.deepEqual(errors, [])
})

test("a head not cosigned yet: a later head's cosignatures, with the consistency proof from the proof's head checked", { timeout: SLOW * 2 }, async () => {
  const i = stamped.i
  // A later head cosigned by at least one witness, so the log has one to offer.
  await until(`a cosigned head after ${i}`, async () => {
    const res = await fetch(`${BASE}/api/v1/mth/cosigned?quorum=1&from=${i}`)
    return res.status === 200 && (await res.json()).head.interval.index > i
  })
  const { page, context, errors } = await newPage()
  // The log's real answer for head i, without its cosignatures: as the page sees a head the witnesses have not reached.
  let removed = 0
  await page.route(`**/api/v1/mth/${i}`, async (route) => {
    const response = await route.fetch()
    const head = await response.json()
    removed = head.cosignatures?.length ?? 0
    await route.fulfill({ response, json: { ...head, cosignatures: [] } })
  })
  await verifyInBrowser(page, stamped.text, JSON.stringify(stamped.proof))
  assert.ok(removed > 0, 'the page asked for head i, whose real answer carries cosignatures')
  const c = await readCosignatures(page)
  assert.equal(c.section.outcome, 'pass')
  const j = Number(c.section.head)
  assert.ok(j > i, `a later head: ${j} > ${i}`)
  assert.deepEqual(c.consistency && { status: c.consistency.status }, { status: 'pass' })
  assert.ok(c.items.length >= 1 && c.items.every((x) => x.status === 'pass'), JSON.stringify(c.items))
  assert.match(c.summary, new RegExp(`independent witness(es)? saw head ${j}, a later head consistent with this one`))
  await shot(page, 'verify-cosignatures-later')
  await context.close()
  assert.deepEqual(errors, [])
})

test('a cosignature changed on its way is shown as not verifying; the others still count', { timeout: SLOW }, async () => {
  const i = stamped.i
  const { page, context, errors } = await newPage()
  let forged = ''
  await page.route(`**/api/v1/mth/${i}`, async (route) => {
    const response = await route.fetch()
    const head = await response.json()
    const sig = Buffer.from(head.cosignatures[0].signature, 'base64')
    sig[0] ^= 1
    forged = head.cosignatures[0].witness
    head.cosignatures[0] = { ...head.cosignatures[0], signature: sig.toString('base64') }
    await route.fulfill({ response, json: head })
  })
  await verifyInBrowser(page, stamped.text, JSON.stringify(stamped.proof))
  const c = await readCosignatures(page)
  const bad = c.items.find((x) => x.witness === forged)
  assert.deepEqual({ status: bad.status, reason: bad.reason }, { status: 'fail', reason: 'bad_signature' })
  assert.ok(c.items.filter((x) => x.witness !== forged).every((x) => x.status === 'pass'))
  assert.equal(Number(c.section.verified), witnesses.length - 1)
  assert.equal(c.section.outcome, 'pass')
  await context.close()
  assert.deepEqual(errors, [])
})

test('the witnesses out of reach: "could not be fetched", never failed, and the proof still verifies', { timeout: SLOW }, async () => {
  const { page, context, errors } = await newPage()
  await page.route('**/api/v1/witnesses', (route) => route.abort('internetdisconnected'))
  const r = await verifyInBrowser(page, stamped.text, JSON.stringify(stamped.proof))
  assert.deepEqual(r.steps, ALL_PASS)
  const c = await readCosignatures(page)
  assert.deepEqual({ state: c.section.state, outcome: c.section.outcome }, { state: 'unfetched', outcome: 'unchecked' })
  assert.match(c.summary, /Cosignatures could not be fetched/)
  assert.doesNotMatch(c.summary, /fail/i)
  assert.equal(c.items.length, 0)
  await context.close()
  assert.deepEqual(errors, [])
})

test('a log that lists no witnesses: the page says so', { timeout: SLOW }, async () => {
  const { page, context, errors } = await newPage()
  await page.route('**/api/v1/witnesses', (route) => route.fulfill({ json: [] }))
  await verifyInBrowser(page, stamped.text, JSON.stringify(stamped.proof))
  const c = await readCosignatures(page)
  assert.deepEqual({ state: c.section.state, outcome: c.section.outcome }, { state: 'no_witnesses', outcome: 'none' })
  assert.match(c.summary, /The log lists no witnesses/)
  await context.close()
  assert.deepEqual(errors, [])
})
