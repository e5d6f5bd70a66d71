// The JavaScript half of package wasm, embedded in shim.go and built once
// per page with the Function constructor. It keeps received messages in
// JavaScript, enforces the read and receive-queue limits before anything
// reaches Go, and wakes Go once per batch instead of once per message:
// crossing from JavaScript into Go costs far more than a call the other
// way.
//
// A socket calls Go with bits 1 (something to read), 2 (room to write)
// and 4 (final: the socket has closed and will never call again), in one
// of two ways (wasm/entry.go says why). Where the shim found the page's Go
// instance (catch), through Go's export duplex_wasm_enter, with the arguments
// written into Go's memory; and a Read waiting with a buffer (fill's ptr)
// gets the messages packed straight into it. Elsewhere (or after that
// export failed to complete: see goEnter) through the socket's wake
// js.Func, as wake(bits), and Go copies the messages out of rbuf.
//
// Go talks to a socket through calls that return numbers only, and two
// buffers it holds on to: handing Go a new JavaScript object costs about
// ten times a call that returns a number. Received messages are packed
// into Go's buffer or rbuf as [type: 1 text, 2 binary][length: uint32
// LE][bytes]...; messages to send are read from Go's memory where the
// shim can reach it, else copied into wbuf. Neither buffer grows with the
// messages: one too big for rbuf goes to Go on its own (fill returns its
// size, or -4 or -5 without Go's memory, and takeBig hands it over), and a
// wbuf grown for a large message is dropped once it is sent (send returns
// 3). So after a large message nothing here, and nothing in Go, keeps its
// size.
//
// The receive queue counts bytes: a message's UTF-8 length for text, as
// Go will hold it, plus ENTRY for what the browser keeps beside it, from
// when it arrives until Go's Read returns it (Go calls release then) or
// hands it to Go whole.
//
// Waking Read: Go waits for a message only after a fill that found none
// and, with arm set, set readArmed. A message enters the queue only
// through _admit, which calls _notifyRead, which wakes Go if readArmed is
// set; so a message admitted after that fill wakes Go. One admitted
// before it is packed by it, provided nothing admits a message between
// fill's packing and its return of -1: fill therefore resumes a stream
// held back by a full queue (_resume, which may admit the held message at
// once) before it packs, never after. Every other path that resumes
// reading (release, setLimits, the stream's own reads) runs outside fill,
// and admits through _admit: if Go waits, it is woken; if Go does not,
// Go calls fill before it waits.
"use strict";

// One MessageChannel defers wakes to a later task, so that the messages
// already waiting in the browser's task queue are taken in one batch rather
// than one call into Go each. A lone message wakes Go at once instead: it
// should not wait for the hop (see _notifyRead).
const pending = new Set();
let posted = false;
const channel = new MessageChannel();
channel.port1.onmessage = () => {
  posted = false;
  const socks = Array.from(pending);
  pending.clear();
  for (const s of socks) s._fire();
};
// schedule calls s._fire in a later task, with bits for Go.
const schedule = (s, bits) => {
  s.bits |= bits;
  pending.add(s);
  if (!posted) {
    posted = true;
    channel.port2.postMessage(0);
  }
};

// BURST_MS and NUDGE_MS: see _notifyRead.
const BURST_MS = 0.03;
const NUDGE_MS = 1;

// ENTRY is what a queued message counts beside its bytes (Go's
// queueEntryBytes), so that the queue limit bounds a flood of empty
// messages too.
const ENTRY = 128;

// RBUF is the size of rbuf; WBUF the most that wbuf grows to.
const RBUF = 64 << 10;
const WBUF = 64 << 10;

const encoder = new TextEncoder();
const decoder = new TextDecoder();
const ASCII = /^[\x00-\x7f]*$/;
// scratch is where _message encodes text to count it.
let scratch = null;

// The page's Go instance, once attach has found it: {go, mem, enter},
// the instance, Go's memory and its export; false where it cannot be.
// heap and heap32 view that memory, taken again after it grows.
// box is the address of Go's entryBox, the argument the shim is built
// with.
const box = arguments[0];
let inst = null;
let heap = null;
let heap32 = null;
const mem = () => {
  if (!heap || heap.buffer !== inst.mem.buffer) {
    heap = new Uint8Array(inst.mem.buffer);
    heap32 = new Uint32Array(heap.buffer);
  }
  return heap;
};
const mem32 = () => (mem(), heap32);
// calls counts the calls of the export; broken is set once one did not
// complete.
let calls = 0;
let broken = false;
// lastGo is when the last call of the export returned.
let lastGo = -Infinity;

// catch finds the page's Go instance, wasm_exec.js's Go, which keeps it to
// itself: syscall/js calls methods on it, found on Go.prototype with the
// instance as this, and the next js.FuncOf of the program (Go makes the
// wake js.Func right after building the shim) calls _makeFuncWrapper.
let caught = null;
{
  const p = typeof Go === "function" ? Go.prototype : null;
  const orig = p && p._makeFuncWrapper;
  if (typeof orig === "function") {
    p._makeFuncWrapper = function (id) {
      caught = this;
      p._makeFuncWrapper = orig;
      return orig.call(this, id);
    };
  }
}

// attach puts socket s on the export path as Go's id, if the shim can
// find the page's Go instance; s.id stays -1 otherwise.
const attach = (s, id) => {
  if (inst === null) {
    const x = caught && caught._inst && caught._inst.exports;
    const f = x && x.duplex_wasm_enter;
    inst = typeof f === "function" && x.mem instanceof WebAssembly.Memory && typeof caught._resolveExitPromise === "function" && { go: caught, mem: x.mem, enter: f };
    // The calls Go completed so far (a shim built again, in tests).
    if (inst) calls = mem32()[(box >>> 2) + 3];
  }
  if (inst && id >= 0) s.id = id;
  return s;
};

// goEnter calls Go's export for socket id. It must return only once the
// call has completed, which Go counts in entryBox.done: a Go function
// that blocked returns early (entry.go). Then the shim says so and uses
// the js.Funcs from then on; Go's side of it ends safely whenever it
// resumes.
const goEnter = (id, bits, n) => {
  const g = inst.go;
  if (g.exited) return;
  const m = mem32();
  const b = box >>> 2;
  m[b] = id;
  m[b + 1] = bits;
  m[b + 2] = n;
  calls = (calls + 1) >>> 0;
  inst.enter();
  lastGo = performance.now();
  // The program may end inside the call, as in any call into Go: do what
  // wasm_exec.js's _resume does then.
  if (g.exited) g._resolveExitPromise();
  else if (mem32()[b + 3] !== calls) {
    broken = true;
    console.error("duplex: wasm: a call of Go's export did not complete: using js.Funcs");
  }
};

class Sock {
  constructor(wake, readLimit, queueLimit) {
    this.wake = wake;
    this.readLimit = readLimit; // bytes; < 0 means none
    this.queueLimit = queueLimit; // bytes
    this.q = []; // entries {v, n, text, ready}: see _message
    this.queued = 0; // bytes queued here, or packed for Go and not yet returned by Read, and ENTRY each
    this.big = null; // a message too big for rbuf, for takeBig
    this.bits = 0;
    // When Go last returned from a call: see _notifyRead.
    this.idle = -Infinity;
    this.readArmed = false;
    this.writeArmed = false;
    this.low = 0;
    this.state = 0; // the DOM's readyState: 0 connecting, 1 open, 2 closing, 3 closed
    this.opened = false;
    this.protocol = "";
    this.extensions = "";
    this.failure = null; // {kind, size, limit} when a limit made us close
    this.end = null; // {code, reason, wasClean, opened} once closed
    // The directive of a Content Security Policy that refused the URL.
    this.policy = "";
    this.unwatch = () => {};
    // rbuf is made on first use, and only without Go's memory.
    this.rbuf = null;
    this.wbuf = new Uint8Array(4096);
    // id is Go's for this socket on the export path (attach), else -1.
    // While a Read waits with a buffer, dptr and dcap are where it is in
    // Go's memory, and how big.
    this.id = -1;
    this.dptr = 0;
    this.dcap = 0;
    // Bound once, so that Go calls them with Invoke: Call would have
    // syscall/js decode the method's name on every call.
    this.fillFn = (arm, cap, ptr) => this.fill(arm, cap, ptr);
    this.sendFn = (kind, n, high, ptr) => this.send(kind, n, high, ptr);
    this.releaseFn = (n) => this.release(n);
    this.takeFn = (ptr) => this.takeBig(ptr);
  }

  // broken reports whether the shim no longer uses the export.
  broken() {
    return broken;
  }


  _fire() {
    const bits = this.bits;
    this.bits = 0;
    const wake = this.wake;
    if (wake && bits) this._enter(wake, bits);
  }

  // _enter calls Go with bits and, on the export path, if a Read waits
  // with a buffer, the messages ready packed into it. (Through the js.Func,
  // the Read's fill packs them, into that buffer still.)
  _enter(wake, bits) {
    if (this.id >= 0 && !broken) {
      let n = 0;
      if (bits & 1 && this.dptr) {
        n = this._pack(mem(), this.dptr, this.dcap);
        this.dptr = 0;
      }
      goEnter(this.id, bits, n);
    }
    // Called as a plain function, so `this` is undefined: syscall/js reads
    // `this` for every call into Go, and an object there would cost a
    // reference, an allocation and a finalizer each time.
    else wake(bits);
    this.idle = performance.now();
  }

  // _notifyRead wakes a waiting Read: at once for a lone message (as in
  // request/response), else once the messages already waiting in the
  // browser's task queue have come too, in one batch (schedule). A message
  // that comes less than BURST_MS after Go last returned was waiting in
  // that queue while Go ran: a burst is under way. (The clock of a page
  // that is not cross-origin isolated moves in steps of 100 us: such a
  // message reads 0 ms, mostly.)
  _notifyRead() {
    if (!this.readArmed) {
      // No Read waits: the program is busy elsewhere, or asleep. A sleep
      // is a timer of Go's, which Go schedules with setTimeout when it
      // pauses; browsers make a setTimeout set from inside another
      // timer's callback wait 4 ms or more, so a program that reads
      // then sleeps 1 ms, with nothing else entering Go, sleeps 4 ms. A
      // message that arrives meanwhile enters Go (on the export path,
      // where that is cheap), at most every NUDGE_MS: Go runs the timers
      // that are due, and sets the next one from this event, where the
      // browser does not stretch it.
      if (this.id >= 0 && this.wake && !broken && performance.now() - lastGo >= NUDGE_MS) goEnter(-1, 0, 0);
      return;
    }
    this.readArmed = false;
    if (performance.now() - this.idle >= BURST_MS && this.wake && !pending.has(this)) {
      this._enter(this.wake, 1);
      return;
    }
    schedule(this, 1);
  }

  _notifyWrite() {
    if (this.writeArmed && (this.buffered() < this.low || this.failure || this.readyState() >= 2)) {
      this.writeArmed = false;
      schedule(this, 2);
    }
  }

  // _watch listens, until the socket opens or closes, for the event that
  // says the page's Content Security Policy does not allow its URL
  // (connect-src), and ends the socket when it comes, with the directive
  // it names in policy (for diagnose.go). The browser refuses such a URL
  // before connecting, and Chromium 156 says so in ways Go cannot read:
  // its WebSocket is CLOSED at once and fires error but never close (Dial
  // would wait for its timeout); its WebSocketStream rejects with a
  // SecurityError just before the event, which the socket waits for. url
  // is the socket's own, as the browser holds it (wss:// where the policy
  // says upgrade-insecure-requests).
  _watch(url) {
    if (typeof addEventListener !== "function") return; // not a page or a worker
    // The event's blockedURI has no user info.
    const u = new URL(url);
    u.username = u.password = "";
    const f = (e) => {
      if (e.blockedURI === u.href && e.disposition === "enforce") {
        this.policy = e.violatedDirective;
        this._closed(1006, "", false);
      }
    };
    addEventListener("securitypolicyviolation", f);
    this.unwatch = () => removeEventListener("securitypolicyviolation", f);
  }

  _opened(protocol, extensions) {
    this.unwatch();
    this.state = 1;
    this.opened = true;
    this.protocol = protocol || "";
    this.extensions = extensions || "";
    this.readArmed = false;
    schedule(this, 1);
  }

  // _closed records the end and wakes Go.
  _closed(code, reason, wasClean) {
    if (this.end) return;
    this.unwatch();
    this.state = 3;
    this.end = { code, reason, wasClean, opened: this.opened };
    this.readArmed = this.writeArmed = false;
    schedule(this, 1 | 2);
    this._maybeFinal();
  }

  // _maybeFinal calls Go one last time, synchronously, once the socket has
  // closed and no Blob is still being read: nothing can call Go after that.
  _maybeFinal() {
    if (!this.end || this.q.some((e) => !e.ready)) return;
    const wake = this.wake;
    this.wake = null;
    pending.delete(this);
    if (wake) this._enter(wake, 1 | 2 | 4);
  }

  // _message queues one received message: a string, an ArrayBuffer or a
  // Blob. It returns false when the queue is full and the transport can
  // wait (WebSocketStream); it has then queued nothing, and holds the
  // message back in `held` for _admit to take when there is room.
  //
  // An entry's n is the bytes Go will receive. Text is kept as a string,
  // to be encoded straight into rbuf by fill, and counted: ASCII by its
  // length (a regular expression finds it fastest: 0.6 us a KiB in
  // Chromium, against 1.4 for encodeInto and 2-3 for a loop); other text
  // short enough by encoding it into scratch. Longer text that is not
  // ASCII is kept encoded. A string longer than the read limit is over it
  // whatever it encodes to (UTF-8 is never shorter): it fails the socket
  // at once, its size known only as at least its length (a negative size
  // in failure), without a walk through what may be a huge string.
  _message(d, canWait) {
    if (this.failure || this.end) return true;
    const e = { v: d, n: 0, text: typeof d === "string", ready: true };
    if (e.text) {
      if (this.readLimit >= 0 && d.length > this.readLimit) {
        this._fail("toobig", -d.length, 4009, "message too big");
        return true;
      }
      if (ASCII.test(d)) e.n = d.length;
      else if (d.length * 3 + 5 <= RBUF) e.n = encoder.encodeInto(d, (scratch ||= new Uint8Array(RBUF))).written;
      else {
        e.v = encoder.encode(d);
        e.n = e.v.length;
      }
    } else if (d instanceof Blob) {
      e.n = d.size;
      e.ready = false;
    } else {
      e.v = new Uint8Array(d);
      e.n = e.v.length;
    }
    return this._admit(e, canWait);
  }

  // _admit queues an entry, or fails the socket for a limit, or (canWait)
  // holds it back while the queue is full. fallback.go's onMessage is the
  // same in Go (with _message and _fail: failLocked): change both. The two
  // drifted apart once; the behaviour tests run on both backends.
  _admit(e, canWait) {
    if (this.failure || this.end) return true;
    if (this.readLimit >= 0 && e.n > this.readLimit) {
      this._fail("toobig", e.n, 4009, "message too big");
      return true;
    }
    const n = e.n + ENTRY;
    if (this.queued > 0 && this.queued + n > this.queueLimit) {
      if (!canWait) {
        this._fail("queuefull", e.n, 4008, "receive queue full");
        return true;
      }
      this.held = e;
      return false;
    }
    if (!e.ready) {
      // A Blob: convert at once, in parallel, but deliver in arrival
      // order: fill() stops at the first entry not yet ready.
      e.v.arrayBuffer().then(
        (buf) => {
          e.v = new Uint8Array(buf);
          e.ready = true;
          this._notifyRead();
          this._maybeFinal();
        },
        () => {
          // What follows cannot be delivered in order either.
          const i = this.q.indexOf(e);
          if (i >= 0) this.q.length = i;
          this._fail("blob", e.n, 4011, "could not read a Blob");
          this._notifyRead();
          this._maybeFinal();
        },
      );
    }
    this.q.push(e);
    this.queued += n;
    if (e.ready) this._notifyRead();
    return true;
  }

  // _fail closes the socket for a limit, and wakes a Read and a Write that
  // wait: they return the failure now, not when the peer answers the
  // close, which it may never do. fallback.go's failLocked is the same in
  // Go: change both. The reason sent, "duplex: " + reason, is the one the
  // native client sends for the same limit (internal/wsspec's ReasonTooBig
  // and ReasonQueueFull).
  _fail(kind, size, code, reason) {
    if (this.failure) return;
    this.failure = { kind, size, limit: kind === "toobig" ? this.readLimit : this.queueLimit };
    try {
      this.close(code, "duplex: " + reason);
    } catch (e) {
      this._closed(1006, "", false);
    }
    this.readArmed = this.writeArmed = false;
    schedule(this, 1 | 2);
  }

  // fill packs the messages ready to read into Go's buffer of cap bytes
  // at ptr, or with ptr 0 into rbuf, in order, and returns the bytes
  // packed. It returns -1 when nothing is ready (and, with arm set, asks
  // for a wake when something is, packing it into ptr first), -2 once the
  // socket has ended, or failed for a limit, and everything before has
  // been taken, -3 when rbuf is not the cap bytes Go holds (Go fetches
  // rbuf and asks again), -4 (binary) or -5 (text) when the next message
  // is too big for rbuf (Go's buffer is as big): Go takes it with takeBig.
  // With ptr, fill returns -8 - 2n for such a message of n bytes, -9 - 2n
  // for text: Go makes a slice of n bytes, and takeBig writes it there.
  // A message packed still counts against the queue limit until Go's Read
  // returns it (release).
  fill(arm, cap, ptr) {
    // First, before packing: see "Waking Read" at the top.
    this._resume();
    this.dptr = 0;
    let buf = this.rbuf;
    if (ptr) buf = mem();
    else {
      if (!buf) buf = this.rbuf = new Uint8Array(RBUF);
      if (buf.length !== cap) return -3;
    }
    const off = this._pack(buf, ptr, cap);
    if (off > 0) return off;
    const q = this.q;
    if (q.length > 0 && q[0].ready) {
      const e = q[0];
      // Alone, and Go's Read returns it at once: it counts no more.
      q.shift();
      this.big = e.v;
      this.release(e.n);
      if (ptr) return -8 - 2 * e.n - (e.text ? 1 : 0);
      return e.text ? -5 : -4;
    }
    if ((this.end || this.failure) && q.length === 0) return -2;
    if (arm && this.wake) {
      this.readArmed = true;
      this.dptr = ptr;
      this.dcap = cap;
    }
    return -1;
  }

  // _pack packs the messages ready that fit into cap bytes of buf at
  // base, and returns the bytes packed.
  _pack(buf, base, cap) {
    const q = this.q;
    let i = 0;
    let off = 0;
    for (; i < q.length && q[i].ready; i++) {
      const e = q[i];
      const n = e.n;
      const at = base + off;
      if (off + 5 + n > cap) break;
      if (typeof e.v === "string") encoder.encodeInto(e.v, buf.subarray(at + 5, at + 5 + n));
      else buf.set(e.v, at + 5);
      buf[at] = e.text ? 1 : 2;
      buf[at + 1] = n & 0xff;
      buf[at + 2] = (n >>> 8) & 0xff;
      buf[at + 3] = (n >>> 16) & 0xff;
      buf[at + 4] = (n >>> 24) & 0xff;
      off += 5 + n;
    }
    if (i > 0) q.splice(0, i);
    return off;
  }

  // takeBig hands over the message fill reported as too big for rbuf, for
  // a text message its UTF-8: written into Go's memory at ptr, or without
  // ptr returned as a Uint8Array.
  takeBig(ptr) {
    const v = this.big;
    this.big = null;
    if (!ptr) return typeof v === "string" ? encoder.encode(v) : v;
    const h = mem();
    if (typeof v === "string") encoder.encodeInto(v, h.subarray(ptr));
    else h.set(v, ptr);
  }

  // release uncounts a message of n bytes that Go's Read has returned, and
  // resumes a stream that was held back for room.
  release(n) {
    this.queued -= n + ENTRY;
    if (this.held !== undefined) this._resume();
  }

  // setLimits changes the limits for the messages that arrive from now on.
  setLimits(read, queue) {
    this.readLimit = read;
    this.queueLimit = queue;
    this._resume();
  }

  disarmRead() {
    this.readArmed = false;
    this.dptr = 0;
  }

  _resume() {}

  // ready reports whether a write may go now; if not, it asks for a wake
  // once what is buffered falls below low.
  armWrite(low) {
    if (this.buffered() < low || this.failure || this.readyState() >= 2) return true;
    this.low = low;
    this.writeArmed = true;
    this._pollWrite();
    return false;
  }

  disarmWrite() {
    this.writeArmed = false;
  }

  _pollWrite() {}

  // send sends n bytes as a text (kind 1) or binary (kind 2) message: those
  // at ptr in Go's memory, or without ptr the first n of wbuf. It returns 0
  // when sent, 1 when nothing was sent because high or more bytes are
  // buffered, 2 when nothing was sent because the socket is not open, and
  // 3 when sent from a wbuf grown past WBUF, which it then drops (Go asks
  // for a new one).
  send(kind, n, high, ptr) {
    if (this.end || this.readyState() !== 1) return 2;
    if (this.buffered() >= high) return 1;
    const big = !ptr && this.wbuf.length > WBUF;
    const view = ptr ? mem().subarray(ptr, ptr + n) : this.wbuf.subarray(0, n);
    if (kind === 1) this._send(decoder.decode(view), n);
    else this._sendBytes(view, n, big);
    if (!big) return 0;
    this.wbuf = new Uint8Array(4096);
    return 3;
  }

  // growWbuf makes wbuf at least n bytes and returns its length; Go
  // fetches it afterwards.
  growWbuf(n) {
    if (this.wbuf.length < n) this.wbuf = new Uint8Array(Math.max(n, Math.min(this.wbuf.length * 2, WBUF)));
    return this.wbuf.length;
  }

  // detach stops every call into Go: for a socket Go has given up on.
  detach() {
    this.unwatch();
    this.wake = null;
    pending.delete(this);
  }
}

// Classic is the page's WebSocket.
class Classic extends Sock {
  constructor(url, protocols, binaryType, readLimit, queueLimit, wake) {
    super(wake, readLimit, queueLimit);
    const ws = new WebSocket(url, protocols);
    ws.binaryType = binaryType;
    this.ws = ws;
    ws.addEventListener("open", () => this._opened(ws.protocol, ws.extensions));
    ws.addEventListener("message", (e) => this._message(e.data, false));
    ws.addEventListener("close", (e) => this._closed(e.code, e.reason, e.wasClean));
    // The error event carries nothing: the close event that follows says
    // how the socket ended, except for a URL the browser refused (_watch).
    this._watch(ws.url);
  }

  readyState() {
    return this.end ? 3 : this.ws.readyState;
  }

  buffered() {
    return this.ws.bufferedAmount;
  }

  _send(s) {
    this.ws.send(s);
  }

  // send copies the bytes at once: wbuf is free again when it returns.
  _sendBytes(view) {
    this.ws.send(view);
  }

  close(code, reason) {
    this.ws.close(code, reason);
  }

  // The WebSocket has no event for bufferedAmount going down: poll, from
  // 1 ms doubling to 64 ms, only while Go waits to write.
  _pollWrite() {
    if (this.polling) return;
    this.polling = true;
    let delay = 1;
    const tick = () => {
      if (!this.writeArmed) {
        this.polling = false;
        return;
      }
      this._notifyWrite();
      if (!this.writeArmed) {
        this.polling = false;
        return;
      }
      delay = Math.min(delay * 2, 64);
      setTimeout(tick, delay);
    };
    setTimeout(tick, delay);
  }
}

// Stream is the page's WebSocketStream: reads stop when the receive queue
// is full, so the server slows down instead of the socket closing, and
// writes are counted until the stream has taken them.
class Stream extends Sock {
  constructor(url, protocols, readLimit, queueLimit, wake) {
    super(wake, readLimit, queueLimit);
    const wss = new WebSocketStream(url, { protocols });
    this.wss = wss;
    this._watch(wss.url);
    this.writing = 0; // bytes written and not yet taken by the stream
    this.pumping = false;
    wss.opened.then(
      (o) => {
        if (this.end) return;
        this.reader = o.readable.getReader();
        this.writer = o.writable.getWriter();
        this._opened(o.protocol, o.extensions);
        this._pump();
      },
      () => {},
    );
    wss.closed.then(
      (c) => this._peerClosed(c.closeCode, c.reason, true),
      (e) => {
        const f = () => this._peerClosed(e && typeof e.closeCode === "number" ? e.closeCode : 1006, (e && e.reason) || "", false);
        // A SecurityError before opening: the page's policy refused the
        // URL, and the event that says so (_watch) follows. It ends the
        // socket; the timer, in case it never comes.
        if (e && e.name === "SecurityError" && !this.opened) setTimeout(f, 100);
        else f();
      },
    );
  }

  // _peerClosed: the closed promise can settle while the readable side
  // still holds messages that the queue had no room for. Those are
  // delivered first: the socket ends for Read once the readable side is
  // drained, unless this side closed (Read returns no more then). Until
  // then it is CLOSING, writes fail and Go takes closeInfo for how it
  // ended (shim.go: closed).
  _peerClosed(code, reason, wasClean) {
    this.closeInfo = { code, reason, wasClean, opened: this.opened };
    if (this.drained || !this.reader || this.state >= 2) this._closed(code, reason, wasClean);
  }

  _drained() {
    this.drained = true;
    const c = this.closeInfo;
    if (c) this._closed(c.code, c.reason, c.wasClean);
  }

  // _pump reads from the stream until the queue is full (it then holds
  // the message back: fill, release and setLimits resume it) or the
  // stream ends. Once this side has closed it reads on, dropping what
  // comes: the peer's answer to the close follows what it sent.
  async _pump() {
    if (this.pumping) return;
    this.pumping = true;
    try {
      for (;;) {
        const e = this.held;
        if (e !== undefined) {
          this.held = undefined;
          if (!this._admit(e, true)) return; // still full, held again
        }
        if (this.end) return;
        let r;
        try {
          r = await this.reader.read();
        } catch (err) {
          this._drained(); // closed rejects too and says how
          return;
        }
        if (r.done) {
          this._drained();
          return;
        }
        if (!this.closing && !this._message(r.value, true)) return; // held: wait for room
      }
    } finally {
      this.pumping = false;
    }
  }

  _resume() {
    if (this.held !== undefined && !this.pumping) this._pump();
  }

  readyState() {
    return this.closeInfo && this.state < 2 ? 2 : this.state;
  }

  buffered() {
    return this.writing;
  }

  _write(chunk, n) {
    this.writing += n;
    const done = () => {
      this.writing -= n;
      this._notifyWrite();
    };
    this.last = this.writer.write(chunk).then(done, done);
  }

  _send(s, n) {
    this._write(s, n);
  }

  // The stream keeps the chunk until it sends it: copy out of wbuf,
  // unless send drops wbuf after this.
  _sendBytes(view, n, dropped) {
    this._write(dropped ? view : view.slice(), n);
  }

  close(code, reason) {
    if (this.state < 2) this.state = 2;
    const c = this.closeInfo;
    if (c) {
      // The peer has closed already: only the drain was awaited.
      this._closed(c.code, c.reason, c.wasClean);
      return;
    }
    // Read on, dropping what comes (see _pump), and send the close after
    // what was written, as the classic WebSocket does. Chromium 156 also
    // crashes the page if the closing handshake ends while a write is
    // still pending.
    this.closing = true;
    this.held = undefined;
    if (this.reader) this._pump();
    const go = () => this.wss.close({ closeCode: code, reason });
    if (this.last) this.last.then(go);
    else go();
  }
}

return {
  // id is Go's for the socket on the export path: see attach.
  classic: (url, protocols, binaryType, readLimit, queueLimit, wake, id) =>
    attach(new Classic(url, protocols, binaryType, readLimit, queueLimit, wake), id),
  stream: (url, protocols, readLimit, queueLimit, wake, id) => attach(new Stream(url, protocols, readLimit, queueLimit, wake), id),
  hasStream: () => typeof WebSocketStream === "function",
};
