// Package diagnose holds the Chrome test of why a browser dial failed
// (package wasm's and package client's dial diagnostics): mixed content,
// a Content Security Policy, and the HTTP probe, each on a page served
// with what the case needs.
package diagnose
