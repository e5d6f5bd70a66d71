//go:build !js

package harness_test

import (
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/duplex-go/duplex/server_test_harness/harness"
)

// The scenarios a client must survive, one URL each.

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
		{"held, then closed", "?n=3&size=0&hold=10ms", 3, 0, websocket.MessageBinary},
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
	// hold=D: after its n messages the server keeps the connection open
	// until the client closes it (or D passes), so that a client which
	// closes on some message up to n makes the only close, and the server
	// has sent no more than n messages when it gets it. A kick's close
	// frame is then the first the client sees: before hold=, the server's
	// own close (1000) came right after message n.
	t.Run("hold", func(t *testing.T) {
		t.Parallel()
		c := dial(t, s.ws+"/flood?n=3&size=0&hold=1m&id=held", nil)
		for range 3 {
			read(t, c)
		}
		resp, err := http.Get(s.http + "/kick?id=held&code=4003")
		require.NoError(t, err)
		resp.Body.Close()
		_, _, err = c.Read(testCtx(t))
		assert.Equal(t, websocket.StatusCode(4003), websocket.CloseStatus(err), "the first close the client sees: %v", err)
		assert.Equal(t, int64(3), getStats(t, s, "held").MessagesSent, "messages sent")
	})
	t.Run("hold until the client closes", func(t *testing.T) {
		t.Parallel()
		c := dial(t, s.ws+"/flood?n=20&size=0&hold=1m&id=client-closes", nil)
		for range 9 {
			read(t, c)
		}
		require.NoError(t, c.Close(4008, "full"), "the server answered the close")
		eventually(t, "server saw the close", func() bool {
			st := getStats(t, s, "client-closes")
			return st.Open == 0 && st.Conns[0].ClientCloseCode != 0
		})
		st := getStats(t, s, "client-closes")
		assert.Equal(t, 4008, st.Conns[0].ClientCloseCode, "what the server got: the client's close, the only one")
		assert.Equal(t, int64(20), st.MessagesSent, "messages sent: n, no more")
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
