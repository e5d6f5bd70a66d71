//go:build !js

package client_test

// pingFrames: natively Conn.Ping sends a ping frame.
const pingFrames = true
