// Stamping and verifying as a user does it: the proof, its id, the local
// history, the warning before leaving, "Verify it now", the share link, the
// certificate, and each kind of tampering reported at the right step.
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import path from 'node:path'
import { test } from 'node:test'
import { ALL_PASS, BASE, OUT, SLOW, getJson, newPage, readResult, sha512Data, shot, stampViaApi, useBrowser, verifyInBrowser } from './browser.mjs'

useBrowser()

/** Shared across tests, in order: what was stamped in the browser and the proof it gave. */
const stamped = { text: '', proof: null, proofJson: '', compact: '', share: '', id: '' }

test(
  'stamping a text: progress in view, the proof with its id, share link and history; a warning before leaving it behind',
  { timeout: SLOW * 2 },
  async () => {
    const { page, context, errors } = await newPage()
    await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: BASE })
    // A trailing newline: invisible, but part of the fingerprint; the page says so.
    stamped.text = `e2e ${new Date().toISOString()} ${Math.random()}\n`
    await page.goto(`${BASE}/`)
    await page.fill('[data-testid="stamp-text"]', stamped.text)
    await page.waitForSelector('[data-testid="stamp-whitespace"]')
    await page.waitForFunction((d) => document.querySelector('[data-testid="stamp-data"] code')?.textContent === d, sha512Data(stamped.text))
    // While pending, the progress text and countdown are inside the 1280x800 viewport. With
    // short intervals the pending phase can end between two of Playwright's polls, so the page
    // itself records where the progress was at the first frame painted with it.
    await page.evaluate(() => {
      window.__progressBoxes = []
      new MutationObserver(() => {
        const el = document.querySelector('[data-testid="stamp-progress"]')
        if (!el || window.__progressSeen) return
        window.__progressSeen = true
        requestAnimationFrame(() => {
          const r = el.getBoundingClientRect()
          window.__progressBoxes.push(el.isConnected ? { y: r.y, height: r.height } : null)
        })
      }).observe(document.body, { childList: true, subtree: true })
    })
    await page.click('[data-testid="stamp-button"]')
    await page.waitForSelector('[data-testid="stamp-result"], [data-testid="stamp-error"]', { timeout: SLOW })
    assert.equal(await page.$('[data-testid="stamp-error"]'), null, `stamping failed: ${await page.textContent('[data-testid="stamp-error"]').catch(() => '')}`)
    const boxes = await page.evaluate(() => window.__progressBoxes)
    assert.equal(boxes.length, 1, 'the progress was shown while pending')
    const box = boxes[0]
    // null: gone before its first frame, so never on screen to be cut off.
    if (box) assert.ok(box.y >= 0 && box.y + box.height <= 800, `progress within the viewport: ${JSON.stringify(box)}`)
    // The result is announced and focused.
    assert.equal(await page.evaluate(() => document.activeElement?.dataset.testid), 'stamp-result')
    stamped.id = (await page.textContent('[data-testid="stamp-id"]')).trim()
    stamped.compact = (await page.textContent('[data-testid="stamp-compact"]')).trim()
    stamped.share = (await page.textContent('[data-testid="stamp-share"]')).trim()
    assert.match(stamped.id, /^[0-9a-f-]{36}$/)
    assert.ok(stamped.share.startsWith(`${BASE}/`) && stamped.share.includes('#v1,'), `share link ${stamped.share}`)
    assert.ok(await page.isVisible('[data-testid="stamp-text-note"]'), 'offers to save the exact text')
    await shot(page, 'stamp-result-1280')

    // Neither downloaded nor copied: leaving through the site asks first; saying no stays.
    const dialogs = []
    page.on('dialog', (d) => {
      dialogs.push(d.message())
      void d.dismiss()
    })
    await page.click('nav a[href="/about"]')
    await page.waitForFunction(() => true)
    assert.equal(dialogs.length, 1, 'asked before leaving')
    assert.ok(await page.isVisible('[data-testid="stamp-result"]'), 'still on the result after saying no')

    // Copying the link counts as keeping it: then no question.
    await page.click('[data-testid="stamp-share-copy"]')
    assert.equal(await page.evaluate(() => navigator.clipboard.readText()), stamped.share)
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('[data-testid="stamp-download"]')])
    assert.match(download.suggestedFilename(), /^text-\d+\.ink\.json$/)
    const file = path.join(OUT, download.suggestedFilename())
    await download.saveAs(file)
    stamped.proofJson = readFileSync(file, 'utf8')
    stamped.proof = JSON.parse(stamped.proofJson)
    await page.click('nav a[href="/about"]')
    await page.waitForURL(`${BASE}/about`)
    assert.equal(dialogs.length, 1, 'no question once the proof was kept')

    // The proof is in this browser's history, with its id, after a reload too.
    await page.goto(`${BASE}/history`)
    await page.reload()
    await page.waitForSelector(`[data-testid="history"] [data-id="${stamped.id}"]`)
    await shot(page, 'history-1280')
    await context.close()
    assert.deepEqual(errors, [])

    const p = stamped.proof
    assert.equal(p.format, 'unchanging.ink/proof')
    assert.equal(p.data, sha512Data(stamped.text), 'the proof carries the data computed in the browser')
    assert.equal(p.timestamp.id, stamped.id)
    const i = p.timestamp.proof.interval.index
    assert.ok(stamped.compact.startsWith(`${p.authority}/${i}#v1,${p.timestamp.timestamp},`))
    const again = await getJson(`/api/v1/ts/${p.timestamp.id}/`)
    assert.equal(again.hash, p.timestamp.hash)
    assert.equal((await getJson(`/api/v1/mth/${i}`)).mth, p.timestamp.proof.head.mth)
  },
)

test('"Verify it now" carries the proof and the text, and every step passes', { timeout: SLOW * 2 }, async () => {
  const { page, context, errors } = await newPage()
  const text = `verify-now ${Math.random()}`
  await page.goto(`${BASE}/`)
  await page.fill('[data-testid="stamp-text"]', text)
  await page.waitForFunction((d) => document.querySelector('[data-testid="stamp-data"] code')?.textContent === d, sha512Data(text))
  await page.click('[data-testid="stamp-button"]')
  await page.waitForSelector('[data-testid="stamp-result"]', { timeout: SLOW })
  await page.click('[data-testid="stamp-verify-now"]')
  await page.waitForURL(`${BASE}/verify`)
  assert.equal(await page.inputValue('[data-testid="verify-text"]'), text, 'the text is filled in')
  assert.match(await page.inputValue('[data-testid="verify-proof-text"]'), /unchanging\.ink\/proof/, 'the proof is filled in')
  await page.waitForFunction(() => document.querySelector('[data-testid="verify-data"] code')?.textContent?.startsWith('sha512:'))
  await page.click('[data-testid="verify-button"]')
  const r = await readResult(page)
  assert.deepEqual(r.steps, ALL_PASS)
  assert.equal(r.summary.outcome, 'pass')
  // The result is focused for screen readers and keyboards.
  assert.equal(await page.evaluate(() => document.activeElement?.dataset.testid), 'verify-result')
  await shot(page, 'verify-pass-1280')
  await context.close()
  assert.deepEqual(errors, [])
})

test('stamping two files hashes them in the browser as PROTOCOL.md combines them', { timeout: SLOW * 2 }, async () => {
  const { createHash } = await import('node:crypto')
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
  const proof = JSON.parse(readFileSync(file, 'utf8'))
  assert.equal(proof.data, expected)
  assert.deepEqual(proof.files, ['alpha.txt', 'beta.bin'])
  assert.match(download.suggestedFilename(), /^files-\d+\.ink\.json$/)
})

test('a changed document fails at data and says what differs: both fingerprints and both file names', { timeout: SLOW }, async () => {
  const original = `doc ${Math.random()}\n`
  const proof = await stampViaApi(original, ['doc.txt'])
  const { page, context, errors } = await newPage()
  await page.goto(`${BASE}/verify`)
  await page.click('[data-testid="verify-tab-files"]')
  await page.setInputFiles('[data-testid="verify-files"]', { name: 'doc-tampered.txt', mimeType: 'text/plain', buffer: Buffer.from(original + 'x') })
  await page.fill('[data-testid="verify-proof-text"]', JSON.stringify(proof))
  await page.waitForFunction(() => document.querySelector('[data-testid="verify-data"] code')?.textContent?.startsWith('sha512:'))
  await page.click('[data-testid="verify-button"]')
  const r = await readResult(page)
  assert.equal(r.summary.failed, 'data')
  assert.equal(r.reasons.data, 'document_differs')
  assert.equal((await page.textContent('[data-testid="verify-claimed"]')).trim(), proof.data)
  assert.equal((await page.textContent('[data-testid="verify-given"]')).trim(), sha512Data(original + 'x'))
  assert.match(await page.textContent('[data-testid="verify-claimed-files"]'), /doc\.txt/)
  assert.match(await page.textContent('[data-testid="verify-given-files"]'), /doc-tampered\.txt/)
  // The proof's own chain is intact: only the document differs.
  for (const step of ['interval-path', 'ihash', 'inclusion', 'signature', 'current-head', 'consistency']) assert.equal(r.steps[step], 'pass', step)
  await shot(page, 'verify-document-differs')
  await context.close()
  assert.deepEqual(errors, [])
})

test("editing only the proof's data field: data fails, and the page says the document is the stamped one", { timeout: SLOW }, async () => {
  const text = `data-field ${Math.random()}`
  const proof = await stampViaApi(text)
  proof.data = sha512Data('something else')
  const { page, context, errors } = await newPage()
  const r = await verifyInBrowser(page, text, JSON.stringify(proof))
  assert.equal(r.summary.failed, 'data')
  assert.equal(r.reasons.data, 'data_field_altered')
  assert.equal(r.steps['ts-hash'], 'pass', 'the ts hash binds the time to this document')
  assert.match(r.text, /proof file's "data" field was edited/)
  assert.doesNotMatch(r.text, /proof is about another document/)
  await context.close()
  assert.deepEqual(errors, [])
})

test('a tampered proof fails at the tampered link; a broken file says line and column', { timeout: SLOW * 2 }, async () => {
  assert.ok(stamped.proof, 'needs the proof from the stamping test')
  const flip = (b64) => {
    const b = Buffer.from(b64, 'base64')
    b[0] ^= 1
    return b.toString('base64')
  }
  const { page, context, errors } = await newPage()
  const badSignature = structuredClone(stamped.proof)
  badSignature.timestamp.proof.head.signature = flip(badSignature.timestamp.proof.head.signature)
  let r = await verifyInBrowser(page, stamped.text, JSON.stringify(badSignature))
  assert.equal(r.summary.failed, 'signature')
  assert.equal(r.steps.data, 'pass')

  const badTime = structuredClone(stamped.proof)
  badTime.timestamp.timestamp = badTime.timestamp.timestamp.replace(/\d(?=Z$)/, (d) => String((Number(d) + 1) % 10))
  r = await verifyInBrowser(page, stamped.text, JSON.stringify(badTime))
  assert.equal(r.summary.failed, 'ts-hash')
  assert.equal(r.reasons['ts-hash'], 'hash_differs')

  const badIth = structuredClone(stamped.proof)
  badIth.timestamp.proof.interval.ith = flip(badIth.timestamp.proof.interval.ith)
  badIth.timestamp.proof.ith = badIth.timestamp.proof.interval.ith
  r = await verifyInBrowser(page, stamped.text, JSON.stringify(badIth))
  assert.equal(r.summary.failed, 'interval-path')
  assert.equal(r.steps.inclusion, 'fail')

  // One character removed: the comma after "version": 1 on line 3.
  const broken = JSON.stringify(stamped.proof, null, 2).replace('"version": 1,', '"version": 1')
  r = await verifyInBrowser(page, stamped.text, broken)
  assert.equal(r.summary.failed, 'proof-file')
  assert.match(await page.textContent('[data-testid="verify-problem"]'), /line 4, column \d+/)
  await shot(page, 'verify-broken-json')
  await context.close()
  assert.deepEqual(errors, [])
})

test('a compact string, and a timestamp id, verify with the text', { timeout: SLOW }, async () => {
  assert.ok(stamped.compact)
  const { page, context, errors } = await newPage()
  for (const proofText of [stamped.compact, stamped.id]) {
    await page.goto(`${BASE}/verify`)
    await page.fill('[data-testid="verify-text"]', stamped.text)
    await page.fill('[data-testid="verify-proof-text"]', proofText)
    await page.waitForFunction(() => document.querySelector('[data-testid="verify-data"] code')?.textContent?.startsWith('sha512:'))
    await page.click('[data-testid="verify-button"]')
    const r = await readResult(page)
    assert.equal(r.summary.outcome, 'pass', proofText)
  }
  // Fetched by id, the proof can be downloaded again.
  const [download] = await Promise.all([page.waitForEvent('download'), page.click('[data-testid="verify-download-fetched"]')])
  await download.saveAs(path.join(OUT, 'refetched.ink.json'))
  assert.equal(JSON.parse(readFileSync(path.join(OUT, 'refetched.ink.json'), 'utf8')).timestamp.id, stamped.id)
  await context.close()
  assert.deepEqual(errors, [])
})

test('the share link verifies the timestamp it carries, in the page', { timeout: SLOW }, async () => {
  assert.ok(stamped.share)
  const { page, context, errors } = await newPage()
  await page.goto(stamped.share)
  await page.waitForSelector('[data-testid="shared-verify"]')
  await page.fill('[data-testid="shared-text"]', stamped.text)
  await page.waitForFunction(() => document.querySelector('[data-testid="shared-data"] code')?.textContent?.startsWith('sha512:'))
  await page.click('[data-testid="shared-button"]')
  const r = await readResult(page)
  assert.equal(r.summary.outcome, 'pass')
  assert.equal(r.steps.data, 'skip')
  await shot(page, 'share-link-pass')
  // Another text does not verify with it.
  await page.fill('[data-testid="shared-text"]', stamped.text + ' ')
  await page.waitForFunction(() => !document.querySelector('[data-testid="shared-button"]')?.disabled)
  await page.click('[data-testid="shared-button"]')
  const other = await readResult(page)
  assert.equal(other.summary.failed, 'interval-path')
  await context.close()
  assert.deepEqual(errors, [])
})

test('the certificate shows the stamp and a QR code and prints on one A4 page', { timeout: SLOW * 2 }, async () => {
  const { page, context, errors } = await newPage()
  const text = `certificate ${Math.random()}`
  await page.goto(`${BASE}/`)
  await page.fill('[data-testid="stamp-text"]', text)
  await page.waitForFunction((d) => document.querySelector('[data-testid="stamp-data"] code')?.textContent === d, sha512Data(text))
  await page.click('[data-testid="stamp-button"]')
  await page.waitForSelector('[data-testid="stamp-result"]', { timeout: SLOW })
  const id = (await page.textContent('[data-testid="stamp-id"]')).trim()
  const compact = (await page.textContent('[data-testid="stamp-compact"]')).trim()
  await page.click('[data-testid="stamp-download"]')
  await page.click('[data-testid="stamp-certificate"]')
  await page.waitForURL(`${BASE}/certificate/${id}`)
  await page.waitForSelector('[data-testid="certificate-qr"] svg')
  assert.equal((await page.textContent('[data-testid="certificate-compact"]')).trim(), compact)
  await shot(page, 'certificate-1280')
  await page.emulateMedia({ media: 'print' })
  for (const format of ['A4', 'Letter']) {
    const pdf = await page.pdf({ format, printBackground: true })
    const pages = (pdf.toString('latin1').match(/\/Type\s*\/Page[^s]/g) ?? []).length
    assert.equal(pages, 1, `${format}: one page`)
  }
  await context.close()
  assert.deepEqual(errors, [])
})

test('the history re-fetches a proof by its id, downloads it, and deletes it', { timeout: SLOW }, async () => {
  assert.ok(stamped.id)
  const { page, context, errors } = await newPage()
  const proof = await stampViaApi(`history ${Math.random()}`)
  // A history as the stamp page leaves it in localStorage.
  await page.goto(`${BASE}/about`)
  await page.evaluate((p) => {
    localStorage.setItem(
      'ink-history',
      JSON.stringify([{ id: p.timestamp.id, savedAt: new Date().toISOString(), kind: 'text', files: [], proof: p, secured: false }]),
    )
  }, proof)
  await page.goto(`${BASE}/history`)
  const entry = `[data-testid="history"] [data-id="${proof.timestamp.id}"]`
  await page.waitForSelector(entry)
  await page.click(`${entry} [data-testid="history-refetch"]`)
  await page.waitForSelector(`${entry} [role="status"]`)
  assert.match(await page.textContent(`${entry} [role="status"]`), /fetched again/)
  const [download] = await Promise.all([page.waitForEvent('download'), page.click(`${entry} [data-testid="history-download"]`)])
  await download.saveAs(path.join(OUT, 'history.ink.json'))
  assert.equal(JSON.parse(readFileSync(path.join(OUT, 'history.ink.json'), 'utf8')).timestamp.id, proof.timestamp.id)
  await page.click(`${entry} [data-testid="history-delete"]`)
  await page.waitForSelector('[data-testid="history-empty"]')
  assert.equal(await page.evaluate(() => JSON.parse(localStorage.getItem('ink-history')).length), 0)
  await context.close()
  assert.deepEqual(errors, [])
})
