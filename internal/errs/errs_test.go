package errs_test

import (
	"context"
	"errors"
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
