//go:build !js

package client_test

import (
	"context"
	"encoding/base64"
	"errors"
	"net"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/duplex-go/duplex/client"
	"github.com/duplex-go/duplex/internal/wstest"
)

// What the native client does where browsers differ (see
// docs/platforms.md, "Hostile peers").
const (
	// announcedSizeSeen: a frame's header, before its payload, tells the
	// client a message is over the read limit.
	announcedSizeSeen = true
	// closeBeforeLateData: data after the server's close frame is not
	// read; the close frame is what Read reports.
	closeBeforeLateData = true
	// serverSeesProtocolError: the server gets 1002 when it breaks the
	// protocol.
	serverSeesProtocolError = true
	// closeTimeoutIsError: Close whose handshake times out returns the
	// ctx's error.
	closeTimeoutIsError = true
	// closeNowCutsTCP: CloseNow, and a connection given up, close TCP at
	// once.
	closeNowCutsTCP = true
	// messagesBeforeFaultKept: the messages that came before a bad frame
	// are read before the error.
	messagesBeforeFaultKept = true
	// closeCode999Refused: a close frame with code 999 (a range RFC 6455
	// never uses) fails the connection.
	closeCode999Refused = true
)

// TestHostileTooBigNotDownloaded: a message over the read limit is
// refused when its header arrives, not after downloading it.
func TestHostileTooBigNotDownloaded(t *testing.T) {
	t.Parallel()
	const size = 16 << 20
	c := dial(t, "/stall?size=16777216&send=16777216", &client.Options{ReadLimit: 1 << 10})
	err := readErr(t, c, hang/2)
	require.ErrorIs(t, err, client.ErrMessageTooBig)
	require.Less(t, client.Received(c), int64(1<<20), "bytes read of a %d-byte message over the limit", size)
}

// FuzzHostilePeer: whatever bytes follow a valid handshake, Read never
// panics and returns within its ctx, and CloseNow returns.
func FuzzHostilePeer(f *testing.F) {
	for _, seed := range [][]byte{
		{0x81, 2, 'h', 'i'},
		{0x82, 0x7f, 0, 0, 1, 0, 0, 0, 0, 0},
		{0x01, 1, 'a', 0x89, 0, 0x80, 1, 'b'},
		{0x88, 2, 0x03, 0xe8, 0x81, 1, 'x'},
		{0x81, 0x85, 1, 2, 3, 4, 'h', 'e', 'l', 'l', 'o'},
		{0xc1, 1, 'x'},
	} {
		f.Add(seed)
	}
	base := wstest.URL(f, "/raw")
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) > 32<<10 {
			return
		}
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		c, err := client.Dial(ctx, base+"?hold=5s&b64="+base64.RawURLEncoding.EncodeToString(data), &client.Options{ReadLimit: 1 << 12})
		if err != nil {
			t.Fatalf("dial: %v", err)
		}
		defer c.CloseNow()
		for range 64 {
			rctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
			start := time.Now()
			_, _, err := c.Read(rctx)
			cancel()
			if d := time.Since(start); d > 3*time.Second {
				t.Fatalf("Read returned after %v", d)
			}
			if errors.Is(err, context.DeadlineExceeded) {
				return
			}
			if err != nil {
				if !errors.Is(err, net.ErrClosed) {
					t.Fatalf("Read: %v, without net.ErrClosed", err)
				}
				return
			}
		}
	})
}
