//go:build !js

package client

import (
	"encoding/binary"
	"errors"
	"io"
	"math"
	"net"
	"os"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"github.com/duplex-go/duplex/internal/wsspec"
)

// stream is the WebSocket byte stream under coder/websocket: the body of
// the 101 answer, with two powers added.
//
// It can cut a wait for the next message short without losing a byte, so
// that whichever goroutine reads can give up and leave the connection
// usable. It follows the frames as they arrive and, while an op is on,
// hands coder/websocket only whole units: whole control frames and, for a
// Read (opMessage) or the idle reader (opIdle), whole data messages, all
// their frames. So whenever coder/websocket asks for more bytes during an
// op it is between messages, and the cut (a read deadline in the past,
// which wakes a blocked read) can answer errCut: coder/websocket returns
// it from Reader with nothing consumed and its state intact. What has
// arrived of a message not yet whole waits in buf for the next Read.
//
// It also checks every frame header during an op, before coder/websocket
// sees it: a message announced over the read limit, or a frame that breaks
// RFC 6455, is a *frameFault returned in its place, so that an oversized
// message is never downloaded and a hostile frame is refused as browsers
// refuse it.
type stream struct {
	rwc     io.ReadWriteCloser // the upgraded connection (net/http's)
	raw     net.Conn           // the connection under it, for deadlines
	limit   *atomic.Int64      // the read limit, for messages announced too big
	deflate bool               // permessage-deflate was negotiated

	// Read state: only Read touches it, and coder/websocket calls Read
	// under its read lock.
	f     frames   // the stream as handed over
	back  []byte   // buf's backing array
	buf   []byte   // received, not handed over yet
	ready int      // buf[:ready] may be handed over
	rs    frames   // the stream at buf[ready]
	need  int64    // bytes still to come of the unit at buf[ready], if known
	mode  streamOp // the op ready was found for
	fault error    // found right after buf[:ready]: returned once that is handed over
	rerr  error    // the network's error, likewise

	received atomic.Int64 // bytes read from the network, for tests
	adopted  atomic.Bool  // the handshake succeeded: until then reads see EOF
	between  atomic.Bool  // what was handed over ends between messages

	op   atomic.Int32 // the streamOp on
	cut  atomic.Bool  // the op is asked to end
	dead atomic.Bool  // the connection is being failed: reads fail at once

	mu       sync.Mutex
	waiters  int  // readers waiting for the read token
	deadline bool // a read deadline is set on raw
}

type streamOp int32

const (
	opNone    streamOp = iota // no op: a Reader's body, the closing handshake
	opHeader                  // a Reader's wait for a message, cut when its ctx ends
	opMessage                 // a Read, cut when its ctx ends
	opIdle                    // the idle reader, cut when a Read or Reader wants to read
)

// whole reports whether op receives data messages whole before it hands
// them over; the others hand a message over as it arrives.
func (op streamOp) whole() bool { return op == opMessage || op == opIdle }

var (
	// errCut ends an op that was cut; it never reaches users.
	errCut = errors.New("client: read cut short")
	// errFailed is what reads get once the connection is being failed.
	errFailed = errors.New("client: the connection was failed")
)

// frameFault is a frame the stream refused: a protocol error, or a
// message announced over the read limit.
type frameFault struct {
	what   string // for the error and the close reason, such as "a masked frame"
	tooBig int64  // the size announced, for a message over the read limit
	limit  int64
}

func (e *frameFault) Error() string {
	if e.tooBig > 0 {
		return "client: a message of " + strconv.FormatInt(e.tooBig, 10) + " bytes or more was announced, over the read limit of " +
			strconv.FormatInt(e.limit, 10) + " bytes"
	}
	return "client: the server broke the WebSocket protocol: " + e.what
}

// directMin is the smallest read that goes straight into the caller's
// buffer when nothing is held.
const directMin = 512

// keepBuf is the largest buf kept once it is empty: a buffer grown for a
// large message is given back.
const keepBuf = 64 << 10

// aLongTimeAgo is a read deadline that wakes a blocked read at once.
var aLongTimeAgo = time.Unix(1, 0)

func (s *stream) Read(p []byte) (int, error) {
	if !s.adopted.Load() {
		// coder/websocket reads some of what follows a 101 answer it
		// refuses, for up to 3 s whatever the ctx: there is nothing.
		return 0, io.EOF
	}
	for {
		if s.dead.Load() {
			return 0, errFailed
		}
		if op := streamOp(s.op.Load()); op != s.mode {
			s.rescan(op)
		}
		if s.ready > 0 {
			k := copy(p, s.buf[:s.ready])
			s.handOver(k)
			return k, nil
		}
		if s.fault != nil {
			return 0, s.fault
		}
		if s.rerr != nil {
			return 0, s.rerr
		}
		if s.mode != opNone && s.cut.Load() && s.f.boundary() {
			return 0, errCut
		}
		var err error
		if len(s.buf) == 0 && len(p) >= directMin {
			// Straight into p; what may not go yet is kept.
			var k int
			k, err = s.rwc.Read(p)
			s.received.Add(int64(k))
			if k > 0 {
				n, w := s.scan(p[:k], s.rs)
				s.buf = append(s.back[:0], p[n:k]...)
				s.back = s.buf[:0]
				s.rs, s.ready = w, 0
				s.f.walk(p[:n])
				s.between.Store(s.f.boundary())
				if err != nil && !s.ownTimeout(err) {
					s.rerr = err
				}
				if n > 0 {
					return n, nil
				}
				continue
			}
		} else {
			var k int
			k, err = s.fill()
			if k > 0 {
				if err != nil && !s.ownTimeout(err) {
					s.rerr = err
				}
				continue
			}
		}
		if err == nil || s.ownTimeout(err) {
			continue // a cut, or nothing yet: the loop's top decides
		}
		s.rerr = err
	}
}

// ownTimeout reports whether err is the timeout of a cut. A cut that
// cannot land (the stream is inside a message handed over as it arrives)
// is cleared, so that the read goes on.
func (s *stream) ownTimeout(err error) bool {
	if !errors.Is(err, os.ErrDeadlineExceeded) {
		return false
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.deadline {
		return false
	}
	if s.mode == opNone || !s.f.boundary() {
		s.clearDeadline()
	}
	return true
}

// handOver marks buf[:k] handed over.
func (s *stream) handOver(k int) {
	s.f.walk(s.buf[:k])
	s.between.Store(s.f.boundary())
	s.buf = s.buf[k:]
	s.ready -= k
	if len(s.buf) == 0 {
		if cap(s.back) > keepBuf {
			s.back = nil
		}
		s.buf = s.back[:0]
	}
}

// fill reads what the network has into buf and scans it.
func (s *stream) fill() (int, error) {
	if free := cap(s.buf) - len(s.buf); free == 0 || free < 4<<10 && int64(free) < s.need {
		// Room for the rest of the unit held (its size is known, and
		// within the read limit), but at most 1 MiB or twice the buffer
		// at a time: a peer that announces and stalls costs little.
		used := len(s.buf)
		room := min(max(s.need, 4<<10), int64(max(2*cap(s.back), 1<<20)))
		if int64(cap(s.back)) >= int64(used)+room && used <= cap(s.back)/2 {
			s.buf = s.back[:copy(s.back[:used], s.buf)] // move to the front
		} else {
			nb := make([]byte, used, int64(used)+room)
			copy(nb, s.buf)
			s.back, s.buf = nb[:0], nb
		}
	}
	k, err := s.rwc.Read(s.buf[len(s.buf):cap(s.buf)])
	s.received.Add(int64(k))
	s.buf = s.buf[:len(s.buf)+k]
	if k > 0 {
		s.scanBuf()
	}
	return k, err
}

// rescan finds what may be handed over under op, from the start of buf.
func (s *stream) rescan(op streamOp) {
	s.mode = op
	s.ready, s.rs, s.fault, s.need = 0, s.f, nil, 0
	s.scanBuf()
}

// scanBuf extends ready over buf.
func (s *stream) scanBuf() {
	if s.fault != nil {
		return
	}
	n, w := s.scan(s.buf[s.ready:], s.rs)
	s.ready += n
	s.rs = w
}

// scan walks q, which follows a stream in state w, and returns how much
// of it may be handed over in the current mode and the state after that.
// It sets s.fault when a frame after that is refused, and s.need to the
// bytes still to come of the unit that stops it.
func (s *stream) scan(q []byte, w frames) (int, frames) {
	safe, safeW := 0, w
	free := !w.boundary() // inside a unit that is handed over as it arrives
	pstart := -1          // where the current control frame's payload starts in q
	for i := 0; i < len(q); {
		if w.hn == 0 && w.left > 0 { // payload
			k := int(min(int64(len(q)-i), w.left))
			w.left -= int64(k)
			i += k
			if w.left == 0 && w.ctl && pstart >= 0 {
				if what := checkControl(w.hdr[0]&0xf, q[pstart:i]); what != "" {
					s.fault = &frameFault{what: what}
					break
				}
			}
		} else {
			w.hdr[w.hn] = q[i]
			w.hn++
			i++
			h, ok := w.header()
			if !ok {
				continue
			}
			if fault := s.check(&w, h); fault != nil {
				s.fault = fault
				break
			}
			w.start(h)
			pstart = i
			if !w.ctl && h.op != 0 && !s.mode.whole() {
				free = true // a message handed over as it arrives
			}
		}
		if w.boundary() {
			free = false
			safe, safeW = i, w
		} else if free {
			safe, safeW = i, w
		}
	}
	s.need = 0
	if s.fault == nil && safeW != w && w.left > 0 {
		s.need = w.left
	}
	return safe, safeW
}

// check refuses a frame header that breaks RFC 6455 or announces a
// message over the read limit; w is the stream before it.
func (s *stream) check(w *frames, h frameHeader) *frameFault {
	switch {
	case h.masked:
		return &frameFault{what: "a masked frame"}
	case h.rsv2 || h.rsv3:
		return &frameFault{what: "a frame with reserved bits set"}
	case h.length < 0:
		return &frameFault{what: "a frame longer than 2^63-1 bytes"}
	}
	switch h.op {
	case 0x8, 0x9, 0xA:
		switch {
		case !h.fin:
			return &frameFault{what: "a fragmented control frame"}
		case h.length > 125:
			return &frameFault{what: "a control frame over 125 bytes"}
		case h.rsv1:
			return &frameFault{what: "a control frame with RSV1 set"}
		}
		return nil
	case 0x0:
		if !w.open {
			return &frameFault{what: "a continuation frame with no message begun"}
		}
		if h.rsv1 {
			return &frameFault{what: "a continuation frame with RSV1 set"}
		}
	case 0x1, 0x2:
		if w.open {
			return &frameFault{what: "a new message before the last one ended"}
		}
		if h.rsv1 && !s.deflate {
			return &frameFault{what: "a compressed frame without permessage-deflate"}
		}
	default:
		return &frameFault{what: "reserved opcode " + strconv.Itoa(int(h.op))}
	}
	next := *w
	next.start(h)
	limit := s.limit.Load()
	if limit < 0 {
		return nil
	}
	allowed := limit
	if next.deflated {
		// Deflate can make incompressible data a little larger.
		allowed = min(limit, math.MaxInt64/2) + limit/64 + 1024
	}
	if next.size > allowed {
		return &frameFault{what: "a message over the read limit", tooBig: next.size, limit: limit}
	}
	return nil
}

// checkControl checks a whole control frame's payload: a close frame's
// code and reason.
func checkControl(op byte, p []byte) string {
	if op != 0x8 || len(p) == 0 {
		return ""
	}
	if len(p) == 1 {
		return "a close frame with a 1-byte payload"
	}
	code := int(binary.BigEndian.Uint16(p))
	if !wsspec.PeerCloseCode(code) {
		return "close code " + strconv.Itoa(code) + ", which may not be sent"
	}
	if !utf8.Valid(p[2:]) {
		return "a close reason that is not UTF-8"
	}
	return ""
}

// begin starts an op. The idle reader does not start while a reader
// waits for the token.
func (s *stream) begin(op streamOp) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if op == opIdle && s.waiters > 0 {
		return false
	}
	s.op.Store(int32(op))
	return true
}

// end ends the op, and any cut of it.
func (s *stream) end() {
	s.mu.Lock()
	s.op.Store(int32(opNone))
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

// cutUser cuts the op of a Read or Reader: its ctx has ended. A late call
// may cut a later op; that op sees its own ctx alive and goes on.
func (s *stream) cutUser() {
	s.mu.Lock()
	if op := streamOp(s.op.Load()); op == opHeader || op == opMessage {
		s.cutLocked()
	}
	s.mu.Unlock()
}

// cutAny cuts whatever op is on: the connection is closing.
func (s *stream) cutAny() {
	s.mu.Lock()
	if streamOp(s.op.Load()) != opNone {
		s.cutLocked()
	}
	s.mu.Unlock()
}

// want counts a reader waiting for the token (d = 1, then -1), and cuts
// the idle reader's op for it.
func (s *stream) want(d int) {
	s.mu.Lock()
	s.waiters += d
	if d > 0 && streamOp(s.op.Load()) == opIdle {
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

// kill makes every read fail at once: the connection is being failed or
// closed, and nothing more is read from it.
func (s *stream) kill() { s.dead.Store(true) }

func (s *stream) Write(p []byte) (int, error) { return s.rwc.Write(p) }
func (s *stream) Close() error                { return s.rwc.Close() }

// frames follows the frames of a byte stream.
type frames struct {
	hdr      [14]byte
	hn       int   // bytes of the frame header being read
	left     int64 // payload bytes left of the current frame
	ctl      bool  // the current frame is a control frame
	open     bool  // a data message has begun and not ended
	deflated bool  // the open message is compressed
	size     int64 // payload bytes announced so far for the open message
}

// boundary reports whether the stream is between units: no frame begun,
// and no data message unfinished.
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
		if h, ok := f.header(); ok {
			f.start(h)
		}
	}
}

// frameHeader is a parsed frame header.
type frameHeader struct {
	fin, rsv1, rsv2, rsv3, masked bool
	op                            byte
	length                        int64 // -1 for a 64-bit length with its top bit set
}

// header parses the frame header in hdr, if it is whole.
func (f *frames) header() (frameHeader, bool) {
	if f.hn < 2 || f.hn < headerLen(f.hdr[1]) {
		return frameHeader{}, false
	}
	b0, b1 := f.hdr[0], f.hdr[1]
	h := frameHeader{
		fin: b0&0x80 != 0, rsv1: b0&0x40 != 0, rsv2: b0&0x20 != 0, rsv3: b0&0x10 != 0,
		op: b0 & 0xf, masked: b1&0x80 != 0, length: int64(b1 & 0x7f),
	}
	switch h.length {
	case 126:
		h.length = int64(binary.BigEndian.Uint16(f.hdr[2:]))
	case 127:
		u := binary.BigEndian.Uint64(f.hdr[2:])
		if u > math.MaxInt64 {
			h.length = -1
		} else {
			h.length = int64(u)
		}
	}
	return h, true
}

// start begins the frame whose header h was just read, and counts a data
// frame towards the size of its message.
func (f *frames) start(h frameHeader) {
	f.hn = 0
	f.left = max(h.length, 0)
	f.ctl = h.op&0x8 != 0
	if f.ctl {
		return
	}
	if h.op != 0 { // a message begins
		f.size, f.deflated = 0, h.rsv1
	}
	if f.size > math.MaxInt64-f.left {
		f.size = math.MaxInt64
	} else {
		f.size += f.left
	}
	f.open = !h.fin // no FIN: continuations follow
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
