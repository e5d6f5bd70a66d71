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
	"sync"
	"sync/atomic"
	"time"

	"github.com/coder/websocket"

	"github.com/duplex-go/duplex/internal/wsspec"
)

// native is the transport on github.com/coder/websocket.
//
// One goroutine reads: it waits for each message's header and hands it
// over through next, then waits until the body has been read (bodyDone).
// So a Read whose ctx ends leaves nothing half read (coder/websocket
// closes the connection when the ctx given to its Read ends), and control
// frames (ping, close) are answered even while the program is not reading,
// as in browsers.
type native struct {
	ws    *websocket.Conn
	raw   net.Conn        // the connection under ws, to cut a stuck close
	life  context.Context // ends when the connection is given up
	leave context.CancelFunc
	limit atomic.Int64

	readSem  chan struct{}
	next     chan header
	bodyDone chan struct{}
	ended    chan struct{} // closed when the reading goroutine returns
	body     body          // the message being read, under readSem

	errOnce sync.Once
	err     error // how the connection ended, for reads; set once
}

func dialTransport(ctx context.Context, rawURL string, o *Options) (transport, error) {
	u, err := checkURL(rawURL)
	if err != nil {
		return nil, err
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
	proxy := o.Proxy
	if proxy == nil {
		proxy = func(u *url.URL) (*url.URL, error) { return http.ProxyFromEnvironment(&http.Request{URL: u}) }
	}
	proxyURL, err := proxy(&target)
	if err != nil {
		return nil, fail(fmt.Errorf("proxy: %w", err))
	}

	dialer := &net.Dialer{}
	var raw net.Conn // set before the handshake completes, read after
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
		Transport: tr,
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
			de.Err = scrub(err)
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
	ws.SetReadLimit(-1) // the body enforces ours, and closes with 4009
	n := &native{
		ws:       ws,
		raw:      raw,
		readSem:  make(chan struct{}, 1),
		next:     make(chan header, 1),
		bodyDone: make(chan struct{}, 1),
		ended:    make(chan struct{}),
	}
	n.life, n.leave = context.WithCancel(context.Background())
	n.limit.Store(o.ReadLimit)
	n.body.n = n
	go n.readLoop()
	return n, nil
}

// checkURL parses a ws, wss, http or https URL, with a host and no
// fragment (what browsers accept, less relative URLs, which need a page).
func checkURL(raw string) (*url.URL, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return nil, fmt.Errorf("client: dial %s: %w", raw, err)
	}
	if err := wsspec.CheckURL(u, raw); err != nil {
		return nil, fmt.Errorf("client: dial %s: %w", raw, err)
	}
	return u, nil
}

// retryAfter parses a Retry-After header: seconds or an HTTP date.
func retryAfter(v string, now time.Time) time.Duration {
	if v == "" {
		return 0
	}
	if s, err := strconv.Atoi(v); err == nil && s >= 0 {
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

// scrub keeps coder/websocket's words but none of its types; the standard
// library's errors in the chain (net.OpError, context errors) stay.
func scrub(err error) error {
	if ce, ok := errors.AsType[websocket.CloseError](err); ok {
		return &CloseError{Code: StatusCode(ce.Code), Reason: ce.Reason, WasClean: true}
	}
	return err
}

// setErr records how the connection ended; the first record wins.
func (n *native) setErr(err error) { n.errOnce.Do(func() { n.err = err }) }

func (n *native) endErr() error {
	<-n.ended
	n.setErr(closedError("read")) // in case nothing was recorded
	return n.err
}

func (n *native) readLoop() {
	defer close(n.ended)
	defer n.leave()
	for {
		typ, r, err := n.ws.Reader(n.life)
		if err != nil {
			n.setErr(readError(err))
			return
		}
		select {
		case n.next <- header{fromCoder(typ), r}:
		case <-n.life.Done():
			return
		}
		select {
		case <-n.bodyDone:
		case <-n.life.Done():
			return
		}
	}
}

// header is a message as the reading goroutine hands it over.
type header struct {
	typ MessageType
	r   io.Reader
}

// readError translates how coder/websocket's Reader failed.
func readError(err error) error {
	if ce, ok := errors.AsType[websocket.CloseError](err); ok {
		return &CloseError{Code: StatusCode(ce.Code), Reason: ce.Reason, WasClean: true}
	}
	// Cut without a close frame, as a browser reports it.
	return &CloseError{Code: StatusAbnormalClosure}
}

func fromCoder(t websocket.MessageType) MessageType {
	if t == websocket.MessageText {
		return MessageText
	}
	return MessageBinary
}

func toCoder(t MessageType) websocket.MessageType {
	if t == MessageText {
		return websocket.MessageText
	}
	return websocket.MessageBinary
}

func (n *native) reader(ctx context.Context) (MessageType, io.Reader, error) {
	select {
	case n.readSem <- struct{}{}:
	case <-ctx.Done():
		return 0, nil, ctx.Err()
	}
	defer func() { <-n.readSem }()
	if n.body.open {
		if _, err := io.Copy(io.Discard, &n.body); err != nil {
			return 0, nil, err
		}
	}
	select {
	case h := <-n.next:
		n.body.start(h.typ, h.r, n.limit.Load())
		return h.typ, &n.body, nil
	case <-n.ended:
		return 0, nil, n.endErr()
	case <-ctx.Done():
		return 0, nil, ctx.Err()
	}
}

func (n *native) read(ctx context.Context) (MessageType, []byte, error) {
	typ, r, err := n.reader(ctx)
	if err != nil {
		return 0, nil, err
	}
	p, err := io.ReadAll(r)
	if err != nil {
		return 0, nil, err
	}
	return typ, p, nil
}

// writeErr translates a failed write.
func (n *native) writeErr(ctx context.Context, op string, err error) error {
	select {
	case <-n.ended:
		return fmt.Errorf("client: %s: %w", op, n.endErr())
	default:
	}
	if ctx.Err() != nil {
		return fmt.Errorf("client: %s: the connection was failed (a message was half written): %w", op, ctx.Err())
	}
	return fmt.Errorf("client: %s: %v: %w", op, err, net.ErrClosed)
}

func (n *native) write(ctx context.Context, typ MessageType, p []byte) error {
	select {
	case <-n.ended:
		return fmt.Errorf("client: write: %w", n.endErr())
	default:
	}
	if err := n.ws.Write(ctx, toCoder(typ), p); err != nil {
		return n.writeErr(ctx, "write", err)
	}
	return nil
}

func (n *native) writer(ctx context.Context, typ MessageType) (io.WriteCloser, error) {
	select {
	case <-n.ended:
		return nil, fmt.Errorf("client: writer: %w", n.endErr())
	default:
	}
	w, err := n.ws.Writer(ctx, toCoder(typ))
	if err != nil {
		return nil, n.writeErr(ctx, "writer", err)
	}
	return &nativeWriter{n: n, ctx: ctx, w: w}, nil
}

type nativeWriter struct {
	n   *native
	ctx context.Context
	w   io.WriteCloser
}

func (w *nativeWriter) Write(p []byte) (int, error) {
	k, err := w.w.Write(p)
	if err != nil {
		return k, w.n.writeErr(w.ctx, "write", err)
	}
	return k, nil
}

func (w *nativeWriter) Close() error {
	if err := w.w.Close(); err != nil {
		return w.n.writeErr(w.ctx, "write", err)
	}
	return nil
}

func (n *native) close(ctx context.Context, code StatusCode, reason string) error {
	select {
	case <-n.ended:
		err := n.endErr()
		n.ws.CloseNow()
		return fmt.Errorf("client: close: the connection had already ended: %w", err)
	default:
	}
	n.setErr(closedError("read"))
	done := make(chan error, 1)
	go func() { done <- n.ws.Close(websocket.StatusCode(code), reason) }()
	var err error
	select {
	case err = <-done:
	case <-ctx.Done():
		// coder/websocket's CloseNow does nothing once Close has begun:
		// cut the connection under it.
		n.raw.Close()
		<-done
		err = fmt.Errorf("client: close: the closing handshake did not finish: %w", ctx.Err())
	}
	n.leave()
	<-n.ended
	if err != nil && ctx.Err() == nil {
		if errors.Is(err, net.ErrClosed) {
			return fmt.Errorf("client: close: %v: %w", err, net.ErrClosed)
		}
		return fmt.Errorf("client: close: %v", err)
	}
	return err
}

func (n *native) closeNow() error {
	n.setErr(closedError("read"))
	err := n.ws.CloseNow()
	n.leave()
	<-n.ended
	if err != nil && !errors.Is(err, net.ErrClosed) {
		return fmt.Errorf("client: close: %v", err)
	}
	return nil
}

func (n *native) subprotocol() string { return n.ws.Subprotocol() }

func (n *native) setReadLimit(limit int64) { n.limit.Store(limit) }

// fail ends the connection from the reading side: it records err for
// every later read, sends code and reason, and gives up the connection.
func (n *native) fail(err error, code StatusCode, reason string) error {
	n.setErr(err)
	_ = n.ws.Close(websocket.StatusCode(code), reason)
	n.leave()
	return n.endErr()
}

// body is the reader of one message's body: it enforces the read limit
// and, for text, UTF-8, as the bytes arrive.
type body struct {
	n     *native
	r     io.Reader
	typ   MessageType
	got   int64
	limit int64
	utf8  utf8Stream
	open  bool
	err   error
}

func (b *body) start(typ MessageType, r io.Reader, limit int64) {
	*b = body{n: b.n, r: r, typ: typ, limit: limit, open: true}
}

func (b *body) Read(p []byte) (int, error) {
	if !b.open {
		if b.err != nil {
			return 0, b.err
		}
		return 0, io.EOF
	}
	if b.limit >= 0 && int64(len(p)) > b.limit-b.got+1 {
		p = p[:b.limit-b.got+1] // one byte over tells
	}
	k, err := b.r.Read(p)
	b.got += int64(k)
	if b.limit >= 0 && b.got > b.limit {
		return 0, b.fail(fmt.Errorf("client: read: a message over the read limit of %d bytes; the connection was closed with 4009: %w",
			b.limit, ErrMessageTooBig), 4009, "message too big")
	}
	if b.typ == MessageText && !b.utf8.check(p[:k]) || err == io.EOF && !b.utf8.complete() {
		return 0, b.fail(fmt.Errorf("client: read: a text message was not UTF-8 (%w), so the connection was failed with 1002, as browsers do: %w",
			ErrInvalidUTF8, &CloseError{Code: StatusAbnormalClosure}), StatusProtocolError, "Invalid UTF-8 in text frame")
	}
	switch {
	case err == io.EOF:
		b.open = false
		b.n.bodyDone <- struct{}{}
		return k, io.EOF
	case err != nil: // the connection failed
		b.open = false
		b.n.setErr(readError(err))
		b.n.leave()
		b.err = b.n.endErr()
		return 0, b.err
	}
	return k, nil
}

func (b *body) fail(err error, code StatusCode, reason string) error {
	b.open = false
	b.err = b.n.fail(err, code, reason)
	return b.err
}
