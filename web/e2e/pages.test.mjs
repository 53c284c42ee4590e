// Pages for everyone: the interval page, unknown paths, no JavaScript,
// keyboard use, German, and no serious or critical accessibility violation
// (axe) on any page, light and dark, desktop and phone.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import AxeBuilderModule from '@axe-core/playwright'
import { BASE, DESKTOP, PHONE, SLOW, b64ToHex, getJson, newPage, shot, stampViaApi, useBrowser } from './browser.mjs'

const AxeBuilder = AxeBuilderModule.default ?? AxeBuilderModule
useBrowser()

let proof = null
const text = `pages ${Math.random()}`

test('the interval page renders the head, server-side, and checks it in the browser', { timeout: SLOW }, async () => {
  proof = await stampViaApi(text)
  const i = proof.timestamp.proof.interval.index
  const head = await getJson(`/api/v1/mth/${i}`)
  const res = await fetch(`${BASE}/${i}`)
  assert.equal(res.status, 200)
  const html = await res.text()
  assert.ok(html.includes(b64ToHex(head.mth)), 'the first HTML shows mth_i')
  assert.match(html, /<title>Interval \d+ · unchanging\.ink<\/title>/)

  const { page, context, errors } = await newPage()
  await page.goto(`${BASE}/${i}`)
  assert.equal((await page.textContent('[data-testid="interval-mth"]')).trim(), b64ToHex(head.mth))
  await page.waitForFunction(
    () =>
      document.querySelectorAll('[data-testid="steps"] [data-step]').length === 5 && !document.querySelector('[data-testid="steps"] [data-status="pending"]'),
  )
  const steps = await page.$$eval('[data-testid="steps"] [data-step]', (els) => Object.fromEntries(els.map((e) => [e.dataset.step, e.dataset.status])))
  assert.deepEqual(steps, { ihash: 'pass', inclusion: 'pass', signature: 'pass', 'current-head': 'pass', consistency: 'pass' })
  assert.equal(await page.$('[data-testid="interval-fragment"]'), null, 'no head string in the address, nothing to compare')

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
})

test('an interval that does not exist yet says so and links to the newest, inside the layout', { timeout: SLOW }, async () => {
  const missing = await fetch(`${BASE}/999999999999`)
  assert.equal(missing.status, 404, 'an interval beyond the newest is a 404')
  const { page, context, errors } = await newPage()
  await page.goto(`${BASE}/999999999999`)
  assert.match(await page.textContent('[data-testid="interval-missing"]'), /There is no interval 999999999999 yet/)
  assert.equal(await page.$('[data-testid="interval-next"]'), null)
  assert.ok(!(await page.textContent('main')).includes('Newest interval\n'))
  const newest = Number(await page.getAttribute('[data-testid="interval-newest"]', 'href').then((h) => h.slice(1)))
  assert.ok(newest >= 0)
  assert.ok(await page.isVisible('nav a[href="/verify"]'), 'the site navigation is there')
  await context.close()
  assert.deepEqual(errors, [])
})

test("unknown paths get the site's layout, a real title and a 404, without a console error", { timeout: SLOW }, async () => {
  for (const p of ['/no/such/page', '/abc', '/12abc']) {
    const res = await fetch(BASE + p)
    assert.equal(res.status, 404, p)
    const { page, context, errors } = await newPage()
    await page.goto(BASE + p)
    await page.waitForSelector('[data-testid="not-found"]')
    assert.equal(await page.title(), 'This page does not exist. · unchanging.ink')
    assert.ok(await page.isVisible('nav a[href="/"]'))
    await page.waitForSelector('[data-testid="live-indicator"]')
    await context.close()
    assert.deepEqual(errors, [], p)
  }
})

test('without JavaScript: a note says what works, and nothing claims to be connecting', { timeout: SLOW }, async () => {
  const { page, context } = await newPage({ javaScriptEnabled: false })
  await page.goto(`${BASE}/`)
  assert.match(await page.textContent('[data-testid="noscript"]'), /needs JavaScript to stamp and to verify/)
  assert.equal(await page.$('[data-testid="live-indicator"]'), null)
  assert.ok((await page.$$('[data-testid="heads"] [data-head-index]')).length > 0, 'the newest heads are listed')
  await shot(page, 'home-noscript')
  await context.close()
})

test('keyboard: a skip link, Text/Files tabs that follow the arrow keys', { timeout: SLOW }, async () => {
  const { page, context, errors } = await newPage()
  await page.goto(`${BASE}/`)
  await page.keyboard.press('Tab')
  assert.equal(await page.evaluate(() => document.activeElement?.className), 'skip-link')
  await page.keyboard.press('Enter')
  assert.equal(await page.evaluate(() => document.activeElement?.id), 'main')
  await page.focus('[data-testid="stamp-tab-text"]')
  assert.equal(await page.getAttribute('[data-testid="stamp-tab-text"]', 'role'), 'tab')
  await page.keyboard.press('ArrowRight')
  assert.equal(await page.evaluate(() => document.activeElement?.dataset.testid), 'stamp-tab-files')
  assert.equal(await page.getAttribute('[data-testid="stamp-tab-files"]', 'aria-selected'), 'true')
  assert.equal(await page.getAttribute('[data-testid="stamp-tab-text"]', 'tabindex'), '-1')
  await page.keyboard.press('ArrowLeft')
  assert.equal(await page.getAttribute('[data-testid="stamp-tab-text"]', 'aria-selected'), 'true')
  await context.close()
  assert.deepEqual(errors, [])
})

test('no serious or critical accessibility violations on any page, light and dark; screenshots', { timeout: SLOW * 6 }, async () => {
  assert.ok(proof)
  const i = proof.timestamp.proof.interval.index
  const pages = {
    home: '/',
    verify: '/verify',
    history: '/history',
    about: '/about',
    interval: `/${i}`,
    certificate: `/certificate/${proof.timestamp.id}`,
    missing: '/no/such',
  }
  const found = []
  for (const scheme of ['light', 'dark']) {
    for (const [label, viewport] of [
      ['1280', DESKTOP],
      ['390', PHONE],
    ]) {
      const { page, context, errors } = await newPage({ viewport, colorScheme: scheme })
      // The certificate and the history show the stamp kept in this browser.
      await page.goto(`${BASE}/about`)
      await page.evaluate((p) => {
        localStorage.setItem(
          'ink-history',
          JSON.stringify([{ id: p.timestamp.id, savedAt: new Date().toISOString(), kind: 'text', files: [], proof: p, secured: true }]),
        )
      }, proof)
      for (const [name, p] of Object.entries(pages)) {
        await page.goto(BASE + p)
        await page.waitForSelector('[data-testid="live-indicator"]', { state: 'attached' })
        if (name === 'interval') await page.waitForFunction(() => !document.querySelector('[data-testid="steps"] [data-status="pending"]'))
        if (name === 'certificate') await page.waitForSelector('[data-testid="certificate-qr"] svg')
        if (label === '1280' || name !== 'missing') await shot(page, `${name}-${label}-${scheme}`)
        // Only the desktop pass runs axe: the phone layout shares every colour and element.
        if (label !== '1280') continue
        const result = await new AxeBuilder({ page }).analyze()
        for (const v of result.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical'))
          found.push(
            `${scheme} ${name}: ${v.id} (${v.impact}) ${v.nodes
              .map((n) => n.target.join(' '))
              .slice(0, 3)
              .join(' | ')}`,
          )
      }
      await context.close()
      assert.deepEqual(errors, [])
    }
  }
  assert.deepEqual(found, [])
})

test('German from the browser, with natural words for the list', { timeout: SLOW }, async () => {
  const res = await fetch(`${BASE}/about`, { headers: { 'accept-language': 'de-DE,de;q=0.9,en;q=0.5' } })
  const html = await res.text()
  assert.ok(html.includes('So funktioniert es') && html.includes('lang="de"'), 'German chosen from Accept-Language')
  const { page, context, errors } = await newPage({ viewport: PHONE, locale: 'de-DE' })
  await page.goto(`${BASE}/`)
  await page.waitForSelector('[data-testid="heads"] [data-head-index]')
  assert.equal(await page.getAttribute('html', 'lang'), 'de')
  assert.ok(!(await page.textContent('main')).includes('Neueste Köpfe'))
  await shot(page, 'home-390-de')
  await page.click('[data-testid="lang-en"]')
  await page.waitForFunction(() => document.documentElement.lang === 'en')
  await context.close()
  assert.deepEqual(errors, [])
})
