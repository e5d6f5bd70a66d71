// Package consumer holds no code: its test builds a module of its own
// that depends on this checkout of duplex, as a user's module would, and
// fails if that module's go.sum names modules it should never see (tools,
// test-only dependencies of packages it does not import).
package consumer
