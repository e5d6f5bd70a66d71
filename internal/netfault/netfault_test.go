//go:build !js

package netfault_test

import (
	"bufio"
	"net"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/duplex-go/duplex/internal/leakcheck"
	"github.com/duplex-go/duplex/internal/netfault"
)

func TestMain(m *testing.M) { leakcheck.Main(m) }

// echoServer echoes lines until the test ends.
func echoServer(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	done := make(chan struct{})
	t.Cleanup(func() { _ = ln.Close(); <-done })
	go func() {
		defer close(done)
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				_ = c.SetDeadline(time.Now().Add(30 * time.Second))
				r := bufio.NewReader(c)
				for {
					line, err := r.ReadString('\n')
					if err != nil {
						return
					}
					if _, err := c.Write([]byte(line)); err != nil {
						return
					}
				}
			}()
		}
	}()
	return ln.Addr().String()
}

func roundTrip(t *testing.T, c net.Conn, r *bufio.Reader, line string) (string, error) {
	t.Helper()
	require.NoError(t, c.SetDeadline(time.Now().Add(5*time.Second)))
	if _, err := c.Write([]byte(line + "\n")); err != nil {
		return "", err
	}
	got, err := r.ReadString('\n')
	return got, err
}

func TestProxy(t *testing.T) {
	p, err := netfault.Listen(echoServer(t))
	require.NoError(t, err)
	t.Cleanup(p.Close)

	c, err := net.Dial("tcp", p.Addr())
	require.NoError(t, err)
	defer c.Close()
	r := bufio.NewReader(c)
	got, err := roundTrip(t, c, r, "one")
	require.NoError(t, err)
	require.Equal(t, "one\n", got)

	// A black hole: the write goes out, nothing comes back, TCP stays up.
	p.Blackhole(true)
	require.NoError(t, c.SetDeadline(time.Now().Add(300*time.Millisecond)))
	_, err = c.Write([]byte("lost\n"))
	require.NoError(t, err)
	_, err = r.ReadString('\n')
	var ne net.Error
	require.ErrorAs(t, err, &ne, "read through the black hole")
	require.True(t, ne.Timeout(), "read through the black hole times out: %v", err)
	p.Blackhole(false)
	require.NoError(t, c.SetDeadline(time.Time{}))
	r = bufio.NewReader(c)
	got, err = roundTrip(t, c, r, "two")
	require.NoError(t, err)
	require.Equal(t, "two\n", got, "after the black hole, only what was sent after it")

	// Stop cuts the connection and refuses new ones; Start brings it back.
	p.Stop()
	_, err = roundTrip(t, c, r, "cut")
	require.Error(t, err, "a connection through a stopped proxy")
	_, err = net.Dial("tcp", p.Addr())
	require.Error(t, err, "a dial to a stopped proxy")
	require.NoError(t, p.Start())
	c2, err := net.Dial("tcp", p.Addr())
	require.NoError(t, err)
	defer c2.Close()
	got, err = roundTrip(t, c2, bufio.NewReader(c2), "three")
	require.NoError(t, err)
	require.Equal(t, "three\n", got)
}
