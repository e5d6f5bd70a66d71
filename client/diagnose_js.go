//go:build js && wasm

package client

import "github.com/duplex-go/duplex/wasm"

func enableDialProbe() { wasm.EnableDialProbe() }
