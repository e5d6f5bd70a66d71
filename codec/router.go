package codec

import (
	"context"
	"errors"
	"strconv"
	"sync"
	"unicode/utf8"

	"github.com/duplex-go/duplex/client"
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

// The codes of the errors a Router answers calls with by itself.
const (
	// CodeUnknownKind: no handler for the call's kind.
	CodeUnknownKind = "unknown_kind"
	// CodeBadRequest: the call's data did not decode.
	CodeBadRequest = "bad_request"
)

// RemoteError is the error a peer answered a call with. A handler that
// returns a *RemoteError (or wraps one) sends its Code and Message; any
// other error is sent as its Message alone.
type RemoteError struct {
	// Code is a short machine-readable reason, such as CodeUnknownKind;
	// "" if the peer gave none.
	Code string `json:"code,omitempty"`
	// Message says what went wrong, for people.
	Message string `json:"message"`
}

// Error returns "codec: peer answered: CODE: MESSAGE".
func (e *RemoteError) Error() string {
	if e.Code == "" {
		return "codec: peer answered: " + e.Message
	}
	return "codec: peer answered: " + e.Code + ": " + e.Message
}

// Format is a Router's envelope and payload encoding: JSONFormat (text),
// or cbor.Format from package codec/cbor (binary), which keeps the CBOR
// library out of programs that do not use it. Another format implements
// these methods, and must refuse input over the Limits it is given.
type Format interface {
	// MessageType is the type of the format's messages.
	MessageType() client.MessageType
	// ParseEnvelope decodes the message p, leaving its Data encoded. lim
	// has its defaults filled in; the envelope may nest one level deeper
	// than lim.MaxDepth, so that its data may nest lim.MaxDepth.
	ParseEnvelope(p []byte, lim Limits) (Envelope, error)
	// UnmarshalData decodes the Data of an envelope from ParseEnvelope,
	// which checked it against lim, into v (a pointer).
	UnmarshalData(data []byte, v any, lim Limits) error
	// AppendEnvelope appends e to dst, with data encoded as its Data
	// (e.Data is not used); a nil data means none.
	AppendEnvelope(dst []byte, e *Envelope, data any) ([]byte, error)
}

// Envelope is one message of a Router, as JSONFormat describes.
type Envelope struct {
	// Kind is the message's kind; "" in a reply.
	Kind string
	// ID is a call's number, which its reply repeats; 0 if not a call.
	ID uint64
	// Data is the payload, still encoded; nil if absent.
	Data []byte
	// Err is a reply's error, nil if none.
	Err *RemoteError
}

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
	mc      MessageConn
	f       Format
	lim     Limits
	onError func(context.Context, error)

	mu       sync.Mutex
	handlers map[string]handler
	setupErr error // from Handle, returned by Run
	pending  map[uint64]*call
	lastID   uint64
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
