//go:build !js

// Package netfault puts a proxy on loopback between a test's client and
// server, and breaks the link between them on demand: the demos' tests of
// lost and silent connections.
//
//	l := netfault.New(t, srv.Addr)   // dial "ws://" + l.Addr + "/chat"
//	l.Hold()                        // nothing passes either way; TCP stays up
//	l.Release()
package netfault

import (
	"strings"
	"testing"

	"github.com/Shopify/toxiproxy/v2"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/rs/zerolog"
	"github.com/stretchr/testify/require"
)

// Link is a proxy to one upstream address.
type Link struct {
	t testing.TB
	p *toxiproxy.Proxy
	// Addr is where the client dials instead of the upstream address.
	Addr string
}

// New starts a Link to upstream; it stops when the test ends.
func New(t testing.TB, upstream string) *Link {
	p := toxiproxy.NewProxy(toxiproxy.NewServer(toxiproxy.NewMetricsContainer(prometheus.NewRegistry()), zerolog.Nop()),
		t.Name(), "127.0.0.1:0", upstream)
	require.NoError(t, p.Start())
	t.Cleanup(p.Stop)
	return &Link{t: t, p: p, Addr: p.Listen}
}

var streams = []string{"upstream", "downstream"}

// Hold lets nothing pass, either way, until Release: the connections stay
// open, and what is sent meanwhile waits in the proxy.
func (l *Link) Hold() {
	for _, s := range streams {
		_, err := l.p.Toxics.AddToxicJson(strings.NewReader(
			`{"name":"hole-` + s + `","type":"timeout","stream":"` + s + `","attributes":{"timeout":0}}`))
		require.NoError(l.t, err)
	}
}

// Release undoes Hold.
func (l *Link) Release() {
	for _, s := range streams {
		require.NoError(l.t, l.p.Toxics.RemoveToxic(l.t.Context(), "hole-"+s))
	}
}

// Stop cuts the connections through the Link and refuses new ones until
// Start.
func (l *Link) Stop() { l.p.Stop() }

// Start undoes Stop, on the same address.
func (l *Link) Start() { require.NoError(l.t, l.p.Start()) }
