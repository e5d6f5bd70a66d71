//go:build !js

package client

// Received returns the bytes c has read from the network so far.
func Received(c *Conn) int64 { return c.t.(*native).stream.received.Load() }
