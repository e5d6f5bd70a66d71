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
//	/flood?n=N&size=B&type=T      sends N messages (default 1000; 0 means until the client
//	                              closes) of B bytes (default 16) and type T ("binary",
//	                              default, or "text") as fast as it can, then closes with 1000;
//	                              see [FloodSeq] for their content
//	/slow?delay=D                 reads one message every D (default 100ms) and discards it
//	/silent?hold=D                completes the handshake, then never reads or answers for D
//	                              (default 60s), then cuts the connection
//	/badutf8                      sends one text message that is not valid UTF-8, then echoes
//	/stats?id=X                   [Stats] as JSON (CORS-enabled)
//	/kick?id=X&code=C&reason=R    ends every open connection tagged X: with C, a close frame;
//	                              without, a TCP cut; answers {"kicked": n} (CORS-enabled)
//
// A parameter that does not parse gets HTTP 400 before any handshake.
//
// # Browsers (GOOS=js)
//
// The server runs natively only. Under GOOS=js this package holds just the
// JSON types ([Stats], [ConnStats], [ConnInfo], [Tick]), the flood message
// format and [EnvURL], so browser tests can decode what the server reports;
// the server itself reaches browser tests through the wsharness command.
package harness
