//go:build !js

package client

import (
	"context"
	"errors"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/duplex-go/duplex/server_test_harness/harness"
)

// TestLateCutKeepsLiveCut: a cut meant for an earlier Read lands on a
// Read that waits; before that Read forgets it, its own ctx ends. The
// Read must return at its ctx, not wait for a message that never comes.
func TestLateCutKeepsLiveCut(t *testing.T) {
	h := harness.New(nil)
	srv := httptest.NewServer(h)
	t.Cleanup(func() { srv.Close(); h.Close() })
	c, err := Dial(context.Background(), "ws"+strings.TrimPrefix(srv.URL, "http")+"/silent", nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.CloseNow() })
	n := c.t.(*native)

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	testHookAgain = func() {
		cancel()
		time.Sleep(20 * time.Millisecond) // its cut is made now, and lands on the one it would forget
	}
	t.Cleanup(func() { testHookAgain = nil })
	read := make(chan error, 1)
	go func() {
		_, _, err := c.Read(ctx)
		read <- err
	}()
	time.Sleep(20 * time.Millisecond) // the Read waits
	n.stream.cutUser()                // late, from an earlier Read
	select {
	case err := <-read:
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("Read: %v; want context.Canceled", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Read did not return at its ctx")
	}
}
