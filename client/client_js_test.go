//go:build js && wasm

package client_test

import (
	"bytes"
	"net"
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
		onePrefix(t, err)
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
	onePrefix(t, err)
}

// TestBrowserQueueFullSays: once the browser's receive queue has
// overflowed (the connection closed with 4008), every call says so, with
// ErrReceiveQueueFull and net.ErrClosed in its chain: Write, Writer, Read after
// the messages before, and Close.
func TestBrowserQueueFullSays(t *testing.T) {
	id := wstest.ID(t)
	c := dial(t, "/flood?n=3000&size=1024&id="+id, &client.Options{ReadLimit: 4096, ReceiveQueueLimit: 64 << 10})
	cs := wstest.CloseSeen(t, id)
	require.Equal(t, 4008, cs.ClientCloseCode, "the server got 4008")
	assert.Equal(t, "duplex: receive queue full", cs.ClientCloseReason, "the reason")
	says := func(err error, what string) {
		t.Helper()
		require.ErrorIs(t, err, client.ErrReceiveQueueFull, what)
		require.ErrorIs(t, err, net.ErrClosed, what)
		assert.Contains(t, err.Error(), "4008", what)
		onePrefix(t, err)
	}
	ctx := ctxFor(t, 10*time.Second)
	says(c.Write(ctx, client.MessageText, []byte("x")), "Write")
	_, err := c.Writer(ctx, client.MessageBinary)
	says(err, "Writer")
	for err = nil; err == nil; {
		_, _, err = c.Read(ctx)
	}
	says(err, "Read after the messages before")
	_, _, err = c.Read(ctx)
	says(err, "Read again")
	_, _, err = c.Reader(ctx)
	says(err, "Reader")
	says(c.Write(ctx, client.MessageBinary, []byte{1}), "Write after reading")
	says(c.CloseContext(ctx, client.StatusNormalClosure, ""), "Close")
}

// What the browser build reports where the platforms differ (see
// TestTransport and TestBufferedAmount).
const (
	// preferredTransport: Chromium has WebSocketStream.
	preferredTransport = client.TransportStream
	// bufferedAmountHeld: the browser holds what the server has not
	// read, and says how much.
	bufferedAmountHeld = true
)

// wantDialStatus is the DialError.StatusCode of a handshake refused with
// status: the browser does not tell a page
// the HTTP status of a refused handshake.
func wantDialStatus(int) int { return 0 }
