//go:build js && wasm

package duplextest

import "github.com/duplex-go/duplex/jsbridge"

func liveFuncs() int { return jsbridge.LiveFuncs() }
