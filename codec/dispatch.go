package codec

import (
	"context"
	"errors"
	"strconv"

	"github.com/duplex-go/duplex/client"
	"github.com/duplex-go/duplex/internal/errs"
)

// Run reads messages and dispatches them to their handlers and waiting
// calls until ctx ends or the connection fails. It returns ctx.Err() or
// the Read error; after a Read error every pending call fails with
// ErrConnLost, and so does every later Call, and Run. A message that
// cannot be handled goes to RouterOptions.OnError, or ends Run when that
// is nil (see there). Run returns at once with an error if a Handle was
// given a bad or duplicate kind (or, while it runs, once one is), or if
// Run is already running.
//
// On a Redialer, a lost connection is not a Read error: while Run runs,
// it fails or resends the pending calls (see Redialer) and goes on.
//
// The context handlers get is ctx, marked so that Call on it fails at
// once (ErrCallInHandler) instead of waiting forever.
func (r *Router) Run(ctx context.Context) error {
	if err := r.start(); err != nil {
		return err
	}
	defer r.stop()
	if rd, ok := r.mc.(Redialer); ok {
		defer rd.OnDisconnect(r.disconnected)()
	}
	hctx := context.WithValue(ctx, handlerKey{}, r)
	for {
		typ, p, err := r.mc.Read(ctx)
		if err != nil {
			if ctx.Err() != nil {
				return err // ctx ended: the connection is still good
			}
			r.fail(err)
			return errs.Wrap("codec: run", err)
		}
		if err := r.dispatch(hctx, typ, p); err != nil {
			if se, ok := err.(*setupError); ok {
				return errs.Wrap("codec: run", se.err)
			}
			if r.onError == nil {
				return err
			}
			r.onError(ctx, err)
		}
	}
}

func (r *Router) start() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	switch {
	case r.setupErr != nil:
		return errs.Wrap("codec: run", r.setupErr)
	case r.lost != nil:
		return errs.Wrap("codec: run", connLost("", r.lost))
	case r.running:
		return errors.New("codec: run: the router is already running")
	}
	r.running = true
	return nil
}

func (r *Router) stop() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.running = false
}

// dispatch handles one message.
func (r *Router) dispatch(ctx context.Context, typ client.MessageType, p []byte) error {
	bad := func(kind string, err error) error {
		return &DecodeError{Type: typ, Data: p, Kind: kind, Err: err}
	}
	if want := r.f.MessageType(); typ != want {
		return bad("", wrongType(typ, want))
	}
	e, err := r.f.ParseEnvelope(p, r.lim)
	switch {
	case err != nil:
		return bad("", err)
	case e.Kind == "" && e.ID == 0:
		return bad("", errors.New("codec: envelope has neither a type nor an id"))
	case e.Kind == "":
		return r.deliver(e, p, bad)
	case e.Err != nil:
		return bad(e.Kind, errors.New("codec: envelope has a type and an error"))
	}

	r.mu.Lock()
	h, setupErr := r.handlers[e.Kind], r.setupErr
	r.mu.Unlock()
	if setupErr != nil {
		return &setupError{setupErr}
	}
	if h == nil {
		msg := "no handler for kind " + strconv.Quote(e.Kind)
		err := bad(e.Kind, errs.Wrap("codec: "+msg, ErrUnknownKind))
		return joinReply(err, r.reply(ctx, e, nil, &RemoteError{Code: CodeUnknownKind, Message: msg}))
	}
	data, err := h(ctx, e.Data)
	if pe, ok := err.(payloadError); ok {
		err := bad(e.Kind, pe.err)
		return joinReply(err, r.reply(ctx, e, nil, &RemoteError{Code: CodeBadRequest, Message: pe.err.Error()}))
	}
	if e.ID == 0 {
		if err != nil {
			return errs.Wrap("codec: handler of "+strconv.Quote(e.Kind), err)
		}
		return nil
	}
	var rerr *RemoteError
	if err != nil && !errors.As(err, &rerr) {
		rerr = &RemoteError{Message: err.Error()}
	}
	return r.reply(ctx, e, data, rerr)
}

// reply answers the call e, if it is one, with data or rerr.
func (r *Router) reply(ctx context.Context, e Envelope, data any, rerr *RemoteError) error {
	if e.ID == 0 {
		return nil
	}
	if rerr != nil {
		data = nil
	}
	if err := r.write(ctx, &Envelope{ID: e.ID, Err: rerr}, data); err != nil {
		return errs.Wrap("codec: reply to "+strconv.Quote(e.Kind), err)
	}
	return nil
}

// joinReply adds to err the error of replying, if there was one.
func joinReply(err, replyErr error) error {
	if replyErr != nil {
		return errors.Join(err, replyErr)
	}
	return err
}
