//go:build !js

package client

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"strings"
	"sync/atomic"
	"testing"
)

// frame encodes one server frame: fin, opcode, payload of n bytes.
func frame(fin bool, op byte, n int) []byte {
	b0 := op
	if fin {
		b0 |= 0x80
	}
	return append(frameHead(b0, uint64(n)), bytes.Repeat([]byte{0xab}, n)...)
}

// frameHead encodes a frame header with first byte b0 announcing n bytes.
func frameHead(b0 byte, n uint64) []byte {
	switch {
	case n < 126:
		return []byte{b0, byte(n)}
	case n < 1<<16:
		return binary.BigEndian.AppendUint16([]byte{b0, 126}, uint16(n))
	}
	return binary.BigEndian.AppendUint64([]byte{b0, 127}, n)
}

// errPause is the network having nothing more for now.
var errPause = errors.New("pause")

// pieces is a network that delivers data in pieces (cut by cuts), each
// followed by a pause.
type pieces struct {
	data  []byte
	cuts  []byte
	i     int
	pause bool
}

func (p *pieces) Read(b []byte) (int, error) {
	if p.pause {
		p.pause = false
		return 0, errPause
	}
	if len(p.data) == 0 {
		return 0, io.EOF
	}
	k := len(p.data)
	if p.i < len(p.cuts) {
		k = min(k, int(p.cuts[p.i])+1)
	}
	p.i++
	k = copy(b, p.data[:k])
	p.data = p.data[k:]
	p.pause = true
	return k, nil
}

func (p *pieces) Write(b []byte) (int, error) { return len(b), nil }
func (p *pieces) Close() error                { return nil }

func testStream(data, cuts []byte, op streamOp, limit int64) *stream {
	s := &stream{rwc: &pieces{data: data, cuts: cuts}, limit: new(atomic.Int64)}
	s.adopted.Store(true)
	s.limit.Store(limit)
	s.op.Store(int32(op))
	return s
}

// drain reads s to its end as coder/websocket would, in reads of the
// sizes in sizes, each under the op that ops picks (once the last message
// is handed over whole; inside one, as a Reader's body, opNone), and
// checks at every pause that the stream waits where a cut can land and
// holds no more than the read limit allows. It returns what was handed
// over and the error that ended it.
func drain(t *testing.T, s *stream, sizes, ops []byte) ([]byte, error) {
	var got []byte
	for i := 0; ; i++ {
		n := 4096
		if len(sizes) > 0 {
			n = int(sizes[i%len(sizes)])*37 + 1
		}
		if len(ops) > 0 {
			op := streamOp(ops[i%len(ops)] % 4)
			if !s.f.boundary() {
				op = opNone
			}
			s.op.Store(int32(op))
		}
		p := make([]byte, n)
		k, err := s.Read(p)
		got = append(got, p[:k]...)
		if errors.Is(err, errPause) {
			if s.mode.whole() && !s.f.boundary() {
				t.Fatalf("a whole-message op waits for the network inside a message (%d bytes handed over)", len(got))
			}
			if !s.f.open && (s.f.hn > 0 || s.f.ctl && s.f.left > 0) {
				t.Fatalf("an op waits for the network inside a header or a control frame (%d bytes handed over)", len(got))
			}
			if limit := s.limit.Load(); limit >= 0 && int64(len(s.buf)) > limit+limit/16+4096+14 {
				t.Fatalf("%d bytes held, with a read limit of %d", len(s.buf), limit)
			}
			s.rerr = nil
			continue
		}
		if err != nil {
			return got, err
		}
	}
}

// splitFrames cuts b into frames; rest is a last frame not whole.
func splitFrames(b []byte) (fr [][]byte, rest []byte) {
	for len(b) >= 2 {
		n := headerLen(b[1])
		if len(b) < n {
			break
		}
		var f frames
		f.walk(b[:n])
		if f.left > int64(len(b)-n) {
			break
		}
		fr = append(fr, b[:n+int(f.left)])
		b = b[n+int(f.left):]
	}
	return fr, b
}

// reordered checks that out is in, but for control frames moved ahead of
// the data frames of the message they came inside: data frames keep their
// order, control frames theirs, and no control frame comes later.
func reordered(t *testing.T, in, out []byte) {
	t.Helper()
	fin, rest := splitFrames(in)
	if len(rest) > 0 {
		fin = append(fin, rest)
	}
	fout, rest := splitFrames(out)
	if len(rest) > 0 {
		fout = append(fout, rest)
	}
	split := func(fr [][]byte) (data, ctl [][]byte, before []int) {
		for _, f := range fr {
			if f[0]&0x8 != 0 && len(f) >= 2 {
				ctl = append(ctl, f)
				before = append(before, len(data))
			} else {
				data = append(data, f)
			}
		}
		return
	}
	din, cin, bin := split(fin)
	dout, cout, bout := split(fout)
	if !bytes.Equal(bytes.Join(din, nil), bytes.Join(dout, nil)) || !bytes.Equal(bytes.Join(cin, nil), bytes.Join(cout, nil)) {
		t.Fatal("bytes lost or changed")
	}
	for i := range cout {
		if bout[i] > bin[i] {
			t.Fatalf("control frame %d handed over after %d data frames; it came after %d", i, bout[i], bin[i])
		}
	}
}

// FuzzStream reads a stream of frames, delivered in pieces, as
// coder/websocket does, switching ops as Reads and Readers do: nothing is
// lost or changed (control frames inside a message held whole may come
// ahead of it), during a whole-message op the stream only ever waits
// between messages, where a cut can land, and it never holds more than
// the read limit allows. A stream that breaks the protocol ends in a
// fault, with everything before it handed over.
func FuzzStream(f *testing.F) {
	var s []byte
	s = append(s, frame(true, 0x9, 4)...)     // ping
	s = append(s, frame(true, 0x2, 300)...)   // binary, 16-bit length
	s = append(s, frame(false, 0x1, 3)...)    // text, fragmented
	s = append(s, frame(true, 0xA, 0)...)     // pong inside it
	s = append(s, frame(true, 0x0, 2)...)     // last continuation
	s = append(s, frame(true, 0x8, 2)...)     // close
	s = append(s, frame(true, 0x2, 70000)...) // 64-bit length
	f.Add(s, []byte{1, 3, 7, 200, 13}, []byte{1, 100}, []byte{1}, int16(-1))
	f.Add(s, []byte{0, 0, 0, 0}, []byte{0}, []byte{2}, int16(-1))
	f.Add(s, []byte{0, 0, 0, 0}, []byte{0}, []byte{2, 1, 0, 3}, int16(1000))
	f.Add(frame(true, 0x9, 125), []byte{1, 1, 1, 1}, []byte{2}, []byte{1}, int16(-1))
	f.Add([]byte{0x89, 0xfe, 0, 200}, []byte{2}, []byte{3}, []byte{2}, int16(-1))                    // control frame too big
	f.Add([]byte{0x82, 0x7f, 0xff, 0, 0, 0, 0, 0, 0, 1}, []byte{3}, []byte{4}, []byte{1}, int16(-1)) // length over 2^63-1
	f.Fuzz(func(t *testing.T, data, cuts, sizes, ops []byte, limit int16) {
		if len(ops) == 0 {
			ops = []byte{byte(opMessage)}
		}
		st := testStream(data, cuts, opNone, max(int64(limit), -1))
		got, err := drain(t, st, sizes, ops)
		if _, ok := errors.AsType[*frameFault](err); ok {
			return
		}
		if err != io.EOF {
			t.Fatalf("ended with %v", err)
		}
		// Everything that arrived of a message not yet whole is held;
		// the rest was handed over.
		reordered(t, data, append(append(got, st.ctl...), st.buf...))
		var w frames
		w.walk(got)
		if w != st.f {
			t.Fatalf("stream state %+v; walking what it handed over gives %+v", st.f, w)
		}
	})
}

// TestStreamHolds: what an op hands over of what has arrived so far.
func TestStreamHolds(t *testing.T) {
	ping := frame(true, 0x9, 4)
	msg := frame(true, 0x2, 300)
	first, last := frame(false, 0x2, 10), frame(true, 0x0, 10)
	cat := func(bs ...[]byte) []byte { return bytes.Join(bs, nil) }
	for _, tt := range []struct {
		name          string
		in            []byte
		header, whole int // handed over by a Reader's op and by a Read's
	}{
		{"a control frame cut", ping[:3], 0, 0},
		{"a header byte", msg[:1], 0, 0},
		{"a whole ping, then a cut header", cat(ping, msg[:3]), len(ping), len(ping)},
		{"a whole data header", msg[:4], 4, 0},
		{"a data header and some payload", msg[:100], 100, 0},
		{"a whole message", msg, len(msg), len(msg)},
		{"a fragmented message begun, a ping inside", cat(ping, first, ping), len(ping) + len(first) + len(ping), len(ping) + len(ping)},
		{"a fragmented message, whole", cat(first, ping, last, ping[:2]), len(first) + len(ping) + len(last), len(first) + len(ping) + len(last)},
	} {
		for _, op := range []streamOp{opHeader, opMessage} {
			s := testStream(tt.in, []byte{255, 255, 255}, op, -1)
			got, err := drain(t, s, []byte{255}, nil)
			want := tt.header
			if op == opMessage {
				want = tt.whole
			}
			if err != io.EOF || len(got) != want {
				t.Errorf("%s, op %d: handed over %d bytes (%v); want %d", tt.name, op, len(got), err, want)
			}
		}
	}
}

// TestStreamFaults: a frame that breaks RFC 6455, or a message announced
// over the read limit, is refused as soon as its header has arrived,
// with nothing of it handed over.
func TestStreamFaults(t *testing.T) {
	ok := frame(true, 0x1, 5)
	closeFrame := func(p ...byte) []byte { return append([]byte{0x88, byte(len(p))}, p...) }
	for _, tt := range []struct {
		name    string
		in      []byte
		limit   int64
		want    string // in the fault
		handed  int    // bytes handed over before it
		deflate bool
	}{
		{"masked", []byte{0x82, 0x85, 1, 2, 3, 4}, -1, "masked", 0, false},
		{"rsv2", []byte{0xa2, 0}, -1, "reserved bits", 0, false},
		{"rsv1 without deflate", []byte{0xc2, 0}, -1, "without permessage-deflate", 0, false},
		{"rsv1 with deflate", []byte{0xc2, 0}, -1, "", 2, true},
		{"rsv1 on a continuation", cat(frame(false, 0x2, 1), []byte{0xc0, 0}), -1, "continuation frame with RSV1", 0, true},
		{"reserved opcode", cat(ok, []byte{0x83, 0}), -1, "reserved opcode 3", len(ok), false},
		{"reserved control opcode", []byte{0x8b, 0}, -1, "reserved opcode 11", 0, false},
		{"fragmented control", []byte{0x09, 0}, -1, "fragmented control", 0, false},
		{"control over 125", frameHead(0x89, 126), -1, "over 125", 0, false},
		{"continuation first", frame(true, 0x0, 1), -1, "no message begun", 0, false},
		{"new message inside one", cat(frame(false, 0x1, 1), frame(true, 0x1, 1)), -1, "before the last one ended", 0, false},
		{"length over 2^63-1", []byte{0x82, 127, 0x80, 0, 0, 0, 0, 0, 0, 0}, -1, "longer than", 0, false},
		{"16-bit length under 126", []byte{0x82, 126, 0, 5, 1, 2, 3, 4, 5}, -1, "shortest form", 0, false},
		{"64-bit length under 65536", []byte{0x82, 127, 0, 0, 0, 0, 0, 0, 0, 5, 1, 2, 3, 4, 5}, -1, "shortest form", 0, false},
		{"close 1005", closeFrame(0x03, 0xed), -1, "close code 1005", 0, false},
		{"close 999", closeFrame(0x03, 0xe7), -1, "close code 999", 0, false},
		{"close 1-byte", closeFrame(0x03), -1, "1-byte", 0, false},
		{"close reason not UTF-8", closeFrame(0x03, 0xe8, 0xff), -1, "not UTF-8", 0, false},
		{"close fine", closeFrame(0x03, 0xe8, 'o', 'k'), -1, "", 6, false},
		{"over the limit, announced", frameHead(0x82, 1<<40), 1000, "over the read limit", 0, false},
		{"over the limit, in fragments", cat(ok, frame(false, 0x2, 600), frameHead(0x00, 600)), 1000, "over the read limit", len(ok), false},
		{"at the limit", frame(true, 0x2, 1000), 1000, "", 1004, false},
		{"compressed, within the slack", frameHead(0xc2, 1010), 1000, "", 0, true},
		{"compressed, past the slack", frameHead(0xc2, 3000), 1000, "over the read limit", 0, true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			s := testStream(tt.in, nil, opMessage, tt.limit)
			s.deflate = tt.deflate
			got, err := drain(t, s, nil, nil)
			f, isFault := errors.AsType[*frameFault](err)
			if tt.want == "" {
				if isFault {
					t.Fatalf("refused: %v", err)
				}
			} else if !isFault || !strings.Contains(f.Error(), tt.want) {
				t.Fatalf("ended with %v; want a fault saying %q", err, tt.want)
			}
			if len(got) != tt.handed {
				t.Errorf("handed over %d bytes; want %d", len(got), tt.handed)
			}
		})
	}
}

func cat(bs ...[]byte) []byte { return bytes.Join(bs, nil) }
