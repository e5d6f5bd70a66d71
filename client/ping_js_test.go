//go:build js && wasm

package client_test

// pingFrames: browsers let a page send no ping frame.
const pingFrames = false
