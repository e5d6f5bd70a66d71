//go:build !js

package client

import (
	"context"
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
// arrived of a message not yet whole waits in buf for the next Read. The
// control frames inside such a message are taken out and handed over at
// once, before it (coder/websocket answers a ping between messages as
// well as inside one), so a slow message does not delay a pong or hide a
// close frame, and does not fill buf with pings.
//
// It also checks every frame header as it arrives, before coder/websocket
// sees it: a message announced over the read limit, or a frame that breaks
// RFC 6455, is a *frameFault returned in its place, so that an oversized
// message is never downloaded and a hostile frame is refused as browsers
// refuse it.
//
// Every byte is scanned once, as it arrives, except when an op begins
// that changes what may go: then what is held is scanned again.
type stream struct {
	rwc     io.ReadWriteCloser // the upgraded connection (net/http's)
	raw     net.Conn           // the connection under it, for deadlines
	limit   *atomic.Int64      // the read limit, for messages announced too big
	deflate bool               // permessage-deflate was negotiated

	// Read state: only Read touches it, and coder/websocket calls Read
	// under its read lock. Indexes are into buf.
	f      frames   // the stream as handed over
	back   []byte   // buf's backing array
	buf    []byte   // received, not handed over yet
	ready  int      // buf[:ready] may be handed over
	rw     frames   // the stream at buf[ready]
	tail   frames   // the stream at the end of buf
	fstart int      // where the frame at the end of buf begins (len(buf) if none has)
	fw     frames   // the stream at buf[fstart]
	ctl    []byte   // whole control frames taken out of the message held at buf[ctlAt:]
	ctlAt  int      // ctl goes once buf[:ctlAt] has gone
	free   bool     // the message at the end of buf is handed over as it arrives
	freeAt int      // where that message begins, -1 once some of it has gone
	freeW  frames   // the stream there
	first  bool     // opHeader: the next message to begin is handed over as it arrives
	need   int64    // bytes still to come of the frame at the end of buf, if held
	mode   streamOp // the op ready was found for
	fault  error    // found right after buf[:ready]: returned once that is handed over
	rerr   error    // the network's error, likewise

	received atomic.Int64 // bytes read from the network, for tests
	adopted  atomic.Bool  // the handshake succeeded: until then reads see EOF
	between  atomic.Bool  // what was handed over ends between messages

	op   atomic.Int32 // the streamOp on
	cut  atomic.Bool  // the op is asked to end
	dead atomic.Bool  // the connection is being failed: reads fail at once

	mu       sync.Mutex
	waiters  int  // readers waiting for the read token
	deadline bool // a read deadline is set on raw
	closing  bool // the connection is closing: no op begins, no cut is forgotten
}

type streamOp int32

const (
	opNone    streamOp = iota // no op: a Reader's body, the closing handshake
	opHeader                  // a Reader's wait for a message, cut when its ctx ends
	opMessage                 // a Read, cut when its ctx ends
	opIdle                    // the idle reader, cut when a Read or Reader wants to read
)

// whole reports whether op receives data messages whole before it hands
// them over. opHeader hands over as it arrives the first message it
// finds; opNone (a Reader's body) only one already begun.
func (op streamOp) whole() bool { return op == opMessage || op == opIdle }

var (
	// errCut ends an op that was cut; it never reaches users.
	errCut = errors.New("client: read cut short")
	// errFailed is what reads get once the connection is being failed.
	errFailed = errors.New("client: the connection was failed")
)

// frameFault is a frame the stream refused: a protocol error, or a
// message over the read limit.
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
			s.setMode(op)
		}
		if k := s.handOver(p); k > 0 {
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
		var k int
		var err error
		if len(s.buf) == 0 && len(s.ctl) == 0 && len(p) >= directMin {
			k, err = s.direct(p)
		} else {
			k, err = s.fill()
		}
		if err != nil && !s.ownTimeout(err) {
			s.rerr = err
		}
		if k < 0 {
			return -k, nil // read straight into p
		}
		// A cut, data, nothing yet or an error: the loop's top decides.
	}
}

// handOver copies into p what may go now: buf up to ctlAt, then the
// control frames taken out of the message held there, then the rest of
// what is ready.
func (s *stream) handOver(p []byte) int {
	var k int
	switch {
	case len(s.ctl) > 0 && s.ctlAt == 0:
		k = copy(p, s.ctl)
		s.f.walk(s.ctl[:k])
		s.ctl = s.ctl[k:]
	case s.ready > 0:
		n := s.ready
		if len(s.ctl) > 0 {
			n = min(n, s.ctlAt)
		}
		k = copy(p, s.buf[:n])
		s.f.walk(s.buf[:k])
		s.buf = s.buf[k:]
		s.shift(k)
		if len(s.buf) == 0 {
			if cap(s.back) > keepBuf {
				s.back = nil
			}
			s.buf = s.back[:0]
		}
	default:
		return 0
	}
	s.between.Store(s.f.boundary())
	return k
}

// shift moves the indexes into buf after its first k bytes went.
func (s *stream) shift(k int) {
	s.ready -= k
	s.ctlAt = max(s.ctlAt-k, 0)
	s.fstart -= k
	if s.freeAt -= k; s.freeAt < 0 {
		s.freeAt = -1
	}
}

// direct reads from the network straight into p, which buf does not
// hold back then: what may go stays in p, the rest is kept. It returns
// -n for n bytes that went, else what it kept.
func (s *stream) direct(p []byte) (int, error) {
	k, err := s.rwc.Read(p)
	s.received.Add(int64(k))
	if k == 0 {
		return 0, err
	}
	s.buf = p[:k] // scanned in place
	s.scan(0, s.tail)
	n := s.ready
	if len(s.ctl) > 0 {
		n = min(n, s.ctlAt)
	}
	s.f.walk(p[:n])
	s.between.Store(s.f.boundary())
	s.buf = append(s.back[:0], s.buf[n:]...)
	s.back = s.buf[:0]
	s.shift(n)
	if n > 0 {
		return -n, err
	}
	return k, err
}

// fill reads what the network has into buf and scans it.
func (s *stream) fill() (int, error) {
	if free := cap(s.buf) - len(s.buf); free == 0 || free < 4<<10 && int64(free) < s.need {
		// Room for the rest of the frame held (its size is known, and
		// within the read limit), growing at least twofold so that a
		// message in many frames costs no more than one in a few.
		used := len(s.buf)
		room := max(min(s.need, 1<<20), 4<<10)
		if cap(s.back) >= used+int(room) && used <= cap(s.back)/2 {
			s.buf = s.back[:copy(s.back[:used], s.buf)] // move to the front
		} else {
			nb := make([]byte, used, max(used+int(room), 2*cap(s.back)))
			copy(nb, s.buf)
			s.back, s.buf = nb[:0], nb
		}
	}
	n := len(s.buf)
	k, err := s.rwc.Read(s.buf[n:cap(s.buf)])
	s.received.Add(int64(k))
	s.buf = s.buf[:n+k]
	if k > 0 && s.fault == nil {
		s.scan(n, s.tail)
	}
	return k, err
}

// setMode follows a new op. An op that takes messages whole takes back a
// message that was to be handed over as it arrived, if none of it has
// gone yet; a Reader's wait hands over as it arrives the message held, if
// one has begun. Either way what is held is scanned again.
func (s *stream) setMode(op streamOp) {
	s.mode = op
	s.first = op == opHeader
	switch {
	case s.fault != nil:
	case op.whole() && s.free && s.freeAt >= 0:
		s.ready, s.rw = s.freeAt, s.freeW
		s.scan(s.ready, s.rw)
	case s.first && !s.free && s.ready < len(s.buf):
		s.scan(s.ready, s.rw)
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

// scan walks buf[from:], which follows a stream in state w, and moves
// ready as far as the current op lets bytes go. It takes whole control
// frames out of a held message into ctl, closing the gap, and sets fault
// at a frame it refuses.
func (s *stream) scan(from int, w frames) {
	b := s.buf
	i, o := from, from // read and write positions: o <= i once a gap is closed
	if from == s.ready {
		s.free, s.freeAt = false, -1
		if !w.boundary() { // inside a message some of which has gone
			s.free = true
		}
		s.fstart, s.fw = from, w
	}
	for i < len(b) {
		if w.hn == 0 && w.left > 0 { // payload
			k := int(min(int64(len(b)-i), w.left))
			if o != i {
				copy(b[o:], b[i:i+k])
			}
			w.left -= int64(k)
			i += k
			o += k
		} else {
			if w.hn == 0 {
				s.fstart, s.fw = o, w
			}
			b[o] = b[i]
			w.hdr[w.hn] = b[i]
			w.hn++
			i++
			o++
			h, ok := w.header()
			if !ok {
				continue
			}
			if fault := s.check(&w, h); fault != nil {
				s.fault = fault
				break
			}
			w.start(h)
			if !w.ctl && h.op != 0 { // a message begins
				s.free, s.freeAt = s.first, -1
				if s.free {
					s.first = false
					s.freeAt, s.freeW = s.fstart, s.fw
				}
			}
		}
		if w.ctl && w.left == 0 && w.hn == 0 { // a control frame, whole
			if what := checkControl(b[s.fstart:o]); what != "" {
				s.fault = &frameFault{what: what}
				break
			}
			if w.open && !s.free {
				if len(s.ctl) == 0 || s.ctlAt == s.ready {
					// Inside a message held: it goes first.
					s.ctl = append(s.ctl, b[s.fstart:o]...)
					s.ctlAt = s.ready
					o = s.fstart
				} else if w.extra += int64(o - s.fstart); s.overBudget(&w) {
					s.fault = &frameFault{what: "a message with too many frames"}
					break
				}
			}
		}
		switch {
		case w.boundary():
			s.free = false
			s.ready, s.rw = o, w
		case s.free && !(w.ctl && w.left > 0) && !(w.hn > 0 && w.hdr[0]&0x8 != 0):
			s.ready, s.rw = o, w
		}
	}
	if s.fault != nil {
		o = s.fstart // nothing of the frame refused is kept
	}
	s.buf = b[:o]
	s.tail = w
	s.need = 0
	if !s.free && !w.ctl && w.hn == 0 {
		s.need = w.left
	}
}

// check refuses a frame header that breaks RFC 6455 or makes its message
// bigger than the read limit allows; w is the stream before it.
func (s *stream) check(w *frames, h frameHeader) *frameFault {
	switch {
	case h.masked:
		return &frameFault{what: "a masked frame"}
	case h.rsv2 || h.rsv3:
		return &frameFault{what: "a frame with reserved bits set"}
	case h.length < 0:
		return &frameFault{what: "a frame longer than 2^63-1 bytes"}
	case h.long:
		return &frameFault{what: "a frame length not in its shortest form"}
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
	if s.overBudget(&next) {
		return &frameFault{what: "a message with too many frames"}
	}
	return nil
}

// overBudget reports whether what w's message holds besides its payload
// (frame headers, and control frames that could not be taken out) is
// over what the read limit allows: a message of tiny frames, or with
// pings between them, must not hold more memory than the limit says.
func (s *stream) overBudget(w *frames) bool {
	limit := s.limit.Load()
	return limit >= 0 && w.extra > min(limit, math.MaxInt64/2)/16+4096
}

// checkControl checks a whole control frame: a close frame's code and
// reason.
func checkControl(frame []byte) string {
	p := frame[headerLen(frame[1]):]
	if frame[0]&0xf != 0x8 || len(p) == 0 {
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

// begin starts an op, unless the connection is closing. The idle reader
// does not start while a reader waits for the token.
func (s *stream) begin(op streamOp) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closing || op == opIdle && s.waiters > 0 {
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

// again forgets a cut that was meant for an earlier op (ctx, the op's
// own, has not ended), and reports whether the op goes on: not if the
// connection is closing. A cut for ctx or for closing that comes
// meanwhile is kept, as both take mu.
func (s *stream) again(ctx context.Context) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closing {
		return false
	}
	if ctx.Err() == nil {
		s.cut.Store(false)
		s.clearDeadline()
	}
	return true
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

// closeCut cuts whatever op is on, and lets no other begin: the
// connection is closing.
func (s *stream) closeCut() {
	s.mu.Lock()
	s.closing = true
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
	extra    int64 // the open message's frame headers so far
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
	long                          bool  // the length is not in its shortest form
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
		h.long = h.length < 126
	case 127:
		u := binary.BigEndian.Uint64(f.hdr[2:])
		h.long = u < 1<<16
		if u > math.MaxInt64 {
			h.length = -1
		} else {
			h.length = int64(u)
		}
	}
	return h, true
}

// start begins the frame whose header h was just read, and counts a data
// frame towards its message.
func (f *frames) start(h frameHeader) {
	n := headerLen(f.hdr[1])
	f.hn = 0
	f.left = max(h.length, 0)
	f.ctl = h.op&0x8 != 0
	if f.ctl {
		return
	}
	if h.op != 0 { // a message begins
		f.size, f.deflated, f.extra = 0, h.rsv1, 0
	}
	if f.size > math.MaxInt64-f.left {
		f.size = math.MaxInt64
	} else {
		f.size += f.left
	}
	f.extra += int64(n)
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
