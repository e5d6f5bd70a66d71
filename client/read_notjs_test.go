//go:build !js

package client_test

// Natively Read runs coder/websocket on the caller's goroutine and cuts
// its wait when ctx ends; an idle reader answers control frames while
// nobody reads. These tests drive the edges of that with a server that
// sends frames a few bytes at a time.

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha1"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/duplex-go/duplex/client"
)

// scripted serves one WebSocket connection by hand, over TLS if asked:
// script writes raw frames to it and reads the client's frames with
// readFrame. It returns the URL and the options that trust the server.
func scripted(t testing.TB, tls bool, script func(conn net.Conn, br *bufio.Reader)) (string, *client.Options) {
	t.Helper()
	var wg sync.WaitGroup
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		sum := sha1.Sum([]byte(r.Header.Get("Sec-WebSocket-Key") + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"))
		conn, brw, err := w.(http.Hijacker).Hijack()
		if err != nil {
			t.Errorf("hijack: %v", err)
			return
		}
		wg.Add(1)
		defer wg.Done()
		defer conn.Close()
		_, _ = brw.WriteString("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
			"Sec-WebSocket-Accept: " + base64.StdEncoding.EncodeToString(sum[:]) + "\r\n\r\n")
		_ = brw.Flush()
		script(conn, brw.Reader)
	}))
	t.Cleanup(func() {
		srv.Close()
		wg.Wait()
	})
	if !tls {
		srv.Start()
		return "ws" + strings.TrimPrefix(srv.URL, "http"), nil
	}
	srv.StartTLS()
	return "wss" + strings.TrimPrefix(srv.URL, "https"), &client.Options{TLS: &client.TLSOptions{RootCAs: certPEM(srv)}}
}

// readFrame reads one (masked) client frame.
func readFrame(br *bufio.Reader) (op byte, payload []byte, err error) {
	var h [2]byte
	if _, err := io.ReadFull(br, h[:]); err != nil {
		return 0, nil, err
	}
	n := int(h[1] & 0x7f)
	switch n {
	case 126:
		var l [2]byte
		_, err = io.ReadFull(br, l[:])
		n = int(binary.BigEndian.Uint16(l[:]))
	case 127:
		var l [8]byte
		_, err = io.ReadFull(br, l[:])
		n = int(binary.BigEndian.Uint64(l[:]))
	}
	if err != nil {
		return 0, nil, err
	}
	var mask [4]byte
	if _, err := io.ReadFull(br, mask[:]); err != nil {
		return 0, nil, err
	}
	payload = make([]byte, n)
	if _, err := io.ReadFull(br, payload); err != nil {
		return 0, nil, err
	}
	for i := range payload {
		payload[i] ^= mask[i%4]
	}
	return h[0] & 0xf, payload, nil
}

// TestReadCutMidFrame: Reads whose ctx ends while a ping and a message
// header arrive a byte at a time return ctx.Err() and lose nothing; the
// ping is answered and the message arrives whole. Over TLS too, where the
// cut wakes a read under the TLS layer.
func TestReadCutMidFrame(t *testing.T) {
	t.Parallel()
	for _, scheme := range []string{"ws", "wss"} {
		t.Run(scheme, func(t *testing.T) {
			t.Parallel()
			testReadCutMidFrame(t, scheme == "wss")
		})
	}
}

func testReadCutMidFrame(t *testing.T, tls bool) {
	body := pattern(300, 9)
	pong := make(chan []byte, 1)
	url, opts := scripted(t, tls, func(conn net.Conn, br *bufio.Reader) {
		var stream []byte
		stream = append(stream, 0x89, 4)
		stream = append(stream, "ping"...)
		stream = append(stream, 0x82, 126, 1, 44) // binary, 300 bytes
		stream = append(stream, body...)
		for i, b := range stream[:9] { // the ping and the header, a byte at a time
			if i > 0 {
				time.Sleep(15 * time.Millisecond)
			}
			if _, err := conn.Write([]byte{b}); err != nil {
				t.Errorf("write: %v", err)
				return
			}
		}
		if _, err := conn.Write(stream[9:]); err != nil {
			t.Errorf("write: %v", err)
			return
		}
		op, p, err := readFrame(br)
		if err != nil || op != 0xA {
			t.Errorf("the client's answer: opcode %#x, %v; want a pong", op, err)
			return
		}
		pong <- p
		_, _ = conn.Write([]byte{0x88, 2, 0x03, 0xe8}) // close 1000
		_, _, _ = readFrame(br)
	})
	c, err := client.Dial(ctxFor(t, 5*time.Second), url, opts)
	require.NoError(t, err)
	t.Cleanup(func() { _ = c.CloseNow() })

	p, cuts := readThroughCuts(t, c, 5*time.Second)
	assert.Equal(t, body, p, "the message, whole")
	assert.Greater(t, cuts, 5, "Reads cut while the frames arrived")
	pongThenClose(t, c, pong)
}

// readThroughCuts reads one binary message with Reads of 5 ms, for at
// most d, and returns it and how many Reads were cut meanwhile.
func readThroughCuts(t *testing.T, c *client.Conn, d time.Duration) (p []byte, cuts int) {
	t.Helper()
	for deadline := time.Now().Add(d); time.Now().Before(deadline); {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Millisecond)
		typ, p, err := c.Read(ctx)
		cancel()
		if errors.Is(err, context.DeadlineExceeded) {
			cuts++
			continue
		}
		require.NoError(t, err)
		assert.Equal(t, client.MessageBinary, typ)
		return p, cuts
	}
	t.Fatalf("no message in %v", d)
	return nil, cuts
}

// pongThenClose checks that the server got "ping"'s pong, and that the
// server's close frame (1000) follows.
func pongThenClose(t *testing.T, c *client.Conn, pong <-chan []byte) {
	t.Helper()
	select {
	case p := <-pong:
		assert.Equal(t, "ping", string(p), "pong payload")
	case <-time.After(5 * time.Second):
		t.Fatal("no pong")
	}
	_, _, err := c.Read(ctxFor(t, 5*time.Second))
	assert.Equal(t, client.StatusNormalClosure, client.CloseStatus(err), "then the close: %v", err)
}

// TestIdlePing: pings are answered while the program does not read, and
// a message that arrives meanwhile waits, whole, for the next Read or
// Reader.
func TestIdlePing(t *testing.T) {
	t.Parallel()
	pinged := make(chan error, 1)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ws, err := websocket.Accept(w, r, nil)
		if err != nil {
			t.Errorf("accept: %v", err)
			return
		}
		defer ws.CloseNow()
		ctx := r.Context()
		// Pong needs a reader on this side too.
		got := make(chan []byte, 2)
		go func() {
			defer close(got)
			for {
				_, p, err := ws.Read(ctx)
				if err != nil {
					return
				}
				got <- p
			}
		}()
		pctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		pinged <- ws.Ping(pctx)
		cancel()
		_ = ws.Write(ctx, websocket.MessageBinary, []byte("first"))
		_ = ws.Write(ctx, websocket.MessageBinary, []byte("second"))
		for p := range got { // echo, until the client goes
			_ = ws.Write(ctx, websocket.MessageBinary, p)
		}
	}))
	t.Cleanup(srv.Close)
	c, err := client.Dial(ctxFor(t, 5*time.Second), "ws"+strings.TrimPrefix(srv.URL, "http"), nil)
	require.NoError(t, err)
	t.Cleanup(func() { _ = c.CloseNow() })

	require.NoError(t, <-pinged, "a ping answered while nobody reads")
	time.Sleep(50 * time.Millisecond) // the idle reader finds "first"
	typ, r, err := c.Reader(ctxFor(t, 5*time.Second))
	require.NoError(t, err)
	assert.Equal(t, client.MessageBinary, typ)
	p, err := io.ReadAll(r)
	require.NoError(t, err)
	assert.Equal(t, "first", string(p))
	time.Sleep(50 * time.Millisecond)
	_, p, err = c.Read(ctxFor(t, 5*time.Second))
	require.NoError(t, err)
	assert.Equal(t, "second", string(p))

	// A Read cut while the idle reader waits, then the connection works.
	time.Sleep(50 * time.Millisecond)
	_, _, err = c.Read(ctxFor(t, 5*time.Millisecond))
	require.ErrorIs(t, err, context.DeadlineExceeded)
	ctx := ctxFor(t, 5*time.Second)
	require.NoError(t, c.Write(ctx, client.MessageText, []byte("still here")))
	_, p, err = c.Read(ctx)
	require.NoError(t, err)
	assert.Equal(t, "still here", string(p))
}

// TestConcurrentReaders: Reads from several goroutines each get whole
// messages, each message once, and Reads cut by their ctx in between
// take nothing.
func TestConcurrentReaders(t *testing.T) {
	t.Parallel()
	c := dial(t, "/echo", &client.Options{ReadLimit: 1 << 20})
	ctx := ctxFor(t, 30*time.Second)
	const readers, each = 8, 50
	var mu sync.Mutex
	seen := map[int]bool{}
	var wg sync.WaitGroup
	for range readers {
		wg.Go(func() {
			for range each {
				// Short Reads that end, between the real ones.
				short, cancel := context.WithTimeout(ctx, 50*time.Microsecond)
				_, p, err := c.Read(short)
				cancel()
				if err == nil {
					record(t, &mu, seen, p)
				} else if !errors.Is(err, context.DeadlineExceeded) {
					t.Errorf("short read: %v", err)
					return
				}
			}
		})
	}
	for i := range readers * each {
		require.NoError(t, c.Write(ctx, client.MessageBinary, message(i)))
	}
	wg.Wait()
	for {
		mu.Lock()
		n := len(seen)
		mu.Unlock()
		if n == readers*each {
			break
		}
		_, p, err := c.Read(ctx)
		require.NoError(t, err)
		record(t, &mu, seen, p)
	}
}

// message i is 1000+i bytes, starting with i.
func message(i int) []byte {
	return append(binary.BigEndian.AppendUint32(nil, uint32(i)), pattern(1000+i, byte(i))...)
}

func record(t *testing.T, mu *sync.Mutex, seen map[int]bool, p []byte) {
	t.Helper()
	i := int(binary.BigEndian.Uint32(p))
	if !bytes.Equal(p, message(i)) {
		t.Errorf("message %d changed", i)
	}
	mu.Lock()
	defer mu.Unlock()
	if seen[i] {
		t.Errorf("message %d read twice", i)
	}
	seen[i] = true
}

// TestReadCutMidMessage: Reads whose ctx ends while a fragmented message
// trickles in, frame by frame and byte by byte, return ctx.Err() and lose
// nothing: the message arrives whole, and the ping inside it is answered.
func TestReadCutMidMessage(t *testing.T) {
	t.Parallel()
	body := pattern(3000, 5)
	pong := make(chan []byte, 1)
	url, opts := scripted(t, false, func(conn net.Conn, br *bufio.Reader) {
		var stream []byte
		stream = append(stream, 0x02, 126, 0x03, 0xe8) // binary, 1000 bytes, no FIN
		stream = append(stream, body[:1000]...)
		stream = append(stream, 0x89, 4)
		stream = append(stream, "ping"...)
		stream = append(stream, 0x00, 126, 0x03, 0xe8) // continuation, 1000 bytes
		stream = append(stream, body[1000:2000]...)
		stream = append(stream, 0x80, 126, 0x03, 0xe8) // the last one
		stream = append(stream, body[2000:]...)
		for len(stream) > 0 {
			k := min(len(stream), 250)
			if _, err := conn.Write(stream[:k]); err != nil {
				t.Errorf("write: %v", err)
				return
			}
			stream = stream[k:]
			time.Sleep(15 * time.Millisecond)
		}
		op, p, err := readFrame(br)
		if err != nil || op != 0xA {
			t.Errorf("the client's answer: opcode %#x, %v; want a pong", op, err)
			return
		}
		pong <- p
		_, _ = conn.Write([]byte{0x88, 2, 0x03, 0xe8}) // close 1000
		_, _, _ = readFrame(br)
	})
	c, err := client.Dial(ctxFor(t, 5*time.Second), url, opts)
	require.NoError(t, err)
	t.Cleanup(func() { _ = c.CloseNow() })

	p, cuts := readThroughCuts(t, c, 10*time.Second)
	assert.Equal(t, body, p, "the message, whole")
	assert.Greater(t, cuts, 10, "Reads cut while the message arrived")
	pongThenClose(t, c, pong)
}

// TestReadAfterReaderCut: a Reader waits; a message and the start of the
// next arrive in one write, and the next stalls. Once the Reader's
// message is read, a Read returns at its ctx: the stream must not have
// handed the next message's start over with the first.
func TestReadAfterReaderCut(t *testing.T) {
	t.Parallel()
	send := make(chan struct{})
	url, opts := scripted(t, false, func(conn net.Conn, br *bufio.Reader) {
		<-send
		msg := []byte{0x82, 5, 1, 2, 3, 4, 5, 0x82, 126, 0x03, 0xe8, 9, 9} // a whole message, then 2 of 1000 bytes
		if _, err := conn.Write(msg); err != nil {
			t.Errorf("write: %v", err)
			return
		}
		_, _, _ = readFrame(br) // until the client goes
	})
	c, err := client.Dial(ctxFor(t, 5*time.Second), url, opts)
	require.NoError(t, err)
	t.Cleanup(func() { _ = c.CloseNow() })
	type reader struct {
		r   io.Reader
		err error
	}
	got := make(chan reader, 1)
	go func() {
		_, r, err := c.Reader(ctxFor(t, 5*time.Second))
		got <- reader{r, err}
	}()
	time.Sleep(20 * time.Millisecond) // the Reader waits
	close(send)
	rd := <-got
	require.NoError(t, rd.err)
	p, err := io.ReadAll(rd.r)
	require.NoError(t, err)
	require.Equal(t, []byte{1, 2, 3, 4, 5}, p)
	require.ErrorIs(t, readErr(t, c, 200*time.Millisecond), context.DeadlineExceeded)
}

// TestPingInsideHeldMessage: a ping that comes inside a fragmented
// message is answered at once, not when the message is whole, and a close
// frame inside one ends the connection with its code.
func TestPingInsideHeldMessage(t *testing.T) {
	t.Parallel()
	t.Run("ping", func(t *testing.T) {
		t.Parallel()
		url, opts := scripted(t, false, func(conn net.Conn, br *bufio.Reader) {
			if _, err := conn.Write([]byte{0x02, 3, 'o', 'n', 'e', 0x89, 2, 'h', 'i'}); err != nil {
				t.Errorf("write: %v", err)
				return
			}
			_ = conn.SetReadDeadline(time.Now().Add(5 * time.Second))
			if op, p, err := readFrame(br); err != nil || op != 0xA || string(p) != "hi" {
				t.Errorf("the client's answer while the message is unfinished: opcode %#x %q, %v; want a pong", op, p, err)
				return
			}
			_, _ = conn.Write([]byte{0x80, 3, 't', 'w', 'o'})
			_, _, _ = readFrame(br)
		})
		c, err := client.Dial(ctxFor(t, 5*time.Second), url, opts)
		require.NoError(t, err)
		t.Cleanup(func() { _ = c.CloseNow() })
		_, p, err := c.Read(ctxFor(t, 10*time.Second))
		require.NoError(t, err)
		assert.Equal(t, "onetwo", string(p))
	})
	t.Run("close", func(t *testing.T) {
		t.Parallel()
		url, opts := scripted(t, false, func(conn net.Conn, br *bufio.Reader) {
			_, _ = conn.Write([]byte{0x02, 1, 'x', 0x88, 4, 0x0f, 0xa1, 'b', 'y'}) // close 4001 "by"
			_, _, _ = readFrame(br)
		})
		c, err := client.Dial(ctxFor(t, 5*time.Second), url, opts)
		require.NoError(t, err)
		t.Cleanup(func() { _ = c.CloseNow() })
		err = readErr(t, c, 10*time.Second)
		assert.Equal(t, client.StatusCode(4001), client.CloseStatus(err), "%v", err)
	})
}

// TestFramesFlood: a message that never ends but grows by empty frames
// (or pings, which are answered) holds no more memory than the read limit
// allows: the connection fails once the frames pass it.
func TestFramesFlood(t *testing.T) {
	t.Parallel()
	url, opts := scripted(t, false, func(conn net.Conn, br *bufio.Reader) {
		flood := []byte{0x02, 1, 'x'}
		for range 20000 {
			flood = append(flood, 0x00, 0x00)
		}
		_, _ = conn.Write(flood)
		for { // until the client goes
			if _, _, err := readFrame(br); err != nil {
				return
			}
		}
	})
	require.Nil(t, opts, "no TLS")
	c, err := client.Dial(ctxFor(t, 5*time.Second), url, &client.Options{ReadLimit: 1024})
	require.NoError(t, err)
	t.Cleanup(func() { _ = c.CloseNow() })
	err = readErr(t, c, 10*time.Second)
	assert.Equal(t, client.StatusAbnormalClosure, client.CloseStatus(err), "%v", err)
	assert.Contains(t, err.Error(), "too many frames")
}
