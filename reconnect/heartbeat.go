package reconnect

import (
	"context"
	"errors"
	"time"

	"github.com/duplex-go/duplex/client"
)

// beat is the heartbeat of one connection (Options.Heartbeat), run by its
// reading goroutine: read arms each Read with the wait beat says (arm),
// and tells it of silence (silence) and of each message (got). Every
// deadline is armed afresh from the moment a message arrives or a ping
// goes out, never counted in timer ticks: a timer that fires late (a
// hidden tab's are throttled to once a second, or once a minute) delays
// the ping and the verdict, and never hastens them, while the answer, an
// event, is not throttled.
type beat struct {
	c      *Conn
	l      *link
	hb     *Heartbeat
	frames bool       // ping frames (Heartbeat.Frames, where the platform has them)
	pinged bool       // a ping is out, unanswered
	sentAt time.Time  // when the ping message went out, for the RTT; zero if none is out
	fp     *framePing // the ping frame out, if any
	// pctx is the parent of each wait: link.poke ends it, for a ping now
	// (the page is shown again: page.go).
	pctx context.Context
}

// framePing is a ping frame in flight: client.Conn.Ping, on a goroutine
// of its own since it waits for the pong that the reading goroutine (or
// client's idle reader) reads.
type framePing struct {
	ctx  context.Context // ends once the ping is over, whatever its end
	over context.CancelFunc
	done chan struct{} // closed once err is set
	err  error         // nil: the pong came
}

// arm returns the ctx of the next Read.
func (b *beat) arm() (context.Context, context.CancelFunc) {
	if pingFrames && b.fp != nil {
		if b.pinged {
			// Until the ping frame is over: the pong ends the Read.
			return context.WithCancel(b.fp.ctx)
		}
		if isDone(b.fp.done) {
			b.fp = nil
		}
	}
	wait := b.hb.Interval
	if b.pinged {
		wait = b.hb.Timeout
	}
	return context.WithTimeout(b.pctx, wait)
}

// silence is told that a Read armed by arm ended with no message; it
// reports false if the connection is dead (dropped) or the Conn ended.
// (pingFrames is a constant: the browser build has no ping frames, and
// none of their code.)
func (b *beat) silence() bool {
	poked := b.pctx.Err() != nil
	if poked {
		b.repoke()
	}
	var failed error // the ping failed; nil: no answer came
	switch {
	case pingFrames && b.pinged && b.fp != nil:
		fp := b.fp
		<-fp.done
		b.fp, b.pinged = nil, false
		if fp.err == nil {
			return true // the pong
		}
		if !errors.Is(fp.err, context.DeadlineExceeded) {
			failed = fp.err
		}
	case b.pinged && poked:
		return true // poked while a ping is out: wait for its answer
	case b.pinged:
	default:
		b.pinged = true
		if pingFrames && (b.fp != nil || b.frames) {
			if b.fp == nil {
				b.ping()
			} // else the last ping frame is still out: wait for it
			return true
		}
		if b.hb.Ping == nil {
			return true
		}
		if !b.c.enter(&b.l.reader) {
			return false
		}
		typ, p := b.hb.Ping()
		b.c.leave(&b.l.reader)
		wctx, cancel := context.WithTimeout(b.c.ctx, b.hb.Timeout)
		failed = b.l.cc.Write(wctx, typ, p)
		cancel()
		if failed == nil {
			b.sentAt = time.Now()
			return true
		}
		if b.c.ctx.Err() != nil {
			return false
		}
	}
	if failed != nil {
		failed = pingFailure(failed)
	} else {
		failed = heartbeatFailure(b.hb.Interval + b.hb.Timeout)
	}
	b.c.drop(b.l, failed)
	return false
}

// ping sends a ping frame, and measures its round trip.
func (b *beat) ping() {
	fp := &framePing{done: make(chan struct{})}
	fp.ctx, fp.over = context.WithCancel(b.c.ctx)
	b.fp = fp
	go func() {
		ctx, cancel := context.WithTimeout(fp.ctx, b.hb.Timeout)
		sent := time.Now()
		err := b.l.cc.Ping(ctx)
		cancel()
		if err == nil {
			b.c.measured(time.Since(sent))
		}
		fp.err = err
		close(fp.done)
		fp.over()
	}()
}

// got is told of each message; it reports whether the message answers a
// ping (IsPong: Read does not return it), and false in ok if the Conn
// ended.
func (b *beat) got(typ client.MessageType, p []byte) (pong, ok bool) {
	b.pinged = false
	if b.hb.IsPong == nil {
		return false, true
	}
	if !b.c.enter(&b.l.reader) {
		return false, false
	}
	pong = b.hb.IsPong(typ, p)
	b.c.leave(&b.l.reader)
	if pong && !b.sentAt.IsZero() {
		b.c.measured(time.Since(b.sentAt))
		b.sentAt = time.Time{}
	}
	return pong, true
}

// pause is told that the reading goroutine waited for room in the
// inbox: the heartbeat paused, and starts again from nothing.
func (b *beat) pause() {
	b.stop()
	b.pinged, b.sentAt = false, time.Time{}
}

// repoke makes a new pctx, and link.poke the func that ends it.
func (b *beat) repoke() {
	var poke context.CancelFunc
	b.pctx, poke = context.WithCancel(b.c.ctx)
	b.c.mu.Lock()
	b.l.poke = poke
	b.c.mu.Unlock()
}

// end is the end of the heartbeat, with its reading goroutine.
func (b *beat) end() {
	b.c.mu.Lock()
	poke := b.l.poke
	b.l.poke = nil
	b.c.mu.Unlock()
	if poke != nil {
		poke()
	}
	b.stop()
}

// stop ends the ping frame in flight, if any, and waits for its
// goroutine.
func (b *beat) stop() {
	if pingFrames && b.fp != nil {
		b.fp.over()
		<-b.fp.done
		b.fp = nil
	}
}

func isDone(ch <-chan struct{}) bool {
	select {
	case <-ch:
		return true
	default:
		return false
	}
}

// measured records rtt, the round trip of a heartbeat: the last, and the
// smoothed one (an exponentially weighted moving average with weight
// 1/8, as TCP's SRTT).
func (c *Conn) measured(rtt time.Duration) {
	c.mu.Lock()
	c.rtt = rtt
	if c.srtt == 0 {
		c.srtt = rtt
	} else {
		c.srtt += (rtt - c.srtt) / 8
	}
	c.mu.Unlock()
}

// RTT returns the round trip of the open connection's last heartbeat,
// and its smoothed value (a moving average, as TCP's SRTT), both 0
// until one is measured (Options.Heartbeat). Without a connection, those
// of the last one. A round trip is measured from the moment a Ping
// message goes out to the moment a message IsPong accepts arrives, or
// natively with Heartbeat.Frames, from the ping frame to its pong.
func (c *Conn) RTT() (last, smoothed time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.rtt, c.srtt
}
