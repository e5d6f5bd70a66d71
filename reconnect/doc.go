// Package reconnect is a WebSocket connection that dials again when it is
// lost, with the Read and Write of client.Conn, natively and in the
// browser alike.
//
//	c, err := reconnect.Dial(ctx, "wss://example.com/ws", nil)
//	if err != nil { return err }
//	defer c.CloseNow()
//	err = c.Write(ctx, client.MessageText, []byte("hello")) // queued while redialling
//	typ, p, err := c.Read(ctx)                               // across redials
//
// Dial waits for the first connection; New returns a Conn at once, which
// connects in the background (writes queue meanwhile).
//
// What it does, each part an Options field:
//
//   - A fresh URL and client.Options for every dial (Endpoint), so that
//     a redial presents a credential that has not expired.
//   - Backoff between dials: Exponential (the default, with full jitter
//     and a cap) or Constant, or any Backoff; a Retry-After of a refused
//     handshake is waited out when it is longer, up to the backoff's cap.
//   - Which failures are final (Final, DefaultFinal, Permanent): a 4xx
//     refusal or a redirect, a close for a protocol or policy violation.
//     GiveUpAfter bounds the failures in a row and MaxElapsed the time
//     they take; StableAfter, or the program's Conn.Ready, says when they
//     start again.
//   - A send queue while there is no connection (SendQueueLimit,
//     SendQueueCount), sent in order on the next one; Conn.Send chooses,
//     per message, to queue, to wait until sent (Await), or never to queue
//     (Volatile), and says whether it was sent, queued or refused.
//   - State changes a program can watch (OnState, Conn.State), and a hook
//     run on each new connection to log in or subscribe again
//     (OnConnect).
//   - A heartbeat to find connections that died without a word, which
//     measures the round trip (Heartbeat, Conn.RTT); natively it may use
//     ping frames.
//   - Reading ahead of Read, within a bound (ReadAhead), so that a
//     connection lost while received messages wait for the program is
//     noticed and redialled all the same.
//   - In the browser, the page's lifecycle: no dial while it says it is
//     offline, and the online event ends a backoff wait at once (but in a
//     hidden page); shown again, the page dials at once or checks its
//     connection; going into the back/forward cache, it closes with 1001
//     and dials again when the page is back (docs/platforms.md).
//
// Every callback (OnState, Endpoint, OnConnect, Final, Backoff, the
// heartbeat's, OnDisconnect's) may call any method of the Conn, Close
// included: see
// Options. Conn.Done is closed once the last callback has returned.
//
// # Defaults
//
// The zero Options are meant for production, and each field's zero value
// is its documented default:
//
//   - Redials wait 500 ms, then twice as long after each failure in a
//     row, up to 30 s, each wait drawn at random from 0 to that (full
//     jitter), so that a server's clients do not come back together.
//     A close saying the server goes away or restarts (1001, 1012) is not
//     a failure: the redial comes within RestartWindow (1 s).
//   - The Conn never gives up on its own but for a final failure: a
//     handshake refused with 4xx (natively), or a close for a protocol or
//     policy violation (DefaultFinal). One message too big, received
//     (over Dial.ReadLimit, client's 32 KiB by default) or sent (the
//     server closes with 1009), is not final: it ends its connection, and
//     the Conn goes on with the next, without that message. Raise the
//     limit for larger messages (Dial.ReadLimit, Conn.SetReadLimit).
//   - Writes while disconnected queue up to 1 MiB (SendQueueLimit).
//   - No heartbeat: set one to find connections that die without a word.
//
// It is written once over package client; its only platform-specific code
// is what the browser says of the page's lifecycle.
//
// # Browsers (GOOS=js)
//
// Browsers hide why a handshake failed: a refusal with 403 looks like a
// server that is down. So in the browser every failed dial is retried
// under the backoff, and GiveUpAfter (consecutive failures) is the only
// bound, but for what the page refuses itself before connecting (mixed
// content, its Content Security Policy), which is final; natively a 4xx
// refusal other than 408 and 429, and a redirect, are final.
package reconnect
