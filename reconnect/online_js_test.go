//go:build js && wasm

package reconnect_test

import (
	"syscall/js"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/duplex-go/duplex/internal/wstest"
	"github.com/duplex-go/duplex/reconnect"
)

// TestOnline: the browser's online event ends a backoff wait at once.
func TestOnline(t *testing.T) {
	t.Parallel()
	id := wstest.ID(t)
	c, rec := dial(t, "/echo?id="+id, &reconnect.Options{Backoff: reconnect.Constant(time.Hour)})
	require.Equal(t, 1, wstest.Kick(t, id, 0, ""))
	e := rec.wait(t, reconnect.Waiting)
	require.Equal(t, time.Hour, e.Delay)

	js.Global().Call("dispatchEvent", js.Global().Get("Event").New("online"))
	rec.wait(t, reconnect.Connected) // fails after 10 s, not an hour
	echo(t, c, "back online")
	assert.Equal(t, int64(2), wstest.Stats(t, id).Handshakes)
}

// TestOffline: while the browser says it is offline, the Conn does not
// dial (nor count failures); the online event sends it dialling again.
// Not parallel: it changes navigator.onLine for the whole page.
func TestOffline(t *testing.T) {
	id := wstest.ID(t)
	c, rec := dial(t, "/echo?id="+id, nil)
	nav := js.Global().Get("navigator")
	restore := func() { js.Global().Get("Reflect").Call("deleteProperty", nav, "onLine") }
	t.Cleanup(restore)
	js.Global().Get("Object").Call("defineProperty", nav, "onLine", js.ValueOf(map[string]any{
		"configurable": true,
		"get":          js.Global().Get("Function").New("return false"),
	}))
	require.False(t, nav.Get("onLine").Bool())

	require.Equal(t, 1, wstest.Kick(t, id, 0, ""))
	var e reconnect.Event
	for !e.Offline {
		e = rec.wait(t, reconnect.Waiting)
	}
	assert.Equal(t, 1, e.Failures, "the lost connection only")
	time.Sleep(200 * time.Millisecond)
	assert.Equal(t, int64(1), wstest.Stats(t, id).Handshakes, "no dial while offline")
	assert.Equal(t, reconnect.Waiting, c.State())

	restore()
	require.True(t, nav.Get("onLine").Bool())
	js.Global().Call("dispatchEvent", js.Global().Get("Event").New("online"))
	rec.wait(t, reconnect.Connected)
	echo(t, c, "online again")
	assert.Equal(t, int64(2), wstest.Stats(t, id).Handshakes)
}
