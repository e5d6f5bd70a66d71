//go:build !js

package reconnect

// watchOnline returns nils natively: there is no online event to cut a
// wait short, and no offline state to wait out.
func watchOnline() (online <-chan struct{}, offline func() bool, stop func()) {
	return nil, nil, func() {}
}

// pingFrames: Heartbeat.Frames can be honoured: client.Conn.Ping sends one.
const pingFrames = true
