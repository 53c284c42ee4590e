// The user's own stamps, kept in this browser only (localStorage), so a proof
// survives a reload or a wrong click: the proof file, its id, and the text
// itself when the user chose to keep it.
import type { ProofFile } from '~~/protocol/ink'

export interface HistoryEntry {
  /** The ts id: enough to fetch the proof again from the service. */
  id: string
  savedAt: string
  kind: 'text' | 'file' | 'files'
  files: string[]
  proof: ProofFile
  /** The exact text stamped, only when the user asked to keep it. */
  text?: string
  /** Downloaded or copied: the user has the proof outside this browser. */
  secured: boolean
}

const STORE = 'ink-history'

export function useHistory() {
  const entries = useState<HistoryEntry[]>('history', () => [])
  const load = () => {
    entries.value = readLocal<HistoryEntry[]>(STORE, []).filter((e) => e && typeof e.id === 'string' && e.proof)
  }
  const save = () => writeLocal(STORE, entries.value)

  function put(entry: HistoryEntry) {
    load()
    entries.value = [entry, ...entries.value.filter((e) => e.id !== entry.id)]
    save()
  }
  function update(id: string, change: Partial<HistoryEntry>) {
    load()
    entries.value = entries.value.map((e) => (e.id === id ? { ...e, ...change } : e))
    save()
  }
  function remove(id: string) {
    load()
    entries.value = entries.value.filter((e) => e.id !== id)
    save()
  }
  function clear() {
    entries.value = []
    save()
  }
  const find = (id: string) => entries.value.find((e) => e.id === id) ?? null
  return { entries, load, put, update, remove, clear, find }
}

/** File name for a proof: beside the one file, else by kind and interval. */
export function proofFileName(entry: { files: string[]; proof: ProofFile }): string {
  if (entry.files.length === 1) return `${entry.files[0]}.ink.json`
  const i = entry.proof.timestamp.proof?.interval?.index ?? entry.proof.timestamp.interval ?? 'proof'
  return `${entry.files.length > 1 ? 'files' : 'text'}-${i}.ink.json`
}
