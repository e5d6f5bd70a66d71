package reconnect

// hooks are where this package's tests step into a Conn (through
// Options.hooks, which only export_test.go sets): its outbound queue, its
// read-ahead. nil otherwise.
type hooks struct {
	// BeforeFlushWrite and AfterFlushWrite run around the write of a
	// queued message on a new connection (AfterFlushWrite only if it
	// returned nil), with the channel closed when that connection is lost.
	BeforeFlushWrite, AfterFlushWrite func(p []byte, lost <-chan struct{})
	// Sent runs when a connection has taken a message: from the queue or
	// from Write, with the channel closed when that connection is lost
	// (never, for the connection Close closes).
	Sent func(p []byte, queued bool, lost <-chan struct{})
	// ReadAheadFull runs when the reading goroutine stops, the read-ahead
	// full, with how many messages it holds.
	ReadAheadFull func(held int)
	// ReadWaitsPrev runs when the reading goroutine of a connection starts
	// to wait for the previous connection's to return.
	ReadWaitsPrev func()
}
