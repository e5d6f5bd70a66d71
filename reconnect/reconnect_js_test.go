//go:build js && wasm

package reconnect_test

// refusalsAreFinal: browsers hide a refusal's status, so a 403 is retried
// like a server that is down, bounded by GiveUpAfter.
const refusalsAreFinal = false
