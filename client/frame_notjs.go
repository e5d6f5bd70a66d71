//go:build !js

package client

import (
	"encoding/binary"
	"math"
	"strconv"
	"unicode/utf8"

	"github.com/duplex-go/duplex/internal/wsspec"
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
