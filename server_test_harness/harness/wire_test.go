//go:build !js

package harness

import (
	"bufio"
	"bytes"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestHeaderRoundTrip(t *testing.T) {
	t.Parallel()
	for _, h := range []header{
		{fin: true, op: opText},
		{fin: true, op: opBinary, length: 125},
		{op: opText, length: 126},
		{fin: true, op: opContinuation, length: 65535},
		{fin: true, op: opBinary, length: 65536},
		{fin: true, rsv: rsv1 | rsv3, op: 0x3, length: maxFrameLength},
		{fin: true, op: opClose, masked: true, key: [4]byte{9, 8, 7, 6}, length: 2},
	} {
		wire := appendHeader(nil, h)
		got, err := readHeader(bufio.NewReader(bytes.NewReader(wire)))
		require.NoError(t, err, "%+v", h)
		assert.Equal(t, h, got, "header read back from %#x", wire)
	}
}

func TestReadHeaderRefuses(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name string
		wire []byte
	}{
		{"64-bit length with its top bit set", []byte{0x82, 0xff, 0x80, 0, 0, 0, 0, 0, 0, 0}},
		{"fragmented ping", []byte{0x09, 0x80}},
		{"close of 126 bytes", []byte{0x88, 0xfe, 0, 126}},
	} {
		_, err := readHeader(bufio.NewReader(bytes.NewReader(tt.wire)))
		assert.ErrorIs(t, err, errFrame, tt.name)
	}
}

// FuzzReadClient feeds what a client might send to the reader of the
// hostile scenarios: it must neither panic nor loop, and notes the first
// close frame only (a second one once closed a closed channel).
func FuzzReadClient(f *testing.F) {
	key := [4]byte{1, 2, 3, 4}
	f.Add(appendFrame(nil, header{fin: true, op: opText, masked: true, key: key}, []byte("hello")))
	f.Add(appendFrame(appendFrame(nil,
		header{fin: true, op: opPing, masked: true, key: key}, []byte("p")),
		header{fin: true, op: opClose, masked: true, key: key}, closePayload(4000, "bye")))
	f.Add(appendFrame(nil, header{fin: true, op: opClose}, []byte{3}))
	f.Add(appendHeader(nil, header{fin: true, op: opBinary, length: maxFrameLength}))
	f.Add([]byte{0x88, 0xfe, 0, 126})
	f.Add([]byte{0x88, 0x82, 0, 0, 0, 0, 0, 0, 0x88, 0x80, 0, 0, 0, 0}) // two close frames, the first with code 0
	f.Fuzz(func(t *testing.T, data []byte) {
		h := New(nil)
		defer h.Close()
		c := &conn{
			h: h, st: &ConnStats{}, raw: true, clientClosed: make(chan struct{}),
			br: bufio.NewReader(bytes.NewReader(data)),
		}
		c.readClient()
		select {
		case <-c.clientClosed:
		default:
			assert.Zero(t, c.st.ClientCloseCode, "a close code with no signal")
			assert.Empty(t, c.st.ClientCloseReason, "a close reason with no signal")
		}
	})
}
