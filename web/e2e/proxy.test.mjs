// Through nginx as the public sees it: the web page knows its public URL,
// the API sees each client's own address, text is compressed, hashed assets
// are cached for good, and pages of other origins may use the public API
// (never the metrics).
import assert from 'node:assert/strict'
import { createServer, request } from 'node:http'
import { test } from 'node:test'
import { BASE, SLOW, newPage, useBrowser } from './browser.mjs'

useBrowser()

test("the server-rendered pages use the public URL, not the upstream's name", { timeout: SLOW }, async () => {
  const about = await (await fetch(`${BASE}/about`)).text()
  assert.ok(about.includes(`ink key --server ${BASE}`), 'the about page tells the public URL')
  assert.ok(!/ink_web|ink_backend/.test(about))
  for (const p of ['/_web/mth/x', '/api/v1/nothing', '/no/such/page']) {
    const body = await (await fetch(BASE + p)).text()
    assert.ok(!/ink_web|ink_backend/.test(body), `${p} does not leak the upstream's name`)
  }
  // Loaded in a browser, the about page hydrates without a mismatch (same URL on both sides).
  const { page, context, errors } = await newPage()
  await page.goto(`${BASE}/about`)
  await page.waitForSelector('[data-testid="live-indicator"]')
  assert.ok((await page.textContent('main')).includes(`ink key --server ${BASE}`))
  await context.close()
  assert.deepEqual(errors, [])
})

/** POST /api/v1/ts/ from a given loopback source address. */
function postFrom(localAddress) {
  return new Promise((resolve, reject) => {
    const body = JSON.stringify({ data: `sha512:${'ab'.repeat(64)}` })
    const req = request(
      `${BASE}/api/v1/ts/`,
      { method: 'POST', localAddress, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } },
      (res) => {
        res.resume()
        res.on('end', () => resolve(res.statusCode))
      },
    )
    req.on('error', reject)
    req.end(body)
  })
}

test("the API rate-limits each client by its own address, not the proxy's", { timeout: SLOW * 2 }, async () => {
  // nginx's own limit is lifted for this stack (scripts/e2e-web.sh), so a 429 here is the backends'.
  let status = 200
  let sent = 0
  while (status !== 429 && sent < 2000) {
    status = await postFrom('127.0.0.2')
    sent++
    assert.ok(status === 200 || status === 429, `answer ${status}`)
  }
  assert.equal(status, 429, `the backends limit one busy client (after ${sent} requests)`)
  // Another client, at the same moment, is not held back by the first one's bucket.
  const others = []
  for (let i = 0; i < 6; i++) others.push(await postFrom('127.0.0.3'))
  assert.deepEqual(others, [200, 200, 200, 200, 200, 200])
})

test('text is compressed, hashed assets are immutable', { timeout: SLOW }, async () => {
  const home = await fetch(`${BASE}/`, { headers: { 'accept-encoding': 'br, gzip' } })
  assert.match(home.headers.get('content-encoding') ?? '', /^(br|gzip)$/)
  const html = await home.text()
  const asset = /\/_nuxt\/[A-Za-z0-9_.-]+\.js/.exec(html)?.[0]
  assert.ok(asset, 'the page loads a hashed script')
  const res = await fetch(BASE + asset, { headers: { 'accept-encoding': 'gzip' } })
  assert.equal(res.status, 200)
  assert.equal(res.headers.get('content-encoding'), 'gzip')
  assert.equal(res.headers.get('cache-control'), 'public, max-age=31536000, immutable')
  const json = await fetch(`${BASE}/api/v1/mth/current`, { headers: { 'accept-encoding': 'gzip' } })
  assert.equal(json.status, 200)
})

test('a page on another origin can read heads, proofs and keys and stamp, but not read the metrics', { timeout: SLOW * 2 }, async () => {
  // A third-party page, served from another origin (another port).
  const server = createServer((req, res) => {
    res.writeHead(200, { 'content-type': 'text/html' })
    res.end('<!doctype html><title>third party</title><p>elsewhere</p>')
  })
  await new Promise((r) => server.listen(0, '127.0.0.1', r))
  const origin = `http://127.0.0.1:${server.address().port}`
  const { page, context, errors } = await newPage()
  await page.goto(origin)
  const result = await page.evaluate(async (base) => {
    const out = {}
    const get = async (p) => {
      try {
        const r = await fetch(base + p, { headers: { accept: 'application/json' } })
        return r.status
      } catch {
        return 'blocked'
      }
    }
    out.current = await get('/api/v1/mth/current')
    out.keys = await get('/api/v1/keys')
    out.head0 = await get('/api/v1/mth/0')
    // A JSON POST needs the preflight.
    const r = await fetch(`${base}/api/v1/ts/?wait`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ data: 'third-party' }),
    })
    const answer = await r.json()
    out.post = r.status
    out.location = r.headers.get('location')
    out.proof = await get(`/api/v1/ts/${answer.id}/`)
    out.metrics = await get('/api/metrics')
    out.ready = await get('/api/ready')
    return out
  }, BASE)
  await context.close()
  server.close()
  assert.deepEqual(result, {
    current: 200,
    keys: 200,
    head0: 200,
    post: 200,
    location: result.location,
    proof: 200,
    metrics: 'blocked',
    ready: 'blocked',
  })
  assert.match(result.location ?? '', /^\/api\/v1\/ts\/[0-9a-f-]{36}\/$/)
  assert.ok(
    errors.every((e) => /CORS|Access-Control|metrics|ready/.test(e)),
    errors.join('\n'),
  )
})
