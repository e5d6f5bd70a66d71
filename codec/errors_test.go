package codec_test

import (
	"context"
	"errors"
	"net"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/duplex-go/duplex/client"
	"github.com/duplex-go/duplex/codec"
)

// TestErrorMessages pins the messages package codec builds without fmt
// (its browser build leaves fmt out): they read as fmt made them before.
func TestErrorMessages(t *testing.T) {
	t.Parallel()
	cause := errors.New("bad")
	for _, tt := range []struct {
		err  error
		want string
	}{
		{&codec.DecodeError{Type: client.MessageText, Data: []byte("abc"), Err: cause},
			"codec: text message (3 bytes) did not decode: bad"},
		{&codec.DecodeError{Type: client.MessageBinary, Kind: "a\"b", Err: cause},
			`codec: binary message of kind "a\"b" (0 bytes) did not decode: bad`},
		{&codec.DecodeError{Type: 7}, "codec: MessageType(7) message (0 bytes) did not decode: <nil>"},
		{codec.Limits{MaxSize: 2}.CheckSize("json", []byte("abc")),
			"codec: json: 3 bytes, limit 2: codec: message over the size limit"},
	} {
		assert.EqualError(t, tt.err, tt.want)
	}
}

// TestPipeClosedErrors: a closed Pipe's errors have net.ErrClosed in their
// chain on both platforms (the browser build matches it by its message).
func TestPipeClosedErrors(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	a, b := codec.Pipe()
	require.NoError(t, a.Close())
	err := a.Close()
	require.ErrorIs(t, err, net.ErrClosed, "Close twice")
	assert.EqualError(t, err, "codec: pipe: close: use of closed network connection")
	require.ErrorIs(t, a.Write(ctx, client.MessageText, []byte("x")), net.ErrClosed, "Write after Close")
	_, _, err = a.Read(ctx)
	require.ErrorIs(t, err, net.ErrClosed, "Read after Close")
	_, _, err = b.Read(ctx)
	require.ErrorIs(t, err, net.ErrClosed, "the other end")
	assert.Equal(t, client.StatusNormalClosure, client.CloseStatus(err))
	assert.EqualError(t, b.Write(ctx, 9, nil), "codec: pipe: write: MessageType(9) is not a message type")
}
