//go:build !js

// Package netfault is a TCP proxy on loopback for tests: it makes the
// network faults that a server cannot make by itself. Stop is a network
// that is gone (every connection cut, new ones refused) and Start brings
// it back on the same address; Blackhole is one that silently drops
// everything, both ways, while TCP stays up, as behind a dead NAT.
//
//	p, err := netfault.Listen("127.0.0.1:8080")
//	if err != nil { ... }
//	defer p.Close()
//	url := "ws://" + p.Addr() + "/echo"
//	p.Blackhole(true)
//
// It replaces an in-process toxiproxy, whose dependencies (prometheus,
// zerolog, gorilla/mux, protobuf, ...) every module depending on duplex
// had to list in its go.sum, for the two faults the tests use.
package netfault

import (
	"errors"
	"net"
	"sync"
	"sync/atomic"
)

// Proxy forwards TCP connections from Addr to its target. Its methods are
// safe for concurrent use. Every goroutine it starts ends by Close.
type Proxy struct {
	target string
	addr   string // fixed by Listen, kept across Stop and Start

	hole atomic.Bool

	mu     sync.Mutex
	ln     net.Listener          // nil while stopped
	conns  map[net.Conn]struct{} // both ends of every forwarded connection
	closed bool
	wg     sync.WaitGroup
}

// Listen starts a proxy to target on a free port of 127.0.0.1.
func Listen(target string) (*Proxy, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	p := &Proxy{target: target, addr: ln.Addr().String(), conns: map[net.Conn]struct{}{}}
	p.serve(ln)
	return p, nil
}

// Addr is the proxy's host:port, the same after Stop and Start.
func (p *Proxy) Addr() string { return p.addr }

// Blackhole, while on, drops every byte in both directions, keeping the
// connections open; off forwards again (what was dropped is lost).
func (p *Proxy) Blackhole(on bool) { p.hole.Store(on) }

// Stop cuts every connection (TCP closed, no WebSocket close frame) and
// stops listening, so that new connections are refused.
func (p *Proxy) Stop() {
	p.mu.Lock()
	if p.ln != nil {
		_ = p.ln.Close()
		p.ln = nil
	}
	for c := range p.conns {
		_ = c.Close()
	}
	p.mu.Unlock()
}

// Start listens again on Addr after Stop.
func (p *Proxy) Start() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return errors.New("netfault: start: proxy closed")
	}
	if p.ln != nil {
		return nil
	}
	ln, err := net.Listen("tcp", p.addr)
	if err != nil {
		return err
	}
	p.serveLocked(ln)
	return nil
}

// Close stops the proxy for good and waits for its goroutines to end.
func (p *Proxy) Close() {
	p.mu.Lock()
	p.closed = true
	p.mu.Unlock()
	p.Stop()
	p.wg.Wait()
}

func (p *Proxy) serve(ln net.Listener) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.serveLocked(ln)
}

func (p *Proxy) serveLocked(ln net.Listener) {
	p.ln = ln
	p.wg.Add(1)
	go func() {
		defer p.wg.Done()
		for {
			in, err := ln.Accept()
			if err != nil {
				return // Stop closed it
			}
			p.wg.Add(1)
			go p.forward(in)
		}
	}()
}

// track adds c to the connections Stop cuts; false if the proxy stopped
// meanwhile (c is then closed).
func (p *Proxy) track(c net.Conn) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.ln == nil {
		_ = c.Close()
		return false
	}
	p.conns[c] = struct{}{}
	return true
}

func (p *Proxy) untrack(c net.Conn) {
	p.mu.Lock()
	delete(p.conns, c)
	p.mu.Unlock()
	_ = c.Close()
}

func (p *Proxy) forward(in net.Conn) {
	defer p.wg.Done()
	if !p.track(in) {
		return
	}
	defer p.untrack(in)
	out, err := net.Dial("tcp", p.target)
	if err != nil {
		return
	}
	if !p.track(out) {
		return
	}
	defer p.untrack(out)
	done := make(chan struct{}, 2)
	go p.copy(out, in, done)
	go p.copy(in, out, done)
	<-done // one way ended: end both
	_ = in.Close()
	_ = out.Close()
	<-done
}

// copy forwards src to dst until either fails, dropping what arrives
// while the proxy is a black hole.
func (p *Proxy) copy(dst, src net.Conn, done chan<- struct{}) {
	defer func() { done <- struct{}{} }()
	buf := make([]byte, 32<<10)
	for {
		n, err := src.Read(buf)
		if n > 0 && !p.hole.Load() {
			if _, werr := dst.Write(buf[:n]); werr != nil {
				return
			}
		}
		if err != nil {
			return
		}
	}
}
