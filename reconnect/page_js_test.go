//go:build js && wasm

package reconnect_test

import (
	"context"
	"sync/atomic"
	"syscall/js"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/duplex-go/duplex/client"
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

// setHidden makes the page say it is hidden (document.hidden,
// visibilityState) or visible, and fires visibilitychange, as a browser
// does when the tab is switched.
func setHidden(t *testing.T, hidden bool) {
	t.Helper()
	doc := js.Global().Get("document")
	state := "visible"
	if hidden {
		state = "hidden"
	}
	define := js.Global().Get("Object").Get("defineProperty")
	for name, v := range map[string]any{"hidden": hidden, "visibilityState": state} {
		define.Invoke(doc, name, js.ValueOf(map[string]any{
			"configurable": true,
			"get":          js.Global().Get("Function").New("return " + js.Global().Get("JSON").Call("stringify", v).String()),
		}))
	}
	t.Cleanup(func() {
		for _, name := range []string{"hidden", "visibilityState"} {
			js.Global().Get("Reflect").Call("deleteProperty", doc, name)
		}
	})
	require.Equal(t, hidden, doc.Get("hidden").Bool())
	doc.Call("dispatchEvent", js.Global().Get("Event").New("visibilitychange"))
}

// pageTransition fires pagehide or pageshow with persisted set: the page
// goes into, or comes out of, the back/forward cache.
func pageTransition(name string) {
	js.Global().Call("dispatchEvent", js.Global().Get("PageTransitionEvent").New(name, js.ValueOf(map[string]any{"persisted": true})))
}

// TestPageBFCache: pagehide (persisted) closes the connection with 1001
// at once, so that the page may enter the back/forward cache, and the
// Conn dials nothing until pageshow, when it dials at once; writes queue
// meanwhile. Not a failure. Not parallel: the events go to the whole page.
func TestPageBFCache(t *testing.T) {
	id := wstest.ID(t)
	c, rec := dial(t, "/echo?id="+id, &reconnect.Options{Backoff: reconnect.Constant(time.Hour)})
	echo(t, c, "before")

	pageTransition("pagehide")
	cs := wstest.CloseSeen(t, id)
	assert.Equal(t, 4001, cs.ClientCloseCode, "1001, going away, as a page sends it")
	assert.Equal(t, "page hidden", cs.ClientCloseReason)
	e := rec.wait(t, reconnect.Waiting)
	assert.True(t, e.Suspended, "Suspended")
	assert.Zero(t, e.Failures, "not a failure")
	assert.Zero(t, e.Delay)
	require.NoError(t, c.Write(ctxFor(t, time.Second), client.MessageText, []byte("queued")))
	time.Sleep(200 * time.Millisecond)
	assert.Equal(t, int64(1), wstest.Stats(t, id).Handshakes, "no dial while in the cache")
	assert.Equal(t, reconnect.Waiting, c.State())

	pageTransition("pageshow")
	e = rec.wait(t, reconnect.Connected) // at once, not after the hour of backoff
	assert.Zero(t, e.Failures)
	_, p, err := c.Read(ctxFor(t, 5*time.Second))
	require.NoError(t, err)
	assert.Equal(t, "queued", string(p))
	assert.Equal(t, int64(2), wstest.Stats(t, id).Handshakes)

	// pagehide and pageshow without persisted (a page unloaded, or shown
	// for the first time) are not the cache's: nothing happens.
	js.Global().Call("dispatchEvent", js.Global().Get("PageTransitionEvent").New("pagehide"))
	echo(t, c, "still connected")
}

// TestPageVisibility: a hidden page does not cut its backoff short when
// the network comes back; shown again, it dials at once; and a connected
// one checks its connection at once (the heartbeat pings now). Not
// parallel: the events go to the whole page.
func TestPageVisibility(t *testing.T) {
	id := wstest.ID(t)
	var pings, pongs atomic.Int64
	hb := &reconnect.Heartbeat{
		Interval: time.Hour, Timeout: 5 * time.Second, // no ping but the page's
		Ping: func() (client.MessageType, []byte) {
			pings.Add(1)
			return client.MessageText, []byte("ping")
		},
		IsPong: func(_ client.MessageType, p []byte) bool {
			if string(p) == "ping" {
				pongs.Add(1)
				return true
			}
			return false
		},
	}
	c, rec := dial(t, "/echo?id="+id, &reconnect.Options{Backoff: reconnect.Constant(time.Hour), Heartbeat: hb})

	setHidden(t, true)
	require.Equal(t, 1, wstest.Kick(t, id, 0, ""))
	e := rec.wait(t, reconnect.Waiting)
	assert.True(t, e.Hidden, "Hidden")
	assert.Equal(t, time.Hour, e.Delay)
	js.Global().Call("dispatchEvent", js.Global().Get("Event").New("online"))
	time.Sleep(200 * time.Millisecond)
	assert.Equal(t, int64(1), wstest.Stats(t, id).Handshakes, "no dial on online while hidden")

	setHidden(t, false)
	e = rec.wait(t, reconnect.Connected) // at once, not after the hour
	assert.False(t, e.Hidden)
	echo(t, c, "shown")
	assert.Zero(t, pings.Load(), "no ping yet: Interval is an hour")

	setHidden(t, true)
	setHidden(t, false) // shown again, connected: a ping now
	require.Eventually(t, func() bool { return pongs.Load() == 1 }, 10*time.Second, 10*time.Millisecond, "the check's pong")
	assert.Equal(t, int64(1), pings.Load())
	last, _ := c.RTT()
	assert.Positive(t, last)
	assert.Equal(t, int64(2), wstest.Stats(t, id).Handshakes)
}

// TestPageBFCacheWhileDialling: pagehide while a connection is being
// set up (here in OnConnect, before it is the Conn's): that connection is
// closed with 1001 too, not left open in the cache. Not parallel.
func TestPageBFCacheWhileDialling(t *testing.T) {
	id := wstest.ID(t)
	var calls atomic.Int64
	rec := newRecorder()
	c, err := reconnect.New(wstest.URL(t, "/echo?id="+id), &reconnect.Options{
		OnState: rec.on,
		OnConnect: func(context.Context, *client.Conn) error {
			if calls.Add(1) == 1 {
				pageTransition("pagehide")
			}
			return nil
		},
	})
	require.NoError(t, err)
	t.Cleanup(func() { _ = c.CloseNow() })
	e := rec.wait(t, reconnect.Waiting)
	assert.True(t, e.Suspended, "Suspended")
	cs := wstest.CloseSeen(t, id)
	assert.Equal(t, 4001, cs.ClientCloseCode, "the connection OnConnect had")
	pageTransition("pageshow")
	rec.wait(t, reconnect.Connected)
	echo(t, c, "back")
	assert.Equal(t, int64(2), calls.Load(), "OnConnect calls")
}
