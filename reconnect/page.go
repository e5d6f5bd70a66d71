package reconnect

import (
	"context"

	"github.com/duplex-go/duplex/client"
)

// A page's lifecycle, as the browser tells it (page_js.go: watchPage,
// whose listener calls pageVisibility, pageHide and pageShow; natively
// nothing does). They run on the browser's event loop, in a JavaScript
// event's listener: each holds c.mu for a moment at most, and does not
// wait for anything else. Waits end on c.online and c.wake (run.go:
// sleep, waitPage).
//
//   - online: a backoff wait ends at once, so that the Conn dials as soon
//     as the network is back; but not while the page is hidden, so that
//     the hidden tabs of a whole office do not all dial the moment the
//     network comes back: they wait out their backoff (drawn at random),
//     or if they waited for the network (offline), a random time within
//     RestartWindow (run.go: sleep, waitPage).
//   - visibilitychange: shown again, a backoff wait ends at once (someone
//     is looking), and an open connection is checked at once: the
//     heartbeat pings now, not at the end of its Interval.
//   - pagehide with persisted (the page goes into the back/forward cache,
//     which Chrome refuses to a page with an open WebSocket): the open
//     connection is closed with 1001 (going away; 4001 on the wire) at
//     once, while the page still runs, and the Conn waits, dialling
//     nothing, until pageshow with persisted (the page is back), when it
//     dials at once. Such a loss is not a failure.

// errPageHidden is why a connection closed for the back/forward cache
// was lost.
var errPageHidden = &failure{"the page went into the back/forward cache (pagehide): the connection was closed with 1001 (going away)", nil}

// pageHidden closes cc with 1001 (going away) for the back/forward
// cache, waiting for nothing: the close frame is handed to the browser
// before it returns.
func pageHidden(cc *client.Conn) error {
	done, cancel := context.WithCancel(context.Background())
	cancel()
	return cc.CloseContext(done, client.StatusGoingAway, "page hidden")
}

func (c *Conn) isSuspended() bool {
	c.mu.Lock()
	s := c.suspended
	c.mu.Unlock()
	return s
}
