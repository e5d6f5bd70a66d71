package reconnect

import ()

// The program's callbacks: run where calling any method of the Conn is safe.

// enter and leave bracket a call into the program's code (a callback)
// on t, the goroutine that makes it: enter reports whether it may be
// made, false once the Conn has ended (closing or given up), and marks
// t busy until leave. Once Close has begun, no callback starts; a Close
// does not wait for a goroutine that is in a callback (its caller may be
// that callback); and neither run nor a reader ever waits, holding c.mu,
// for what a method of the Conn holds. So a callback may call any
// method of the Conn.
//
// (A bracket, not a helper that takes the call as a func: the seven
// closures that needed cost every page 0.5 KB of gzipped wasm.)
func (c *Conn) enter(t *task) bool {
	c.mu.Lock()
	ok := !c.closing && c.end == nil
	t.busy = ok
	c.mu.Unlock()
	return ok
}

func (c *Conn) leave(t *task) {
	c.mu.Lock()
	t.busy = false
	c.mu.Unlock()
}

// announce records e (but for Connected, which serve records as the
// connection opens) and tells OnState; it reports false if the Conn is
// closing.
func (c *Conn) announce(e Event) bool {
	c.mu.Lock()
	if c.closing {
		c.mu.Unlock()
		return false
	}
	if e.State != Connected {
		c.state = e.State
	}
	e.RTT, e.SmoothedRTT, e.Hidden = c.rtt, c.srtt, c.hidden
	c.mu.Unlock()
	if c.o.OnState == nil {
		return true
	}
	if !c.enter(&c.dialer) {
		return false
	}
	c.o.OnState(e)
	c.leave(&c.dialer)
	return true
}

// notifyLost calls the OnDisconnect funcs with err; it reports false if
// the Conn is closing.
func (c *Conn) notifyLost(err error) bool {
	c.mu.Lock()
	fns := make([]func(error), 0, len(c.listeners))
	for fn := range c.listeners {
		fns = append(fns, *fn)
	}
	c.mu.Unlock()
	for _, fn := range fns {
		// One may Close the Conn: the rest do not start then.
		if !c.enter(&c.dialer) {
			return false
		}
		fn(err)
		c.leave(&c.dialer)
	}
	return !c.isClosing()
}
