//go:build !js

package client

import "net"

// errClosed is what closed connections' errors wrap: net.ErrClosed itself.
var errClosed = net.ErrClosed

func isNetErrClosed(target error) bool { return target == net.ErrClosed }
