//go:build !js

package harness

import (
	"bytes"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// The hostile scenarios (/stall, /bad, /garbage, /raw) write frames by
// hand to the hijacked connection; coder/websocket never reads or writes
// on it. Each then goes silent: it reads the client's frames only to note
// its close frame and count its messages, answers nothing, and keeps TCP
// open until the client closes it, hold passes, or the harness closes.

// A hostile script writes what the scenario sends after the handshake.
type script func(c *conn) error

// raw wraps a hostile scenario in the common handshake (with no
// extension negotiated) and its silent tail. Every hostile scenario takes
// hold=D (default 60s): how long after the handshake the server cuts the
// connection if the client has not.
func (h *Harness) raw(scenario func(q query) (script, error)) http.HandlerFunc {
	return h.accept(true, func(q query) (func(*conn), error) {
		hold, err := q.duration("hold", time.Minute, 0)
		if err != nil {
			return nil, err
		}
		if q.Has("compress") {
			return nil, errors.New("compress=: a hostile scenario negotiates no extension")
		}
		run, err := scenario(q)
		if err != nil {
			return nil, err
		}
		return func(c *conn) { c.hostile(hold, run) }, nil
	})
}

// hostile runs run, then stays silent until the client closes TCP, hold
// passes or the connection is cut (by Close or /kick). A reader notes
// what the client sends meanwhile, from the start.
func (c *conn) hostile(hold time.Duration, run script) {
	readDone := make(chan struct{})
	go func() {
		defer close(readDone)
		c.readClient()
	}()
	watchDone := make(chan struct{})
	go func() {
		defer close(watchDone)
		t := time.NewTimer(hold)
		defer t.Stop()
		select {
		case <-readDone: // the client closed TCP
		case <-c.ctx.Done(): // cut, kicked or the harness closing
		case <-t.C:
		}
		c.cut(false)
		<-readDone
	}()
	_ = run(c) // a cut ends a blocked write
	<-watchDone
}

// send writes p to the wire as it is.
func (c *conn) send(p []byte) error {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	_, err := c.nc.Write(p)
	return err
}

// sendMessage writes a whole unfragmented data message and counts it.
func (c *conn) sendMessage(op byte, p []byte) error {
	c.count(1, len(p))
	if err := c.send(appendFrame(nil, header{fin: true, op: op}, p)); err != nil {
		c.count(-1, -len(p))
		return err
	}
	return nil
}

// filler is what /stall's payloads are made of.
var filler = bytes.Repeat([]byte{'a'}, 32<<10)

// sendFiller writes n bytes of filler, a chunk at a time, so that a kick's
// close frame can get a turn.
func (c *conn) sendFiller(n uint64) error {
	for n > 0 {
		p := filler[:min(n, uint64(len(filler)))]
		if err := c.send(p); err != nil {
			return err
		}
		n -= uint64(len(p))
	}
	return nil
}

// readClient reads the client's frames until the connection fails. It
// notes the first close frame in the stats, counts whole data messages,
// and answers nothing. Once the client's bytes stop making sense it
// discards the rest.
func (c *conn) readClient() {
	var p [maxControlPayload]byte
	var msg int64 // bytes of the data message under way
	for {
		h, err := readHeader(c.br)
		if err != nil {
			if errors.Is(err, errFrame) {
				_, _ = io.Copy(io.Discard, c.br)
			}
			return
		}
		if h.op&0x8 == 0 { // data
			if _, err := io.CopyN(io.Discard, c.br, int64(h.length)); err != nil {
				return
			}
			msg += int64(h.length)
			if h.fin {
				c.received(msg)
				msg = 0
			}
			continue
		}
		b := p[:h.length]
		if _, err := io.ReadFull(c.br, b); err != nil {
			return
		}
		if h.masked {
			mask(b, h.key)
		}
		if h.op == opClose {
			c.noteClientClose(b)
		}
	}
}

// received counts a whole message of n bytes from the client.
func (c *conn) received(n int64) {
	c.h.update(c.id, func(s *Stats) {
		s.MessagesReceived++
		s.BytesReceived += n
	})
	c.h.mu.Lock()
	c.st.MessagesReceived++
	c.h.mu.Unlock()
}

// noteClientClose records the client's first close frame, whose payload
// is p, as it is (an invalid code too), and signals it to a raw close
// waiting for the answer. Only readClient calls it.
func (c *conn) noteClientClose(p []byte) {
	select {
	case <-c.clientClosed:
		return // noted already
	default:
	}
	code, reason := 1005, "" // no status code
	switch {
	case len(p) == 1:
		return // not a close payload; nothing to record
	case len(p) >= 2:
		code, reason = int(binary.BigEndian.Uint16(p)), string(p[2:])
	}
	c.h.mu.Lock()
	c.st.ClientCloseCode = code
	c.st.ClientCloseReason = reason
	c.h.mu.Unlock()
	close(c.clientClosed)
}

// rawClose is closeWith for a hostile connection: it writes a close frame
// onto the wire as it is (inside an unfinished frame, the client reads it
// as payload), waits up to 5 s for the client's close frame, then cuts.
func (c *conn) rawClose(code int, reason string) {
	_ = c.nc.SetWriteDeadline(time.Now().Add(5 * time.Second))
	if c.send(appendFrame(nil, header{fin: true, op: opClose}, closePayload(code, reason))) == nil {
		t := time.NewTimer(5 * time.Second)
		select {
		case <-c.clientClosed:
		case <-c.ctx.Done():
		case <-t.C:
		}
		t.Stop()
	}
	c.cut(false)
}

// maxFrameLength is the largest length /stall announces: far beyond any
// real message, and clear of the top bit that RFC 6455 forbids.
const maxFrameLength = 1 << 62

func (h *Harness) stall(q query) (script, error) {
	size, err := q.uint64("size", 1000, maxFrameLength)
	if err != nil {
		return nil, err
	}
	send, err := q.uint64("send", 0, maxFrameLength)
	if err != nil {
		return nil, err
	}
	ok, err := q.int("ok", 0, 0, 1<<20)
	if err != nil {
		return nil, err
	}
	op, err := q.messageType()
	if err != nil {
		return nil, err
	}
	var frag bool
	switch f := q.Get("frag"); f {
	case "", "0":
	case "1":
		frag = true
	default:
		return nil, fmt.Errorf("frag=%q: want 0 or 1", f)
	}
	if !frag && send > size {
		return nil, fmt.Errorf("send=%d: more than size=%d", send, size)
	}
	return func(c *conn) error {
		for i := 1; i <= ok; i++ {
			if err := c.sendMessage(opBinary, []byte("ok"+strconv.Itoa(i))); err != nil {
				return err
			}
		}
		hd := header{fin: true, op: op, length: size}
		if frag {
			hd = header{op: op, length: send}
		}
		if err := c.send(appendHeader(nil, hd)); err != nil {
			return err
		}
		return c.sendFiller(send)
	}, nil
}

// badFrames are the invalid frames /bad?frame=KIND sends.
var badFrames = map[string][]byte{
	"rsv":          appendFrame(nil, header{fin: true, rsv: rsv2, op: opBinary}, []byte("bad")),
	"rsv1":         appendFrame(nil, header{fin: true, rsv: rsv1, op: opBinary}, []byte("bad")),
	"opcode":       appendFrame(nil, header{fin: true, op: 0x3}, []byte("bad")),
	"ctlopcode":    appendFrame(nil, header{fin: true, op: 0xb}, []byte("bad")),
	"fragctl":      appendFrame(nil, header{op: opPing}, []byte("bad")),
	"bigctl":       appendFrame(nil, header{fin: true, op: opPing}, filler[:maxControlPayload+1]),
	"closecode":    appendFrame(nil, header{fin: true, op: opClose}, closePayload(1005, "")),
	"closecode999": appendFrame(nil, header{fin: true, op: opClose}, closePayload(999, "")),
	"closeutf8":    appendFrame(nil, header{fin: true, op: opClose}, closePayload(1000, "\xff\xfe")),
	"closeshort":   appendFrame(nil, header{fin: true, op: opClose}, []byte{0x03}),
	"afterclose": appendFrame(appendFrame(nil,
		header{fin: true, op: opClose}, closePayload(1000, "bye")),
		header{fin: true, op: opText}, []byte("late")),
	"masked":       appendFrame(nil, header{fin: true, op: opBinary, masked: true, key: [4]byte{1, 2, 3, 4}}, []byte("bad")),
	"continuation": appendFrame(nil, header{fin: true, op: opContinuation}, []byte("bad")),
	"newmsg": appendFrame(appendFrame(nil,
		header{op: opText}, []byte("one")),
		header{fin: true, op: opText}, []byte("two")),
	"badutf8": appendFrame(nil, header{fin: true, op: opText}, invalidUTF8),
}

// badFrameKinds are the values /bad's frame= takes, in the order the
// package documentation lists them.
var badFrameKinds = []string{
	"rsv", "rsv1", "opcode", "ctlopcode", "fragctl", "bigctl",
	"closecode", "closecode999", "closeutf8", "closeshort", "afterclose",
	"masked", "continuation", "newmsg", "badutf8",
}

func (h *Harness) bad(q query) (script, error) {
	kind := q.Get("frame")
	frame, found := badFrames[kind]
	if !found {
		return nil, fmt.Errorf("frame=%q: want one of %s", kind, strings.Join(badFrameKinds, ", "))
	}
	ok, err := q.int("ok", 0, 0, 1<<20)
	if err != nil {
		return nil, err
	}
	return func(c *conn) error {
		for range ok {
			if err := c.sendMessage(opText, []byte("ok")); err != nil {
				return err
			}
		}
		return c.send(frame)
	}, nil
}

func (h *Harness) garbage(q query) (script, error) {
	seed, err := q.uint64("seed", 1, math.MaxUint64)
	if err != nil {
		return nil, err
	}
	n, err := q.int("n", 1024, 0, 1<<30)
	if err != nil {
		return nil, err
	}
	return func(c *conn) error {
		rng := garbageSource(seed)
		buf := make([]byte, 32<<10)
		for n > 0 {
			p := buf[:min(n, len(buf))]
			_, _ = rng.Read(p)
			if err := c.send(p); err != nil {
				return err
			}
			n -= len(p)
		}
		return nil
	}, nil
}

// garbageSource is where /garbage's bytes come from: ChaCha8 seeded with
// seed in little-endian order, then zeros.
func garbageSource(seed uint64) *rand.ChaCha8 {
	var key [32]byte
	binary.LittleEndian.PutUint64(key[:], seed)
	return rand.NewChaCha8(key)
}

// maxRaw is the most bytes /raw sends.
const maxRaw = 64 << 10

func (h *Harness) rawBytes(q query) (script, error) {
	s := strings.TrimRight(q.Get("b64"), "=")
	if n := base64.RawURLEncoding.DecodedLen(len(s)); n > maxRaw {
		return nil, fmt.Errorf("b64: %d bytes, over the %d /raw sends", n, maxRaw)
	}
	p, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return nil, fmt.Errorf("b64: want base64url: %w", err)
	}
	return func(c *conn) error { return c.send(p) }, nil
}

// messageType parses type= as an opcode: "binary" (default) or "text".
func (q query) messageType() (byte, error) {
	switch t := q.Get("type"); t {
	case "", "binary":
		return opBinary, nil
	case "text":
		return opText, nil
	default:
		return 0, fmt.Errorf("type=%q: want binary or text", t)
	}
}
