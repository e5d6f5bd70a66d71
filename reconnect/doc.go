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
//   - A send queue while there is no connection (SendQueueLimit), sent in
//     order on the next one.
//   - State changes a program can watch (OnState, Conn.State), and a hook
//     run on each new connection to log in or subscribe again
//     (OnConnect).
//   - A heartbeat to find connections that died without a word
//     (Heartbeat).
//   - Reading ahead of Read, within a bound (ReadAhead), so that a
//     connection lost while received messages wait for the program is
//     noticed and redialled all the same.
//   - In the browser, no dial while it says it is offline, and the online
//     event ends a backoff wait at once.
//
// Every callback (OnState, OnConnect, Final, Backoff, the heartbeat's,
// OnDisconnect's) may call any method of the Conn, Close included: see
// Options. Conn.Done is closed once the last callback has returned.
//
// It is written once over package client; its only platform-specific code
// is the browser's online and offline signal.
//
// # Browsers (GOOS=js)
//
// Browsers hide why a handshake failed: a refusal with 403 looks like a
// server that is down. So in the browser every failed dial is retried
// under the backoff, and GiveUpAfter (consecutive failures) is the only
// bound; natively a 4xx refusal other than 408 and 429, and a redirect,
// are final.
package reconnect
