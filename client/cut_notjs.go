//go:build !js

package client

import (
	"context"
	"errors"
	"time"
)

type streamOp int32

const (
	opNone    streamOp = iota // no op: a Reader's body, the closing handshake
	opHeader                  // a Reader's wait for a message, cut when its ctx ends
	opMessage                 // a Read, cut when its ctx ends
	opIdle                    // the idle reader, cut when a Read or Reader wants to read
)

// whole reports whether op receives data messages whole before it hands
// them over. opHeader hands over as it arrives the first message it
// finds; opNone (a Reader's body) only one already begun.
func (op streamOp) whole() bool { return op == opMessage || op == opIdle }

var (
	// errCut ends an op that was cut; it never reaches users.
	errCut = errors.New("client: read cut short")
	// errFailed is what reads get once the connection is being failed.
	errFailed = errors.New("client: the connection was failed")
)

// aLongTimeAgo is a read deadline that wakes a blocked read at once.
var aLongTimeAgo = time.Unix(1, 0)

// begin starts an op, unless the connection is closing. The idle reader
// does not start while a reader waits for the token.
func (s *stream) begin(op streamOp) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closing || op == opIdle && s.waiters > 0 {
		return false
	}
	s.op.Store(int32(op))
	return true
}

// end ends the op, and any cut of it.
func (s *stream) end() {
	s.mu.Lock()
	s.op.Store(int32(opNone))
	s.cut.Store(false)
	s.clearDeadline()
	s.mu.Unlock()
}

// again forgets a cut that was meant for an earlier op (ctx, the op's
// own, has not ended), and reports whether the op goes on: not if the
// connection is closing. A cut for ctx or for closing that comes
// meanwhile is kept, as both take mu.
func (s *stream) again(ctx context.Context) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closing {
		return false
	}
	if ctx.Err() == nil {
		s.cut.Store(false)
		s.clearDeadline()
	}
	return true
}

// cutUser cuts the op of a Read or Reader: its ctx has ended. A late call
// may cut a later op; that op sees its own ctx alive and goes on.
func (s *stream) cutUser() {
	s.mu.Lock()
	if op := streamOp(s.op.Load()); op == opHeader || op == opMessage {
		s.cutLocked()
	}
	s.mu.Unlock()
}

// closeCut cuts whatever op is on, and lets no other begin: the
// connection is closing.
func (s *stream) closeCut() {
	s.mu.Lock()
	s.closing = true
	if streamOp(s.op.Load()) != opNone {
		s.cutLocked()
	}
	s.mu.Unlock()
}

// want counts a reader waiting for the token (d = 1, then -1), and cuts
// the idle reader's op for it.
func (s *stream) want(d int) {
	s.mu.Lock()
	s.waiters += d
	if d > 0 && streamOp(s.op.Load()) == opIdle {
		s.cutLocked()
	}
	s.mu.Unlock()
}

func (s *stream) cutLocked() {
	s.cut.Store(true)
	if !s.deadline {
		_ = s.raw.SetReadDeadline(aLongTimeAgo)
		s.deadline = true
	}
}

func (s *stream) clearDeadline() {
	if s.deadline {
		_ = s.raw.SetReadDeadline(time.Time{})
		s.deadline = false
	}
}

// kill makes every read fail at once: the connection is being failed or
// closed, and nothing more is read from it.
func (s *stream) kill() { s.dead.Store(true) }
