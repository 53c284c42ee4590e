// Every case of the shared tests/vectors/proof-files.json, which `ink verify`
// checks too: the web verifier must reach the same verdict (pass, or the
// same first failing step).
import { execFileSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import * as ink from './ink'

const file = fileURLToPath(new URL('../../tests/vectors/proof-files.json', import.meta.url))
const generator = fileURLToPath(new URL('../../tests/vectors/generate-proof-files.mjs', import.meta.url))
const vectors = JSON.parse(readFileSync(file, 'utf8'))

interface Case {
  name: string
  document: { text?: string; files?: { name: string; content_hex: string }[] }
  data: string
  proof_file: string
  current: { head: ink.HeadJson; consistency: ink.ConsistencyJson | null } | null
  expect: string
}

async function dataOf(document: Case['document']): Promise<string> {
  if (document.text !== undefined) return ink.dataForText(document.text)
  return ink.dataForFiles(document.files!.map((f) => ink.fromHex(f.content_hex)))
}

/** The verdict as the page reaches it: 'pass' or the first failing step. */
async function verdict(c: Case): Promise<{ verdict: string; steps: ink.Step[] }> {
  const read = ink.readProofFile(c.proof_file)
  if (!read.ok) return { verdict: 'proof-file', steps: [] }
  const m = ink.materialFromProofFile(read.file)
  if ('error' in m) return { verdict: 'proof-file', steps: [] }
  const steps = ink.verifyOffline(await dataOf(c.document), m, vectors.keys)
  if (c.current) steps.push(...ink.verifyAgainstCurrent(m.head, c.current.head, c.current.consistency, vectors.keys))
  return { verdict: ink.firstFailure(steps)?.id ?? 'pass', steps }
}

describe('shared proof-file vectors', () => {
  it('the file is what the generator writes, with good and bad cases for every step', () => {
    execFileSync(process.execPath, [generator, '--check'], { stdio: 'pipe' })
    const expected = new Set(vectors.cases.map((c: Case) => c.expect))
    for (const step of ['pass', 'proof-file', 'data', 'ts-hash', 'interval-path', 'ihash', 'inclusion', 'signature', 'current-head', 'consistency'])
      expect(expected.has(step), step).toBe(true)
    expect(vectors.steps).toEqual([...ink.STEP_ORDER])
  })

  it('the key in the file is the one its seed gives', async () => {
    const { ed25519 } = await import('@noble/curves/ed25519.js')
    const publicKey = ed25519.getPublicKey(ink.fromHex(vectors.key.seed_hex))
    expect(ink.toHex(publicKey)).toBe(vectors.key.public_key_hex)
    expect(vectors.keys).toEqual([ink.keyJsonOf(publicKey)])
  })

  for (const c of vectors.cases as Case[]) {
    it(`${c.name}: ${c.expect}`, async () => {
      expect(await dataOf(c.document)).toBe(c.data)
      const { verdict: got, steps } = await verdict(c)
      expect(got, JSON.stringify(steps.filter((s) => s.status !== 'pass'))).toBe(c.expect)
      // A passing proof passes every step (none merely unchecked).
      if (c.expect === 'pass') expect(ink.outcome(steps)).toBe('pass')
    })
  }

  it('a broken proof file says where the JSON breaks', () => {
    const broken = vectors.cases.find((c: Case) => c.name === 'json-broken') as Case
    const r = ink.readProofFile(broken.proof_file)
    expect(r).toMatchObject({ ok: false, reason: 'json', line: 4 })
  })
})
