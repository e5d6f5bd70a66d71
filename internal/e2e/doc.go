// Package e2e is the root of a module of tests that need what a module
// depending on duplex should never see in its go.sum: toxiproxy for
// network faults (package faults) and chromedp to drive Chrome on pages
// it serves itself (package diagnose). `make test` runs them.
package e2e
