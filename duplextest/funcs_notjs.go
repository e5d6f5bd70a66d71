//go:build !js

package duplextest

func liveFuncs() int { return 0 }
