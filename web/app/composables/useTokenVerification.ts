// Verifying an RFC 3161 token (.tsr) of the service's TSA for a document, as
// `ink verify FILE --tsr FILE.tsr` does: the token's own steps
// (protocol/tsr.ts), then its ts proof with the imprint as data, through the
// page's ordinary proof verification (useVerification).
import { fromHex, makeProofFile, utf8 } from '~~/protocol/ink'
// protocol/tsr.ts brings pkijs (some 400 kB): loaded only when a token is verified.
import type { ImprintAlgorithm, Token, TokenStep } from '~~/protocol/tsr'
import type { DocumentValue } from '~/components/DocumentInput.vue'
import type { Problem, useVerification } from '~/composables/useVerification'

type Tsr = typeof import('~~/protocol/tsr')

export type ShownTokenStep = TokenStep | { id: TokenStep['id']; status: 'pending'; reason?: string; detail?: TokenStep['detail'] }

const CHUNK = 8 * 1024 * 1024

/** A file's digest, read in chunks (a token's algorithm need not be the SHA-512 already computed). */
async function digestOfFile(tsr: Tsr, algorithm: ImprintAlgorithm, file: Blob): Promise<Uint8Array> {
  const hasher = await tsr.createImprintHasher(algorithm)
  hasher.init()
  for (let offset = 0; offset < file.size; offset += CHUNK) hasher.update(new Uint8Array(await file.slice(offset, offset + CHUNK).arrayBuffer()))
  return hasher.digest('binary')
}

/** GET /api/v1/rfc3161/certs: the TSA's chain, PEM; null when it cannot be had. */
async function fetchTsaCertificates(): Promise<string | null> {
  try {
    const r = await fetch('/api/v1/rfc3161/certs', { headers: { accept: 'application/pem-certificate-chain, text/plain' } })
    return r.ok ? await r.text() : null
  } catch {
    return null
  }
}

export function useTokenVerification(v: ReturnType<typeof useVerification>) {
  const steps = ref<ShownTokenStep[]>([])
  const token = ref<Token | null>(null)
  const problem = ref<Problem | null>(null)
  const running = ref(false)

  const finished = computed(() => steps.value.length > 0 && !steps.value.some((s) => s.status === 'pending'))
  const failed = computed(() => (finished.value ? ((steps.value as TokenStep[]).find((s) => s.status === 'fail') ?? null) : null))

  function reset() {
    steps.value = []
    token.value = null
    problem.value = null
  }

  /** The document's digest with the token's algorithm: the SHA-512 already computed, else read again. */
  async function digestOf(tsr: Tsr, algorithm: ImprintAlgorithm, doc: DocumentValue): Promise<Uint8Array> {
    if (doc.kind === 'text') return tsr.imprintOf(algorithm, utf8.encode(doc.text))
    if (algorithm === 'sha512' && doc.data?.startsWith('sha512:')) return fromHex(doc.data.slice('sha512:'.length))
    return digestOfFile(tsr, algorithm, doc.blobs![0]!)
  }

  /** Runs the token's steps and then, when they hold, the proof's. */
  async function verify(der: Uint8Array, doc: DocumentValue) {
    v.reset()
    reset()
    // A token stamps one digest: of one file, or of a text.
    if (doc.kind === 'files' || (doc.kind === 'file' && !doc.blobs?.length)) {
      problem.value = { key: 'verify.tsrOneDocument' }
      return
    }
    running.value = true
    steps.value = (['token', 'tsa-signature', 'imprint', 'log-entry'] as const).map((id) => ({ id, status: 'pending' }))
    try {
      const tsr = await import('~~/protocol/tsr')
      const r = await tsr.checkToken({
        der,
        certificatesPem: fetchTsaCertificates,
        digest: (algorithm) => digestOf(tsr, algorithm, doc),
        findTs: async (id) => {
          const answer = await fetchTimestamp(id, true)
          if (answer.ok) return answer.value
          return answer.status === 404 ? 'missing' : 'unreachable'
        },
      })
      steps.value = r.steps
      token.value = r.token
      if (!r.ts || !r.data) return
      if (!r.ts.proof) {
        problem.value = { key: 'verify.noProof' }
        return
      }
      // The log entry's hash covers its data: checking it with the imprint as
      // data proves the log holds this very imprint.
      await v.verify(r.data, JSON.stringify(makeProofFile(r.ts, r.data, doc.files)))
    } finally {
      running.value = false
    }
  }

  return { steps, token, problem, running, finished, failed, verify, reset }
}
