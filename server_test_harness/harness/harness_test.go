//go:build !js

package harness_test

import (
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/duplex-go/duplex/internal/leakcheck"
	"github.com/duplex-go/duplex/server_test_harness/harness"
)

func TestMain(m *testing.M) {
	leakcheck.Main(m)
}

// server starts a harness for one test and returns its base URLs.
type server struct {
	h    *harness.Harness
	http string // http://127.0.0.1:port
	ws   string // ws://127.0.0.1:port
}

func start(t *testing.T, opts *harness.Options) *server {
	t.Helper()
	h := harness.New(opts)
	srv := httptest.NewServer(h)
	t.Cleanup(func() {
		require.NoError(t, h.Close())
		srv.Close()
	})
	return &server{h: h, http: srv.URL, ws: "ws" + strings.TrimPrefix(srv.URL, "http")}
}

func testCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func dial(t *testing.T, url string, opts *websocket.DialOptions) *websocket.Conn {
	t.Helper()
	c, _, err := websocket.Dial(testCtx(t), url, opts)
	require.NoError(t, err, "dial %s", url)
	c.SetReadLimit(-1)
	t.Cleanup(func() { c.CloseNow() })
	return c
}

func read(t *testing.T, c *websocket.Conn) (websocket.MessageType, []byte) {
	t.Helper()
	typ, p, err := c.Read(testCtx(t))
	require.NoError(t, err, "read")
	return typ, p
}

func getStats(t *testing.T, s *server, id string) harness.Stats {
	t.Helper()
	resp, err := http.Get(s.http + "/stats?id=" + id)
	require.NoError(t, err)
	defer resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Equal(t, "*", resp.Header.Get("Access-Control-Allow-Origin"), "CORS header")
	var st harness.Stats
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&st))
	return st
}

// eventually polls cond, for things the server does after the client has
// moved on (counting a close frame, say).
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	require.Eventually(t, cond, 5*time.Second, 5*time.Millisecond, what)
}

func TestEcho(t *testing.T) {
	t.Parallel()
	s := start(t, nil)
	c := dial(t, s.ws+"/echo", nil)
	ctx := testCtx(t)
	for _, tt := range []struct {
		name string
		typ  websocket.MessageType
		p    []byte
	}{
		{"text", websocket.MessageText, []byte("hello, duplex")},
		{"binary", websocket.MessageBinary, []byte{0, 1, 2, 0xff}},
		{"empty text", websocket.MessageText, []byte{}},
		{"empty binary", websocket.MessageBinary, []byte{}},
		{"1 MiB binary", websocket.MessageBinary, make([]byte, 1<<20)},
	} {
		require.NoError(t, c.Write(ctx, tt.typ, tt.p), tt.name)
		typ, p := read(t, c)
		assert.Equal(t, tt.typ, typ, "%s: message type", tt.name)
		assert.Equal(t, tt.p, p, "%s: payload", tt.name)
	}
}

func TestEchoSubprotocols(t *testing.T) {
	t.Parallel()
	s := start(t, nil)
	for _, tt := range []struct {
		name  string
		query string
		offer []string
		want  string
	}{
		{"client's first by default", "", []string{"b.duplex", "a.duplex"}, "b.duplex"},
		{"server's preference", "?protocols=a.duplex,b.duplex", []string{"b.duplex", "a.duplex"}, "a.duplex"},
		{"none in common", "?protocols=x.duplex", []string{"b.duplex"}, ""},
		{"none offered", "", nil, ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			c := dial(t, s.ws+"/echo"+tt.query, &websocket.DialOptions{Subprotocols: tt.offer})
			assert.Equal(t, tt.want, c.Subprotocol(), "negotiated subprotocol")
		})
	}
}

func TestEchoInfo(t *testing.T) {
	t.Parallel()
	s := start(t, nil)
	id := "info"
	c := dial(t, s.ws+"/echo?info=1&compress=nocontext&id="+id, &websocket.DialOptions{
		Subprotocols:    []string{"chat.duplex"},
		CompressionMode: websocket.CompressionNoContextTakeover,
		HTTPHeader:      http.Header{"X-Duplex-Test": {"yes"}, "Origin": {"http://page.test"}},
	})
	typ, p := read(t, c)
	require.Equal(t, websocket.MessageText, typ, "info message type")
	var info harness.ConnInfo
	require.NoError(t, json.Unmarshal(p, &info))
	assert.Equal(t, "chat.duplex", info.Subprotocol)
	assert.Contains(t, info.Extensions, "permessage-deflate", "negotiated extension")
	assert.Equal(t, "http://page.test", info.Origin)
	assert.Equal(t, []string{"yes"}, info.Header["X-Duplex-Test"], "request header")

	// The echo continues after the info message, compressed.
	big := strings.Repeat("compressible ", 1000)
	require.NoError(t, c.Write(testCtx(t), websocket.MessageText, []byte(big)))
	_, p = read(t, c)
	assert.Equal(t, big, string(p), "echo after info")

	st := getStats(t, s, id)
	require.Len(t, st.Conns, 1)
	assert.Contains(t, st.Conns[0].Extensions, "permessage-deflate", "stats: extensions")
	assert.Equal(t, "chat.duplex", st.Conns[0].Subprotocol, "stats: subprotocol")
}

func TestOrigins(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name     string
		opts     *harness.Options
		query    string
		origin   string
		accepted bool
	}{
		{"any origin by default", nil, "", "http://anywhere.test", true},
		{"query allows", nil, "?origins=page.test", "http://page.test", true},
		{"query refuses", nil, "?origins=page.test", "http://evil.test", false},
		{"option allows", &harness.Options{OriginPatterns: []string{"*.page.test"}}, "", "http://a.page.test", true},
		{"option refuses", &harness.Options{OriginPatterns: []string{"page.test"}}, "", "http://evil.test", false},
		{"query overrides option", &harness.Options{OriginPatterns: []string{"page.test"}}, "?origins=evil.test", "http://evil.test", true},
		{"same host always allowed", &harness.Options{OriginPatterns: []string{"page.test"}}, "", "", true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := start(t, tt.opts)
			sep := "?"
			if strings.Contains(tt.query, "?") {
				sep = "&"
			}
			origin := tt.origin
			if origin == "" {
				origin = s.http // the harness's own host
			}
			c, resp, err := websocket.Dial(testCtx(t), s.ws+"/echo"+tt.query+sep+"id=o", &websocket.DialOptions{
				HTTPHeader: http.Header{"Origin": {origin}},
			})
			st := getStats(t, s, "o")
			if tt.accepted {
				require.NoError(t, err)
				c.CloseNow()
				assert.Equal(t, int64(1), st.Handshakes, "handshakes")
				return
			}
			require.Error(t, err)
			require.NotNil(t, resp)
			assert.Equal(t, http.StatusForbidden, resp.StatusCode, "status")
			assert.Equal(t, int64(1), st.Refused, "refused")
			assert.Equal(t, int64(0), st.Handshakes, "handshakes")
		})
	}
}

func TestClock(t *testing.T) {
	t.Parallel()
	s := start(t, nil)
	c := dial(t, s.ws+"/clock?every=5ms&count=3", nil)
	var last time.Time
	for i := int64(1); i <= 3; i++ {
		typ, p := read(t, c)
		require.Equal(t, websocket.MessageText, typ)
		var tick harness.Tick
		require.NoError(t, json.Unmarshal(p, &tick))
		assert.Equal(t, i, tick.Seq, "tick sequence")
		tm, err := time.Parse(time.RFC3339Nano, tick.Time)
		require.NoError(t, err)
		assert.True(t, tm.After(last), "tick %d time %v after %v", i, tm, last)
		last = tm
	}
	_, _, err := c.Read(testCtx(t))
	assert.Equal(t, websocket.StatusNormalClosure, websocket.CloseStatus(err), "close after count ticks: %v", err)
}

func TestChat(t *testing.T) {
	t.Parallel()
	s := start(t, nil)
	a := dial(t, s.ws+"/chat?room=r1&id=chat", nil)
	b := dial(t, s.ws+"/chat?room=r1&id=chat", nil)
	other := dial(t, s.ws+"/chat?room=r2", nil)
	eventually(t, "both joined", func() bool { return getStats(t, s, "chat").Open == 2 })

	ctx := testCtx(t)
	require.NoError(t, a.Write(ctx, websocket.MessageText, []byte("hi from a")))
	for name, c := range map[string]*websocket.Conn{"sender": a, "peer": b} {
		typ, p := read(t, c)
		assert.Equal(t, websocket.MessageText, typ, name)
		assert.Equal(t, "hi from a", string(p), name)
	}
	require.NoError(t, b.Write(ctx, websocket.MessageBinary, []byte{7}))
	for name, c := range map[string]*websocket.Conn{"peer": a, "sender": b} {
		typ, p := read(t, c)
		assert.Equal(t, websocket.MessageBinary, typ, name)
		assert.Equal(t, []byte{7}, p, name)
	}

	// The other room heard nothing: its first message is its own.
	require.NoError(t, other.Write(ctx, websocket.MessageText, []byte("r2")))
	_, p := read(t, other)
	assert.Equal(t, "r2", string(p), "room isolation")
}

func TestChatSlowClient(t *testing.T) {
	t.Parallel()
	s := start(t, nil)
	fast := dial(t, s.ws+"/chat?room=slow", nil)
	// slow's socket takes little before it stops the server's writes.
	var slowTCP *net.TCPConn
	smallBuffer := &http.Client{Transport: &http.Transport{
		DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			c, err := (&net.Dialer{}).DialContext(ctx, network, addr)
			if err == nil {
				slowTCP = c.(*net.TCPConn)
				err = slowTCP.SetReadBuffer(8 << 10)
			}
			return c, err
		},
	}}
	slow := dial(t, s.ws+"/chat?room=slow&queue=2&id=slowpoke", &websocket.DialOptions{HTTPClient: smallBuffer})
	eventually(t, "both joined", func() bool { return getStats(t, s, "slowpoke").Open == 1 })

	// fast reads everything; slow reads nothing until the server has had
	// to give up on it.
	ctx := testCtx(t)
	readCtx, stopReading := context.WithCancel(ctx)
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			if _, _, err := fast.Read(readCtx); err != nil {
				return
			}
		}
	}()
	defer func() { stopReading(); wg.Wait() }()

	// Enough to fill the server's socket buffer (4 MiB at most on Linux),
	// the 8 KiB of slow's and a queue of 2.
	msg := make([]byte, 256<<10)
	for i := range 48 {
		require.NoError(t, fast.Write(ctx, websocket.MessageBinary, msg), "write %d", i)
	}
	// The server gave up on slow (a 1008 queued behind what slow has not
	// read, or a reset: slow would take long to find out which through its
	// small window).
	eventually(t, "slow client evicted", func() bool { return !getStats(t, s, "slowpoke").Conns[0].Open })
	slow.CloseNow()

	// The room goes on.
	require.NoError(t, fast.Write(ctx, websocket.MessageText, []byte("still here")))
	eventually(t, "fast still chatting", func() bool {
		all := s.h.Stats("")
		return all.Open == 1 && all.MessagesReceived == 49
	})
}

func TestDrop(t *testing.T) {
	t.Parallel()
	s := start(t, nil)
	for _, tt := range []struct {
		name  string
		query string
		echo  int
		check func(t *testing.T, err error)
	}{
		{"fin after 2", "?after=2", 2, func(t *testing.T, err error) { assert.ErrorIs(t, err, io.EOF) }},
		{"fin at once", "", 0, func(t *testing.T, err error) { assert.ErrorIs(t, err, io.EOF) }},
		{"rst after 1", "?after=1&how=rst", 1, func(t *testing.T, err error) { assert.ErrorIs(t, err, syscall.ECONNRESET) }},
		{"rst at once", "?how=rst", 0, func(t *testing.T, err error) { assert.ErrorIs(t, err, syscall.ECONNRESET) }},
		{"after a delay", "?delay=20ms", -1, func(t *testing.T, err error) { assert.ErrorIs(t, err, io.EOF) }},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c := dial(t, s.ws+"/drop"+tt.query, nil)
			ctx := testCtx(t)
			for i := 0; i < tt.echo; i++ {
				require.NoError(t, c.Write(ctx, websocket.MessageText, []byte("x")))
				_, p := read(t, c)
				assert.Equal(t, "x", string(p))
			}
			_, _, err := c.Read(ctx)
			require.Error(t, err)
			assert.Equal(t, websocket.StatusCode(-1), websocket.CloseStatus(err), "no close frame: %v", err)
			tt.check(t, err)
		})
	}
}

func TestClose(t *testing.T) {
	t.Parallel()
	s := start(t, nil)
	for _, tt := range []struct {
		name   string
		query  string
		echo   int
		code   websocket.StatusCode
		reason string
	}{
		{"default", "", 0, websocket.StatusNormalClosure, ""},
		{"private code", "?code=4001&reason=bye+now", 0, 4001, "bye now"},
		{"going away after 2", "?code=1001&reason=restart&after=2", 2, websocket.StatusGoingAway, "restart"},
		{"policy", "?code=1008", 0, websocket.StatusPolicyViolation, ""},
		{"123-byte reason", "?code=3000&reason=" + strings.Repeat("r", 123), 0, 3000, strings.Repeat("r", 123)},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c := dial(t, s.ws+"/close"+tt.query, nil)
			ctx := testCtx(t)
			for i := 0; i < tt.echo; i++ {
				require.NoError(t, c.Write(ctx, websocket.MessageBinary, []byte{byte(i)}))
				_, p := read(t, c)
				assert.Equal(t, []byte{byte(i)}, p)
			}
			_, _, err := c.Read(ctx)
			var ce websocket.CloseError
			require.ErrorAs(t, err, &ce)
			assert.Equal(t, tt.code, ce.Code, "close code")
			assert.Equal(t, tt.reason, ce.Reason, "close reason")
		})
	}
}

func TestReject(t *testing.T) {
	t.Parallel()
	s := start(t, nil)
	noRedirect := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	t.Run("each", func(t *testing.T) {
		for _, tt := range []struct {
			name       string
			query      string
			status     int
			retryAfter string
			location   string
		}{
			{"default 403", "", 403, "", ""},
			{"503 with retry-after", "?status=503&retry_after=7", 503, "7", ""},
			{"429", "?status=429&retry_after=2", 429, "2", ""},
			{"redirect", "?status=302", 302, "", "/echo"},
			{"redirect elsewhere", "?status=301&location=/close", 301, "", "/close"},
			{"absurd retry-after", "?status=503&retry_after=99999999999999999999", 503, "99999999999999999999", ""},
			{"retry-after in the year 9999", "?status=503&retry_after=Fri,+31+Dec+9999+23:59:59+GMT", 503, "Fri, 31 Dec 9999 23:59:59 GMT", ""},
			{"negative retry-after", "?status=429&retry_after=-1", 429, "-1", ""},
			{"retry-after that is no number", "?status=503&retry_after=soon", 503, "soon", ""},
		} {
			t.Run(tt.name, func(t *testing.T) {
				t.Parallel()
				// Through a WebSocket client: the handshake fails with the status.
				_, resp, err := websocket.Dial(testCtx(t), s.ws+"/reject"+tt.query, &websocket.DialOptions{HTTPClient: noRedirect})
				require.Error(t, err)
				require.NotNil(t, resp)
				assert.Equal(t, tt.status, resp.StatusCode, "status")
				assert.Equal(t, tt.retryAfter, resp.Header.Get("Retry-After"), "Retry-After")
				assert.Equal(t, tt.location, resp.Header.Get("Location"), "Location")
			})
		}
	})
	st := getStats(t, s, "")
	assert.Equal(t, int64(9), st.Refused, "refused handshakes")
	assert.Equal(t, int64(0), st.Handshakes, "handshakes")
}

func TestFail(t *testing.T) {
	t.Parallel()
	s := start(t, nil)
	for i := range 2 {
		_, resp, err := websocket.Dial(testCtx(t), s.ws+"/echo?id=f&fail=2", nil)
		require.Error(t, err, "handshake %d", i+1)
		require.NotNil(t, resp)
		assert.Equal(t, http.StatusServiceUnavailable, resp.StatusCode, "handshake %d", i+1)
	}
	c := dial(t, s.ws+"/echo?id=f&fail=2", nil)
	c.CloseNow()
	st := getStats(t, s, "f")
	assert.Equal(t, int64(2), st.Refused, "refused handshakes")
	assert.Equal(t, int64(1), st.Handshakes, "handshakes")

	_, resp, err := websocket.Dial(testCtx(t), s.ws+"/echo?fail=1", nil)
	require.Error(t, err)
	assert.Equal(t, http.StatusBadRequest, resp.StatusCode, "fail without an id")
}

// TestToken: token=T is accepted once per id; again, it is refused with
// 401, as an expired credential.
func TestToken(t *testing.T) {
	t.Parallel()
	s := start(t, nil)
	c := dial(t, s.ws+"/echo?id=tok&token=a", nil)
	c.CloseNow()
	_, resp, err := websocket.Dial(testCtx(t), s.ws+"/echo?id=tok&token=a", nil)
	require.Error(t, err, "the same token again")
	require.NotNil(t, resp)
	assert.Equal(t, http.StatusUnauthorized, resp.StatusCode, "the same token again")
	c = dial(t, s.ws+"/echo?id=tok&token=b", nil)
	c.CloseNow()
	c = dial(t, s.ws+"/echo?id=other&token=a", nil) // another id: its own tokens
	c.CloseNow()
	st := getStats(t, s, "tok")
	assert.Equal(t, int64(1), st.Refused, "refused handshakes")
	assert.Equal(t, int64(2), st.Handshakes, "handshakes")
}

func TestHang(t *testing.T) {
	t.Parallel()
	s := start(t, nil)
	ctx, cancel := context.WithTimeout(t.Context(), 100*time.Millisecond)
	defer cancel()
	_, _, err := websocket.Dial(ctx, s.ws+"/hang", nil)
	require.ErrorIs(t, err, context.DeadlineExceeded, "the handshake never completes")

	_, resp, err := websocket.Dial(testCtx(t), s.ws+"/hang?hold=20ms&id=h", nil)
	require.Error(t, err)
	require.NotNil(t, resp)
	assert.Equal(t, http.StatusServiceUnavailable, resp.StatusCode, "after hold")
	assert.Equal(t, int64(1), getStats(t, s, "h").Refused)
}

func TestFlood(t *testing.T) {
	t.Parallel()
	s := start(t, nil)
	for _, tt := range []struct {
		name  string
		query string
		n     int
		size  int
		typ   websocket.MessageType
	}{
		{"default", "", 1000, 16, websocket.MessageBinary},
		{"text 64 KiB", "?n=20&size=65536&type=text", 20, 65536, websocket.MessageText},
		{"tiny binary", "?n=300&size=1", 300, 1, websocket.MessageBinary},
		{"empty", "?n=3&size=0", 3, 0, websocket.MessageBinary},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c := dial(t, s.ws+"/flood"+tt.query, nil)
			for i := 1; i <= tt.n; i++ {
				typ, p := read(t, c)
				require.Equal(t, tt.typ, typ, "message %d type", i)
				want := harness.FloodMessage(uint64(i), tt.size, tt.typ == websocket.MessageText)
				require.Equal(t, want, p, "message %d", i)
				if tt.size > 0 {
					seq, ok := harness.FloodSeq(p, tt.typ == websocket.MessageText)
					require.True(t, ok)
					want := uint64(i)
					if tt.size < 8 {
						want %= 1 << (8 * tt.size)
					}
					require.Equal(t, want, seq, "sequence number")
				}
			}
			_, _, err := c.Read(testCtx(t))
			assert.Equal(t, websocket.StatusNormalClosure, websocket.CloseStatus(err), "close after the flood: %v", err)
		})
	}
	t.Run("unlimited", func(t *testing.T) {
		t.Parallel()
		c := dial(t, s.ws+"/flood?n=0&id=unlimited", nil)
		for i := 1; i <= 5000; i++ {
			_, p := read(t, c)
			seq, _ := harness.FloodSeq(p, false)
			require.Equal(t, uint64(i), seq)
		}
		require.NoError(t, c.Close(websocket.StatusNormalClosure, "enough"))
		eventually(t, "server saw the close", func() bool {
			st := getStats(t, s, "unlimited")
			return st.Open == 0 && st.Conns[0].ClientCloseCode == 1000
		})
	})
}

func TestFloodMessageText(t *testing.T) {
	t.Parallel()
	assert.Equal(t, "42...", string(harness.FloodMessage(42, 5, true)))
	assert.Equal(t, "12345", string(harness.FloodMessage(12345, 2, true)), "longer than size when it must be")
	seq, ok := harness.FloodSeq([]byte("12345"), true)
	assert.True(t, ok)
	assert.Equal(t, uint64(12345), seq)
	_, ok = harness.FloodSeq([]byte("..."), true)
	assert.False(t, ok, "no digits")
	_, ok = harness.FloodSeq(nil, false)
	assert.False(t, ok, "no bytes")
}

func TestSlow(t *testing.T) {
	t.Parallel()
	s := start(t, nil)
	t.Run("reads at its pace", func(t *testing.T) {
		t.Parallel()
		c := dial(t, s.ws+"/slow?delay=10ms&id=pace", nil)
		for i := 0; i < 3; i++ {
			require.NoError(t, c.Write(testCtx(t), websocket.MessageText, []byte("m")))
		}
		eventually(t, "server read 3", func() bool { return getStats(t, s, "pace").MessagesReceived == 3 })
	})
	t.Run("pushes back on writes", func(t *testing.T) {
		t.Parallel()
		c := dial(t, s.ws+"/slow?delay=1h", nil)
		msg := make([]byte, 1<<20)
		var written int
		var err error
		for written < 1<<30 {
			ctx, cancel := context.WithTimeout(t.Context(), 200*time.Millisecond)
			err = c.Write(ctx, websocket.MessageBinary, msg)
			cancel()
			if err != nil {
				break
			}
			written += len(msg)
		}
		require.ErrorIs(t, err, context.DeadlineExceeded, "a write blocked once the socket buffers filled")
		assert.Less(t, written, 256<<20, "bytes written before the write blocked")
	})
}

func TestSilent(t *testing.T) {
	t.Parallel()
	s := start(t, nil)
	t.Run("never answers", func(t *testing.T) {
		t.Parallel()
		c := dial(t, s.ws+"/silent", nil)
		ctx, cancel := context.WithTimeout(t.Context(), 100*time.Millisecond)
		defer cancel()
		require.ErrorIs(t, c.Ping(ctx), context.DeadlineExceeded, "ping without pong")
	})
	t.Run("cuts after hold", func(t *testing.T) {
		t.Parallel()
		c := dial(t, s.ws+"/silent?hold=30ms", nil)
		_, _, err := c.Read(testCtx(t))
		require.Error(t, err)
		assert.Equal(t, websocket.StatusCode(-1), websocket.CloseStatus(err), "no close frame: %v", err)
	})
}

func TestBadUTF8(t *testing.T) {
	t.Parallel()
	s := start(t, nil)
	c := dial(t, s.ws+"/badutf8", nil)
	typ, p := read(t, c)
	assert.Equal(t, websocket.MessageText, typ)
	assert.Equal(t, []byte{'o', 'k', 0xff, 0xfe}, p)
	require.NoError(t, c.Write(testCtx(t), websocket.MessageText, []byte("then echo")))
	_, p = read(t, c)
	assert.Equal(t, "then echo", string(p))
}

func TestStats(t *testing.T) {
	t.Parallel()
	s := start(t, nil)
	ctx := testCtx(t)
	a := dial(t, s.ws+"/echo?id=st", nil)
	b := dial(t, s.ws+"/echo?id=st", nil)
	untagged := dial(t, s.ws+"/echo", nil)
	for _, c := range []*websocket.Conn{a, b, untagged} {
		require.NoError(t, c.Write(ctx, websocket.MessageBinary, []byte("12345")))
		read(t, c)
	}
	require.NoError(t, a.Close(4002, "done here"))
	eventually(t, "a closed", func() bool { return getStats(t, s, "st").Open == 1 })

	st := getStats(t, s, "st")
	assert.Equal(t, int64(2), st.Handshakes, "handshakes")
	assert.Equal(t, int64(2), st.MessagesReceived, "messages received")
	assert.Equal(t, int64(2), st.MessagesSent, "messages sent")
	assert.Equal(t, int64(10), st.BytesReceived, "bytes received")
	assert.Equal(t, int64(10), st.BytesSent, "bytes sent")
	require.Len(t, st.Conns, 2)
	assert.Equal(t, harness.ConnStats{
		Path: "/echo", MessagesReceived: 1, MessagesSent: 1,
		ClientCloseCode: 4002, ClientCloseReason: "done here",
	}, st.Conns[0], "first connection")
	assert.True(t, st.Conns[1].Open, "second connection open")

	all := s.h.Stats("")
	assert.Equal(t, int64(3), all.Handshakes, "total handshakes")
	assert.Equal(t, int64(2), all.Open, "total open")
	assert.Empty(t, all.Conns, "totals list no connections")
	assert.Equal(t, harness.Stats{}, s.h.Stats("never-seen"), "unknown id")

	_, _, err := websocket.Dial(ctx, s.ws+"/close?code=1005&id=st", nil)
	require.Error(t, err)
	eventually(t, "refusal counted", func() bool { return getStats(t, s, "st").Refused == 1 })
}

// refuseIDs has the harness refuse one handshake for each id, in order,
// calling it directly (no network: there are many).
func refuseIDs(t *testing.T, h *harness.Harness, ids ...string) {
	t.Helper()
	for _, id := range ids {
		w := httptest.NewRecorder()
		h.ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/reject?status=503&id="+id, nil))
		require.Equal(t, http.StatusServiceUnavailable, w.Code, "refused %s", id)
	}
}

func idRange(prefix string, n int) []string {
	ids := make([]string, n)
	for i := range ids {
		ids[i] = prefix + strconv.Itoa(i)
	}
	return ids
}

// TestIdleIDs checks the rule of MaxIdleIDs: the harness forgets the ids
// with no open connection used least recently, keeps those used since,
// and never forgets an id whose connection is open.
func TestIdleIDs(t *testing.T) {
	t.Parallel()
	known := func(h *harness.Harness, id string) bool { return h.Stats(id).Refused+h.Stats(id).Handshakes > 0 }

	t.Run("the least recently used go", func(t *testing.T) {
		t.Parallel()
		h := harness.New(nil)
		defer h.Close()
		ids := idRange("old", harness.MaxIdleIDs+3)
		refuseIDs(t, h, ids...)
		for _, id := range ids[:3] {
			assert.False(t, known(h, id), "%s, used before the last MaxIdleIDs, forgotten", id)
		}
		for _, id := range []string{ids[3], ids[len(ids)-1]} {
			assert.Equal(t, int64(1), h.Stats(id).Refused, "%s kept", id)
		}
		assert.Equal(t, int64(len(ids)), h.Stats("").Refused, "the totals count every id")
	})

	t.Run("a read keeps an id", func(t *testing.T) {
		t.Parallel()
		h := harness.New(nil)
		defer h.Close()
		refuseIDs(t, h, "read", "unread")
		refuseIDs(t, h, idRange("other", harness.MaxIdleIDs-2)...)
		assert.Equal(t, int64(1), h.Stats("read").Refused, "read before it is the oldest")
		refuseIDs(t, h, "one-more", "and-another")
		assert.Equal(t, int64(1), h.Stats("read").Refused, "the id read is kept")
		assert.False(t, known(h, "unread"), "the id not read, now the oldest, is forgotten")
	})

	t.Run("an open connection keeps its id", func(t *testing.T) {
		t.Parallel()
		s := start(t, nil)
		c := dial(t, s.ws+"/echo?id=open", nil)
		refuseIDs(t, s.h, idRange("busy", harness.MaxIdleIDs+1)...)
		st := s.h.Stats("open")
		assert.Equal(t, int64(1), st.Open, "open")
		assert.Equal(t, int64(1), st.Handshakes, "handshakes")

		// Closed, it is the idle id used most recently: the next ids used
		// push out older ones first.
		require.NoError(t, c.Close(websocket.StatusNormalClosure, ""))
		eventually(t, "closed", func() bool { return s.h.Stats("open").Open == 0 })
		refuseIDs(t, s.h, idRange("after", harness.MaxIdleIDs-1)...)
		st = getStats(t, s, "open")
		assert.Equal(t, int64(1), st.Handshakes, "read over /stats after its connection closed")
		require.Len(t, st.Conns, 1)
		assert.Equal(t, int(websocket.StatusNormalClosure), st.Conns[0].ClientCloseCode, "close frame")
	})
}

func TestKick(t *testing.T) {
	t.Parallel()
	s := start(t, nil)
	ctx := testCtx(t)
	x1 := dial(t, s.ws+"/echo?id=x", nil)
	x2 := dial(t, s.ws+"/silent?id=x", nil)
	y := dial(t, s.ws+"/echo?id=y", nil)

	resp, err := http.Get(s.http + "/kick?id=x&code=4003&reason=kicked")
	require.NoError(t, err)
	var out struct{ Kicked int }
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&out))
	resp.Body.Close()
	assert.Equal(t, 2, out.Kicked, "kicked")

	_, _, err = x1.Read(ctx)
	var ce websocket.CloseError
	require.ErrorAs(t, err, &ce)
	assert.Equal(t, websocket.StatusCode(4003), ce.Code)
	assert.Equal(t, "kicked", ce.Reason)
	_, _, err = x2.Read(ctx)
	require.ErrorAs(t, err, &ce, "the silent scenario is closed too")

	require.NoError(t, y.Write(ctx, websocket.MessageText, []byte("still here")))
	_, p := read(t, y)
	assert.Equal(t, "still here", string(p), "other ids untouched")

	// Without a code, a TCP cut.
	resp, err = http.Get(s.http + "/kick?id=y")
	require.NoError(t, err)
	resp.Body.Close()
	_, _, err = y.Read(ctx)
	assert.Equal(t, websocket.StatusCode(-1), websocket.CloseStatus(err), "cut: %v", err)
}

func TestBadParameters(t *testing.T) {
	t.Parallel()
	s := start(t, nil)
	for _, path := range []string{
		"/echo?compress=zstd",
		"/echo?limit=many",
		"/clock?every=0s",
		"/clock?every=soon",
		"/clock?count=-1",
		"/chat?queue=0",
		"/drop?how=gently",
		"/drop?after=x",
		"/close?code=1005",
		"/close?code=1006",
		"/close?code=999",
		"/close?code=2000",
		"/close?reason=" + strings.Repeat("r", 124),
		"/flood?type=json",
		"/flood?size=-1",
		"/slow?delay=-1s",
		"/silent?hold=x",
		"/hang?hold=x",
		"/reject?status=101",
		"/reject?status=200",
		"/kick",
		"/kick?id=x&code=1006",
		"/stall?size=-1",
		"/stall?size=4611686018427387905",
		"/stall?size=x",
		"/stall?size=10&send=11",
		"/stall?send=-1",
		"/stall?type=json",
		"/stall?frag=2",
		"/stall?ok=-1",
		"/stall?ok=1048577",
		"/stall?hold=x",
		"/stall?hold=-1s",
		"/stall?compress=context",
		"/stall?limit=x",
		"/bad",
		"/bad?frame=",
		"/bad?frame=nope",
		"/bad?frame=RSV",
		"/bad?frame=rsv&ok=x",
		"/garbage?seed=-1",
		"/garbage?seed=18446744073709551616",
		"/garbage?seed=x",
		"/garbage?n=-1",
		"/garbage?n=1073741825",
		"/raw?b64=!!!!",
		"/raw?b64=A",
		"/raw?b64=iAID6A%2B%2B",
		"/raw?b64=" + strings.Repeat("A", 87383), // 64 KiB + 1
	} {
		t.Run(path, func(t *testing.T) {
			t.Parallel()
			resp, err := http.Get(s.http + path)
			require.NoError(t, err)
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			assert.Equal(t, http.StatusBadRequest, resp.StatusCode, "status (%s)", body)
			assert.True(t, strings.HasPrefix(string(body), "harness: "), "error says who: %q", body)
		})
	}
}

func TestHarnessClose(t *testing.T) {
	t.Parallel()
	h := harness.New(nil)
	srv := httptest.NewServer(h)
	defer srv.Close()
	ws := "ws" + strings.TrimPrefix(srv.URL, "http")
	ctx := testCtx(t)
	var conns []*websocket.Conn
	for _, path := range []string{"/echo", "/silent", "/clock", "/flood?n=0&size=1024", "/slow", "/chat"} {
		c, _, err := websocket.Dial(ctx, ws+path, nil)
		require.NoError(t, err, path)
		defer c.CloseNow()
		conns = append(conns, c)
	}
	require.NoError(t, h.Close())
	for i, c := range conns {
		c.SetReadLimit(-1)
		var err error
		for err == nil { // the flood may have messages in flight
			_, _, err = c.Read(ctx)
		}
		assert.Error(t, err, "connection %d ended", i)
	}
	assert.Equal(t, int64(0), h.Stats("").Open, "open after Close")
	require.NoError(t, h.Close(), "Close twice")

	resp, err := http.Get(srv.URL + "/stats")
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusServiceUnavailable, resp.StatusCode, "after Close")
}

func TestIndex(t *testing.T) {
	t.Parallel()
	s := start(t, nil)
	resp, err := http.Get(s.http + "/")
	require.NoError(t, err)
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	for _, path := range []string{"/echo", "/stall", "/bad?frame=", "/garbage", "/raw?b64="} {
		assert.Contains(t, string(body), path)
	}
	resp, err = http.Get(s.http + "/nope")
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusNotFound, resp.StatusCode)
}
