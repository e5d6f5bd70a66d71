package duplextest_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/duplex-go/duplex/client"
	"github.com/duplex-go/duplex/duplextest"
)

func TestMain(m *testing.M) { duplextest.Main(m) }

// TestEcho runs natively and in Chrome: the harness answers on both.
func TestEcho(t *testing.T) {
	t.Parallel()
	u := duplextest.URL(t, "/echo?id="+duplextest.ID(t))
	require.True(t, strings.HasPrefix(u, "ws://127.0.0.1:"), "a loopback ws:// URL: %s", u)
	ctx := t.Context()
	c, err := client.Dial(ctx, u, nil)
	require.NoError(t, err)
	defer c.CloseNow()
	require.NoError(t, c.Write(ctx, client.MessageText, []byte("hi")))
	typ, p, err := c.Read(ctx)
	require.NoError(t, err)
	assert.Equal(t, client.MessageText, typ, "message type")
	assert.Equal(t, "hi", string(p), "the echo")
	require.NoError(t, c.Close(client.StatusNormalClosure, ""))
	assert.True(t, strings.HasPrefix(duplextest.HTTPURL(t, "/stats"), "http://127.0.0.1:"))
}
