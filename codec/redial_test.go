package codec_test

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/duplex-go/duplex/codec"
	"github.com/duplex-go/duplex/internal/wstest"
	"github.com/duplex-go/duplex/reconnect"
)

// TestCallRedial: over a reconnect.Conn, a call whose connection is lost
// before its reply is sent again if it is idempotent, and fails with
// ErrConnLost if not; the Router goes on either way.
func TestCallRedial(t *testing.T) {
	t.Parallel()
	for _, idempotent := range []bool{true, false} {
		name := "not idempotent"
		if idempotent {
			name = "idempotent"
		}
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			ctx := ctxFor(t, 20*time.Second)
			id := wstest.ID(t)
			rc, err := reconnect.Dial(ctx, wstest.URL(t, "/echo?id="+id), &reconnect.Options{Backoff: reconnect.Constant(10 * time.Millisecond)})
			require.NoError(t, err)
			t.Cleanup(func() { _ = rc.CloseNow() })

			// The harness echoes the call back, and the Router answers
			// it itself; the first time, the connection is cut before the
			// answer goes out.
			var runs atomic.Int32
			kick, kicked := make(chan struct{}), make(chan struct{})
			p := newPeer(t, rc, nil, func(r *codec.Router) {
				codec.HandleCall(r, "add", func(_ context.Context, a Add) (Sum, error) {
					if runs.Add(1) == 1 {
						kick <- struct{}{}
						<-kicked
					}
					return Sum{a.A + a.B}, nil
				})
			})
			var opts []codec.CallOption
			if idempotent {
				opts = append(opts, codec.Idempotent())
			}
			type answer struct {
				sum Sum
				err error
			}
			answers := make(chan answer, 1)
			go func() {
				sum, err := codec.Call[Add, Sum](ctx, p.Router, "add", Add{A: 1, B: 2}, opts...)
				answers <- answer{sum, err}
			}()
			<-kick
			require.Equal(t, 1, wstest.Kick(t, id, 0, ""))
			close(kicked)

			a := <-answers
			if idempotent {
				require.NoError(t, a.err)
				assert.Equal(t, Sum{3}, a.sum)
				require.Eventually(t, func() bool { return runs.Load() == 2 }, 10*time.Second, 5*time.Millisecond,
					"the call was sent again and handled again")
			} else {
				require.ErrorIs(t, a.err, codec.ErrConnLost)
				assert.Contains(t, a.err.Error(), "only idempotent calls are sent again")
				assert.Equal(t, int32(1), runs.Load())
			}
			// The Router goes on over the new connection.
			sum, err := codec.Call[Add, Sum](ctx, p.Router, "add", Add{A: 20, B: 22})
			require.NoError(t, err)
			assert.Equal(t, Sum{42}, sum)
			assert.Equal(t, int64(2), wstest.Stats(t, id).Handshakes)
		})
	}
}
