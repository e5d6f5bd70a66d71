package reconnect

import (
	"math/rand/v2"
	"time"
)

// Waiting between attempts: the backoff, spread over a herd, and the page's own signals.

// spread places the dials of a run of failures with FullJitter: the
// k-th failure's window begins where the one before ends and lasts
// Exponential's delay for it; the dial is at phase (of 0 to 1, drawn at
// the first failure) of it. Times are durations since the run began
// (durations, not time.Time: less code in every page).
type spread struct {
	next  time.Duration // where the next window begins
	phase float64
}

// wait returns the wait, from now, before the dial after failures
// failures in a row. A window that should have begun already (the last
// dial ended past it, or the server asked for a longer wait) begins now.
func (s *spread) wait(e Exponential, failures int, now time.Duration) time.Duration {
	if failures == 1 || s.next < now {
		s.next = now
	}
	w := e.window(failures)
	d := s.next + time.Duration(s.phase*float64(w)) - now
	s.next += w
	return d
}

// sleep waits d, or less if the page says so (page.go): the online
// event unless the page is hidden, the page shown again; it reports false
// if the Conn ended meanwhile.
func (c *Conn) sleep(d time.Duration) bool {
	drain(c.wake) // old ones, from before this wait
	drain(c.online)
	t := time.NewTimer(d)
	defer t.Stop()
	for {
		select {
		case <-t.C:
		case <-c.wake:
		case <-c.online:
			c.mu.Lock()
			hidden := c.hidden
			c.mu.Unlock()
			if hidden {
				continue
			}
		case <-c.ctx.Done():
			return false
		}
		return true
	}
}

func drain(ch chan struct{}) {
	select {
	case <-ch:
	default:
	}
}

// waitPage waits while a dial would be in vain: while the browser says
// it is offline (a dial would fail, and count), or the page is in the
// back/forward cache (page.go). OnState hears of each (Waiting, Offline
// or Suspended). Online again, a hidden page waits a random time within
// RestartWindow more, so that hidden tabs do not all dial at once. It
// reports false if the Conn ended meanwhile.
func (c *Conn) waitPage(failures int, last error) bool {
	if c.offline == nil { // natively: no page
		return true
	}
	var offline, suspended bool // as OnState was told
	for {
		off := c.offline()
		c.mu.Lock()
		susp, hidden := c.suspended, c.hidden
		c.mu.Unlock()
		if !off && !susp {
			return !(offline && hidden) || c.sleep(time.Duration(rand.Float64()*float64(c.o.RestartWindow)))
		}
		if off != offline || susp != suspended {
			offline, suspended = off, susp
			if !c.announce(Event{State: Waiting, Failures: failures, Err: last, Offline: off, Suspended: susp}) {
				return false
			}
		}
		select {
		case <-c.wake:
		case <-c.online:
		case <-c.ctx.Done():
			return false
		}
	}
}
