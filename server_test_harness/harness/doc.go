// Package harness is a fault-injecting WebSocket test server: an
// [http.Handler] whose URLs are the situations a WebSocket client must
// survive, so that native and browser tests drive the very same faults.
//
//	h := harness.New(nil)
//	defer h.Close()
//	srv := httptest.NewServer(h)
//	defer srv.Close()
//	conn, _, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(srv.URL, "http")+"/echo", nil)
//
// Use it in tests the way net/http/httptest is used. The handler serves
// only what a test asks for; it allows every Origin unless told otherwise,
// because browser tests run on a page served from another port.
//
// # Scenarios
//
// Every WebSocket scenario takes these query parameters:
//
//	id=X          tags the connection, so that /stats?id=X and /kick?id=X see only it
//	              and its siblings (tests share one harness in the browser)
//	protocols=a,b subprotocols the server accepts, in its order of preference;
//	              absent means it accepts the first one the client offers
//	compress=M    permessage-deflate: "context" or "nocontext"; absent means off
//	origins=p,q   origin patterns allowed for this handshake, overriding
//	              [Options.OriginPatterns] (a refused origin gets HTTP 403)
//	limit=N       the server's read limit in bytes (default 64 MiB)
//	fail=N        refuses handshakes tagged id with HTTP 503 until N of its handshakes
//	              have been refused, as a server that is down for a while (needs id)
//	token=T       a one-time credential: a handshake whose token was accepted before
//	              for the same id is refused with HTTP 401, as an expired token is
//	              (checked after fail=; a refused handshake does not use its token)
//
// The endpoints:
//
//	/echo?info=1                  echoes every message with its type; with info=1 the first
//	                              message is a JSON [ConnInfo] describing the handshake
//	/clock?every=D&count=N        pushes a JSON [Tick] every D (default 1s), N times (default
//	                              unlimited), then closes with 1000
//	/chat?room=R&queue=Q          broadcasts each message to every client of room R,
//	                              sender included; a client that falls Q messages
//	                              (default 1024) behind is evicted: closed with 1008
//	                              if that frame gets through in a second, else reset
//	/drop?after=N&delay=D&how=H   echoes N messages (default 0), or for D, then cuts the TCP
//	                              connection with no close frame: H is "fin" (default) or
//	                              "rst" (a reset)
//	/close?code=C&reason=R&after=N echoes N messages (default 0), then closes with C (default
//	                              1000) and R
//	/reject?status=S&retry_after=V&location=L
//	                              refuses the handshake with HTTP status S (default 403),
//	                              a Retry-After of V if given and, for 3xx, a Location of L
//	                              (default /echo)
//	/hang?hold=D                  never answers the handshake: holds the request until the
//	                              client gives up or D (default 60s) passes
//	/flood?n=N&size=B&type=T&hold=D
//	                              sends N messages (default 1000; 0 means until the client
//	                              closes) of B bytes (default 16) and type T ("binary",
//	                              default, or "text") as fast as it can, then, after waiting
//	                              up to D (default 0) for the client to close, closes with
//	                              1000; see [FloodSeq] for their content
//	/slow?delay=D                 reads one message every D (default 100ms) and discards it
//	/silent?hold=D                completes the handshake, then never reads or answers for D
//	                              (default 60s), then cuts the connection
//	/badutf8                      sends one text message that is not valid UTF-8, then echoes
//	/stall?size=N&send=M&type=T&frag=1&ok=K&hold=D
//	                              sends K binary messages, then begins a message and
//	                              stalls in it (this and the next three: see Hostile peers)
//	/bad?frame=KIND&ok=K&hold=D   sends K text messages, then one invalid frame
//	/garbage?seed=S&n=N&hold=D    sends N pseudo-random bytes
//	/raw?b64=B&hold=D             sends the bytes B encodes
//	/stats?id=X                   [Stats] as JSON (CORS-enabled)
//	/kick?id=X&code=C&reason=R    ends every open connection tagged X: with C, a close frame;
//	                              without, a TCP cut; answers {"kicked": n} (CORS-enabled)
//
// A parameter that does not parse gets HTTP 400 before any handshake.
//
// What /stats?id=X reports outlives the connections: a test may read it
// after they have closed. The harness keeps it for every id with an open
// connection, and for the [MaxIdleIDs] (1024) ids without one that were
// used most recently (a handshake, refused or not, a message, the end of a
// connection, a /stats?id= read); it forgets older ones, whose stats then
// read as zero. So a harness that serves a whole browser test run holds a
// bounded amount, and a test's stats are there for it as long as fewer
// than 1024 other ids have been used since it last used its own.
//
// # Hostile peers
//
// These scenarios misbehave on purpose, to show that a client's every wait
// is bounded whatever the server does. /stall, /bad, /garbage and /raw
// complete a valid handshake (with no extension: compress= is refused),
// write their bytes by hand, and then go silent: they never send another
// byte, never answer a ping or a close frame, and keep TCP open until the
// client closes it, hold=D passes (default 60s, counted from the
// handshake) or the harness closes. Their "ok" messages count in /stats
// as messages sent. Meanwhile they read the client's
// frames, so /stats shows its close frame (ClientCloseCode and
// ClientCloseReason, as sent, even a code no peer may send) and counts its
// messages, and shows the connection closed as soon as the client cuts
// TCP. /kick without a code cuts TCP; with a
// code it writes a close frame onto the wire as it is (inside an
// unfinished frame the client reads it as payload), waits up to 5 s for
// the client's close frame and cuts.
//
//	/stall?size=N&send=M&type=T&ok=K
//	        after K (default 0, at most 2^20) binary messages "ok1" … "okK", a data
//	        frame of type T ("binary", default, or "text") with FIN whose header
//	        announces N bytes (default 1000, at most 2^62; over 65535 in the 64-bit
//	        length form), of which only the first M (default 0, at most N) are sent,
//	        all 'a': a frame announced and never delivered. The client waits for bytes
//	        that never come. With M = N the message is whole (a huge one, if N is), and
//	        the silence follows it.
//	/stall?frag=1&send=M&type=T&ok=K
//	        the same, but the stall falls between frames: a complete first frame of M
//	        bytes 'a' without FIN begins a fragmented message that never ends (size is
//	        ignored).
//	/bad?frame=KIND&ok=K
//	        after K (default 0, at most 2^20) text messages "ok", one invalid frame,
//	        which a client must not deliver as a message: it fails the connection.
//	        KIND is
//	          rsv           a binary frame "bad" with RSV2 set
//	          rsv1          a binary frame "bad" with RSV1 set, with no extension negotiated
//	          opcode        a frame "bad" with the reserved data opcode 0x3
//	          ctlopcode     a frame "bad" with the reserved control opcode 0xB
//	          fragctl       a ping "bad" without FIN: a fragmented control frame
//	          bigctl        a ping of 126 bytes 'a' (control frames hold at most 125)
//	          closecode     a close frame with code 1005, which is never sent
//	          closecode999  a close frame with code 999
//	          closeutf8     a close frame with code 1000 and a reason that is not UTF-8
//	          closeshort    a close frame with a 1-byte payload
//	          afterclose    a valid close frame (1000, "bye") followed at once by a text
//	                        frame "late": data after a close frame
//	          masked        a binary frame "bad" masked by the server
//	          continuation  a continuation frame "bad" with no message begun
//	          newmsg        a text frame "one" without FIN, then a new text frame "two"
//	                        where a continuation must come
//	          badutf8       a text frame whose payload ("ok" 0xFF 0xFE) is not UTF-8
//	        An unknown or missing KIND gets HTTP 400.
//	/garbage?seed=S&n=N
//	        N bytes (default 1024, at most 2^30) where a frame should be: the first N
//	        bytes of math/rand/v2's ChaCha8 seeded with S (default 1, any uint64) as 8
//	        little-endian bytes followed by 24 zero bytes, so a run repeats.
//	/raw?b64=B
//	        exactly the bytes B encodes (base64url, padded or not, at most 64 KiB; empty
//	        sends nothing), for fuzz targets and one-off tests; B that is not base64url,
//	        or longer, gets HTTP 400.
//
// Other scenarios above are hostile too:
//
//	/hang                       a handshake that never answers: the client's dial must give
//	                            up on its own
//	/reject?status=503&retry_after=V
//	                            a refusal with any Retry-After, passed through unchanged: an
//	                            absurd one such as 99999999999999999999 or an HTTP date in
//	                            the year 9999 ("Fri, 31 Dec 9999 23:59:59 GMT") must not park
//	                            a reconnecting client for ever or overflow its arithmetic
//	/drop?after=0&how=rst       accepts, then resets TCP at once: the client's first read
//	                            after the 101 response fails with a reset (a system that
//	                            discards unread data on a reset may fail the dial instead)
//	/silent                     a connection that never reads or answers, for close and
//	                            heartbeat timeouts
//	/badutf8                    a text message with invalid UTF-8, sent by coder/websocket
//	                            as a whole message, then an echo
//
// # Browsers (GOOS=js)
//
// The server runs natively only. Under GOOS=js this package holds just the
// JSON types ([Stats], [ConnStats], [ConnInfo], [Tick]), the flood message
// format and [EnvURL], so browser tests can decode what the server reports;
// the server itself reaches browser tests through the wsharness command.
package harness
