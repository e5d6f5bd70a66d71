package reconnect

import "runtime"

// goid returns the id of the goroutine that calls it, as the first line
// of its stack trace says it ("goroutine 18 [running]:"); 0 if that line
// does not read so.
//
// Close uses it, and only it, to tell whether it was called from one of
// the Conn's callbacks: they run on two of the Conn's goroutines (run,
// and the reader of the moment: only one reader runs callbacks at a
// time), which record their ids before they run any, and which run no
// other code of the program. Close from elsewhere waits for the Conn's
// goroutines; from them it must not, since the callback that called it
// is what they wait for. No other way tells the two apart: both happen
// while the callback runs.
// Go gives no goroutine ids on purpose (they invite goroutine-local
// state); this is the one question that needs one, and the format of
// that line has not changed since Go 1. Should it ever, every id reads
// 0, and Close never waits, as from a callback: it cannot deadlock.
func goid() uint64 {
	var buf [32]byte // "goroutine " and 20 digits at most
	b := buf[:runtime.Stack(buf[:], false)]
	const prefix = "goroutine "
	if len(b) <= len(prefix) || string(b[:len(prefix)]) != prefix {
		return 0
	}
	var id uint64
	for _, ch := range b[len(prefix):] {
		if ch < '0' || ch > '9' {
			break
		}
		id = id*10 + uint64(ch-'0')
	}
	return id
}
