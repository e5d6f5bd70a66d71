package reconnect_test

import (
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/duplex-go/duplex/client"
	"github.com/duplex-go/duplex/reconnect"
)

// TestDefaultFinalPageRefusals: what the page refuses itself before
// connecting is final, since no redial mends it; what a probe found is
// not (a server down or refusing may come back). Chrome's own errors are
// in internal/e2e/diagnose/diagnose_test.go, where the page dials through reconnect
// too.
func TestDefaultFinalPageRefusals(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		cause error
		final bool
	}{
		{client.ErrMixedContent, true},
		{client.ErrBlockedByCSP, true},
		{client.ErrUnreachable, false},
		{client.ErrUpgradeRefused, false},
	} {
		err := &client.DialError{URL: "ws://h/", Err: errors.Join(errors.New("why"), tt.cause)}
		assert.Equal(t, tt.final, reconnect.DefaultFinal(err), "DefaultFinal of %v", tt.cause)
	}
}
