package errs_test

import (
	"context"
	"errors"
	"net"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/duplex-go/duplex/internal/errs"
)

func TestWrap(t *testing.T) {
	err := errs.Wrap("client: read", context.Canceled)
	assert.EqualError(t, err, "client: read: context canceled")
	assert.ErrorIs(t, err, context.Canceled)
	assert.Equal(t, context.Canceled, errors.Unwrap(err))
}

func TestMsg(t *testing.T) {
	err := errs.Msg("client: gone", context.Canceled)
	assert.EqualError(t, err, "client: gone")
	assert.ErrorIs(t, err, context.Canceled)
}

func TestJoin(t *testing.T) {
	lost := errors.New("lost")
	err := errs.Join("lost: context canceled", lost, context.Canceled)
	assert.EqualError(t, err, "lost: context canceled")
	assert.ErrorIs(t, err, lost)
	assert.ErrorIs(t, err, context.Canceled)
	assert.Nil(t, errors.Unwrap(err), "like fmt.Errorf with two %w")
}

// TestErrClosed: on both platforms a closed connection's error matches
// net.ErrClosed, though the browser build never imports net.
func TestErrClosed(t *testing.T) {
	err := errs.Wrap("client: write", errs.ErrClosed)
	assert.ErrorIs(t, err, net.ErrClosed)
	assert.EqualError(t, err, "client: write: use of closed network connection")
	assert.True(t, errs.IsNetErrClosed(net.ErrClosed))
	assert.False(t, errs.IsNetErrClosed(nil))
	assert.False(t, errs.IsNetErrClosed(context.Canceled))
}
