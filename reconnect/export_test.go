package reconnect

import "time"

// Hooks are the points where this package's tests step into a Conn (see
// hooks).
type Hooks = hooks

// SetHooks makes the Conns dialled with o call h.
func SetHooks(o *Options, h *Hooks) { o.hooks = h }

// QueueLen returns how many messages c has queued.
func QueueLen(c *Conn) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.queue)
}

// ReasonHint is reasonHint.
var ReasonHint = reasonHint

// Spread is spread, for TestFullJitterWindows.
type Spread = spread

// NewSpread returns a spread at phase.
func NewSpread(phase float64) *Spread { return &spread{phase: phase} }

// Wait is wait.
func (s *spread) Wait(e Exponential, failures int, now time.Duration) time.Duration {
	return s.wait(e, failures, now)
}
