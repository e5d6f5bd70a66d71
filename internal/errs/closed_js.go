//go:build js && wasm

package errs

// The browser build does not import package net: its initialization alone
// (with os, a file system emulation and unique it brings) costs every
// page about 70 KB gzipped. ErrClosed stands in for net.ErrClosed and
// matches it by its message, which Go's net package has never changed, so
// errors.Is(err, net.ErrClosed) holds on both platforms.

// netErrClosedText is net.ErrClosed.Error().
const netErrClosedText = "use of closed network connection"

type closedErr struct{}

func (closedErr) Error() string        { return netErrClosedText }
func (closedErr) Is(target error) bool { return IsNetErrClosed(target) }

// ErrClosed is what closed connections' errors wrap: errors.Is matches it
// to net.ErrClosed.
var ErrClosed error = closedErr{}

// IsNetErrClosed reports whether target is net.ErrClosed (or ErrClosed).
func IsNetErrClosed(target error) bool {
	return target != nil && target.Error() == netErrClosedText
}
