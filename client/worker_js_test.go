//go:build js && wasm

package client_test

import (
	"os"
	"syscall/js"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/duplex-go/duplex/internal/wstest"
	"github.com/duplex-go/duplex/wasm"
)

// EnvWorker is set to 1 by `make test` for its second browser run of
// this package's tests (and reconnect's), in a dedicated Web Worker
// (internal/wasmrun -worker) rather than in the page.
const EnvWorker = "DUPLEX_WORKER"

// TestWhereItRuns: each browser run of the package's tests runs where it
// should, the page or a dedicated Worker, so that the Worker run cannot
// pass by running in the page; and a connection takes the fast path there
// too: the shim finds the Go instance of the Worker's own wasm_exec.js.
func TestWhereItRuns(t *testing.T) {
	g := js.Global()
	worker := os.Getenv(EnvWorker) == "1"
	assert.Equal(t, worker, g.Get("document").IsUndefined(), "a document: in the page only (%s=%q)", EnvWorker, os.Getenv(EnvWorker))
	if worker {
		scope := g.Get("DedicatedWorkerGlobalScope")
		require.Equal(t, js.TypeFunction, scope.Type(), "DedicatedWorkerGlobalScope")
		assert.True(t, g.InstanceOf(scope), "the global object is a dedicated Worker's")
		assert.Equal(t, js.TypeBoolean, g.Get("navigator").Get("onLine").Type(), "navigator.onLine, for reconnect")
	}

	c, err := wasm.Dial(ctxFor(t, 10*time.Second), wstest.URL(t, "/echo"), nil)
	require.NoError(t, err)
	defer c.CloseNow()
	assert.Equal(t, "export", c.ReceivePath())
	require.NoError(t, c.Write(ctxFor(t, 5*time.Second), wasm.MessageText, []byte("where")))
	_, p, err := c.Read(ctxFor(t, 5*time.Second))
	require.NoError(t, err)
	assert.Equal(t, "where", string(p))
}
