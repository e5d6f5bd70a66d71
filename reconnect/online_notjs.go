//go:build !js

package reconnect

// watchOnline returns nil natively: there is no online event to cut a
// wait short.
func watchOnline() (online <-chan struct{}, stop func()) { return nil, func() {} }
