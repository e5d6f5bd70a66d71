//go:build !js

package client

import (
	"encoding/binary"
	"errors"
	"io"
	"math"
	"net"
	"os"
	"sync"
	"sync/atomic"
	"time"
)

// stream is the WebSocket byte stream under coder/websocket: the body of
// the 101 answer, with one power added. The wait for the next message
// can be cut short, without losing a byte, so that whichever goroutine
// reads can give up and leave the connection usable.
//
// It works because stream follows the frames it hands to coder/websocket
// (frames), and during a wait that may be cut (an op, between begin and
// end) it hands over only whole frame headers and whole control frames:
// the bytes of a frame not yet whole stay in held. So when coder/websocket
// asks for more bytes during an op, it is always between messages, and
// the cut (a read deadline in the past, which wakes a blocked read) can
// answer errCut: coder/websocket returns it from Reader with nothing
// consumed and its state intact, and the next Reader starts afresh.
type stream struct {
	rwc io.ReadWriteCloser // the upgraded connection (net/http's)
	raw net.Conn           // the connection under it, for deadlines

	f       frames // what coder/websocket has been handed
	held    []byte // received, not handed over yet: the start of a frame
	heldBuf [maxFrameHold]byte

	hold atomic.Bool // an op is on: hand over whole frames only
	cut  atomic.Bool // the op is asked to end

	mu       sync.Mutex
	op       streamOp
	waiters  int  // readers waiting for the read token
	deadline bool // a read deadline is set on raw
}

type streamOp int

const (
	opNone streamOp = iota
	opUser          // a Read or Reader, cut when its ctx ends
	opIdle          // the idle reader, cut when a Read or Reader wants to read
)

// errCut ends an op that was cut; it never reaches users.
var errCut = errors.New("client: read cut short")

// maxFrameHold is room for the longest frame held back: a 14-byte header
// and a 125-byte control payload.
const maxFrameHold = 256

// aLongTimeAgo is a read deadline that wakes a blocked read at once.
var aLongTimeAgo = time.Unix(1, 0)

func (s *stream) Read(p []byte) (int, error) {
	for {
		hold := s.hold.Load()
		if hold && s.cut.Load() && s.f.boundary() {
			return 0, errCut
		}
		var k int
		var err error
		if !hold || len(p) <= len(s.heldBuf) { // coder/websocket reads 4 KiB
			if len(s.held) > 0 { // what an op held back goes first
				k = copy(p, s.held)
				s.held = s.held[k:]
				s.f.walk(p[:k])
				return k, nil
			}
			k, err = s.rwc.Read(p)
			s.f.walk(p[:k])
		} else {
			c := copy(p, s.held)
			k, err = s.rwc.Read(p[c:])
			total := c + k
			d := s.f.feed(p[:total])
			s.held = s.heldBuf[:copy(s.heldBuf[:], p[d:total])]
			k = d
		}
		if err != nil && k == 0 && errors.Is(err, os.ErrDeadlineExceeded) && s.ownDeadline() {
			continue // cut: the loop's top decides
		}
		if k > 0 || err != nil {
			return k, err
		}
	}
}

// ownDeadline reports whether the read deadline on raw is one set by a
// cut. One set outside an op's boundary (which the frame rules make
// impossible) is cleared, so that the read goes on.
func (s *stream) ownDeadline() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.deadline {
		return false
	}
	if !s.hold.Load() || !s.f.boundary() {
		s.clearDeadline()
	}
	return true
}

func (s *stream) Write(p []byte) (int, error) { return s.rwc.Write(p) }
func (s *stream) Close() error                { return s.rwc.Close() }

// begin starts an op. The idle reader does not start while a reader
// waits for the token.
func (s *stream) begin(op streamOp) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if op == opIdle && s.waiters > 0 {
		return false
	}
	s.op = op
	s.hold.Store(true)
	return true
}

// end ends the op, and any cut of it.
func (s *stream) end() {
	s.mu.Lock()
	s.op = opNone
	s.hold.Store(false)
	s.cut.Store(false)
	s.clearDeadline()
	s.mu.Unlock()
}

// again forgets a cut, which was meant for an op that has ended.
func (s *stream) again() {
	s.mu.Lock()
	s.cut.Store(false)
	s.clearDeadline()
	s.mu.Unlock()
}

// cutUser cuts the op of a Read or Reader: its ctx has ended. A late
// call may cut a later op; that op sees its own ctx alive and goes on.
func (s *stream) cutUser() {
	s.mu.Lock()
	if s.op == opUser {
		s.cutLocked()
	}
	s.mu.Unlock()
}

// want counts a reader waiting for the token (d = 1, then -1), and cuts
// the idle reader's op for it.
func (s *stream) want(d int) {
	s.mu.Lock()
	s.waiters += d
	if d > 0 && s.op == opIdle {
		s.cutLocked()
	}
	s.mu.Unlock()
}

func (s *stream) cutLocked() {
	s.cut.Store(true)
	if !s.deadline {
		_ = s.raw.SetReadDeadline(aLongTimeAgo)
		s.deadline = true
	}
}

func (s *stream) clearDeadline() {
	if s.deadline {
		_ = s.raw.SetReadDeadline(time.Time{})
		s.deadline = false
	}
}

// frames follows the frames of a byte stream as it is handed over.
type frames struct {
	hdr  [14]byte
	hn   int   // bytes of the frame header being read
	left int64 // payload bytes left of the current frame
	open bool  // a data message has begun and not ended
}

// boundary reports whether the stream is between messages: no frame
// begun, and no data message unfinished.
func (f *frames) boundary() bool { return f.hn == 0 && f.left == 0 && !f.open }

// walk follows p.
func (f *frames) walk(p []byte) {
	for len(p) > 0 {
		if f.hn == 0 && f.left > 0 {
			k := int(min(int64(len(p)), f.left))
			f.left -= int64(k)
			p = p[k:]
			continue
		}
		f.hdr[f.hn] = p[0]
		f.hn++
		p = p[1:]
		f.header()
	}
}

// header completes the frame header in hdr, if it is whole.
func (f *frames) header() (data, done bool) {
	if f.hn < 2 || f.hn < headerLen(f.hdr[1]) {
		return false, false
	}
	l := int64(f.hdr[1] & 0x7f)
	switch l {
	case 126:
		l = int64(binary.BigEndian.Uint16(f.hdr[2:]))
	case 127:
		l = int64(binary.BigEndian.Uint64(f.hdr[2:]))
		if l < 0 { // coder/websocket fails the connection
			l = math.MaxInt64
		}
	}
	f.left = l
	f.hn = 0
	if data = f.hdr[0]&0x8 == 0; data {
		f.open = f.hdr[0]&0x80 == 0 // no FIN: continuations follow
	}
	return data, true
}

func headerLen(b1 byte) int {
	n := 2
	switch b1 & 0x7f {
	case 126:
		n += 2
	case 127:
		n += 8
	}
	if b1&0x80 != 0 {
		n += 4
	}
	return n
}

// feed follows p during an op and returns how much of it may be handed
// over: up to the start of a frame not whole yet, unless a data frame's
// header is whole (the op ends with it, and all after is the message).
// A frame longer than maxFrameHold (a control frame too big, which
// coder/websocket refuses) is handed over as it is.
func (f *frames) feed(p []byte) int {
	if !f.boundary() {
		f.walk(p)
		return len(p)
	}
	w := *f
	safe, safeState := 0, w
	for i := 0; i < len(p); {
		if w.hn == 0 && w.left > 0 { // a control frame's payload
			k := int(min(int64(len(p)-i), w.left))
			w.left -= int64(k)
			i += k
		} else {
			w.hdr[w.hn] = p[i]
			w.hn++
			i++
			data, done := w.header()
			if done && data {
				w.walk(p[i:])
				*f = w
				return len(p)
			}
		}
		if w.boundary() {
			safe, safeState = i, w
		}
	}
	if len(p)-safe > maxFrameHold {
		f.walk(p)
		return len(p)
	}
	*f = safeState
	return safe
}
