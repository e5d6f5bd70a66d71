//go:build js && wasm

package codec

// The browser build does not import package net, which costs every page
// about 70 KB gzipped (client/errors_js.go says why). errClosed stands in
// for net.ErrClosed and matches it by its message, as client's does, so
// errors.Is(err, net.ErrClosed) holds on both platforms.

// netErrClosedText is net.ErrClosed.Error().
const netErrClosedText = "use of closed network connection"

type closedErr struct{}

func (closedErr) Error() string { return netErrClosedText }
func (closedErr) Is(target error) bool {
	return target != nil && target.Error() == netErrClosedText
}

var errClosed error = closedErr{}
