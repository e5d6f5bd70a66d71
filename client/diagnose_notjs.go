//go:build !js

package client

// A native DialError carries the HTTP status or the network's error
// itself: there is nothing more to find out.
func enableDialProbe() {}
