//go:build !js

package reconnect

// watchPage does nothing natively: there is no page, and so no online,
// visibility or back/forward cache event (page.go).
func watchPage(*Conn) (stop func()) { return func() {} }

// pingFrames: Heartbeat.Frames can be honoured: client.Conn.Ping sends one.
const pingFrames = true
