//go:build !js

package client

import (
	"bytes"
	"encoding/binary"
	"testing"
)

// frame encodes one server frame: fin, opcode, payload of n bytes.
func frame(fin bool, op byte, n int) []byte {
	b0 := op
	if fin {
		b0 |= 0x80
	}
	var h []byte
	switch {
	case n < 126:
		h = []byte{b0, byte(n)}
	case n < 1<<16:
		h = binary.BigEndian.AppendUint16([]byte{b0, 126}, uint16(n))
	default:
		h = binary.BigEndian.AppendUint64([]byte{b0, 127}, uint64(n))
	}
	return append(h, bytes.Repeat([]byte{0xab}, n)...)
}

// FuzzFrameFeed feeds a stream of frames, cut into pieces, as an op
// does: what is handed over always ends where coder/websocket may stop
// (between messages, or once a data frame's header is whole), nothing is
// lost, and what is held fits.
func FuzzFrameFeed(f *testing.F) {
	var s []byte
	s = append(s, frame(true, 0x9, 4)...)     // ping
	s = append(s, frame(true, 0x2, 300)...)   // binary, 16-bit length
	s = append(s, frame(false, 0x1, 3)...)    // text, fragmented
	s = append(s, frame(true, 0xA, 0)...)     // pong inside it
	s = append(s, frame(true, 0x0, 2)...)     // last continuation
	s = append(s, frame(true, 0x8, 2)...)     // close
	s = append(s, frame(true, 0x2, 70000)...) // 64-bit length
	f.Add(s, []byte{1, 3, 7, 200, 13})
	f.Add(frame(true, 0x9, 125), []byte{1, 1, 1, 1})
	f.Add([]byte{0x89, 0xfe, 0, 200}, []byte{2})                    // control frame too big
	f.Add([]byte{0x82, 0x7f, 0xff, 0, 0, 0, 0, 0, 0, 1}, []byte{3}) // negative length
	f.Fuzz(func(t *testing.T, stream, cuts []byte) {
		var fr frames
		var got, held []byte
		rest := stream
		for i := 0; len(rest) > 0; i++ {
			k := len(rest)
			if i < len(cuts) {
				k = min(k, int(cuts[i])+1)
			}
			in := append(append([]byte(nil), held...), rest[:k]...)
			rest = rest[k:]
			atBoundary := fr.boundary()
			d := fr.feed(in)
			got = append(got, in[:d]...)
			held = in[d:]
			if d < len(in) {
				if !atBoundary {
					t.Fatalf("held back %d bytes away from a boundary", len(in)-d)
				}
				if !fr.boundary() {
					t.Fatalf("handed over %d bytes ending inside a frame", d)
				}
				if len(held) > maxFrameHold {
					t.Fatalf("held %d bytes", len(held))
				}
			}
		}
		if !bytes.Equal(append(got, held...), stream) {
			t.Fatal("bytes lost or changed")
		}
		// Walking the same bytes in one piece ends in the same state.
		var w frames
		w.walk(got)
		if w != fr {
			t.Fatalf("feed state %+v, walk state %+v", fr, w)
		}
	})
}

func TestFrameFeedHolds(t *testing.T) {
	ping := frame(true, 0x9, 4)
	msg := frame(true, 0x2, 300)
	for _, tt := range []struct {
		name string
		in   []byte
		want int
	}{
		{"a control frame cut", ping[:3], 0},
		{"a header byte", msg[:1], 0},
		{"a whole ping, then a cut header", append(append([]byte{}, ping...), msg[:3]...), len(ping)},
		{"a whole data header", msg[:4], 4},
		{"a data header and payload", msg, len(msg)},
	} {
		var f frames
		if got := f.feed(tt.in); got != tt.want {
			t.Errorf("%s: feed handed over %d bytes; want %d", tt.name, got, tt.want)
		}
	}
}
