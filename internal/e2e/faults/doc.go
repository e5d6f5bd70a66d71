// Package faults holds tests that put a network fault between a
// reconnect.Conn and the test harness: a network that goes away and comes
// back, and one that silently drops everything while TCP stays up. The
// faults are made on loopback by an in-process toxiproxy.
//
// It is in module internal/e2e so that toxiproxy and what it needs
// (prometheus, zerolog, gorilla/mux, ...) never reach the go.sum of a
// module that depends on duplex; `make test` runs it with the rest.
package faults
