//go:build js && wasm

package client

import "github.com/duplex-go/duplex/wasm"

func enableDialDiagnostics() { wasm.EnableDialDiagnostics() }

func enableDialProbe() { wasm.EnableDialProbe() }
