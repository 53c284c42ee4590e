// Steps 'current-head' and 'consistency' for a head a proof or page names:
// asks the service for its current head and the consistency proof, and says
// "not checked" (never "failed") when the service cannot be reached.
import { verifyAgainstCurrent, type ConsistencyJson, type KeyTrust, type ProofHeadJson, type Step } from '~~/protocol/ink'
import type { KeyRing } from './useKeys'

export function useCurrentHeadCheck() {
  return async function checkAgainstCurrent(head: ProofHeadJson, ring: KeyRing, trust: KeyTrust | null = null): Promise<Step[]> {
    const unreachable: Step[] = [
      { id: 'current-head', status: 'unchecked', reason: 'unreachable' },
      { id: 'consistency', status: 'unchecked', reason: 'unreachable' },
    ]
    const current = await fetchHeadResult('current')
    if (!current.ok) return unreachable
    const x = head.interval
    const y = current.value?.interval?.index
    let proof: ConsistencyJson | null = null
    if (Number.isSafeInteger(y) && y > x) {
      const answer = await fetchConsistency(y, x)
      if (answer.ok) proof = answer.value
      else if (answer.status === 0) {
        const steps = verifyAgainstCurrent(head, current.value, null, ring.keys, ring.complete, trust)
        return [steps[0]!, { id: 'consistency', status: 'unchecked', reason: 'unreachable' }]
      }
    }
    return verifyAgainstCurrent(head, current.value, proof, ring.keys, ring.complete, trust)
  }
}
