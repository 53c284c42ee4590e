#!/usr/bin/env node
// Writes tests/vectors/proof-files.json: good and tampered proof files with
// the verdict every verifier (the web page, `ink verify`) must reach. See
// README.md beside this file for the format.
//
//   node tests/vectors/generate-proof-files.mjs          # rewrite the file
//   node tests/vectors/generate-proof-files.mjs --check  # exit 1 if it differs
//
// Node's own crypto (SHA3-256, SHA-512, Ed25519) and a small canonical CBOR
// writer: no packages, and nothing shared with the verifiers under test.
// Ed25519 signatures are deterministic, so the output is byte-identical on
// every run.
import { createHash, sign } from 'node:crypto'
import { H, b64, cbor, keyFromSeed } from './primitives.mjs'
import { readFileSync, writeFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

const OUT = fileURLToPath(new URL('./proof-files.json', import.meta.url))

// ------------------------------------------------------------ primitives

const sha512hex = (bytes) => createHash('sha512').update(bytes).digest('hex')
const b64url = (bytes) => Buffer.from(bytes).toString('base64url')

const leafHash = (d) => H(Buffer.concat([Buffer.from([0]), d]))
const nodeHash = (l, r) => H(Buffer.concat([Buffer.from([1]), l, r]))
const split = (n) => {
  let k = 1
  while (k * 2 < n) k *= 2
  return k
}
// RFC 6962 section 2.1, from the definitions.
function mth(d) {
  if (d.length === 0) return H(Buffer.alloc(0))
  if (d.length === 1) return leafHash(d[0])
  const k = split(d.length)
  return nodeHash(mth(d.slice(0, k)), mth(d.slice(k)))
}
// PATH(m, D) with the protocol's `a`: bit j set when path[j] is a left sibling.
function path(m, d) {
  if (d.length <= 1) return { a: 0, nodes: [] }
  const k = split(d.length)
  if (m < k) {
    const sub = path(m, d.slice(0, k))
    return { a: sub.a, nodes: [...sub.nodes, mth(d.slice(k))] }
  }
  const sub = path(m - k, d.slice(k))
  return { a: sub.a + 2 ** sub.nodes.length, nodes: [...sub.nodes, mth(d.slice(0, k))] }
}
// PROOF(m, D) of RFC 6962 section 2.1.2.
function consistency(m, d) {
  const sub = (m, d, b) => {
    if (m === d.length) return b ? [] : [mth(d)]
    const k = split(d.length)
    if (m <= k) return [...sub(m, d.slice(0, k), b), mth(d.slice(k))]
    return [...sub(m - k, d.slice(k), false), mth(d.slice(0, k))]
  }
  return sub(m, d, true)
}

const tsHash = (data, timestamp) => H(cbor({ data, timestamp, typ: 'ts', version: '1' }))
const ihash = (index, timestamp, ith) => H(cbor({ index, timestamp, ith, typ: 'it', version: '1' }))
const dataOfBytes = (bytes) => `sha512:${sha512hex(bytes)}`
const dataOfText = (text) => dataOfBytes(Buffer.from(text, 'utf8'))
const dataOfFiles = (contents) => {
  const each = contents.map(dataOfBytes).sort()
  return each.length === 1 ? each[0] : dataOfText(`[${each.map((s) => `"${s}"`).join(', ')}]`)
}

const SERVICE = keyFromSeed(createHash('sha256').update('unchanging.ink proof-file vectors: service key').digest('hex'))
const STRANGER = keyFromSeed(createHash('sha256').update('unchanging.ink proof-file vectors: another key').digest('hex'))
const AUTHORITY = 'ink.example'

const clock = (second, micro = 0) =>
  `2026-01-15T10:${String(Math.floor(second / 60)).padStart(2, '0')}:${String(second % 60).padStart(2, '0')}.${String(micro).padStart(6, '0')}Z`

// ----------------------------------------------------------- one history

// Interval i closes at second 2i+2. Intervals 6 and 7 hold the stamps of the
// cases; the others hold nothing or strangers' stamps.
const TEXT = 'The agreement of 15 January 2026, final version.\n'
const FILES = [
  { name: 'contract.txt', content: Buffer.from('Contract, page 1 of 1.\n', 'utf8') },
  { name: 'appendix.bin', content: Buffer.from([0, 1, 2, 3, 254, 255]) },
]

function history(variant) {
  const intervals = []
  for (let i = 0; i < 10; i++) {
    const close = clock(2 * i + 2)
    let leaves = []
    if (i === 6) {
      const own = { data: dataOfText(TEXT), timestamp: clock(2 * i + 1, 250001) }
      const others = [
        { data: `sha512:${'11'.repeat(64)}`, timestamp: clock(2 * i + 1, 100000) },
        { data: `sha512:${'22'.repeat(64)}`, timestamp: clock(2 * i + 1, 900000) },
      ]
      // A fork: the same interval with other contents.
      if (variant === 'fork6') others[1].data = `sha512:${'33'.repeat(64)}`
      leaves = [others[0], own, others[1]]
    } else if (i === 7) {
      leaves = [{ data: dataOfFiles(FILES.map((f) => f.content)), timestamp: clock(2 * i + 1, 500000) }]
    } else if (i === 3 && variant === 'fork3') {
      leaves = [{ data: 'rewritten history', timestamp: clock(2 * i + 1) }]
    }
    // Interval leaves are ordered by timestamp, then hash.
    const hashed = leaves
      .map((l) => ({ ...l, hash: tsHash(l.data, l.timestamp) }))
      .sort((a, b) => (a.timestamp < b.timestamp ? -1 : a.timestamp > b.timestamp ? 1 : Buffer.compare(a.hash, b.hash)))
    intervals.push({ index: i, close, leaves: hashed, ith: mth(hashed.map((l) => l.hash)) })
  }
  const ihashes = intervals.map((iv) => ihash(iv.index, iv.close, iv.ith))
  const head = (i, key = SERVICE) => {
    const root = mth(ihashes.slice(0, i + 1))
    const inc = path(i, ihashes.slice(0, i + 1))
    const statement = cbor({ authority: AUTHORITY, interval: i, mth: root, typ: 'mth', version: '1' })
    const iv = intervals[i]
    return {
      authority: AUTHORITY,
      version: '1',
      mth: b64(root),
      interval: { index: i, timestamp: iv.close, ith: b64(iv.ith), typ: 'it', version: '1' },
      inclusion: { head: i, leaf: i, a: inc.a, nodes: inc.nodes.map(b64), version: '1' },
      consistency: i === 0 ? null : { old_interval: i - 1, new_interval: i, nodes: consistency(i, ihashes.slice(0, i + 1)).map(b64), version: '1' },
      signature: b64(sign(null, statement, key.privateKey)),
      key: key.id,
    }
  }
  const consistencyProof = (x, y) => ({
    old_interval: x,
    new_interval: y,
    nodes: consistency(x + 1, ihashes.slice(0, y + 1)).map(b64),
    version: '1',
  })
  // The answer of POST /api/v1/ts/ for the stamp with this data in interval i.
  const answer = (i, data, id) => {
    const iv = intervals[i]
    const m = iv.leaves.findIndex((l) => l.data === data)
    const p = path(m, iv.leaves.map((l) => l.hash))
    const h = head(i)
    return {
      hash: b64(iv.leaves[m].hash),
      timestamp: iv.leaves[m].timestamp,
      typ: 'ts',
      version: '1',
      id,
      interval: i,
      proof: {
        a: p.a,
        path: p.nodes.map(b64),
        ith: h.interval.ith,
        mth: `${AUTHORITY}/${i}#v1:${b64url(Buffer.from(h.mth, 'base64'))}`,
        interval: h.interval,
        inclusion: { head: i, leaf: i, a: h.inclusion.a, nodes: h.inclusion.nodes, version: '1' },
        head: { authority: AUTHORITY, interval: i, mth: h.mth, signature: h.signature, key: h.key },
      },
    }
  }
  return { head, consistencyProof, answer }
}

const real = history('real')
const fork6 = history('fork6')
const fork3 = history('fork3')

const textFile = () => ({
  format: 'unchanging.ink/proof',
  version: 1,
  authority: AUTHORITY,
  data: dataOfText(TEXT),
  files: ['agreement.txt'],
  timestamp: real.answer(6, dataOfText(TEXT), '0194a1b2-6000-7000-8000-000000000006'),
})
const filesFile = () => ({
  format: 'unchanging.ink/proof',
  version: 1,
  authority: AUTHORITY,
  data: dataOfFiles(FILES.map((f) => f.content)),
  files: FILES.map((f) => f.name),
  timestamp: real.answer(7, dataOfFiles(FILES.map((f) => f.content)), '0194a1b2-7000-7000-8000-000000000007'),
})
const text = (file) => JSON.stringify(file, null, 2) + '\n'
const flipB64 = (s, byte = 0) => {
  const b = Buffer.from(s, 'base64')
  b[byte] ^= 1
  return b64(b)
}
const textDocument = { text: TEXT }
const filesDocument = { files: FILES.map((f) => ({ name: f.name, content_hex: f.content.toString('hex') })) }

const cases = []
function add(name, description, expect, build, { document = textDocument, base = textFile, current = null } = {}) {
  const file = base()
  const out = build ? build(file) : file
  const data = document.text !== undefined ? dataOfText(document.text) : dataOfFiles(document.files.map((f) => Buffer.from(f.content_hex, 'hex')))
  cases.push({ name, description, document, data, proof_file: typeof out === 'string' ? out : text(out), current, expect })
}
const resign = (file, key = SERVICE) => {
  const h = file.timestamp.proof.head
  const statement = cbor({ authority: h.authority, interval: h.interval, mth: Buffer.from(h.mth, 'base64'), typ: 'mth', version: '1' })
  h.signature = b64(sign(null, statement, key.privateKey))
  h.key = key.id
}

// Good proofs.
add('text', 'A text stamped in interval 6, checked offline.', 'pass')
add('two-files', 'Two files stamped together in interval 7 (client conventions: sorted, joined, hashed again).', 'pass', null, {
  document: filesDocument,
  base: filesFile,
})
add('text-current-newer', 'The text proof, and the service now at head 9 with a consistency proof 6 -> 9.', 'pass', null, {
  current: { head: real.head(9), consistency: real.consistencyProof(6, 9) },
})
add('text-current-same', 'The service is still at head 6, the proof\'s own head.', 'pass', null, {
  current: { head: real.head(6), consistency: null },
})
add('files-current-newer', 'The two-file proof against head 9.', 'pass', null, {
  document: filesDocument,
  base: filesFile,
  current: { head: real.head(9), consistency: real.consistencyProof(7, 9) },
})

// The proof file itself.
add('json-broken', 'One character removed: the comma after "version": 1.', 'proof-file', (f) => text(f).replace('"version": 1,', '"version": 1'))
add('no-proof', 'The timestamp has no proof yet (proof null, interval null).', 'proof-file', (f) => {
  f.timestamp.proof = null
  f.timestamp.interval = null
  return f
})
add('mth-string-differs', 'The compact head string names another mth than the signed head.', 'proof-file', (f) => {
  f.timestamp.proof.mth = `${AUTHORITY}/6#v1:${b64url(H(Buffer.from('x')))}`
  return f
})
add('ith-fields-differ', 'proof.ith differs from proof.interval.ith.', 'proof-file', (f) => {
  f.timestamp.proof.ith = flipB64(f.timestamp.proof.ith)
  return f
})
add('file-authority-differs', 'The file\'s authority differs from the signed head\'s.', 'proof-file', (f) => {
  f.authority = 'other.example'
  return f
})

// The document.
add('document-changed', 'The document has one more newline than the stamped text.', 'data', null, { document: { text: TEXT + '\n' } })
add('data-field-edited', 'Only the proof\'s data field was changed; the document is the stamped one.', 'data', (f) => {
  f.data = dataOfText('something else')
  return f
})
add('one-file-missing', 'Only one of the two stamped files is given.', 'data', null, {
  document: { files: [filesDocument.files[0]] },
  base: filesFile,
})

// The links.
add('timestamp-changed', 'The ts timestamp moved by one microsecond; hash kept.', 'ts-hash', (f) => {
  f.timestamp.timestamp = f.timestamp.timestamp.replace(/1Z$/, '2Z')
  return f
})
add('hash-changed', 'The ts hash has one bit flipped.', 'ts-hash', (f) => {
  f.timestamp.hash = flipB64(f.timestamp.hash)
  return f
})
add('path-node-changed', 'A node of the interval path has one bit flipped.', 'interval-path', (f) => {
  f.timestamp.proof.path[0] = flipB64(f.timestamp.proof.path[0])
  return f
})
add('path-a-changed', 'The interval path\'s a has bit 0 flipped.', 'interval-path', (f) => {
  f.timestamp.proof.a ^= 1
  return f
})
add('ith-changed', 'Another ith in both places that carry it.', 'interval-path', (f) => {
  const ith = flipB64(f.timestamp.proof.ith)
  f.timestamp.proof.ith = ith
  f.timestamp.proof.interval.ith = ith
  return f
})
add('ts-after-interval', 'A ts later than its interval\'s close, hash recomputed, path kept.', 'interval-path', (f) => {
  f.timestamp.timestamp = clock(6 * 2 + 3)
  f.timestamp.hash = b64(tsHash(f.data, f.timestamp.timestamp))
  return f
})
add('inclusion-leaf-changed', 'The inclusion proof claims leaf 5, not the record\'s 6.', 'ihash', (f) => {
  f.timestamp.proof.inclusion.leaf = 5
  return f
})
add('interval-time-changed', 'The interval record\'s closing time changed: its ihash is not in the tree.', 'inclusion', (f) => {
  f.timestamp.proof.interval.timestamp = clock(6 * 2 + 2, 1)
  return f
})
add('inclusion-node-changed', 'A node of the inclusion proof has one bit flipped.', 'inclusion', (f) => {
  f.timestamp.proof.inclusion.nodes[0] = flipB64(f.timestamp.proof.inclusion.nodes[0])
  return f
})
add('inclusion-a-changed', 'The inclusion proof\'s a is not the one position 6 of 7 implies.', 'inclusion', (f) => {
  f.timestamp.proof.inclusion.a ^= 1
  return f
})
add('head-mth-changed', 'Another mth in the head and the compact string, signed anew by the service key.', 'inclusion', (f) => {
  const m = flipB64(f.timestamp.proof.head.mth)
  f.timestamp.proof.head.mth = m
  f.timestamp.proof.mth = `${AUTHORITY}/6#v1:${b64url(Buffer.from(m, 'base64'))}`
  resign(f)
  return f
})
add('signature-flipped', 'The head signature has one bit flipped.', 'signature', (f) => {
  f.timestamp.proof.head.signature = flipB64(f.timestamp.proof.head.signature, 10)
  return f
})
add('key-unknown', 'The head names a key id that is not in the key list.', 'signature', (f) => {
  f.timestamp.proof.head.key = '0000000000000000'
  return f
})
add('signed-by-another-key', 'A valid signature by a key that is not in the key list.', 'signature', (f) => {
  resign(f, STRANGER)
  return f
})
add('authority-changed', 'Another authority everywhere in the file; the signature is over the old one.', 'signature', (f) => {
  f.authority = 'other.example'
  f.timestamp.proof.head.authority = 'other.example'
  f.timestamp.proof.mth = f.timestamp.proof.mth.replace(AUTHORITY, 'other.example')
  return f
})

// The service's current head.
add('current-bad-signature', 'The current head 9 has a flipped signature.', 'current-head', null, {
  current: { head: { ...real.head(9), signature: flipB64(real.head(9).signature, 3) }, consistency: real.consistencyProof(6, 9) },
})
add('current-other-authority', 'The current head is another service\'s.', 'current-head', null, {
  current: { head: { ...real.head(9), authority: 'other.example' }, consistency: real.consistencyProof(6, 9) },
})
add('fork-same-interval', 'The service now shows another, validly signed head for interval 6.', 'consistency', null, {
  current: { head: fork6.head(6), consistency: null },
})
add('fork-earlier-history', 'A validly signed head 9 over a history where interval 3 was rewritten.', 'consistency', null, {
  current: { head: fork3.head(9), consistency: fork3.consistencyProof(6, 9) },
})
add('consistency-node-changed', 'The consistency proof 6 -> 9 has one node flipped.', 'consistency', null, {
  current: { head: real.head(9), consistency: { ...real.consistencyProof(6, 9), nodes: real.consistencyProof(6, 9).nodes.map((n, i) => (i === 0 ? flipB64(n) : n)) } },
})
add('consistency-missing', 'The service gave no consistency proof from 6 to 9.', 'consistency', null, {
  current: { head: real.head(9), consistency: null },
})
add('current-older', 'The service\'s current head is 5, older than the proof\'s 6: a rollback.', 'consistency', null, {
  current: { head: real.head(5), consistency: null },
})

const vectors = {
  description:
    'Proof files and the verdict every verifier must reach: "pass", or the name of the first failing step. Format: README.md beside this file. Generated by generate-proof-files.mjs; do not edit by hand.',
  steps: ['proof-file', 'data', 'proof', 'ts-hash', 'interval-path', 'ihash', 'inclusion', 'signature', 'current-head', 'consistency'],
  key: { seed_hex: createHash('sha256').update('unchanging.ink proof-file vectors: service key').digest('hex'), public_key_hex: SERVICE.raw.toString('hex') },
  keys: [{ key: SERVICE.id, public_key: b64(SERVICE.raw), algorithm: 'ed25519' }],
  cases,
}
const output = JSON.stringify(vectors, null, 2) + '\n'

if (process.argv.includes('--check')) {
  const current = readFileSync(OUT, 'utf8')
  if (current !== output) {
    console.error(`${OUT} differs from what the generator writes; run it without --check`)
    process.exit(1)
  }
  console.log(`${OUT}: up to date (${cases.length} cases)`)
} else {
  writeFileSync(OUT, output)
  console.log(`wrote ${OUT} (${cases.length} cases)`)
}
