// The unchanging.ink wire protocol, version 1, for the browser and the web
// server. Pure: no network, no DOM. Functions that check something return a
// value saying what went wrong instead of throwing, so the page can show it.
// Byte strings are Uint8Array; JSON carries them as standard base64.
//
// One module per job; this index re-exports them for callers.
export * from './encoding'
export * from './hash'
export * from './cbor'
export * from './records'
export * from './merkle'
export * from './keys'
export * from './keyChain'
export * from './signed-head'
export * from './compact'
export * from './conventions'
export * from './proof-file'
export * from './verify'
export * from './cosignature'
