// RFC 3161 tokens of the service's TSA, checked in the browser with the step
// names of `ink verify FILE --tsr FILE.tsr` (src/cli/tsr_check.cpp,
// docs/rfc3161.md "From a token to its log entry"):
//
//   token          a granted token; its serial number (at most 128 bits) is a
//                  ts id, its imprint a digest of a kind this TSA certifies
//   tsa-signature  the CMS signature, the signer's critical timeStamping
//                  purpose and ESS certificate id, the chain to the TSA root
//   imprint        the document's digest, with the token's algorithm
//   log-entry      the ts the serial names exists, at the token's genTime
//
// after which the ts proof is checked as any other (verify.ts) with the
// imprint as its data, `<hash name>:<lower-case hex>`. Like the CLI, the
// first failing step ends the check. Pure: certificates, the document's
// digest and the log entry come in through TokenCheckInputs.
import * as asn1js from 'asn1js'
import * as pkijs from 'pkijs'
import { createSHA224, createSHA256, createSHA384, createSHA3, createSHA512, type IHasher } from 'hash-wasm'
import { bytesEqual, toHex } from './encoding'
import type { TimestampJson } from './records'

/** The digests this TSA certifies, by the names of the client convention (PROTOCOL.md). */
export const IMPRINT_ALGORITHMS = {
  '2.16.840.1.101.3.4.2.4': 'sha224',
  '2.16.840.1.101.3.4.2.1': 'sha256',
  '2.16.840.1.101.3.4.2.2': 'sha384',
  '2.16.840.1.101.3.4.2.3': 'sha512',
  '2.16.840.1.101.3.4.2.7': 'sha3-224',
  '2.16.840.1.101.3.4.2.8': 'sha3-256',
  '2.16.840.1.101.3.4.2.9': 'sha3-384',
  '2.16.840.1.101.3.4.2.10': 'sha3-512',
} as const
export type ImprintAlgorithm = (typeof IMPRINT_ALGORITHMS)[keyof typeof IMPRINT_ALGORITHMS]

const ID_SIGNED_DATA = '1.2.840.113549.1.7.2'
const ID_CT_TSTINFO = '1.2.840.113549.1.9.16.1.4'
const ID_CONTENT_TYPE = '1.2.840.113549.1.9.3'
const ID_MESSAGE_DIGEST = '1.2.840.113549.1.9.4'
const ID_SIGNING_CERTIFICATE = '1.2.840.113549.1.9.16.2.12'
const ID_SIGNING_CERTIFICATE_V2 = '1.2.840.113549.1.9.16.2.47'
const ID_KP_TIMESTAMPING = '1.3.6.1.5.5.7.3.8'
const ID_EXT_KEY_USAGE = '2.5.29.37'

export const TOKEN_STEP_ORDER = ['token', 'tsa-signature', 'imprint', 'log-entry'] as const
export type TokenStepId = (typeof TOKEN_STEP_ORDER)[number]
export interface TokenStep {
  id: TokenStepId
  status: 'pass' | 'fail' | 'unchecked'
  /** A short machine-readable reason, e.g. 'refused'. */
  reason?: string
  /** Values worth showing. */
  detail?: Record<string, string | number>
}

/** What a token says, as read from its TSTInfo. */
export interface Token {
  /** The serial number in lower-case hex, without leading zeros ("0" for zero). */
  serialHex: string
  /** The ts id the serial names (8-4-4-4-12 lower-case hex); null when longer than 128 bits or negative. */
  id: string | null
  /** genTime as the token has it, e.g. "20260115100000.123456Z". */
  genTime: string
  /** genTime in the clock form of PROTOCOL.md, YYYY-MM-DDTHH:MM:SS.ffffffZ. */
  timestamp: string
  imprintOid: string
  /** null when the digest is not one this TSA certifies. */
  imprintAlgorithm: ImprintAlgorithm | null
  imprint: Uint8Array
  policy: string
  /** The nonce in hex, or null. */
  nonce: string | null
}

type ReadProblem = { reason: 'not_der' | 'not_token' | 'no_token' | 'no_tstinfo' | 'bad_gentime' } | { reason: 'refused'; status: number; text: string }
export type ReadTokenResult = { ok: true; token: Token; signedData: pkijs.SignedData; tstInfo: Uint8Array } | ({ ok: false } & ReadProblem)

function bufferOf(bytes: Uint8Array): ArrayBuffer {
  return bytes.slice().buffer as ArrayBuffer
}

/** One whole DER (or BER) value, or null when the bytes are not exactly one. */
function parseOne(bytes: Uint8Array): asn1js.AsnType | null {
  const parsed = asn1js.fromBER(bufferOf(bytes))
  if (parsed.offset === -1 || parsed.offset !== bytes.length || parsed.result.error) return null
  return parsed.result
}

/** "YYYYMMDDHHMMSS[.f{1,6}]Z" as YYYY-MM-DDTHH:MM:SS.ffffffZ; null when not a real UTC instant. */
export function clockFromGeneralizedTime(t: string): string | null {
  const m = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(?:\.(\d{1,6}))?Z$/.exec(t)
  if (!m) return null
  const [, y, mo, d, h, mi, s, f] = m
  const date = new Date(Date.UTC(+y!, +mo! - 1, +d!, +h!, +mi!, +s!))
  if (
    date.getUTCFullYear() !== +y! ||
    date.getUTCMonth() !== +mo! - 1 ||
    date.getUTCDate() !== +d! ||
    date.getUTCHours() !== +h! ||
    date.getUTCSeconds() !== +s!
  )
    return null
  return `${y}-${mo}-${d}T${h}:${mi}:${s}.${(f ?? '').padEnd(6, '0')}Z`
}

/** 16 bytes as a UUID, 8-4-4-4-12 lower-case hex. */
function uuidOf(bytes: Uint8Array): string {
  const h = toHex(bytes)
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`
}

function statusText(info: pkijs.PKIStatusInfo): string {
  return (info.statusStrings ?? []).map((s) => s.valueBlock.value).join('; ')
}

/**
 * Reads a DER TimeStampResp (a `.tsr` reply) or a bare TimeStampToken
 * (ContentInfo). A refusal, or anything else that is not a granted token,
 * is a value saying why.
 */
export function readToken(der: Uint8Array): ReadTokenResult {
  const outer = parseOne(der)
  if (!outer || !(outer instanceof asn1js.Sequence) || outer.valueBlock.value.length === 0) return { ok: false, reason: 'not_der' }
  let contentInfo: pkijs.ContentInfo
  try {
    if (outer.valueBlock.value[0] instanceof asn1js.Sequence) {
      // TimeStampResp: status, then the token when granted.
      const resp = new pkijs.TimeStampResp({ schema: outer })
      const status = resp.status.status
      if (status !== pkijs.PKIStatus.granted && status !== pkijs.PKIStatus.grantedWithMods)
        return { ok: false, reason: 'refused', status, text: statusText(resp.status) }
      if (!resp.timeStampToken) return { ok: false, reason: 'no_token' }
      contentInfo = resp.timeStampToken
    } else contentInfo = new pkijs.ContentInfo({ schema: outer })
  } catch {
    return { ok: false, reason: 'not_token' }
  }
  if (contentInfo.contentType !== ID_SIGNED_DATA) return { ok: false, reason: 'not_token' }
  let signedData: pkijs.SignedData
  try {
    signedData = new pkijs.SignedData({ schema: contentInfo.content })
  } catch {
    return { ok: false, reason: 'not_token' }
  }
  const eContent = signedData.encapContentInfo.eContent
  if (signedData.encapContentInfo.eContentType !== ID_CT_TSTINFO || !eContent) return { ok: false, reason: 'no_tstinfo' }
  const tstInfo = new Uint8Array(eContent.getValue())
  let info: pkijs.TSTInfo
  let genTime: string
  try {
    const schema = parseOne(tstInfo)
    if (!schema) return { ok: false, reason: 'no_tstinfo' }
    info = new pkijs.TSTInfo({ schema })
    // pkijs gives genTime as a Date (milliseconds); the microseconds are in its text.
    const raw = (schema as asn1js.Sequence).valueBlock.value[4]
    if (!(raw instanceof asn1js.GeneralizedTime)) return { ok: false, reason: 'no_tstinfo' }
    genTime = new TextDecoder().decode(raw.valueBlock.valueHexView)
  } catch {
    return { ok: false, reason: 'no_tstinfo' }
  }
  const timestamp = clockFromGeneralizedTime(genTime)
  if (!timestamp) return { ok: false, reason: 'bad_gentime' }

  // The serial is a DER INTEGER: two's complement, big-endian.
  const serial = new Uint8Array(info.serialNumber.valueBlock.valueHexView)
  const negative = serial.length > 0 && (serial[0]! & 0x80) !== 0
  let start = 0
  while (start < serial.length - 1 && serial[start] === 0) start++
  const magnitude = serial.subarray(start)
  const serialHex = toHex(magnitude).replace(/^0+(?=.)/, '')
  let id: string | null = null
  if (!negative && magnitude.length <= 16) {
    const padded = new Uint8Array(16)
    padded.set(magnitude, 16 - magnitude.length)
    id = uuidOf(padded)
  }
  const imprintOid = info.messageImprint.hashAlgorithm.algorithmId
  const token: Token = {
    serialHex,
    id,
    genTime,
    timestamp,
    imprintOid,
    imprintAlgorithm: (IMPRINT_ALGORITHMS as Record<string, ImprintAlgorithm>)[imprintOid] ?? null,
    imprint: new Uint8Array(info.messageImprint.hashedMessage.valueBlock.valueHexView),
    policy: info.policy,
    nonce: info.nonce ? toHex(new Uint8Array(info.nonce.valueBlock.valueHexView)) : null,
  }
  return { ok: true, token, signedData, tstInfo }
}

/** The ts `data` of a token's imprint: `<hash name>:<lower-case hex>`; null for a digest the TSA never certifies. */
export function imprintData(token: Token): string | null {
  return token.imprintAlgorithm ? `${token.imprintAlgorithm}:${toHex(token.imprint)}` : null
}

/** Certificates from PEM text (every CERTIFICATE block, in order). */
export function certificatesFromPem(pem: string): pkijs.Certificate[] {
  const out: pkijs.Certificate[] = []
  for (const m of pem.matchAll(/-----BEGIN CERTIFICATE-----([\s\S]*?)-----END CERTIFICATE-----/g)) {
    const bin = atob(m[1]!.replace(/\s+/g, ''))
    out.push(pkijs.Certificate.fromBER(Uint8Array.from(bin, (c) => c.charCodeAt(0))))
  }
  return out
}

function sameCertificate(a: pkijs.Certificate, b: pkijs.Certificate): boolean {
  return bytesEqual(new Uint8Array(a.toSchema().toBER()), new Uint8Array(b.toSchema().toBER()))
}

function certificateDer(c: pkijs.Certificate): Uint8Array {
  return new Uint8Array(c.toSchema().toBER())
}

async function subtleDigest(name: string, bytes: Uint8Array): Promise<Uint8Array> {
  return new Uint8Array(await globalThis.crypto.subtle.digest(name, bytes as BufferSource))
}

const SUBTLE_DIGESTS: Record<string, string> = {
  '1.3.14.3.2.26': 'SHA-1',
  '2.16.840.1.101.3.4.2.1': 'SHA-256',
  '2.16.840.1.101.3.4.2.2': 'SHA-384',
  '2.16.840.1.101.3.4.2.3': 'SHA-512',
}

/**
 * The ESS signing certificate attribute (RFC 2634 / RFC 5035) names the
 * signer's certificate by its hash: another certificate with the same key
 * cannot stand in for it. Null when it holds, else why not.
 */
async function checkEssCertId(signerInfo: pkijs.SignerInfo, signer: pkijs.Certificate): Promise<string | null> {
  const attrs = signerInfo.signedAttrs?.attributes ?? []
  const v2 = attrs.find((a) => a.type === ID_SIGNING_CERTIFICATE_V2)
  const v1 = attrs.find((a) => a.type === ID_SIGNING_CERTIFICATE)
  const attr = v2 ?? v1
  if (!attr) return 'no ESS signing certificate attribute'
  try {
    // SigningCertificate(V2) ::= SEQUENCE { certs SEQUENCE OF ESSCertID(v2), ... }
    const certs = (attr.values[0] as asn1js.Sequence).valueBlock.value[0] as asn1js.Sequence
    const first = certs.valueBlock.value[0] as asn1js.Sequence
    const parts = first.valueBlock.value
    let digestName = 'SHA-1'
    let hashAt = 0
    if (v2) {
      digestName = 'SHA-256' // the default hashAlgorithm of ESSCertIDv2
      if (parts[0] instanceof asn1js.Sequence) {
        const oid = (parts[0].valueBlock.value[0] as asn1js.ObjectIdentifier).valueBlock.toString()
        const name = SUBTLE_DIGESTS[oid]
        if (!name) return `ESS certificate id with an unknown digest ${oid}`
        digestName = name
        hashAt = 1
      }
    }
    const claimed = new Uint8Array((parts[hashAt] as asn1js.OctetString).valueBlock.valueHexView)
    const actual = await subtleDigest(digestName, certificateDer(signer))
    return bytesEqual(claimed, actual) ? null : 'the ESS certificate id names another certificate'
  } catch {
    return 'the ESS signing certificate attribute cannot be read'
  }
}

/** The signer's extended key usage is timeStamping alone, marked critical (RFC 3161 2.3). */
function checkTimeStampingPurpose(signer: pkijs.Certificate): string | null {
  const ext = signer.extensions?.find((e) => e.extnID === ID_EXT_KEY_USAGE)
  if (!ext || !ext.critical) return 'the signer certificate has no critical extended key usage'
  const usages = (ext.parsedValue as pkijs.ExtKeyUsage | undefined)?.keyPurposes ?? []
  if (usages.length !== 1 || usages[0] !== ID_KP_TIMESTAMPING) return 'the signer certificate is not for time stamping only'
  return null
}

/**
 * Step 'tsa-signature' alone: the CMS signature over the token's TSTInfo
 * holds, its signer certificate is for time stamping, and it chains to a
 * self-signed root among `certificatesPem` (the TSA's chain as
 * /api/v1/rfc3161/certs gives it: signing certificate first, root last).
 * Other certificates given help build the chain; only roots are trusted.
 * Null when all holds, else why not. The chain is checked at `checkDate`
 * (now by default, as OpenSSL does for `ink verify --tsr`).
 */
export async function checkTokenSignature(
  read: Extract<ReadTokenResult, { ok: true }>,
  certificatesPem: string,
  checkDate = new Date(),
): Promise<string | null> {
  let given: pkijs.Certificate[]
  try {
    given = certificatesFromPem(certificatesPem)
  } catch {
    return 'the TSA certificates cannot be read'
  }
  const roots = given.filter((c) => c.issuer.isEqual(c.subject))
  if (roots.length === 0) return 'the certificates given hold no self-signed root to trust'
  const { signedData, tstInfo } = read
  if (signedData.signerInfos.length !== 1) return 'the token has not exactly one signer'
  const signerInfo = signedData.signerInfos[0]!
  const embedded = (signedData.certificates ?? []).filter((c): c is pkijs.Certificate => c instanceof pkijs.Certificate)
  const pool = [...embedded, ...given.filter((g) => !embedded.some((e) => sameCertificate(e, g)))]

  const sid = signerInfo.sid
  if (!(sid instanceof pkijs.IssuerAndSerialNumber)) return 'the signer is named by key id, which this TSA never does'
  const signer = pool.find((c) => c.issuer.isEqual(sid.issuer) && c.serialNumber.isEqual(sid.serialNumber))
  if (!signer) return 'the signer certificate is neither in the token nor among the TSA certificates'

  const crypto = pkijs.getCrypto(true)
  const attrs = signerInfo.signedAttrs
  if (!attrs) return 'the signature has no signed attributes'
  const contentType = attrs.attributes.find((a) => a.type === ID_CONTENT_TYPE)
  const messageDigest = attrs.attributes.find((a) => a.type === ID_MESSAGE_DIGEST)
  if (!contentType || (contentType.values[0] as asn1js.ObjectIdentifier)?.valueBlock?.toString() !== ID_CT_TSTINFO)
    return 'the signed content type is not TSTInfo'
  if (!messageDigest) return 'the signed attributes hold no message digest'
  const digestAlgorithm = crypto.getAlgorithmByOID(signerInfo.digestAlgorithm.algorithmId)
  if (!('name' in digestAlgorithm)) return `the signer's digest ${signerInfo.digestAlgorithm.algorithmId} is unknown`
  const digest = new Uint8Array(await crypto.digest(digestAlgorithm.name, tstInfo as BufferSource))
  if (!bytesEqual(digest, new Uint8Array((messageDigest.values[0] as asn1js.OctetString).valueBlock.valueHexView)))
    return 'the TSTInfo does not have the signed message digest: the token was changed'
  let signatureOk = false
  try {
    // As pkijs's SignedData.verify: plain rsaEncryption takes the signer's digest, others name their own.
    const rsa = signerInfo.signatureAlgorithm.algorithmId === '1.2.840.113549.1.1.1'
    signatureOk = await crypto.verifyWithPublicKey(
      attrs.encodedValue,
      signerInfo.signature,
      signer.subjectPublicKeyInfo,
      signerInfo.signatureAlgorithm,
      rsa ? digestAlgorithm.name : undefined,
    )
  } catch (e) {
    return `the signature cannot be checked: ${(e as Error)?.message ?? e}`
  }
  if (!signatureOk) return 'the signature does not hold'
  const ess = await checkEssCertId(signerInfo, signer)
  if (ess) return ess
  const purpose = checkTimeStampingPurpose(signer)
  if (purpose) return purpose

  const engine = new pkijs.CertificateChainValidationEngine({
    trustedCerts: roots,
    certs: [...pool.filter((c) => c !== signer), signer],
    checkDate,
  })
  try {
    const chain = await engine.verify()
    if (!chain.result) return `the signer certificate does not chain to the TSA root: ${chain.resultMessage}`
  } catch (e) {
    return `the signer certificate does not chain to the TSA root: ${(e as { resultMessage?: string })?.resultMessage ?? e}`
  }
  return null
}

/** A streaming hasher for an imprint algorithm (hash-wasm), for files of any size. */
export function createImprintHasher(algorithm: ImprintAlgorithm): Promise<IHasher> {
  switch (algorithm) {
    case 'sha224':
      return createSHA224()
    case 'sha256':
      return createSHA256()
    case 'sha384':
      return createSHA384()
    case 'sha512':
      return createSHA512()
    case 'sha3-224':
      return createSHA3(224)
    case 'sha3-256':
      return createSHA3(256)
    case 'sha3-384':
      return createSHA3(384)
    case 'sha3-512':
      return createSHA3(512)
  }
}

/** The digest of bytes in memory with an imprint algorithm. */
export async function imprintOf(algorithm: ImprintAlgorithm, bytes: Uint8Array): Promise<Uint8Array> {
  const hasher = await createImprintHasher(algorithm)
  hasher.init()
  hasher.update(bytes)
  return hasher.digest('binary')
}

/** What checkToken needs from outside: the TSA's certificates, the document, the log. */
export interface TokenCheckInputs {
  /** The token: a DER TimeStampResp or TimeStampToken. */
  der: Uint8Array
  /** The TSA's certificates, PEM (signing certificate first, root last); null when they cannot be had. */
  certificatesPem: () => Promise<string | null>
  /** The document's digest with the token's algorithm. */
  digest: (algorithm: ImprintAlgorithm) => Promise<Uint8Array>
  /** The ts with this id (GET /api/v1/ts/<id>/?wait): 'missing' when the log has none, 'unreachable' when it cannot be asked. */
  findTs: (id: string) => Promise<TimestampJson | 'missing' | 'unreachable'>
}

export interface TokenCheck {
  steps: TokenStep[]
  token: Token | null
  /** The ts data of the imprint, for the proof steps; set once the token was read. */
  data: string | null
  /** The token's log entry, when log-entry passed. */
  ts: TimestampJson | null
}

/**
 * The token's own steps, stopping at the first that fails (as the CLI does).
 * When every step passes, `ts` and `data` are what the ts proof is then
 * checked with (verifyOffline and the current-head check of verify.ts).
 */
export async function checkToken(inputs: TokenCheckInputs): Promise<TokenCheck> {
  const steps: TokenStep[] = []
  const done = (token: Token | null = null, data: string | null = null, ts: TimestampJson | null = null): TokenCheck => ({ steps, token, data, ts })

  const read = readToken(inputs.der)
  if (!read.ok) {
    const detail = read.reason === 'refused' ? { status: read.status, text: read.text } : undefined
    steps.push({ id: 'token', status: 'fail', reason: read.reason, detail })
    return done()
  }
  const token = read.token
  if (!token.id) {
    steps.push({ id: 'token', status: 'fail', reason: 'serial_too_long', detail: { serial: token.serialHex } })
    return done(token)
  }
  const data = imprintData(token)
  if (!data || !token.imprintAlgorithm) {
    steps.push({ id: 'token', status: 'fail', reason: 'unknown_digest', detail: { oid: token.imprintOid } })
    return done(token)
  }
  steps.push({ id: 'token', status: 'pass', detail: { serial: token.serialHex, id: token.id, genTime: token.timestamp, algorithm: token.imprintAlgorithm } })

  const pem = await inputs.certificatesPem()
  if (pem === null) {
    // Never a verdict without the signature: stop, as for a failure.
    steps.push({ id: 'tsa-signature', status: 'unchecked', reason: 'certificates_unreachable' })
    return done(token, data)
  } else {
    const problem = await checkTokenSignature(read, pem)
    if (problem) {
      steps.push({ id: 'tsa-signature', status: 'fail', detail: { problem } })
      return done(token, data)
    }
    steps.push({ id: 'tsa-signature', status: 'pass' })
  }

  const digest = await inputs.digest(token.imprintAlgorithm)
  if (!bytesEqual(digest, token.imprint)) {
    steps.push({ id: 'imprint', status: 'fail', detail: { algorithm: token.imprintAlgorithm, digest: toHex(digest), imprint: toHex(token.imprint) } })
    return done(token, data)
  }
  steps.push({ id: 'imprint', status: 'pass', detail: { data } })

  const ts = await inputs.findTs(token.id)
  if (ts === 'unreachable') {
    steps.push({ id: 'log-entry', status: 'unchecked', reason: 'unreachable', detail: { id: token.id } })
    return done(token, data)
  }
  if (ts === 'missing') {
    steps.push({ id: 'log-entry', status: 'fail', reason: 'missing', detail: { id: token.id } })
    return done(token, data)
  }
  if (ts.id !== token.id) {
    steps.push({ id: 'log-entry', status: 'fail', reason: 'other_id', detail: { id: token.id, other: String(ts.id) } })
    return done(token, data)
  }
  if (ts.timestamp !== token.timestamp) {
    steps.push({ id: 'log-entry', status: 'fail', reason: 'other_time', detail: { id: token.id, timestamp: String(ts.timestamp), genTime: token.timestamp } })
    return done(token, data)
  }
  steps.push({ id: 'log-entry', status: 'pass', detail: { id: token.id, genTime: token.timestamp } })
  return done(token, data, ts)
}
