// The cosignatures of a proof's head as the log serves them now, checked in
// the browser (protocol/cosignature.ts). Out of reach is "could not be
// fetched", never a failure: the proof's own steps hold without them.
import { checkWitnessing, cosignableHead, type ProofHeadJson, type Witnessing } from '~~/protocol/ink'

export type ShownWitnessing = Witnessing | { state: 'pending'; interval: number }

export function useCosignatures() {
  const witnessing = ref<ShownWitnessing | null>(null)
  // A later check (the user verified again) makes an earlier one's answer stale.
  let run = 0

  async function check(head: ProofHeadJson) {
    const mine = ++run
    // A proof whose own head is unreadable has failed already; no witness can speak for it.
    if (!cosignableHead(head)) {
      witnessing.value = null
      return
    }
    witnessing.value = { state: 'pending', interval: head.interval }
    const result = await checkWitnessing(head, {
      witnesses: fetchWitnesses,
      head: (i) => fetchHeadResult(i),
      cosigned: (from) => fetchCosigned(1, from),
    })
    if (mine === run) witnessing.value = result
  }

  function reset() {
    run++
    witnessing.value = null
  }

  return { witnessing, check, reset }
}
