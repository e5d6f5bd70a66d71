//go:build !js

package harness_test

import (
	"bufio"
	"bytes"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/duplex-go/duplex/server_test_harness/harness"
)

// rawClient is a WebSocket client written by hand, to see exactly what a
// hostile scenario puts on the wire.
type rawClient struct {
	t  *testing.T
	nc net.Conn
	br *bufio.Reader
}

// wireTimeout bounds every read and write of a rawClient.
const wireTimeout = 10 * time.Second

// silenceWait is how long a rawClient listens to conclude that nothing
// more is coming: the one fixed wait these tests allow themselves.
const silenceWait = 150 * time.Millisecond

// rawDial does the handshake for path (with its query) on base (an
// http:// URL), offering permessage-deflate, and checks the 101 answer.
func rawDial(t *testing.T, base, path string) *rawClient {
	t.Helper()
	host := strings.TrimPrefix(base, "http://")
	nc, err := net.DialTimeout("tcp", host, wireTimeout)
	require.NoError(t, err)
	t.Cleanup(func() { nc.Close() })
	require.NoError(t, nc.SetDeadline(time.Now().Add(wireTimeout)))
	_, err = fmt.Fprintf(nc, "GET %s HTTP/1.1\r\nHost: %s\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"+
		"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n"+
		"Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits\r\n\r\n", path, host)
	require.NoError(t, err)
	br := bufio.NewReader(nc)
	resp, err := http.ReadResponse(br, nil)
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, http.StatusSwitchingProtocols, resp.StatusCode, "handshake status")
	assert.Equal(t, "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=", resp.Header.Get("Sec-WebSocket-Accept"), "accept key")
	assert.Empty(t, resp.Header.Get("Sec-WebSocket-Extensions"), "no extension negotiated")
	return &rawClient{t: t, nc: nc, br: br}
}

// expect reads len(want) bytes and checks that they are want.
func (c *rawClient) expect(want []byte, what string) {
	c.t.Helper()
	got := make([]byte, len(want))
	n, err := io.ReadFull(c.br, got)
	require.NoError(c.t, err, "%s: read %d of %d bytes", what, n, len(want))
	require.Equal(c.t, want, got, what)
}

// silence checks that nothing more arrives within silenceWait, and that
// the connection is still open.
func (c *rawClient) silence(what string) {
	c.t.Helper()
	require.Zero(c.t, c.br.Buffered(), "%s: bytes already received", what)
	require.NoError(c.t, c.nc.SetReadDeadline(time.Now().Add(silenceWait)))
	var b [1]byte
	n, err := c.br.Read(b[:])
	assert.Zero(c.t, n, "%s: bytes after the end (got %#x)", what, b[:n])
	assert.ErrorIs(c.t, err, os.ErrDeadlineExceeded, "%s: the connection stays open and silent", what)
	require.NoError(c.t, c.nc.SetReadDeadline(time.Now().Add(wireTimeout)))
}

// ended checks that the server ends the connection (a FIN or a reset)
// with no more bytes.
func (c *rawClient) ended(what string) {
	c.t.Helper()
	rest, err := io.ReadAll(c.br)
	if err != nil {
		require.ErrorIs(c.t, err, syscall.ECONNRESET, what)
	}
	assert.Empty(c.t, rest, "%s: bytes before the end", what)
}

// send writes a masked frame with first byte b0 and payload p.
func (c *rawClient) send(b0 byte, p []byte) {
	c.t.Helper()
	require.Less(c.t, len(p), 126)
	key := [4]byte{0x11, 0x22, 0x33, 0x44}
	f := append([]byte{b0, 0x80 | byte(len(p))}, key[:]...)
	for i, b := range p {
		f = append(f, b^key[i%4])
	}
	_, err := c.nc.Write(f)
	require.NoError(c.t, err)
}

func (c *rawClient) sendClose(code uint16, reason string) {
	c.t.Helper()
	c.send(0x88, append(binary.BigEndian.AppendUint16(nil, code), reason...))
}

func cat(parts ...[]byte) []byte { return bytes.Join(parts, nil) }

func as(n int) []byte { return bytes.Repeat([]byte{'a'}, n) }

func TestStall(t *testing.T) {
	t.Parallel()
	s := start(t, nil)
	for _, tt := range []struct {
		name  string
		query string
		want  []byte
	}{
		{"default", "", []byte{0x82, 126, 0x03, 0xe8}},
		{"part of a text frame", "?size=1000&send=10&type=text", cat([]byte{0x81, 126, 0x03, 0xe8}, as(10))},
		{"7-bit length", "?size=125&send=2", cat([]byte{0x82, 125}, as(2))},
		{"16-bit length", "?size=126", []byte{0x82, 126, 0, 126}},
		{"largest 16-bit length", "?size=65535", []byte{0x82, 126, 0xff, 0xff}},
		{"64-bit length", "?size=65536&send=1", cat([]byte{0x82, 127, 0, 0, 0, 0, 0, 1, 0, 0}, as(1))},
		{"huge frame", "?size=1099511627776&send=3", cat([]byte{0x82, 127, 0, 0, 1, 0, 0, 0, 0, 0}, as(3))},
		{"largest frame", "?size=4611686018427387904", []byte{0x82, 127, 0x40, 0, 0, 0, 0, 0, 0, 0}},
		{"many chunks sent", "?size=100000&send=99999", cat([]byte{0x82, 127, 0, 0, 0, 0, 0, 1, 0x86, 0xa0}, as(99999))},
		{"whole frame sent", "?size=3&send=3", cat([]byte{0x82, 3}, as(3))},
		{"empty frame", "?size=0", []byte{0x82, 0}},
		{"ok messages first", "?ok=2&size=4&send=1", cat([]byte{0x82, 3}, []byte("ok1"), []byte{0x82, 3}, []byte("ok2"), []byte{0x82, 4}, as(1))},
		{"mid-message", "?frag=1&send=4&type=text&size=99", cat([]byte{0x01, 4}, as(4))},
		{"mid-message, empty first fragment", "?frag=1", []byte{0x02, 0}},
		{"mid-message after ok", "?frag=1&send=1&ok=1", cat([]byte{0x82, 3}, []byte("ok1"), []byte{0x02, 1}, as(1))},
		{"mid-message with a 64-bit first frame", "?frag=1&send=70000", cat([]byte{0x02, 127, 0, 0, 0, 0, 0, 1, 0x11, 0x70}, as(70000))},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c := rawDial(t, s.http, "/stall"+tt.query)
			c.expect(tt.want, "frames")
			c.silence("after the stall")
		})
	}
}

func TestBad(t *testing.T) {
	t.Parallel()
	s := start(t, nil)
	bad := []byte("bad")
	for _, tt := range []struct {
		kind string
		want []byte
	}{
		{"rsv", cat([]byte{0xa2, 3}, bad)},
		{"rsv1", cat([]byte{0xc2, 3}, bad)},
		{"opcode", cat([]byte{0x83, 3}, bad)},
		{"ctlopcode", cat([]byte{0x8b, 3}, bad)},
		{"fragctl", cat([]byte{0x09, 3}, bad)},
		{"bigctl", cat([]byte{0x89, 126, 0, 126}, as(126))},
		{"closecode", []byte{0x88, 2, 0x03, 0xed}},
		{"closecode999", []byte{0x88, 2, 0x03, 0xe7}},
		{"closeutf8", []byte{0x88, 4, 0x03, 0xe8, 0xff, 0xfe}},
		{"closeshort", []byte{0x88, 1, 0x03}},
		{"afterclose", cat([]byte{0x88, 5, 0x03, 0xe8}, []byte("bye"), []byte{0x81, 4}, []byte("late"))},
		{"masked", []byte{0x82, 0x83, 1, 2, 3, 4, 'b' ^ 1, 'a' ^ 2, 'd' ^ 3}},
		{"continuation", cat([]byte{0x80, 3}, bad)},
		{"newmsg", cat([]byte{0x01, 3}, []byte("one"), []byte{0x81, 3}, []byte("two"))},
		{"badutf8", []byte{0x81, 4, 'o', 'k', 0xff, 0xfe}},
	} {
		t.Run(tt.kind, func(t *testing.T) {
			t.Parallel()
			c := rawDial(t, s.http, "/bad?frame="+tt.kind)
			c.expect(tt.want, "the invalid frame")
			c.silence("after it")

			// With ok=2, two valid text messages come first.
			c = rawDial(t, s.http, "/bad?ok=2&frame="+tt.kind)
			c.expect(cat([]byte{0x81, 2}, []byte("ok"), []byte{0x81, 2}, []byte("ok"), tt.want), "ok messages, then the invalid frame")
		})
	}
}

// TestBadAgainstCoder checks, with a real client, that what /bad sends is
// a failure and not a message: coder/websocket's Read fails instead of
// returning one, for every kind it checks.
func TestBadAgainstCoder(t *testing.T) {
	t.Parallel()
	s := start(t, nil)
	for _, kind := range []string{
		"rsv", "rsv1", "opcode", "ctlopcode", "fragctl", "bigctl", "closecode",
		"closecode999", "closeshort", "continuation", "newmsg",
	} {
		t.Run(kind, func(t *testing.T) {
			t.Parallel()
			c := dial(t, s.ws+"/bad?frame="+kind+"&ok=1&id=coder-"+kind, nil)
			typ, p := read(t, c)
			assert.Equal(t, websocket.MessageText, typ, "the ok message")
			assert.Equal(t, "ok", string(p), "the ok message")
			_, p, err := c.Read(testCtx(t))
			require.Error(t, err, "read after the invalid frame returned %q", p)
			eventually(t, "client's close frame recorded", func() bool {
				return getStats(t, s, "coder-"+kind).Conns[0].ClientCloseCode == int(websocket.StatusProtocolError)
			})
		})
	}
}

func TestGarbage(t *testing.T) {
	t.Parallel()
	s := start(t, nil)
	for _, tt := range []struct {
		name  string
		query string
		seed  uint64
		n     int
	}{
		{"default", "", 1, 1024},
		{"seeded", "?seed=42&n=100", 42, 100},
		{"largest seed", "?seed=18446744073709551615&n=10", 1<<64 - 1, 10},
		{"many chunks", "?seed=7&n=100000", 7, 100000},
		{"nothing", "?n=0", 1, 0},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var key [32]byte
			binary.LittleEndian.PutUint64(key[:], tt.seed)
			want := make([]byte, tt.n)
			_, _ = rand.NewChaCha8(key).Read(want)

			c := rawDial(t, s.http, "/garbage"+tt.query)
			c.expect(want, "garbage")
			c.silence("after the garbage")

			again := rawDial(t, s.http, "/garbage"+tt.query)
			again.expect(want, "the same garbage again")
		})
	}
}

func TestRaw(t *testing.T) {
	t.Parallel()
	s := start(t, nil)
	big := make([]byte, 64<<10)
	for i := range big {
		big[i] = byte(i * 7)
	}
	for _, tt := range []struct {
		name string
		b64  string
		want []byte
	}{
		{"unpadded", "iAID6A", []byte{0x88, 2, 0x03, 0xe8}},
		{"padded", "iAID6A==", []byte{0x88, 2, 0x03, 0xe8}},
		{"url alphabet", "-_8", []byte{0xfb, 0xff}},
		{"nothing", "", []byte{}},
		{"64 KiB", base64.RawURLEncoding.EncodeToString(big), big},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c := rawDial(t, s.http, "/raw?b64="+tt.b64)
			c.expect(tt.want, "raw bytes")
			c.silence("after them")
		})
	}
}

// TestHostileTail checks what every hostile scenario does once it has
// sent its bytes: it notes the client's messages and close frame without
// answering, and closes when the client cuts TCP.
func TestHostileTail(t *testing.T) {
	t.Parallel()
	s := start(t, nil)
	for i, tt := range []struct {
		path string
		sent int // bytes the scenario sends first
	}{
		{"/stall", 4},
		{"/stall?frag=1&send=3", 5},
		{"/bad?frame=afterclose", 13},
		{"/garbage?n=10", 10},
		{"/raw?b64=gQJoaQ", 4},
	} {
		t.Run(tt.path, func(t *testing.T) {
			t.Parallel()
			id := fmt.Sprintf("tail%d", i)
			sep := "?"
			if strings.Contains(tt.path, "?") {
				sep = "&"
			}
			c := rawDial(t, s.http, tt.path+sep+"id="+id)
			_, err := io.ReadFull(c.br, make([]byte, tt.sent))
			require.NoError(t, err, "what the scenario sends")
			st := getStats(t, s, id)
			require.Len(t, st.Conns, 1)
			assert.Equal(t, strings.SplitN(tt.path, "?", 2)[0], st.Conns[0].Path, "path")
			assert.Empty(t, st.Conns[0].Extensions, "extensions")

			c.send(0x81, []byte("hello")) // a text message
			c.send(0x02, []byte{1, 2})    // a binary message in two frames,
			c.send(0x89, []byte("ping"))  // a ping between them, never answered,
			c.send(0x80, []byte{3})       // then its end
			c.sendClose(4001, "done")     // the close frame, never answered
			eventually(t, "client's close recorded", func() bool {
				return getStats(t, s, id).Conns[0].ClientCloseCode == 4001
			})
			st = getStats(t, s, id)
			assert.Equal(t, "done", st.Conns[0].ClientCloseReason, "close reason")
			assert.Equal(t, int64(2), st.Conns[0].MessagesReceived, "messages received")
			assert.Equal(t, int64(8), st.BytesReceived, "bytes received")
			assert.True(t, st.Conns[0].Open, "open after the client's close frame")

			c.silence("no answer to the ping or the close frame")

			require.NoError(t, c.nc.Close())
			eventually(t, "closed once the client cut TCP", func() bool { return getStats(t, s, id).Open == 0 })
			assert.False(t, getStats(t, s, id).Conns[0].Open, "connection stats")
		})
	}
}

func TestHostileCloseWithoutCode(t *testing.T) {
	t.Parallel()
	s := start(t, nil)
	c := rawDial(t, s.http, "/stall?size=0&id=nocode")
	c.expect([]byte{0x82, 0}, "frame")
	c.send(0x88, nil)
	eventually(t, "close without a code recorded as 1005", func() bool {
		return getStats(t, s, "nocode").Conns[0].ClientCloseCode == 1005
	})
}

func TestHostileHold(t *testing.T) {
	t.Parallel()
	s := start(t, nil)
	for _, path := range []string{"/stall?hold=30ms", "/bad?frame=rsv&hold=30ms", "/garbage?n=1&hold=30ms", "/raw?b64=AA&hold=30ms"} {
		t.Run(path, func(t *testing.T) {
			t.Parallel()
			c := rawDial(t, s.http, path)
			_, _ = io.ReadAll(c.br) // until the server cuts
		})
	}
	t.Run("hold=0", func(t *testing.T) {
		t.Parallel()
		c := rawDial(t, s.http, "/garbage?n=1073741824&hold=0s")
		n, err := io.Copy(io.Discard, c.br)
		if err != nil {
			require.ErrorIs(t, err, syscall.ECONNRESET)
		}
		assert.Less(t, n, int64(1<<30), "cut before all the garbage went out")
	})
	eventually(t, "all closed", func() bool { return s.h.Stats("").Open == 0 })
}

func TestHostileKick(t *testing.T) {
	t.Parallel()
	s := start(t, nil)
	t.Run("cut", func(t *testing.T) {
		t.Parallel()
		c := rawDial(t, s.http, "/stall?id=kick-cut")
		c.expect([]byte{0x82, 126, 0x03, 0xe8}, "frame header")
		kick(t, s, "kick-cut", "")
		c.ended("kicked without a code")
	})
	t.Run("close frame", func(t *testing.T) {
		t.Parallel()
		c := rawDial(t, s.http, "/stall?size=0&id=kick-close")
		c.expect([]byte{0x82, 0}, "empty frame")
		kick(t, s, "kick-close", "&code=4003&reason=out")
		c.expect(cat([]byte{0x88, 5, 0x0f, 0xa3}, []byte("out")), "close frame")
		c.sendClose(4003, "out")
		c.ended("after the close handshake")
		eventually(t, "closed", func() bool { return getStats(t, s, "kick-close").Open == 0 })
		assert.Equal(t, 4003, getStats(t, s, "kick-close").Conns[0].ClientCloseCode, "client's close")
	})
	t.Run("close frame inside a stalled one", func(t *testing.T) {
		t.Parallel()
		c := rawDial(t, s.http, "/stall?size=100&send=1&id=kick-inside")
		c.expect(cat([]byte{0x82, 100}, as(1)), "part of a frame")
		kick(t, s, "kick-inside", "&code=4003")
		c.expect([]byte{0x88, 2, 0x0f, 0xa3}, "a close frame on the wire as it is")
		c.sendClose(4003, "")
		c.ended("after the close handshake")
	})
}

func kick(t *testing.T, s *server, id, more string) {
	t.Helper()
	resp, err := http.Get(s.http + "/kick?id=" + id + more)
	require.NoError(t, err)
	defer resp.Body.Close()
	var out struct{ Kicked int }
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&out))
	require.Equal(t, 1, out.Kicked, "kicked")
}

// TestHostileHarnessClose checks that Close ends every hostile scenario at
// whatever point it is: stalled, writing to a client that does not read,
// or waiting for a kicked client's close frame. The leak check then finds
// no goroutine left.
func TestHostileHarnessClose(t *testing.T) {
	t.Parallel()
	h := harness.New(nil)
	srv := httptest.NewServer(h)
	defer srv.Close()
	var clients []*rawClient
	for _, path := range []string{
		"/stall", "/stall?frag=1&send=5", "/stall?size=1099511627776&send=1099511627776",
		"/bad?frame=newmsg", "/garbage?n=1073741824", "/raw?b64=AAEC", "/stall?size=0&id=kicked",
	} {
		clients = append(clients, rawDial(t, srv.URL, path))
	}
	resp, err := http.Get(srv.URL + "/kick?id=kicked&code=4000")
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, int64(len(clients)), h.Stats("").Open, "open before Close")

	require.NoError(t, h.Close())
	assert.Equal(t, int64(0), h.Stats("").Open, "open after Close")
	for i, c := range clients {
		_, err := io.Copy(io.Discard, c.br)
		if err != nil {
			assert.True(t, errors.Is(err, syscall.ECONNRESET), "client %d: %v", i, err)
		}
	}
}
