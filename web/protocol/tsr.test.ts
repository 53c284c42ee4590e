// RFC 3161 tokens made at test time by `openssl ts -reply` (as the TSA of
// tests/rfc3161/rfc3161_test.sh does), read and checked by tsr.ts.
import { execFileSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { toHex } from './encoding'
import type { TimestampJson } from './records'
import { checkToken, checkTokenSignature, clockFromGeneralizedTime, imprintData, imprintOf, readToken, type TokenCheckInputs } from './tsr'

let dir = ''
const file = (name: string) => join(dir, name)
const bytes = (name: string) => new Uint8Array(readFileSync(file(name)))
const text = (name: string) => readFileSync(file(name), 'utf8')
function openssl(...args: string[]): string {
  return execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] }).toString()
}

/** A root CA and a TSA certificate under it (critical timeStamping), named by prefix. */
function makePki(prefix: string) {
  openssl(
    'req',
    '-x509',
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:P-256',
    '-noenc',
    '-days',
    '2',
    '-subj',
    `/CN=${prefix} root`,
    '-addext',
    'basicConstraints=critical,CA:true',
    '-addext',
    'keyUsage=critical,keyCertSign,cRLSign',
    '-keyout',
    `${prefix}-root.key`,
    '-out',
    `${prefix}-root.pem`,
  )
  openssl(
    'req',
    '-new',
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:P-256',
    '-noenc',
    '-subj',
    `/CN=${prefix} tsa`,
    '-keyout',
    `${prefix}-tsa.key`,
    '-out',
    `${prefix}-tsa.csr`,
  )
  openssl(
    'x509',
    '-req',
    '-in',
    `${prefix}-tsa.csr`,
    '-CA',
    `${prefix}-root.pem`,
    '-CAkey',
    `${prefix}-root.key`,
    '-CAcreateserial',
    '-days',
    '2',
    '-extfile',
    'tsa.ext',
    '-out',
    `${prefix}-tsa.pem`,
  )
}

/** A reply for file F's query signed by prefix's TSA; the serial file holds the serial used, in hex. */
function reply(prefix: string, query: string, out: string, serialBefore: string) {
  writeFileSync(file('serial'), `${serialBefore}\n`)
  openssl('ts', '-reply', '-config', 'tsa.cnf', '-queryfile', query, '-signer', `${prefix}-tsa.pem`, '-inkey', `${prefix}-tsa.key`, '-out', out)
  return text('serial').trim().toLowerCase()
}

let serial = ''
let chainPem = ''
let F = new Uint8Array()

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'tsr-test-'))
  writeFileSync(file('tsa.ext'), 'basicConstraints=critical,CA:false\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=critical,timeStamping\n')
  // clock_precision_digits = 6: genTime with microseconds, as the service's TSA writes it.
  writeFileSync(
    file('tsa.cnf'),
    '[ tsa ]\ndefault_tsa = t\n[ t ]\nserial = ./serial\nsigner_digest = sha256\ndefault_policy = 1.2.3.4\n' +
      'digests = sha256, sha512, sha3-256\ness_cert_id_alg = sha256\nclock_precision_digits = 6\naccuracy = secs:1\n',
  )
  makePki('ink')
  makePki('other')
  F = new Uint8Array(Array.from({ length: 3000 }, (_, i) => (i * 7919) & 0xff))
  writeFileSync(file('F'), F)
  openssl('ts', '-query', '-sha512', '-cert', '-data', 'F', '-out', 'F.tsq')
  // openssl writes back the serial it used: one more than the file held.
  serial = reply('ink', 'F.tsq', 'F.tsr', '0123456789abcdef0123456789abcdee')
  openssl('ts', '-reply', '-in', 'F.tsr', '-token_out', '-out', 'F.token')
  openssl('ts', '-query', '-sha3-256', '-data', 'F', '-out', 'F3.tsq')
  reply('ink', 'F3.tsq', 'F3.tsr', '01')
  reply('other', 'F.tsq', 'other.tsr', '0123456789abcdef0123456789abcdee')
  openssl('ts', '-query', '-sha1', '-data', 'F', '-out', 'sha1.tsq')
  reply('ink', 'sha1.tsq', 'refused.tsr', '02')
  writeFileSync(file('long'), '')
  reply('ink', 'F.tsq', 'long.tsr', 'ff0123456789abcdef0123456789abcdef')
  reply('ink', 'F.tsq', 'high.tsr', 'fffffffffffffffffffffffffffffffe')
  chainPem = text('ink-tsa.pem') + text('ink-root.pem')
})

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true })
})

function read(name: string) {
  const r = readToken(bytes(name))
  if (!r.ok) throw new Error(`${name}: ${r.reason}`)
  return r
}

describe('readToken', () => {
  it('reads a granted reply: serial as ts id, genTime with microseconds, the imprint', () => {
    const { token } = read('F.tsr')
    expect(token.serialHex).toBe(serial.replace(/^0+/, ''))
    const h = serial.padStart(32, '0')
    expect(token.id).toBe(`${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`)
    expect(token.timestamp).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/)
    const said = /Time stamp: .*?(\d{2}:\d{2}:\d{2})\.(\d+) /.exec(openssl('ts', '-reply', '-in', 'F.tsr', '-text'))
    expect(said).not.toBeNull()
    expect(token.timestamp.slice(11, 26)).toBe(`${said![1]}.${said![2]!.padEnd(6, '0')}`)
    expect(token.imprintAlgorithm).toBe('sha512')
    expect(token.policy).toBe('1.2.3.4')
    expect(token.nonce).not.toBeNull()
  })

  it('reads a 128-bit serial with its high bit set (a DER INTEGER with a leading zero byte) as a ts id', () => {
    const { token } = read('high.tsr')
    expect(token.serialHex).toBe('f'.repeat(32))
    expect(token.id).toBe('ffffffff-ffff-ffff-ffff-ffffffffffff')
  })

  it('reads a bare token the same as its reply', () => {
    const bare = read('F.token').token
    const resp = read('F.tsr').token
    expect(bare).toEqual(resp)
  })

  it('gives the imprint as ts data in the client convention', async () => {
    const { token } = read('F.tsr')
    expect(imprintData(token)).toBe(`sha512:${toHex(await imprintOf('sha512', F))}`)
    const d = new Uint8Array(await globalThis.crypto.subtle.digest('SHA-512', F))
    expect(toHex(token.imprint)).toBe(toHex(d))
    expect(read('F3.tsr').token.imprintAlgorithm).toBe('sha3-256')
  })

  it('says a refusal is not a token', () => {
    const r = readToken(bytes('refused.tsr'))
    expect(r.ok).toBe(false)
    expect(!r.ok && r.reason).toBe('refused')
    expect(!r.ok && r.reason === 'refused' && r.status).toBe(2)
  })

  it('says other bytes are not a token', () => {
    expect(readToken(new Uint8Array([1, 2, 3]))).toMatchObject({ ok: false, reason: 'not_der' })
    const der = bytes('F.tsr')
    expect(readToken(new Uint8Array([...der, 0]))).toMatchObject({ ok: false, reason: 'not_der' })
    expect(readToken(bytes('ink-root.pem'))).toMatchObject({ ok: false })
  })

  it('reads genTime to the microsecond and refuses what is no instant', () => {
    expect(clockFromGeneralizedTime('20260115100000.12Z')).toBe('2026-01-15T10:00:00.120000Z')
    expect(clockFromGeneralizedTime('20260115100000Z')).toBe('2026-01-15T10:00:00.000000Z')
    expect(clockFromGeneralizedTime('20260115100000.1234567Z')).toBeNull()
    expect(clockFromGeneralizedTime('20260231100000Z')).toBeNull()
    expect(clockFromGeneralizedTime('20260115100000')).toBeNull()
  })
})

describe('checkTokenSignature', () => {
  it('holds for the TSA chain, also with the signing certificate only in the chain given', async () => {
    expect(await checkTokenSignature(read('F.tsr'), chainPem)).toBeNull()
    expect(await checkTokenSignature(read('F.token'), chainPem)).toBeNull()
    // F3.tsq asked for no certificate: the token carries none.
    expect(await checkTokenSignature(read('F3.tsr'), chainPem)).toBeNull()
  })

  it('fails for a flipped byte of the imprint', async () => {
    const der = bytes('F.tsr')
    const imprint = read('F.tsr').token.imprint
    const at = Buffer.from(der).indexOf(Buffer.from(imprint))
    expect(at).toBeGreaterThan(0)
    der[at + 10]! ^= 1
    const flipped = readToken(der)
    expect(flipped.ok).toBe(true)
    expect(await checkTokenSignature(flipped as Extract<typeof flipped, { ok: true }>, chainPem)).toMatch(/changed/)
  })

  it('fails for a changed signature', async () => {
    const der = bytes('F.tsr')
    const { signedData } = read('F.tsr')
    const signature = new Uint8Array(signedData.signerInfos[0]!.signature.valueBlock.valueHexView)
    const at = Buffer.from(der).indexOf(Buffer.from(signature))
    expect(at).toBeGreaterThan(0)
    der[at + signature.length - 3]! ^= 1
    const changed = readToken(der)
    expect(changed.ok).toBe(true)
    expect(await checkTokenSignature(changed as Extract<typeof changed, { ok: true }>, chainPem)).toMatch(/signature/)
  })

  it("fails for a token of another CA's TSA", async () => {
    expect(await checkTokenSignature(read('other.tsr'), chainPem)).toMatch(/chain|neither/)
    // ... and holds for that CA's own chain, so it is the chain that fails.
    expect(await checkTokenSignature(read('other.tsr'), text('other-tsa.pem') + text('other-root.pem'))).toBeNull()
  })

  it('fails without a root to trust', async () => {
    expect(await checkTokenSignature(read('F.tsr'), text('ink-tsa.pem'))).toMatch(/no self-signed root/)
  })

  it('fails when the chain is checked after the certificates expired', async () => {
    const later = new Date(Date.now() + 10 * 24 * 3600 * 1000)
    expect(await checkTokenSignature(read('F.tsr'), chainPem, later)).toMatch(/chain/)
  })
})

describe('checkToken', () => {
  const ts = (over: Partial<TimestampJson> = {}): TimestampJson => {
    const { token } = read('F.tsr')
    return { hash: '', timestamp: token.timestamp, typ: 'ts', version: '1', id: token.id!, interval: 1, proof: null, ...over }
  }
  const inputs = (over: Partial<TokenCheckInputs> = {}): TokenCheckInputs => ({
    der: bytes('F.tsr'),
    certificatesPem: async () => chainPem,
    digest: (algorithm) => imprintOf(algorithm, F),
    findTs: async () => ts(),
    ...over,
  })
  const summary = (steps: { id: string; status: string; reason?: string }[]) => steps.map((s) => `${s.id}:${s.status}${s.reason ? `:${s.reason}` : ''}`)

  it('passes every step for the file, its token and its log entry, and gives the proof data', async () => {
    const r = await checkToken(inputs())
    expect(summary(r.steps)).toEqual(['token:pass', 'tsa-signature:pass', 'imprint:pass', 'log-entry:pass'])
    expect(r.data).toBe(`sha512:${toHex(await imprintOf('sha512', F))}`)
    expect(r.ts?.id).toBe(r.token?.id)
  })

  it('fails at imprint for a changed file', async () => {
    const changed = F.slice()
    changed[0]! ^= 1
    const r = await checkToken(inputs({ digest: (algorithm) => imprintOf(algorithm, changed) }))
    expect(summary(r.steps)).toEqual(['token:pass', 'tsa-signature:pass', 'imprint:fail'])
  })

  it('fails at tsa-signature for another TSA', async () => {
    const r = await checkToken(inputs({ der: bytes('other.tsr') }))
    expect(summary(r.steps)).toEqual(['token:pass', 'tsa-signature:fail'])
  })

  it('fails at token for a refusal and for a serial longer than 128 bits', async () => {
    expect(summary((await checkToken(inputs({ der: bytes('refused.tsr') }))).steps)).toEqual(['token:fail:refused'])
    expect(summary((await checkToken(inputs({ der: bytes('long.tsr') }))).steps)).toEqual(['token:fail:serial_too_long'])
  })

  it('fails at log-entry when the log has no such ts, or has it at another time', async () => {
    expect(summary((await checkToken(inputs({ findTs: async () => 'missing' }))).steps).at(-1)).toBe('log-entry:fail:missing')
    const other = await checkToken(inputs({ findTs: async () => ts({ timestamp: '2020-01-01T00:00:00.000000Z' }) }))
    expect(summary(other.steps).at(-1)).toBe('log-entry:fail:other_time')
    expect(other.ts).toBeNull()
  })

  it('leaves steps unchecked when the service is out of reach', async () => {
    const r = await checkToken(inputs({ certificatesPem: async () => null, findTs: async () => 'unreachable' }))
    expect(summary(r.steps)).toEqual(['token:pass', 'tsa-signature:unchecked:certificates_unreachable'])
    expect(r.ts).toBeNull()
  })
})
