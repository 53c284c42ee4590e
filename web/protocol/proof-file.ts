// Proof files (PROTOCOL.md "Proof file"): making one from an answer, and
// reading one strictly, saying where it is broken: the JSON's line and
// column, or the field that is missing, malformed, or disagrees with
// another field that repeats it. The rules are those of `ink verify`.
import { parseHeadCompact } from './compact'
import { decodeBase64, decodeBase64List } from './encoding'
import { CLOCK_FORM, type TimestampJson } from './records'

export interface ProofFile {
  format: 'unchanging.ink/proof'
  version: 1
  authority: string
  data: string
  files: string[]
  timestamp: TimestampJson
}

export function makeProofFile(answer: TimestampJson, data: string, files: string[]): ProofFile {
  if (!answer.proof) throw new Error('the timestamp has no proof yet')
  const authority = answer.proof.head?.authority ?? parseHeadCompact(answer.proof.mth)?.authority ?? ''
  return { format: 'unchanging.ink/proof', version: 1, authority, data, files, timestamp: answer }
}

export type ProofFileProblem =
  | { reason: 'json'; line: number; column: number }
  | { reason: 'not_proof_file' }
  | { reason: 'no_proof' }
  | { reason: 'field'; field: string; problem: FieldProblem; other?: string }
export type FieldProblem = 'missing' | 'wrong_type' | 'not_base64' | 'wrong_length' | 'not_clock' | 'not_utf8_256' | 'differs'

export type ProofFileResult = { ok: true; file: ProofFile; extensions: boolean } | ({ ok: false } & ProofFileProblem)

/** Line and column (1-based) of a character offset. */
export function lineColumn(text: string, offset: number): { line: number; column: number } {
  const before = text.slice(0, Math.max(0, Math.min(offset, text.length)))
  const lines = before.split('\n')
  return { line: lines.length, column: lines.at(-1)!.length + 1 }
}

/** Where JSON.parse stopped, from its message (V8 says position and often line/column). */
export function jsonErrorPlace(text: string, error: unknown): { line: number; column: number } {
  const message = String((error as Error)?.message ?? error)
  const lc = /line (\d+) column (\d+)/.exec(message)
  if (lc) return { line: Number(lc[1]), column: Number(lc[2]) }
  const pos = /position (\d+)/.exec(message)
  return lineColumn(text, pos ? Number(pos[1]) : text.length)
}

const isUint = (v: unknown): v is number => Number.isSafeInteger(v) && (v as number) >= 0
const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v)

class FieldError extends Error {
  constructor(
    readonly field: string,
    readonly problem: FieldProblem,
    readonly other?: string,
  ) {
    super(`${field}: ${problem}`)
  }
}

function need(obj: Record<string, unknown>, where: string, name: string): unknown {
  if (!(name in obj) || obj[name] === undefined) throw new FieldError(`${where}${name}`, 'missing')
  return obj[name]
}
function text(obj: Record<string, unknown>, where: string, name: string): string {
  const v = need(obj, where, name)
  if (typeof v !== 'string') throw new FieldError(`${where}${name}`, 'wrong_type')
  return v
}
function uint(obj: Record<string, unknown>, where: string, name: string): number {
  const v = need(obj, where, name)
  if (!isUint(v)) throw new FieldError(`${where}${name}`, 'wrong_type')
  return v
}
function constant(obj: Record<string, unknown>, where: string, name: string, value: unknown) {
  if (need(obj, where, name) !== value) throw new FieldError(`${where}${name}`, 'wrong_type')
}
function bytes(obj: Record<string, unknown>, where: string, name: string, length: number): Uint8Array {
  const v = text(obj, where, name)
  const b = decodeBase64(v)
  if (!b) throw new FieldError(`${where}${name}`, 'not_base64')
  if (b.length !== length) throw new FieldError(`${where}${name}`, 'wrong_length')
  return b
}
function hashes(obj: Record<string, unknown>, where: string, name: string): Uint8Array[] {
  const v = need(obj, where, name)
  if (!Array.isArray(v)) throw new FieldError(`${where}${name}`, 'wrong_type')
  const list = decodeBase64List(v)
  if (!list) throw new FieldError(`${where}${name}`, 'not_base64')
  if (list.some((b) => b.length !== 32)) throw new FieldError(`${where}${name}`, 'wrong_length')
  return list
}
function object(obj: Record<string, unknown>, where: string, name: string): Record<string, unknown> {
  const v = need(obj, where, name)
  if (!isObject(v)) throw new FieldError(`${where}${name}`, 'wrong_type')
  return v
}
function clock(obj: Record<string, unknown>, where: string, name: string): string {
  const v = text(obj, where, name)
  if (!CLOCK_FORM.test(v)) throw new FieldError(`${where}${name}`, 'not_clock')
  return v
}
function same(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i])
}

// JSON text may carry a lone surrogate (\ud800), which is not UTF-8 text.
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/

function utf8Length(s: string): number {
  return new TextEncoder().encode(s).length
}

/** Checks the structure; returns whether the offline extensions are present. */
function checkStructure(f: Record<string, unknown>): boolean {
  if (f.format !== 'unchanging.ink/proof') throw new FieldError('format', f.format === undefined ? 'missing' : 'wrong_type')
  constant(f, '', 'version', 1)
  const authority = text(f, '', 'authority')
  const data = text(f, '', 'data')
  if (utf8Length(data) > 256 || LONE_SURROGATE.test(data)) throw new FieldError('data', 'not_utf8_256')
  if ('files' in f && f.files !== null && !(Array.isArray(f.files) && f.files.every((x) => typeof x === 'string'))) throw new FieldError('files', 'wrong_type')
  const ts = object(f, '', 'timestamp')
  const w = 'timestamp.'
  bytes(ts, w, 'hash', 32)
  clock(ts, w, 'timestamp')
  constant(ts, w, 'typ', 'ts')
  constant(ts, w, 'version', '1')
  text(ts, w, 'id')
  const tsInterval = ts.interval ?? null
  if (tsInterval !== null && !isUint(tsInterval)) throw new FieldError('timestamp.interval', 'wrong_type')
  if (ts.proof === null || ts.proof === undefined) throw new FieldError('timestamp.proof', 'missing')
  const p = object(ts, w, 'proof')
  const pw = 'timestamp.proof.'
  uint(p, pw, 'a')
  hashes(p, pw, 'path')
  const ith = bytes(p, pw, 'ith', 32)
  const mth = text(p, pw, 'mth')
  const named = parseHeadCompact(mth)
  if (!named) throw new FieldError('timestamp.proof.mth', 'wrong_type')
  const extensions = 'interval' in p || 'inclusion' in p || 'head' in p
  if (!extensions) {
    if (named.authority !== authority) throw new FieldError('authority', 'differs', 'timestamp.proof.mth')
    if (tsInterval !== null && tsInterval !== named.interval) throw new FieldError('timestamp.interval', 'differs', 'timestamp.proof.mth')
    return false
  }
  const iv = object(p, pw, 'interval')
  const iw = 'timestamp.proof.interval.'
  const index = uint(iv, iw, 'index')
  clock(iv, iw, 'timestamp')
  const ivIth = bytes(iv, iw, 'ith', 32)
  constant(iv, iw, 'typ', 'it')
  constant(iv, iw, 'version', '1')
  const inc = object(p, pw, 'inclusion')
  const cw = 'timestamp.proof.inclusion.'
  uint(inc, cw, 'head')
  uint(inc, cw, 'leaf')
  uint(inc, cw, 'a')
  hashes(inc, cw, 'nodes')
  constant(inc, cw, 'version', '1')
  const head = object(p, pw, 'head')
  const hw = 'timestamp.proof.head.'
  const headAuthority = text(head, hw, 'authority')
  const headInterval = uint(head, hw, 'interval')
  const headMth = bytes(head, hw, 'mth', 32)
  bytes(head, hw, 'signature', 64)
  const key = text(head, hw, 'key')
  if (!/^[0-9a-f]{16}$/.test(key)) throw new FieldError('timestamp.proof.head.key', 'wrong_type')
  // Fields that repeat each other must agree, or a reader is shown one and checks another.
  if (!same(ith, ivIth)) throw new FieldError('timestamp.proof.ith', 'differs', 'timestamp.proof.interval.ith')
  if (headInterval !== index) throw new FieldError('timestamp.proof.head.interval', 'differs', 'timestamp.proof.interval.index')
  if (named.authority !== headAuthority) throw new FieldError('timestamp.proof.mth', 'differs', 'timestamp.proof.head.authority')
  if (named.interval !== index) throw new FieldError('timestamp.proof.mth', 'differs', 'timestamp.proof.interval.index')
  if (!same(named.mth, headMth)) throw new FieldError('timestamp.proof.mth', 'differs', 'timestamp.proof.head.mth')
  if (tsInterval !== null && tsInterval !== index) throw new FieldError('timestamp.interval', 'differs', 'timestamp.proof.interval.index')
  if (authority !== headAuthority) throw new FieldError('authority', 'differs', 'timestamp.proof.head.authority')
  return true
}

/** Reads a proof file's JSON text strictly. */
export function readProofFile(text: string): ProofFileResult {
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch (e) {
    return { ok: false, reason: 'json', ...jsonErrorPlace(text, e) }
  }
  if (!isObject(value) || value.format !== 'unchanging.ink/proof') return { ok: false, reason: 'not_proof_file' }
  if (isObject(value.timestamp) && (value.timestamp.proof === null || value.timestamp.proof === undefined)) return { ok: false, reason: 'no_proof' }
  try {
    const extensions = checkStructure(value)
    const file = value as unknown as ProofFile
    if (!Array.isArray(file.files)) file.files = []
    return { ok: true, file, extensions }
  } catch (e) {
    if (e instanceof FieldError) return { ok: false, reason: 'field', field: e.field, problem: e.problem, other: e.other }
    throw e
  }
}

/** A proof file's JSON text, or null when it is not one (lenient callers). */
export function parseProofFile(text: string): ProofFile | null {
  const r = readProofFile(text)
  return r.ok ? r.file : null
}
