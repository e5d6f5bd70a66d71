//go:build !js

package errs

import "net"

// ErrClosed is what closed connections' errors wrap: net.ErrClosed itself.
var ErrClosed = net.ErrClosed

// IsNetErrClosed reports whether target is net.ErrClosed.
func IsNetErrClosed(target error) bool { return target == net.ErrClosed }
