// Verifying a proof in the browser: a proof file, a compact timestamp string
// or a ts id, against the data string of a document. Used by /verify and by
// an interval page opened from a shared link.
import {
  firstFailure,
  makeProofFile,
  materialFromCompact,
  materialFromProofFile,
  materialFromProofFileAndHead,
  outcome,
  parseTimestampCompact,
  readProofFile,
  verifyOffline,
  type ProofFile,
  type ProofMaterial,
  type Step,
} from '~~/protocol/ink'

export type ShownStep = Step | { id: Step['id']; status: 'pending'; reason?: string; detail?: Step['detail'] }

/** What went wrong before any link could be checked. */
export interface Problem {
  key: string
  params?: Record<string, string | number>
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i

export function useVerification() {
  const keys = useKeys()
  const checkAgainstCurrent = useCurrentHeadCheck()
  const cosignatures = useCosignatures()
  const chain = useKeyChain()
  const steps = ref<ShownStep[]>([])
  const problem = ref<Problem | null>(null)
  const material = ref<ProofMaterial | null>(null)
  const running = ref(false)
  const keyNote = ref<'unreachable' | null>(null)
  /** A proof file built from a ts id, offered for download. */
  const fetchedProof = ref<ProofFile | null>(null)

  const finished = computed(() => steps.value.length > 0 && !steps.value.some((s) => s.status === 'pending'))
  const verdict = computed(() => (finished.value ? outcome(steps.value as Step[]) : null))
  const failed = computed(() => (finished.value ? firstFailure(steps.value as Step[]) : null))

  function reset() {
    steps.value = []
    problem.value = null
    material.value = null
    keyNote.value = null
    fetchedProof.value = null
    cosignatures.reset()
    chain.reset()
  }

  async function headFor(index: number): Promise<import('~~/protocol/ink').HeadJson | Problem> {
    const r = await fetchHeadResult(index)
    if (r.ok) return r.value
    return r.status === 0 ? { key: 'verify.headUnreachable', params: { i: index } } : { key: 'verify.headMissing', params: { i: index } }
  }

  async function readMaterial(data: string, text: string): Promise<ProofMaterial | Problem> {
    if (UUID.test(text)) {
      const r = await fetchTimestamp(text)
      if (!r.ok) return r.status === 0 ? { key: 'verify.idUnreachable' } : { key: 'verify.idUnknown', params: { status: r.status } }
      if (!r.value.proof) return { key: 'verify.noProof' }
      fetchedProof.value = makeProofFile(r.value, data, [])
      text = JSON.stringify(fetchedProof.value)
    }
    if (text.startsWith('{')) {
      const read = readProofFile(text)
      if (!read.ok) {
        if (read.reason === 'json') return { key: 'verify.badJson', params: { line: read.line, column: read.column } }
        if (read.reason === 'no_proof') return { key: 'verify.noProof' }
        if (read.reason === 'field') return { key: `verify.field.${read.problem}`, params: { field: read.field, other: read.other ?? '' } }
        return { key: 'verify.notProofFile' }
      }
      if (read.extensions) return materialFromProofFile(read.file) as ProofMaterial
      const index = Number(/\/(\d+)#v1:/.exec(read.file.timestamp.proof!.mth)?.[1])
      const head = await headFor(index)
      if ('key' in head && !('mth' in head)) return head as Problem
      const m = materialFromProofFileAndHead(read.file, head as import('~~/protocol/ink').HeadJson)
      return 'error' in m ? { key: 'verify.notProofFile' } : m
    }
    const parsed = parseTimestampCompact(text)
    if (!parsed) return { key: 'verify.unknownForm' }
    const head = await headFor(parsed.interval)
    if (!('mth' in head)) return head as Problem
    return materialFromCompact(parsed, head)
  }

  /** Runs every step; `data` is the document's data string. */
  async function verify(data: string, proofText: string) {
    reset()
    running.value = true
    try {
      const m = await readMaterial(data, proofText.trim())
      if ('key' in m) {
        problem.value = m
        // Out of reach is "not checked"; anything else means the proof cannot be read.
        const status = /Unreachable$/.test(m.key) ? 'unchecked' : 'fail'
        steps.value = [{ id: 'proof-file', status, reason: status === 'fail' ? 'unreadable' : 'unreachable' }]
        return
      }
      material.value = m as ProofMaterial
      const ring = await keys.load()
      if (!ring.reachable) keyNote.value = 'unreachable'
      // The key chain (docs/keys.md): the proof file's own `keys`, key files given, the service's list.
      const trust = chain.trustFor(ring, material.value.authority, carriedKeys(proofText))
      chain.describe(trust, material.value.head, keys.remembered.value)
      const offline = verifyOffline(data, material.value, ring.keys, ring.complete, trust)
      steps.value = [...offline, { id: 'current-head', status: 'pending' }, { id: 'consistency', status: 'pending' }]
      steps.value = [...offline, ...(await checkAgainstCurrent(material.value.head, ring, trust))]
      // Whether the proof holds or not, what the witnesses say of its head; not waited for.
      void cosignatures.check(material.value.head)
    } finally {
      running.value = false
    }
  }

  return {
    steps,
    problem,
    material,
    running,
    finished,
    verdict,
    failed,
    keyNote,
    fetchedProof,
    witnessing: cosignatures.witnessing,
    signer: chain.signer,
    verify,
    reset,
    keys,
  }
}

/** The `keys` member of a proof file (the log's key list when it had rotated its key), if the text is one. */
function carriedKeys(text: string): unknown {
  const trimmed = text.trim()
  if (!trimmed.startsWith('{')) return undefined
  try {
    return (JSON.parse(trimmed) as { keys?: unknown })?.keys
  } catch {
    return undefined
  }
}
