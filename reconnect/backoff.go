package reconnect

import (
	"math/rand/v2"
	"time"
)

// How long to wait before the next dial.

// Backoff says how long to wait before the next dial.
type Backoff interface {
	// Delay returns the wait before the next dial after failures failures
	// in a row (failures >= 1: Options.GiveUpAfter says what counts). A
	// negative Delay ends the Conn with ErrGaveUp.
	Delay(failures int) time.Duration
}

// Exponential is the default Backoff: Initial, then Multiplier times the
// previous delay, up to Max, each delay drawn at random as Jitter says
// (by default anywhere from 0 to that delay), so that clients dropped
// together do not come back together. The zero value of every field
// means its default; an Exponential holds no state, so one value may
// serve any number of Conns.
type Exponential struct {
	// Initial is the delay after the first failure; 0 means 500 ms.
	Initial time.Duration
	// Max caps the delay; 0 means 30 s.
	Max time.Duration
	// Multiplier is the growth from one delay to the next; 0 means 2,
	// and any other value below 1 means 1 (the delay does not grow).
	Multiplier float64
	// Jitter says how each delay is drawn; the zero value is FullJitter.
	Jitter Jitter
}

// Jitter says how Exponential draws a delay from d, the delay the
// failures call for.
type Jitter int

// Delay returns the delay after failures failures in a row, drawn alone.
// (A Conn with FullJitter does better: see FullJitter.)
func (e Exponential) Delay(failures int) time.Duration {
	d := float64(e.window(failures))
	switch e.Jitter {
	case FullJitter:
		d *= rand.Float64()
	case EqualJitter:
		d *= 1 - rand.Float64()/2
	}
	return time.Duration(d)
}

// window returns the delay after failures failures in a row, before
// jitter.
func (e Exponential) window(failures int) time.Duration {
	initial, maxDelay, mult := e.Initial, e.Max, e.Multiplier
	if initial <= 0 {
		initial = DefaultInitialDelay
	}
	if maxDelay <= 0 {
		maxDelay = DefaultMaxDelay
	}
	if mult == 0 {
		mult = DefaultMultiplier
	}
	d := float64(initial)
	for i := 1; i < failures && d < float64(maxDelay) && mult > 1; i++ {
		d *= mult
	}
	return time.Duration(min(d, float64(maxDelay)))
}

// Constant is a Backoff that waits the same time after every failure.
type Constant time.Duration

// Delay returns c.
func (c Constant) Delay(int) time.Duration { return time.Duration(c) }

// exponential returns b as an Exponential, if it is one or a pointer to
// one. (A type switch, not an interface a Backoff could implement to say
// its cap: asserting one cost 1.7 KB of wasm, about 0.5 KB gzipped.)
func exponential(b Backoff) (e Exponential, ok bool) {
	switch b := b.(type) {
	case Exponential:
		return b, true
	case *Exponential:
		if b != nil {
			return *b, true
		}
	}
	return e, false
}

// retryCap is the longest a Retry-After is waited out with b: see
// Options.Backoff.
func retryCap(b Backoff) time.Duration {
	if e, _ := exponential(b); e.Max > 0 {
		return e.Max
	}
	return DefaultMaxDelay
}
