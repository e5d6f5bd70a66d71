//go:build !js

package client

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/coder/websocket"

	"github.com/duplex-go/duplex/internal/errs"
	"github.com/duplex-go/duplex/internal/redact"
	"github.com/duplex-go/duplex/internal/wsspec"
)

// native is the transport on github.com/coder/websocket.
//
// The goroutine that calls Read or Reader reads from coder/websocket
// itself, with no hand-over: a goroutine hand-over per message cost a
// fifth of a small message's round trip. Three things make that safe:
//
//   - coder/websocket closes the connection when the ctx given to its
//     Reader ends, so it is given none; the caller's ctx instead cuts the
//     wait through stream, which hands a Read whole messages only and so
//     can cut it between messages, whenever its ctx ends: a Read whose ctx
//     ends leaves the connection usable and loses nothing.
//   - Control frames (ping, close) must be answered while the program is
//     not reading, as browsers do: when nobody has read for idleAfter, an
//     idle reader reads in its place, and gives way (stream cuts it) as
//     soon as a Read or Reader comes. A message it finds waits in
//     pending.
//   - Whatever the peer does, a wait ends: a message announced over the
//     read limit or a frame that breaks the protocol fails the connection
//     as soon as its header arrives (stream checks each one), failing
//     sends the close frame for at most the close timeout, and CloseNow
//     cuts TCP before anything else.
type native struct {
	ws           *websocket.Conn
	raw          net.Conn // the connection under ws, to cut it
	ext          string   // the handshake answer's Sec-WebSocket-Extensions
	stream       *stream
	limit        atomic.Int64
	closeTimeout time.Duration
	closing      atomic.Bool // Close was called: a Read cut now returns

	readSem  chan struct{} // the read token: calls into ws's reading side
	cutUser  func()        // stream.cutUser, made once
	pending  header        // a message the idle reader found; under readSem
	body     body          // the message being read; begun under readSem
	bodyOpen atomic.Bool   // body is not read to its end

	// The idle reader starts at a tick of idle that finds no read done
	// since the tick before. The tick runs only while reads are done.
	idle     *time.Timer
	reads    atomic.Uint64 // reads done
	seen     atomic.Uint64 // reads done at the last tick
	ticking  atomic.Bool   // idle is set, or its tick runs
	idleMu   sync.Mutex
	idleDone bool // no more ticks or idle readers: the connection is given up
	idleWG   sync.WaitGroup

	writeSem chan struct{} // held by the Write or Writer sending: a Write waits for it with its ctx

	endOnce   sync.Once
	ended     chan struct{} // closed when the connection has ended
	causeOnce sync.Once
	cause     *cause // how the connection ended; set once
}

// idleAfter is the tick: a ping or close frame that comes while the
// program is not reading is answered within two ticks. A program that
// reads again sooner pays nothing, and no timer is touched per message.
const idleAfter = 10 * time.Millisecond

func enableCSPFallback() {} // there is no page to forbid anything

func dialTransport(ctx context.Context, rawURL string, o *Options) (transport, error) {
	u, err := checkURL(rawURL)
	if err != nil {
		return nil, err
	}
	// Browsers throw on such an offer; so does this build, or a program
	// would work natively and not in the browser.
	if err := wsspec.CheckSubprotocols("Options.Subprotocols", o.Subprotocols); err != nil {
		return nil, errs.Wrap("client: dial "+redact.URL(rawURL), err)
	}
	fail := func(err error) error { return &DialError{URL: rawURL, Err: err} }

	tlsConfig, err := o.TLS.config()
	if err != nil {
		return nil, fail(err)
	}
	target := *u // as http.Transport's Proxy sees it
	if u.Scheme == "ws" {
		target.Scheme = "http"
	} else {
		target.Scheme = "https"
	}
	proxyURL, err := proxyFor(o.Proxy, &target)
	if err != nil {
		return nil, fail(fmt.Errorf("proxy: %w", err))
	}

	dialer := &net.Dialer{}
	var raw net.Conn // set before the handshake completes, read after
	var st *stream   // likewise
	tr := &http.Transport{
		DialContext: func(ctx context.Context, network, addr string) (conn net.Conn, err error) {
			if proxyURL == nil {
				conn, err = dialer.DialContext(ctx, network, addr)
			} else {
				conn, err = dialTunnel(ctx, dialer, proxyURL, addr)
			}
			raw = conn
			return conn, err
		},
		TLSClientConfig:   tlsConfig,
		DisableKeepAlives: true,
	}
	defer tr.CloseIdleConnections()
	hc := &http.Client{
		Transport: upgrade{tr, func(rwc io.ReadWriteCloser) io.ReadWriteCloser {
			st = &stream{rwc: rwc}
			return st
		}},
		// Browsers never follow a redirect of the handshake.
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	hdr := http.Header(o.Header).Clone()
	host := hdr.Get("Host")
	hdr.Del("Host")
	ws, resp, err := websocket.Dial(ctx, u.String(), &websocket.DialOptions{
		HTTPClient:      hc,
		HTTPHeader:      hdr,
		Host:            host,
		Subprotocols:    o.Subprotocols,
		CompressionMode: compressionMode(o.Compression),
	})
	if err != nil {
		de := &DialError{URL: rawURL}
		if resp != nil && resp.StatusCode != http.StatusSwitchingProtocols {
			de.StatusCode = resp.StatusCode
			de.RetryAfter = retryAfter(resp.Header.Get("Retry-After"), time.Now())
			if resp.StatusCode >= 300 && resp.StatusCode < 400 {
				de.Location = resp.Header.Get("Location")
			}
			de.Err = errors.New("the server refused the handshake")
			if resp.StatusCode == http.StatusOK || resp.StatusCode >= 300 && resp.StatusCode < 400 {
				de.Err = errors.New("the server did not switch protocols")
			}
		} else if ctx.Err() != nil {
			de.Err = fmt.Errorf("no handshake: %w", ctx.Err())
		} else {
			de.Err = handshakeError(err)
		}
		return nil, de
	}
	if len(o.Subprotocols) > 0 && ws.Subprotocol() == "" {
		// Chrome fails a handshake whose answer selects none of the
		// offered subprotocols (the page sees 1006); so does this build,
		// or a program would work natively and not in the browser.
		_ = ws.CloseNow()
		return nil, &DialError{URL: rawURL, Err: fmt.Errorf(
			"the server selected none of the offered subprotocols %q (browsers fail such a handshake)", o.Subprotocols)}
	}
	if st == nil || raw == nil {
		ws.CloseNow()
		return nil, &DialError{URL: rawURL, Err: errors.New("the connection under the WebSocket is not a net.Conn")}
	}
	ws.SetReadLimit(-1) // stream and body enforce ours, and close with 4009
	n := &native{
		ws:           ws,
		raw:          raw,
		ext:          resp.Header.Get("Sec-WebSocket-Extensions"),
		stream:       st,
		closeTimeout: o.CloseTimeout,
		readSem:      make(chan struct{}, 1),
		writeSem:     make(chan struct{}, 1),
		cutUser:      st.cutUser,
		ended:        make(chan struct{}),
	}
	n.limit.Store(o.ReadLimit)
	st.raw, st.limit = raw, &n.limit
	st.deflate = strings.Contains(strings.ToLower(n.ext), "permessage-deflate")
	st.adopted.Store(true) // last: from now on the stream reads
	n.body.n = n
	n.ticking.Store(true)
	n.idle = time.AfterFunc(idleAfter, n.tick)
	return n, nil
}

// upgrade hands the byte stream of a 101 answer to wrap.
type upgrade struct {
	rt   http.RoundTripper
	wrap func(io.ReadWriteCloser) io.ReadWriteCloser
}

func (u upgrade) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := u.rt.RoundTrip(req)
	if err != nil {
		return resp, err
	}
	if resp.StatusCode != http.StatusSwitchingProtocols {
		// coder/websocket reads some of a refusal's body, for up to 3 s
		// whatever the ctx; nothing here uses it, and a server that sends
		// it slowly must not hold Dial.
		resp.Body.Close()
		resp.Body = http.NoBody
	} else if rwc, ok := resp.Body.(io.ReadWriteCloser); ok {
		resp.Body = u.wrap(rwc)
	}
	return resp, nil
}

// checkURL parses a ws, wss, http or https URL, with a host and no
// fragment (what browsers accept, less relative URLs, which need a page).
func checkURL(raw string) (*url.URL, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return nil, notURL("client: dial ", raw, err)
	}
	scheme, err := wsspec.CheckURL(u.Scheme, u.Host, raw)
	if err != nil {
		return nil, errs.Wrap("client: dial "+redact.URL(raw), err)
	}
	u.Scheme = scheme
	return u, nil
}

// retryAfter parses a Retry-After header: seconds or an HTTP date.
func retryAfter(v string, now time.Time) time.Duration {
	if v == "" {
		return 0
	}
	if s, err := strconv.ParseUint(v, 10, 64); err == nil || errors.Is(err, strconv.ErrRange) {
		// Saturated, never wrapped round: a wait too long for a Duration
		// is the longest one.
		if s > uint64(1<<63-1)/uint64(time.Second) {
			return 1<<63 - 1
		}
		return time.Duration(s) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil && t.After(now) {
		return t.Sub(now)
	}
	return 0
}

func compressionMode(c Compression) websocket.CompressionMode {
	switch c {
	case CompressionNoContextTakeover:
		return websocket.CompressionNoContextTakeover
	case CompressionContextTakeover:
		return websocket.CompressionContextTakeover
	}
	return websocket.CompressionDisabled
}

func (t *TLSOptions) config() (*tls.Config, error) {
	if t == nil {
		return nil, nil
	}
	c := &tls.Config{ServerName: t.ServerName, InsecureSkipVerify: t.InsecureSkipVerify}
	if len(t.RootCAs) > 0 {
		c.RootCAs = x509.NewCertPool()
		if !c.RootCAs.AppendCertsFromPEM(t.RootCAs) {
			return nil, errors.New("Options.TLS.RootCAs: no PEM certificate in it")
		}
	}
	if len(t.Certificate) > 0 || len(t.Key) > 0 {
		cert, err := tls.X509KeyPair(t.Certificate, t.Key)
		if err != nil {
			return nil, fmt.Errorf("Options.TLS.Certificate and Key: %w", err)
		}
		c.Certificates = []tls.Certificate{cert}
	}
	return c, nil
}

// handshakeError says why a handshake failed, in this package's words:
// the request's own failure (the network's, a certificate's, the
// proxy's), or what was wrong with the server's 101 answer, which
// coder/websocket checked. Its chain keeps the causes.
func handshakeError(err error) error {
	if cause := dialCause(err); cause != err {
		return cause
	}
	inner := err
	for u := errors.Unwrap(inner); u != nil; u = errors.Unwrap(inner) {
		inner = u
	}
	detail := strings.TrimPrefix(inner.Error(), "WebSocket protocol violation: ")
	return errs.Msg("the server's answer is not a valid WebSocket handshake: "+detail, err)
}
