//go:build !js

package client

import (
	"bufio"
	"context"
	"crypto/tls"
	"encoding/base64"
	"fmt"
	"net"
	"net/http"
	"net/url"

	"github.com/duplex-go/duplex/internal/errs"
	"github.com/duplex-go/duplex/internal/redact"
)

// dialTunnel opens a connection to addr through an HTTP CONNECT tunnel on
// the proxy, as browsers do for ws:// and wss:// alike: a forward proxy
// handed a plain "GET http://..." with Upgrade usually breaks the
// handshake. The proxy may be http:// or https:// (TLS to the proxy).
func dialTunnel(ctx context.Context, d *net.Dialer, proxy *url.URL, addr string) (_ net.Conn, err error) {
	defer func() {
		if err != nil {
			err = fmt.Errorf("proxy %s: %w", redacted(proxy), err)
		}
	}()
	host := proxy.Host
	if proxy.Port() == "" {
		switch proxy.Scheme {
		case "http":
			host = net.JoinHostPort(proxy.Hostname(), "80")
		case "https":
			host = net.JoinHostPort(proxy.Hostname(), "443")
		}
	}
	if proxy.Scheme != "http" && proxy.Scheme != "https" {
		return nil, fmt.Errorf("scheme %q: want http or https", proxy.Scheme)
	}
	conn, err := d.DialContext(ctx, "tcp", host)
	if err != nil {
		return nil, err
	}
	if proxy.Scheme == "https" {
		tc := tls.Client(conn, &tls.Config{ServerName: proxy.Hostname()})
		if err := tc.HandshakeContext(ctx); err != nil {
			conn.Close()
			return nil, err
		}
		conn = tc
	}
	// The CONNECT exchange is bounded by ctx.
	stop := context.AfterFunc(ctx, func() { conn.Close() })
	defer stop()

	req := &http.Request{
		Method: http.MethodConnect,
		URL:    &url.URL{Opaque: addr},
		Host:   addr,
		Header: http.Header{},
	}
	if u := proxy.User; u != nil {
		pw, _ := u.Password()
		req.Header.Set("Proxy-Authorization", "Basic "+base64.StdEncoding.EncodeToString([]byte(u.Username()+":"+pw)))
	}
	if err := req.Write(conn); err != nil {
		conn.Close()
		return nil, orCtx(ctx, err)
	}
	br := bufio.NewReader(conn)
	resp, err := http.ReadResponse(br, req)
	if err != nil {
		conn.Close()
		return nil, orCtx(ctx, err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		conn.Close()
		return nil, fmt.Errorf("CONNECT %s: %s", addr, resp.Status)
	}
	if !stop() {
		conn.Close()
		return nil, ctx.Err()
	}
	if br.Buffered() > 0 { // the proxy sent bytes of the tunnel already
		return &bufferedConn{Conn: conn, r: br}, nil
	}
	return conn, nil
}

func orCtx(ctx context.Context, err error) error {
	if ctx.Err() != nil {
		return ctx.Err()
	}
	return err
}

// redacted is the proxy URL without its credentials.
func redacted(u *url.URL) string { return redact.URL(u.String()) }

type bufferedConn struct {
	net.Conn
	r *bufio.Reader
}

func (c *bufferedConn) Read(p []byte) (int, error) { return c.r.Read(p) }

// proxyFor returns the proxy for target: Options.Proxy's answer, parsed,
// or the environment's when it is nil. nil means none.
func proxyFor(proxy func(string) (string, error), target *url.URL) (*url.URL, error) {
	if proxy == nil {
		u, err := http.ProxyFromEnvironment(&http.Request{URL: target})
		if err != nil { // its text quotes the setting, password and all
			return nil, errs.Msg("the environment's proxy setting (HTTPS_PROXY, HTTP_PROXY) is not a valid URL", err)
		}
		return u, nil
	}
	raw, err := proxy(target.String())
	if err != nil || raw == "" {
		return nil, err
	}
	u, err := url.Parse(raw)
	if err != nil {
		return nil, notURL("", raw, err)
	}
	if u.Scheme != "http" && u.Scheme != "https" || u.Host == "" {
		return nil, fmt.Errorf("%s: want an http:// or https:// proxy URL with a host", redacted(u))
	}
	return u, nil
}
