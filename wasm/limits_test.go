//go:build js && wasm

package wasm_test

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"strings"
	"sync"
	"syscall/js"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/duplex-go/duplex/internal/leakcheck"
	"github.com/duplex-go/duplex/internal/wstest"
	"github.com/duplex-go/duplex/jsbridge"
	"github.com/duplex-go/duplex/wasm"
)

// wasmMemory returns the size of this program's WebAssembly linear memory,
// which only grows: it catches the Go instance that wasm_exec.js keeps to
// itself on the way into a callback.
func wasmMemory(t *testing.T) int {
	t.Helper()
	proto := js.Global().Get("Go").Get("prototype")
	resume := proto.Get("_resume")
	catcher := js.Global().Get("Function").New("resume", `
		const caught = {};
		caught.wrap = function () { caught.go = this; return resume.apply(this, arguments); };
		return caught;`).Invoke(resume)
	proto.Set("_resume", catcher.Get("wrap"))
	f := jsbridge.FuncOf(func(js.Value, []js.Value) any { return nil })
	f.Value.Invoke()
	f.Release()
	proto.Set("_resume", resume)
	goInst := catcher.Get("go")
	require.Equal(t, js.TypeObject, goInst.Type(), "the Go instance")
	return goInst.Get("_inst").Get("exports").Get("mem").Get("buffer").Get("byteLength").Int()
}

// TestOrderBigBlobs interleaves thousands of small text and binary messages
// with 1 MiB and 4 MiB ones. Each arrives whole, in the order sent, on
// every backend; with Blob the big ones take longest to read, which is when
// a reader that converts blobs in parallel delivers out of order.
func TestOrderBigBlobs(t *testing.T) {
	forEach(t, func(t *testing.T, be backend) {
		c := be.dial(t, "/echo", func(o *wasm.Options) {
			o.ReadLimit = 5 << 20
			o.ReceiveQueueLimit = 64 << 20
		})
		const n = 3000
		kind := func(i int) (wasm.MessageType, int) {
			switch {
			case i%1000 == 500:
				return wasm.MessageBinary, 4 << 20
			case i%250 == 100:
				return wasm.MessageBinary, 1 << 20
			case i%2 == 0:
				return wasm.MessageText, i % 300
			}
			return wasm.MessageBinary, i % 2000
		}
		payload := func(i int) []byte {
			typ, size := kind(i)
			if typ == wasm.MessageText {
				return []byte(fmt.Sprintf("%08d%s", i, strings.Repeat("é", size/2)))
			}
			p := pattern(size+8, byte(i))
			binary.BigEndian.PutUint64(p, uint64(i))
			return p
		}
		ctx := ctxFor(t, 60*time.Second)
		written := make(chan error, 1)
		go func() {
			for i := range n {
				typ, _ := kind(i)
				var err error
				if typ == wasm.MessageText {
					err = c.Write(ctx, wasm.MessageText, payload(i))
				} else {
					err = c.Write(ctx, wasm.MessageBinary, payload(i))
				}
				if err != nil {
					written <- fmt.Errorf("message %d: %w", i, err)
					return
				}
			}
			written <- nil
		}()
		for i := range n {
			typ, p, err := c.Read(ctx)
			require.NoError(t, err, "message %d", i)
			wantType, _ := kind(i)
			require.Equal(t, wantType, typ, "message %d: type", i)
			want := payload(i)
			require.True(t, bytes.Equal(want, p), "message %d: %d bytes starting %q, want %d starting %q",
				i, len(p), p[:min(8, len(p))], len(want), want[:8])
		}
		require.NoError(t, <-written)
	}, "classic", "classic-blob", "stream", "fallback", "fallback-blob")
}

// TestFloodMemoryBounded: a server that floods a page which does not read
// makes the connection close at the queue limit; the wasm memory grows by
// about the limit, not by what the server would send (256 MiB, more than
// the whole memory of this test binary, so an unbounded queue would show).
func TestFloodMemoryBounded(t *testing.T) {
	forEach(t, func(t *testing.T, be backend) {
		id := wstest.ID(t)
		const limit = 4 << 20
		before := wasmMemory(t)
		c := be.dial(t, "/flood?n=4096&size=65536&id="+id, func(o *wasm.Options) {
			o.ReadLimit = 64 << 10
			o.ReceiveQueueLimit = limit
		})
		require.Eventually(t, func() bool {
			s := wstest.Stats(t, id)
			return len(s.Conns) == 1 && s.Conns[0].ClientCloseCode != 0
		}, 20*time.Second, 20*time.Millisecond, "the page closes the flood")
		s := wstest.Stats(t, id)
		assert.Equal(t, 4008, s.Conns[0].ClientCloseCode, "closed for the queue limit")
		assert.Less(t, s.MessagesSent, int64(4096/4), "the page stopped the flood early")
		assert.LessOrEqual(t, wasm.QueuedBytes(c), int64(limit), "queued bytes within the limit")

		n := 0
		var err error
		for {
			if _, _, err = c.Read(ctxFor(t, 5*time.Second)); err != nil {
				break
			}
			n++
		}
		require.ErrorIs(t, err, wasm.ErrReceiveQueueFull)
		assert.LessOrEqual(t, n, limit/65536, "messages delivered")
		grown := wasmMemory(t) - before
		t.Logf("%s: server sent %d messages; page read %d; wasm memory %d MiB, grew %d KiB", be.name, s.MessagesSent, n, before>>20, grown>>10)
		// Reading the queue copies it into Go once, and the garbage
		// collector lets the heap reach twice the live data: a few times
		// the limit at most, against 256 MiB unbounded.
		assert.Less(t, grown, 6*limit, "wasm memory growth")
	}, "classic", "classic-blob", "fallback", "fallback-blob")
}

// TestCloseCodesAll closes with every code around the browser's edges and
// checks what the server received.
func TestCloseCodesAll(t *testing.T) {
	forEach(t, func(t *testing.T, be backend) {
		type tc struct {
			code, sent wasm.StatusCode
			valid      bool
		}
		cases := []tc{{0, 4011, false}, {999, 4011, false}, {1000, 1000, true}}
		for code := wasm.StatusCode(1001); code <= 1015; code++ {
			cases = append(cases, tc{code, 4000 + code - 1000, true})
		}
		cases = append(cases, tc{1016, 4011, false}, tc{2999, 4011, false}, tc{3000, 3000, true},
			tc{3999, 3999, true}, tc{4000, 4000, true}, tc{4999, 4999, true}, tc{5000, 4011, false}, tc{65535, 4011, false})
		var wg sync.WaitGroup
		for _, tt := range cases {
			id := wstest.ID(t)
			c := be.dial(t, "/echo?id="+id, nil)
			wg.Add(1)
			go func() {
				defer wg.Done()
				err := c.CloseContext(ctxFor(t, 5*time.Second), tt.code, "why")
				if tt.valid {
					assert.NoError(t, err, "code %d: a clean close", tt.code)
				} else {
					assert.ErrorIs(t, err, wasm.ErrInvalidCloseCode, "code %d", tt.code)
				}
				reason := "why"
				if !tt.valid { // the reason says what went wrong instead
					reason = fmt.Sprintf("duplex: invalid close code %d", tt.code)
				}
				cs := wstest.CloseSeen(t, id)
				assert.Equal(t, int(tt.sent), cs.ClientCloseCode, "code %d: what the server got", tt.code)
				assert.Equal(t, reason, cs.ClientCloseReason, "code %d: the reason the server got", tt.code)
			}()
		}
		wg.Wait()
	}, "classic", "stream", "fallback")
}

// TestThousandSockets opens and closes 1,000 sockets: goroutines and live
// js.Funcs return to where they were.
func TestThousandSockets(t *testing.T) {
	forEach(t, func(t *testing.T, be backend) {
		goroutines := leakcheck.Now()
		funcs := jsbridge.LiveFuncs()
		url := wstest.URL(t, "/echo")
		ctx := ctxFor(t, 60*time.Second)
		// Chrome delays a handshake by up to seconds once a page has many
		// pending (its WebSocketPerProcessThrottler): four at a time stays
		// below that.
		const total, parallel = 1000, 4
		var wg sync.WaitGroup
		errs := make(chan error, total)
		for w := range parallel {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := w; i < total; i += parallel {
					o := be.opts
					c, err := wasm.Dial(ctx, url, &o)
					if err != nil {
						errs <- fmt.Errorf("dial %d: %w", i, err)
						return
					}
					if i%10 == 0 { // some carry a message first
						if err := c.Write(ctx, wasm.MessageText, []byte("hi")); err != nil {
							errs <- fmt.Errorf("write %d: %w", i, err)
							return
						}
						if _, _, err := c.Read(ctx); err != nil {
							errs <- fmt.Errorf("read %d: %w", i, err)
							return
						}
					}
					if err := c.CloseContext(ctx, 1000, ""); err != nil {
						errs <- fmt.Errorf("close %d: %w", i, err)
						return
					}
				}
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Error(err)
		}
		assert.Empty(t, leakcheck.Wait(goroutines, 5*time.Second), "goroutines left running")
		assert.Eventually(t, func() bool { return jsbridge.LiveFuncs() == funcs },
			5*time.Second, 5*time.Millisecond, "js.Funcs: %d live, want %d", jsbridge.LiveFuncs(), funcs)
	}, "classic", "stream", "fallback")
}
