//go:build !js

package harness

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
)

// The hostile scenarios speak the WebSocket framing of RFC 6455, section
// 5.2, by hand: coder/websocket will not write an invalid frame, nor stop
// in the middle of one.

// Frame header bits and opcodes.
const (
	finBit  = 0x80
	rsv1    = 0x40
	rsv2    = 0x20
	rsv3    = 0x10
	maskBit = 0x80

	opContinuation = 0x0
	opText         = 0x1
	opBinary       = 0x2
	opClose        = 0x8
	opPing         = 0x9

	maxControlPayload = 125
)

// header is one frame header.
type header struct {
	fin    bool
	rsv    byte // the RSV bits in place (rsv1|rsv2|rsv3)
	op     byte
	masked bool
	key    [4]byte
	length uint64 // the payload length the header announces
}

// appendHeader appends h in its wire form, the length in the shortest of
// the three forms that holds it.
func appendHeader(b []byte, h header) []byte {
	b0 := h.rsv&(rsv1|rsv2|rsv3) | h.op&0x0f
	if h.fin {
		b0 |= finBit
	}
	var b1 byte
	if h.masked {
		b1 = maskBit
	}
	switch {
	case h.length <= maxControlPayload:
		b = append(b, b0, b1|byte(h.length))
	case h.length <= math.MaxUint16:
		b = append(b, b0, b1|126)
		b = binary.BigEndian.AppendUint16(b, uint16(h.length))
	default:
		b = append(b, b0, b1|127)
		b = binary.BigEndian.AppendUint64(b, h.length)
	}
	if h.masked {
		b = append(b, h.key[:]...)
	}
	return b
}

// appendFrame appends a whole frame: h announcing len(p) bytes, then p,
// masked with h.key if h.masked.
func appendFrame(b []byte, h header, p []byte) []byte {
	h.length = uint64(len(p))
	b = appendHeader(b, h)
	n := len(b)
	b = append(b, p...)
	if h.masked {
		mask(b[n:], h.key)
	}
	return b
}

// closePayload is the payload of a close frame with code and reason.
func closePayload(code int, reason string) []byte {
	return append(binary.BigEndian.AppendUint16(nil, uint16(code)), reason...)
}

func mask(p []byte, key [4]byte) {
	for i := range p {
		p[i] ^= key[i%4]
	}
}

// errFrame reports a frame header that breaks RFC 6455.
var errFrame = errors.New("harness: invalid frame header")

// readHeader reads a frame header. It fails on a header whose 64-bit
// length has its top bit set, or a control frame that is fragmented or
// longer than 125 bytes, since no payload can then be read safely.
func readHeader(r *bufio.Reader) (header, error) {
	var h header
	var b [8]byte
	if _, err := io.ReadFull(r, b[:2]); err != nil {
		return h, err
	}
	h.fin = b[0]&finBit != 0
	h.rsv = b[0] & (rsv1 | rsv2 | rsv3)
	h.op = b[0] & 0x0f
	h.masked = b[1]&maskBit != 0
	switch n := b[1] &^ maskBit; n {
	case 126:
		if _, err := io.ReadFull(r, b[:2]); err != nil {
			return h, err
		}
		h.length = uint64(binary.BigEndian.Uint16(b[:2]))
	case 127:
		if _, err := io.ReadFull(r, b[:8]); err != nil {
			return h, err
		}
		h.length = binary.BigEndian.Uint64(b[:8])
		if h.length > math.MaxInt64 {
			return h, fmt.Errorf("%w: 64-bit length with its top bit set", errFrame)
		}
	default:
		h.length = uint64(n)
	}
	if h.op&0x8 != 0 && (!h.fin || h.length > maxControlPayload) {
		return h, fmt.Errorf("%w: control frame of %d bytes, fin %v", errFrame, h.length, h.fin)
	}
	if h.masked {
		if _, err := io.ReadFull(r, h.key[:]); err != nil {
			return h, err
		}
	}
	return h, nil
}
