//go:build js && wasm

package wasm_test

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/duplex-go/duplex/wasm"
)

// TestLimitErrorNamesLimit: a limit's error names the limit the message
// broke, also once SetReadLimit has changed the limits. Before, it named
// the limits of the moment it was made (1048576 here).
func TestLimitErrorNamesLimit(t *testing.T) {
	forEach(t, func(t *testing.T, be backend) {
		ctx := ctxFor(t, 10*time.Second)
		c := be.dial(t, "/echo", func(o *wasm.Options) { o.ReadLimit = 1024 })
		write(t, c, wasm.MessageBinary, pattern(1500, 1))
		_, _, err := c.Read(ctx)
		require.ErrorIs(t, err, wasm.ErrMessageTooBig, "Read")
		c.SetReadLimit(1 << 20)
		err = c.Write(ctx, wasm.MessageText, []byte("x"))
		require.ErrorIs(t, err, wasm.ErrMessageTooBig, "Write after SetReadLimit")
		assert.Contains(t, err.Error(), "a message of 1500 bytes is over the read limit of 1024 bytes", "Write after SetReadLimit")

		c = be.dial(t, "/echo", func(o *wasm.Options) { o.ReadLimit, o.ReceiveQueueLimit = 1024, 64<<10 })
		wasm.FailQueueFull(c)
		c.SetReadLimit(1 << 20) // the queue limit follows it
		_, _, err = c.Read(ctx)
		require.ErrorIs(t, err, wasm.ErrReceiveQueueFull, "Read after SetReadLimit")
		assert.Contains(t, err.Error(), "the receive queue limit of 65536 bytes", "Read after SetReadLimit")
	})
}

// TestReadLimitLongText: a text message longer than the read limit in
// characters is refused without counting its UTF-8 (which is at least as
// long, and may be huge), and the error says "at least" that many bytes,
// on every backend. Before, the shim walked the string to count its
// 3,003 bytes, and the fallback reported its 1,001 UTF-16 units as bytes.
func TestReadLimitLongText(t *testing.T) {
	forEach(t, func(t *testing.T, be backend) {
		c := be.dial(t, "/echo", func(o *wasm.Options) { o.ReadLimit = 1000 })
		write(t, c, wasm.MessageText, []byte(strings.Repeat("✓", 1001)))
		_, _, err := c.Read(ctxFor(t, 10*time.Second))
		require.ErrorIs(t, err, wasm.ErrMessageTooBig)
		assert.Contains(t, err.Error(), "a message of at least 1001 bytes is over the read limit of 1000 bytes")
	})
}
