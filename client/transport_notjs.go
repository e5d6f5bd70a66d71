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

	"github.com/duplex-go/duplex/internal/errs"
	"github.com/duplex-go/duplex/internal/redact"
	"github.com/duplex-go/duplex/internal/wsspec"
)

// native is the transport on github.com/coder/websocket.
//
// The goroutine that calls Read or Reader reads from coder/websocket
// itself, with no hand-over: a goroutine hand-over per message cost a
// fifth of a small message's round trip. Two things make that safe:
//
//   - coder/websocket closes the connection when the ctx given to its
//     Reader ends, so it is given none; the caller's ctx instead cuts the
//     wait through stream, which cuts only between messages, so a Read
//     whose ctx ends leaves the connection usable.
//   - Control frames (ping, close) must be answered while the program is
//     not reading, as browsers do: when nobody has read for idleAfter, an
//     idle reader reads in its place, and gives way (stream cuts it) as
//     soon as a Read or Reader comes. A message it finds waits in
//     pending.
type native struct {
	ws     *websocket.Conn
	raw    net.Conn // the connection under ws, to cut a stuck close
	stream *stream
	limit  atomic.Int64

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

	endOnce sync.Once
	ended   chan struct{} // closed when the connection has ended
	errOnce sync.Once
	err     error // how the connection ended, for reads; set once
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
			de.Err = scrub(dialCause(err))
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
	st.raw = raw
	ws.SetReadLimit(-1) // the body enforces ours, and closes with 4009
	n := &native{
		ws:      ws,
		raw:     raw,
		stream:  st,
		readSem: make(chan struct{}, 1),
		cutUser: st.cutUser,
		ended:   make(chan struct{}),
	}
	n.limit.Store(o.ReadLimit)
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
	if err == nil && resp.StatusCode == http.StatusSwitchingProtocols {
		if rwc, ok := resp.Body.(io.ReadWriteCloser); ok {
			resp.Body = u.wrap(rwc)
		}
	}
	return resp, err
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

// end records how the connection ended (unless something was recorded
// before) and returns what was.
func (n *native) end(err error) error {
	n.setErr(err)
	n.endOnce.Do(func() { close(n.ended) })
	return n.err
}

func (n *native) hasEnded() bool {
	select {
	case <-n.ended:
		return true
	default:
		return false
	}
}

// endErr is how the connection ended, once it has.
func (n *native) endErr() error { return n.end(closedError("read")) }

// header is a message as the idle reader keeps it.
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

// lock takes the read token, bounded by ctx. If the idle reader has it,
// it is asked to give way.
func (n *native) lock(ctx context.Context) error {
	select {
	case n.readSem <- struct{}{}:
		return nil
	default:
	}
	n.stream.want(1)
	defer n.stream.want(-1)
	select {
	case n.readSem <- struct{}{}:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// unlock gives the token back and counts a read done.
func (n *native) unlock() {
	<-n.readSem
	n.readDone()
}

// readDone counts a read done, and sets the tick going if it stopped.
func (n *native) readDone() {
	n.reads.Add(1)
	if n.ticking.Load() {
		return
	}
	n.idleMu.Lock()
	if !n.idleDone && n.ticking.CompareAndSwap(false, true) {
		n.idle.Reset(idleAfter)
	}
	n.idleMu.Unlock()
}

// tick starts the idle reader if no read was done since the last tick,
// and otherwise ticks again.
func (n *native) tick() {
	if r := n.reads.Load(); r != n.seen.Load() {
		n.seen.Store(r)
		n.idleMu.Lock()
		if !n.idleDone {
			n.idle.Reset(idleAfter)
		}
		n.idleMu.Unlock()
		return
	}
	n.ticking.Store(false)
	n.idleRead()
}

// next begins the next message, under the token; ctx bounds the wait.
func (n *native) next(ctx context.Context, whole bool) (MessageType, error) {
	if n.bodyOpen.Load() { // the last body, left unread
		if _, err := io.Copy(io.Discard, &n.body); err != nil {
			return 0, err
		}
	}
	if h := n.pending; h.r != nil {
		n.pending = header{}
		n.begin(h.typ, h.r, whole)
		return h.typ, nil
	}
	if n.hasEnded() {
		return 0, n.endErr()
	}
	n.stream.begin(opUser)
	defer n.stream.end()
	if ctx.Done() != nil {
		defer context.AfterFunc(ctx, n.cutUser)()
	}
	for {
		typ, r, err := n.ws.Reader(context.Background())
		switch {
		case err == nil:
			n.begin(fromCoder(typ), r, whole)
			return fromCoder(typ), nil
		case !errors.Is(err, errCut):
			return 0, n.end(readError(err))
		case ctx.Err() != nil:
			return 0, ctx.Err()
		}
		n.stream.again() // the cut was meant for an earlier read
	}
}

func (n *native) begin(typ MessageType, r io.Reader, whole bool) {
	n.body.start(typ, r, n.limit.Load(), whole)
	n.bodyOpen.Store(true)
}

func (n *native) reader(ctx context.Context) (MessageType, io.Reader, error) {
	if err := n.lock(ctx); err != nil {
		return 0, nil, err
	}
	defer n.unlock()
	typ, err := n.next(ctx, false)
	if err != nil {
		return 0, nil, err
	}
	return typ, &n.body, nil
}

// read holds the token until the body is read, so Reads from several
// goroutines each get whole messages.
func (n *native) read(ctx context.Context) (MessageType, []byte, error) {
	if err := n.lock(ctx); err != nil {
		return 0, nil, err
	}
	defer n.unlock()
	typ, err := n.next(ctx, true)
	if err != nil {
		return 0, nil, err
	}
	p, err := io.ReadAll(&n.body)
	if err != nil {
		return 0, nil, err
	}
	return typ, p, nil
}

// idleRead reads in the program's place while nobody reads, so that
// control frames are answered; run by the idle timer.
func (n *native) idleRead() {
	n.idleMu.Lock()
	if n.idleDone {
		n.idleMu.Unlock()
		return
	}
	n.idleWG.Add(1)
	n.idleMu.Unlock()
	defer n.idleWG.Done()

	select {
	case n.readSem <- struct{}{}:
	default:
		return // a reader has it, and sets the tick going when done
	}
	defer func() { <-n.readSem }()
	if n.bodyOpen.Load() || n.pending.r != nil || n.hasEnded() || !n.stream.begin(opIdle) {
		return
	}
	typ, r, err := n.ws.Reader(context.Background())
	n.stream.end()
	switch {
	case err == nil:
		n.pending = header{fromCoder(typ), r}
	case !errors.Is(err, errCut):
		n.end(readError(err))
	}
}

// stopIdle ends the idle reader for good, once the connection is given
// up (so it does not wait long).
func (n *native) stopIdle() {
	n.idleMu.Lock()
	n.idleDone = true
	n.idleMu.Unlock()
	n.idle.Stop()
	n.idleWG.Wait()
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
		n.stopIdle()
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
	n.stopIdle()
	n.end(closedError("read"))
	if errors.Is(err, errCut) {
		// Its read of the peer's answer began as a Read's wait was cut
		// (a window of a few instructions): the answer was not awaited.
		err = errors.New("the closing handshake did not finish")
	}
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
	n.stopIdle()
	n.end(closedError("read"))
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
	return n.end(err)
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
	whole bool // read by read, under the token
	err   error
}

func (b *body) start(typ MessageType, r io.Reader, limit int64, whole bool) {
	*b = body{n: b.n, r: r, typ: typ, limit: limit, open: true, whole: whole}
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
		b.n.bodyOpen.Store(false)
		if !b.whole { // read outside the token: count it here
			b.n.readDone()
		}
		return k, io.EOF
	case err != nil: // the connection failed
		b.open = false
		b.err = b.n.end(readError(err))
		b.n.bodyOpen.Store(false)
		return 0, b.err
	}
	return k, nil
}

func (b *body) fail(err error, code StatusCode, reason string) error {
	b.open = false
	b.err = b.n.fail(err, code, reason)
	b.n.bodyOpen.Store(false)
	return b.err
}
