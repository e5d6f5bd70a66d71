package wstest_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/duplex-go/duplex/internal/leakcheck"
	"github.com/duplex-go/duplex/internal/wstest"
)

func TestMain(m *testing.M) {
	leakcheck.Main(m)
}

// This file has no build tag: it runs natively against an in-process
// harness and in Chrome, through the browser's WebSocket, against the one
// that `wsharness run` started.

func TestHarnessEcho(t *testing.T) {
	id := wstest.ID(t)
	c := dial(t, wstest.URL(t, "/echo?id="+id))
	for _, tt := range []struct {
		name   string
		binary bool
		p      []byte
	}{
		{"text", false, []byte("hello, duplex")},
		{"binary", true, []byte{0, 1, 2, 0xfe, 0xff}},
	} {
		require.NoError(t, c.write(tt.binary, tt.p), tt.name)
		binary, p, err := c.read()
		require.NoError(t, err, tt.name)
		assert.Equal(t, tt.binary, binary, "%s: message type", tt.name)
		assert.Equal(t, tt.p, p, "%s: echoed payload", tt.name)
	}

	s := wstest.Stats(t, id)
	assert.Equal(t, int64(1), s.Handshakes, "handshakes")
	assert.Equal(t, int64(2), s.MessagesReceived, "messages the harness received")
	assert.Equal(t, int64(18), s.BytesSent, "bytes the harness sent")
}

func TestHarnessClose(t *testing.T) {
	c := dial(t, wstest.URL(t, "/close?code=4001&reason=bye"))
	_, _, err := c.read()
	var ce closeError
	require.ErrorAs(t, err, &ce)
	assert.Equal(t, 4001, ce.code, "close code")
	assert.Equal(t, "bye", ce.reason, "close reason")
}

func TestHarnessKick(t *testing.T) {
	id := wstest.ID(t)
	c := dial(t, wstest.URL(t, "/echo?id="+id))
	require.Equal(t, 1, wstest.Kick(t, id, 4002, "kicked"), "connections kicked")
	_, _, err := c.read()
	var ce closeError
	require.ErrorAs(t, err, &ce)
	assert.Equal(t, 4002, ce.code, "close code")
	assert.Equal(t, 0, wstest.Kick(t, id, 0, ""), "nothing left to kick")
}

func TestID(t *testing.T) {
	a, b := wstest.ID(t), wstest.ID(t)
	assert.NotEqual(t, a, b, "two IDs")
	assert.Contains(t, a, "TestID-")
}

// closeError is a close frame as either platform's helper reports it.
type closeError struct {
	code   int
	reason string
}

func (e closeError) Error() string { return "closed" }
