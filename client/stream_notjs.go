//go:build !js

package client

import (
	"errors"
	"io"
	"net"
	"os"
	"sync"
	"sync/atomic"
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

// directMin is the smallest read that goes straight into the caller's
// buffer when nothing is held.
const directMin = 512

// keepBuf is the largest buf kept once it is empty: a buffer grown for a
// large message is given back.
const keepBuf = 64 << 10

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

func (s *stream) Write(p []byte) (int, error) { return s.rwc.Write(p) }
func (s *stream) Close() error                { return s.rwc.Close() }
