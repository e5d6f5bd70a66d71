//go:build !js

package reconnect_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/duplex-go/duplex/internal/wstest"
	"github.com/duplex-go/duplex/reconnect"
)

// refusalsAreFinal: natively a 4xx refusal is final (DefaultFinal sees the
// status).
const refusalsAreFinal = true

// TestRetryAfter: a refusal's Retry-After is waited out when it is longer
// than the backoff (natively: browsers hide the header).
func TestRetryAfter(t *testing.T) {
	t.Parallel()
	rec := newRecorder()
	_, err := reconnect.Dial(ctxFor(t, 10*time.Second), wstest.URL(t, "/reject?status=503&retry_after=1"),
		&reconnect.Options{Backoff: fast, GiveUpAfter: 2, OnState: rec.on})
	require.ErrorIs(t, err, reconnect.ErrGaveUp)
	e := rec.wait(t, reconnect.Waiting)
	assert.Equal(t, time.Second, e.Delay)
}
