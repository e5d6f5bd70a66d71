//go:build !js

package client

import (
	"math"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

// TestRetryAfterValue: a Retry-After too large for a time.Duration
// saturates at the longest one; it never wraps round to a short or
// negative wait.
func TestRetryAfterValue(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)
	const longest = time.Duration(math.MaxInt64)
	for _, tt := range []struct {
		v    string
		want time.Duration
	}{
		{"", 0},
		{"0", 0},
		{"7", 7 * time.Second},
		{"-1", 0},
		{"soon", 0},
		{"9223372036", 9223372036 * time.Second}, // the longest that fits
		{"9223372037", longest},
		{"9999999999", longest},
		{"99999999999999999999", longest},
		{"999999999999999999999999999999999999999999", longest},
		{now.Add(90 * time.Second).Format(http.TimeFormat), 90 * time.Second},
		{now.Add(-time.Hour).Format(http.TimeFormat), 0},
		{"Fri, 31 Dec 9999 23:59:59 GMT", longest},
	} {
		assert.Equal(t, tt.want, retryAfter(tt.v, now), "Retry-After: %q", tt.v)
	}
}
