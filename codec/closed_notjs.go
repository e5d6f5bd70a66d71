//go:build !js

package codec

import "net"

// errClosed is what a closed Pipe's errors wrap: net.ErrClosed itself.
var errClosed = net.ErrClosed
