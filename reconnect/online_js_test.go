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
