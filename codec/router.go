package codec

import (
	"context"
	"errors"
	"strconv"
	"sync"
	"unicode/utf8"

	"github.com/duplex-go/duplex/internal/errs"
)

var (
	// ErrUnknownKind: a message of a kind the Router has no handler for.
	// It comes inside a *DecodeError with the message, given to
	// RouterOptions.OnError; a call of that kind is also answered with a
	// *RemoteError whose Code is CodeUnknownKind.
	ErrUnknownKind = errors.New("codec: no handler for this kind")
	// ErrConnLost: the connection failed (its Read returned an error)
	// while a call waited for its reply, or before the call; or, on a
	// Redialer, the connection was lost while a call that is not
	// Idempotent waited for its reply.
	ErrConnLost = errors.New("codec: connection lost")
	// ErrCallInHandler: Call from a handler, on the context the Router
	// gave it, would wait forever, since the Router reads the reply only
	// after the handler returns. Call from a goroutine instead.
	ErrCallInHandler = errors.New("codec: call from a handler of the same router")
	// ErrBadKind: a kind that is empty or not UTF-8.
	ErrBadKind = errors.New("codec: a kind must be non-empty UTF-8")
)

// RouterOptions configures a Router. A nil *RouterOptions means the zero
// value.
type RouterOptions struct {
	// Format is the envelope and payload format: nil means JSONFormat{}.
	Format Format
	// Limits bounds what a message may hold (the envelope does not count
	// towards MaxDepth). The zero value means the defaults.
	Limits Limits
	// OnError is called, from Run's goroutine, with each message that
	// could not be handled: a *DecodeError (an envelope or data that does
	// not decode, a message of the wrong type, a reply to a call never
	// made, or a kind with no handler: ErrUnknownKind), an error that a
	// handler of a message (not a call) returned, wrapped, or the failure
	// to write a reply. It must not block for long: Run reads no message
	// meanwhile. When OnError is nil, Run returns the first such error;
	// the connection stays open, and Run may be called again to go on.
	OnError func(ctx context.Context, err error)
}

// Router sends and receives messages of several kinds on one connection,
// each kind with its own Go type, in envelopes that name the kind
// (JSONFormat says how they look). Handle and HandleCall register what to
// do with each kind; Run reads and dispatches; a Kind sends; Call sends a
// request and waits for its reply.
//
// Handlers run one at a time on Run's goroutine, in the order their
// messages arrive, so a handler that blocks holds up every message behind
// it, replies to calls included. Registering, sending and calling are safe
// from any goroutine, at any time.
type Router struct {
	// Set by NewRouter, never changed.
	mc      MessageConn
	f       Format
	lim     Limits
	onError func(context.Context, error)

	// mu guards the rest: the handlers (registered here), the calls
	// waiting for their replies (call.go), and Run's state (dispatch.go).
	mu       sync.Mutex
	handlers map[string]handler
	setupErr error // from Handle, returned by Run
	pending  map[uint64]*call
	lastID   uint64 // the last call's id; a reply to a larger one is bad
	running  bool
	lost     error // the Read error that ended the connection
}

// handler decodes data and handles it, returning what to reply to a call
// (nil for no data). A decoding failure is returned as a payloadError.
type handler func(ctx context.Context, data []byte) (any, error)

type payloadError struct{ err error }

func (e payloadError) Error() string { return e.err.Error() }

// setupError is a mistake in a Handle while Run ran: Run returns it.
type setupError struct{ err error }

func (e *setupError) Error() string { return e.err.Error() }

// NewRouter returns a Router on mc. It reads nothing until Run.
func NewRouter(mc MessageConn, opts *RouterOptions) *Router {
	var o RouterOptions
	if opts != nil {
		o = *opts
	}
	if o.Format == nil {
		o.Format = JSONFormat{}
	}
	return &Router{
		mc:       mc,
		f:        o.Format,
		lim:      o.Limits.WithDefaults(),
		onError:  o.OnError,
		handlers: map[string]handler{},
		pending:  map[uint64]*call{},
	}
}

// checkKind returns an error wrapping ErrBadKind if kind is not one.
func checkKind(kind string) error {
	if kind == "" || !utf8.ValidString(kind) {
		return errs.Wrap("codec: kind "+strconv.Quote(kind), ErrBadKind)
	}
	return nil
}

func (r *Router) register(kind string, h handler) {
	r.mu.Lock()
	defer r.mu.Unlock()
	err := checkKind(kind)
	if _, ok := r.handlers[kind]; ok {
		err = errors.New("codec: kind " + strconv.Quote(kind) + " has two handlers")
	}
	if err != nil {
		r.setupErr = errors.Join(r.setupErr, err)
		return
	}
	r.handlers[kind] = h
}

func (r *Router) decodeData(data []byte, v any) error {
	if len(data) == 0 {
		return nil // absent: the zero value
	}
	return r.f.UnmarshalData(data, v, r.lim)
}

// Handle registers fn for the messages of kind, whose data it decodes
// into a T (absent data is T's zero value). fn runs on Run's goroutine.
// When a message of kind is a call, the Router answers it when fn
// returns: with no data, or with fn's error as a *RemoteError; so any
// kind can be called, and Call[T, struct{}] waits for the peer to have
// handled the message. An error fn returns for a message that is not a
// call goes to RouterOptions.OnError.
//
// A kind that is empty or not UTF-8, or that already has a handler, is a
// mistake: Run returns it, at once or, if it is running, before it
// handles the next message, and refuses to run again.
func Handle[T any](r *Router, kind string, fn func(context.Context, T) error) {
	r.register(kind, func(ctx context.Context, data []byte) (any, error) {
		var v T
		if err := r.decodeData(data, &v); err != nil {
			return nil, payloadError{err}
		}
		return nil, fn(ctx, v)
	})
}

// HandleCall registers fn to answer the calls of kind: it decodes each
// call's data into a Req, and sends back what fn returns, a Resp or its
// error (as a *RemoteError). A message of kind that is not a call runs fn
// too: its Resp is dropped, its error goes to RouterOptions.OnError.
// Otherwise it is like Handle.
func HandleCall[Req, Resp any](r *Router, kind string, fn func(context.Context, Req) (Resp, error)) {
	r.register(kind, func(ctx context.Context, data []byte) (any, error) {
		var req Req
		if err := r.decodeData(data, &req); err != nil {
			return nil, payloadError{err}
		}
		resp, err := fn(ctx, req)
		if err != nil {
			return nil, err
		}
		return resp, nil
	})
}

// Kind is a message kind bound to its Go type, made once with NewKind
// and used to send:
//
//	var chat = codec.NewKind[Chat]("chat")
//	err := chat.Send(ctx, r, Chat{Text: "hi"})
type Kind[T any] struct{ name string }

// NewKind returns the kind called name, whose data is a T. name must be
// non-empty UTF-8; Send reports it if not.
func NewKind[T any](name string) Kind[T] { return Kind[T]{name: name} }

// Name returns the kind's name, as Handle takes it.
func (k Kind[T]) Name() string { return k.name }

// Send sends v as a message of kind k, not waiting for an answer.
func (k Kind[T]) Send(ctx context.Context, r *Router, v T) error {
	if err := checkKind(k.name); err != nil {
		return errs.Wrap("codec: send", err)
	}
	if err := r.write(ctx, &Envelope{Kind: k.name}, v); err != nil {
		return errs.Wrap("codec: send "+strconv.Quote(k.name), err)
	}
	return nil
}

// write sends one envelope with data (nil for none).
func (r *Router) write(ctx context.Context, e *Envelope, data any) error {
	b := getBuffer()
	defer putBuffer(b)
	p, err := r.f.AppendEnvelope(*b, e, data)
	*b = p[:0]
	if err != nil {
		return err
	}
	return r.mc.Write(ctx, r.f.MessageType(), p)
}
