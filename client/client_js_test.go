//go:build js && wasm

package client_test

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/duplex-go/duplex/client"
	"github.com/duplex-go/duplex/internal/wstest"
)

// TestBrowserRefusesNativeOptions: what a browser cannot do is an error
// naming the field, never a credential dropped in silence.
func TestBrowserRefusesNativeOptions(t *testing.T) {
	ctx := ctxFor(t, 5*time.Second)
	for field, o := range map[string]*client.Options{
		"Options.Header": {Header: map[string][]string{"Authorization": {"Bearer t0ken"}}},
		"Options.Proxy":  {Proxy: client.ProxyURL("http://127.0.0.1:1")},
		"Options.TLS":    {TLS: &client.TLSOptions{InsecureSkipVerify: true}},
	} {
		_, err := client.Dial(ctx, withUser(wstest.URL(t, "/echo?token=S3CR3T"), "user:S3CR3T"), o)
		require.ErrorIs(t, err, client.ErrUnsupported, field)
		assert.Contains(t, err.Error(), field)
		assert.Contains(t, err.Error(), "not supported in browsers")
		assert.NotContains(t, err.Error(), "S3CR3T", "credentials")
		assert.Equal(t, 1, strings.Count(err.Error(), "client:"), "prefixes in %q", err)
	}
	// Native-only tuning is a no-op: compression is the browser's choice.
	c := dial(t, "/echo", &client.Options{Compression: client.CompressionContextTakeover, Header: map[string][]string{}})
	require.NoError(t, c.Close(client.StatusNormalClosure, ""))
}

// TestBrowserTransports runs an echo over each browser transport and
// binary type that client offers.
func TestBrowserTransports(t *testing.T) {
	for name, o := range map[string]*client.Options{
		"blob":          {BinaryType: client.Blob},
		"stream":        {Transport: client.TransportStream},
		"prefer stream": {Transport: client.TransportPreferStream},
	} {
		c := dial(t, "/echo", o)
		ctx := ctxFor(t, 5*time.Second)
		p := bytes.Repeat([]byte{7}, 10000)
		require.NoError(t, c.Write(ctx, client.MessageBinary, p), name)
		typ, q, err := c.Read(ctx)
		require.NoError(t, err, name)
		assert.Equal(t, client.MessageBinary, typ, name)
		assert.Equal(t, p, q, name)
		require.NoError(t, c.Close(client.StatusNormalClosure, ""), name)
	}
	_, err := client.Dial(ctxFor(t, 5*time.Second), wstest.URL(t, "/echo?token=S3CR3T"), &client.Options{Transport: client.TransportStream, BinaryType: client.Blob})
	require.ErrorIs(t, err, client.ErrUnsupported)
	assert.Contains(t, err.Error(), "not supported")
	assert.NotContains(t, err.Error(), "S3CR3T", "credentials")
	assert.Equal(t, 1, strings.Count(err.Error(), "client:"), "prefixes in %q", err)
}
