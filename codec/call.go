package codec

import (
	"context"
	"errors"
	"strconv"

	"github.com/duplex-go/duplex/internal/errs"
)

// CallOption changes how Call behaves.
type CallOption func(*callOptions)

type callOptions struct {
	idempotent bool
}

// Idempotent marks a call as safe to send more than once. It matters on a
// Redialer (a *reconnect.Conn): when the connection is lost before the
// reply came, an idempotent call is sent again, on the next connection,
// and goes on waiting (bounded by its ctx); any other call fails with
// ErrConnLost, since the peer may or may not have handled it. On other
// MessageConns a lost connection ends the Router, and every call fails.
func Idempotent() CallOption {
	return func(o *callOptions) { o.idempotent = true }
}

type call struct {
	done   chan result   // buffered: the Router never waits on it
	resend chan struct{} // buffered: the connection was lost, send again; nil unless Idempotent
}

type result struct {
	msg  []byte // the whole reply, for a DecodeError
	data []byte
	err  error
}

// handlerKey marks the context Run gives handlers.
type handlerKey struct{}

// Call sends req as a call of kind and waits for the reply, bounded by
// ctx, decoding its data into a Resp (absent data is Resp's zero value).
// Run must be running to read the reply.
//
// Call returns a *RemoteError (wrapped) if the peer answered with an
// error, a *DecodeError if the reply did not decode, ctx.Err() (wrapped)
// if ctx ended first, and ErrConnLost (wrapped, with the Read error) if
// the connection failed first. A reply that arrives after Call gave up is
// discarded. Calling on the context of a handler of r fails at once with
// ErrCallInHandler.
func Call[Req, Resp any](ctx context.Context, r *Router, kind string, req Req, opts ...CallOption) (Resp, error) {
	var resp Resp
	if err := checkKind(kind); err != nil {
		return resp, errs.Wrap("codec: call", err)
	}
	var o callOptions
	for _, opt := range opts {
		opt(&o)
	}
	if ctx.Value(handlerKey{}) == r {
		return resp, callError(kind, ErrCallInHandler)
	}
	id, c, err := r.begin(o)
	if err != nil {
		return resp, callError(kind, err)
	}
	defer r.end(id)
	env := &Envelope{Kind: kind, ID: id}
	if err := r.write(ctx, env, req); err != nil {
		return resp, callError(kind, err)
	}
	for {
		select {
		case res := <-c.done:
			if res.err != nil {
				return resp, callError(kind, res.err)
			}
			if err := r.decodeData(res.data, &resp); err != nil {
				var zero Resp
				return zero, &DecodeError{Type: r.f.MessageType(), Data: res.msg, Kind: kind, Err: err}
			}
			return resp, nil
		case <-c.resend:
			if err := r.write(ctx, env, req); err != nil {
				return resp, callError(kind, err)
			}
		case <-ctx.Done():
			return resp, callError(kind, ctx.Err())
		}
	}
}

// callError is the error of a Call of kind that failed with err.
func callError(kind string, err error) error {
	return errs.Wrap("codec: call "+strconv.Quote(kind), err)
}

// begin registers a new call and returns its id.
func (r *Router) begin(o callOptions) (uint64, *call, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.lost != nil {
		return 0, nil, connLost("", r.lost)
	}
	r.lastID++
	c := &call{done: make(chan result, 1)}
	if o.idempotent {
		c.resend = make(chan struct{}, 1)
	}
	r.pending[r.lastID] = c
	return r.lastID, c, nil
}

func (r *Router) end(id uint64) {
	r.mu.Lock()
	defer r.mu.Unlock()
	delete(r.pending, id)
}

// fail records that the connection failed with err, and fails every
// pending call.
func (r *Router) fail(err error) {
	r.mu.Lock()
	r.lost = err
	calls := r.pending
	r.pending = map[uint64]*call{}
	r.mu.Unlock()
	for _, c := range calls {
		c.done <- result{err: connLost("", err)}
	}
}

// disconnected is told by a Redialer that its connection was lost with
// err: the idempotent calls are sent again, the others fail.
func (r *Router) disconnected(err error) {
	r.mu.Lock()
	var failed []*call
	for id, c := range r.pending {
		if c.resend != nil {
			select {
			case c.resend <- struct{}{}:
			default: // already told
			}
			continue
		}
		delete(r.pending, id)
		failed = append(failed, c)
	}
	r.mu.Unlock()
	for _, c := range failed {
		c.done <- result{err: connLost(" (the call may or may not have reached the peer; only idempotent calls are sent again)", err)}
	}
}

// connLost returns an error that reads "codec: connection lost", then
// note, then ": " and err's message, with both ErrConnLost and err in its
// chain.
func connLost(note string, err error) error {
	return errs.Join(ErrConnLost.Error()+note+": "+errorString(err), ErrConnLost, err)
}

// deliver hands the reply e to its call.
func (r *Router) deliver(e Envelope, p []byte, bad func(string, error) error) error {
	r.mu.Lock()
	c := r.pending[e.ID]
	delete(r.pending, e.ID)
	last := r.lastID
	r.mu.Unlock()
	if c == nil {
		if e.ID <= last {
			return nil // its Call gave up
		}
		return bad("", errors.New("codec: reply to call "+strconv.FormatUint(e.ID, 10)+", which was never made"))
	}
	res := result{msg: p, data: e.Data}
	if e.Err != nil {
		res.err = e.Err
	}
	c.done <- res
	return nil
}
