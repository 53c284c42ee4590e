// Checks heads of the live list off the page's thread: Ed25519 and SHA3 in
// plain JavaScript cost enough on a slow phone to make the page stutter.
//   in:  { id, head, prev, keys, complete }   out: { id, check }
import { checkHead } from '../utils/head-check'

self.onmessage = (event: MessageEvent) => {
  const { id, head, prev, keys, complete } = event.data
  let check = 'bad'
  try {
    check = checkHead(head, prev, keys, complete)
  } catch {
    // A head that makes the checker throw is not a head to trust.
  }
  self.postMessage({ id, check })
}
