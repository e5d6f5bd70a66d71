// The JavaScript half of package wasm, embedded in shim.go and built once
// per page with the Function constructor. It keeps received messages in
// JavaScript, enforces the read and receive-queue limits before anything
// reaches Go, and wakes Go once per batch instead of once per message:
// crossing from JavaScript into Go costs far more than a call the other
// way.
//
// A socket calls wake(bits) with 1 (something to read), 2 (room to write)
// and 4 (final: the socket has closed and will never call again).
//
// Go talks to a socket through calls that return numbers only, and two
// buffers it holds on to: handing Go a new JavaScript object costs about
// ten times a call that returns a number. Received messages are packed
// into rbuf as [type: 1 text, 2 binary][length: uint32 LE][bytes]...;
// messages to send are copied into wbuf. Neither buffer grows with the
// messages: one too big for rbuf goes to Go on its own (fill returns -4
// or -5, takeBig hands it over), and a wbuf grown for a large message is
// dropped once it is sent (send returns 3). So after a large message
// nothing here, and nothing in Go, keeps its size.
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
// than one callback each. A socket that has been quiet wakes Go at once
// instead: a lone message should not wait for the hop (see _notifyRead).
const pending = new Set();
let posted = false;
const channel = new MessageChannel();
channel.port1.onmessage = () => {
  posted = false;
  const socks = Array.from(pending);
  pending.clear();
  for (const s of socks) s._fire();
};
const schedule = (s, bits) => {
  s.bits |= bits;
  pending.add(s);
  if (!posted) {
    posted = true;
    channel.port2.postMessage(0);
  }
};

// QUIET_MS is the average gap between messages above which a message
// counts as a lone one rather than part of a burst.
const QUIET_MS = 0.4;

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

class Sock {
  constructor(wake, readLimit, queueLimit) {
    this.wake = wake;
    this.readLimit = readLimit; // bytes; < 0 means none
    this.queueLimit = queueLimit; // bytes
    this.q = []; // entries {v, n, text, ready}: see _message
    this.queued = 0; // bytes queued here, or packed for Go and not yet returned by Read, and ENTRY each
    this.big = null; // a message too big for rbuf, for takeBig
    this.bits = 0;
    this.lastMessage = -Infinity;
    this.gap = 10; // ms, averaged
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
    this.rbuf = new Uint8Array(RBUF);
    this.wbuf = new Uint8Array(4096);
    // Bound once, so that Go calls them with Invoke: Call would have
    // syscall/js decode the method's name on every call.
    this.fillFn = (arm, cap) => this.fill(arm, cap);
    this.sendFn = (kind, n, high) => this.send(kind, n, high);
    this.releaseFn = (n) => this.release(n);
  }

  _fire() {
    const bits = this.bits;
    this.bits = 0;
    // Called as a plain function, so `this` is undefined: syscall/js reads
    // `this` for every call into Go, and an object there would cost a
    // reference, an allocation and a finalizer each time.
    const wake = this.wake;
    if (wake && bits) wake(bits);
  }

  // _notifyRead wakes a waiting Read: at once when the previous message
  // came long enough ago that no burst is under way (a lone message, as in
  // request/response), else in the next batch.
  _notifyRead() {
    const now = performance.now();
    // An average of the gaps between messages: the page's clock is coarse.
    this.gap = 0.75 * this.gap + 0.25 * Math.min(now - this.lastMessage, 10);
    this.lastMessage = now;
    const quiet = this.gap >= QUIET_MS;
    if (!this.readArmed) return;
    this.readArmed = false;
    if (quiet && this.wake && !pending.has(this)) {
      const wake = this.wake; // see _fire
      wake(1);
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
    if (wake) wake(1 | 2 | 4);
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
  // short enough by encoding it into rbuf, which is free between fills
  // (Go copies it out within the same call). Longer text that is not
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
      else if (d.length * 3 + 5 <= RBUF) e.n = encoder.encodeInto(d, this.rbuf).written;
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

  // fill packs the messages ready to read into rbuf, in order, and
  // returns the bytes packed. It returns -1 when nothing is ready (and,
  // with arm set, asks for a wake when something is), -2 once the socket
  // has ended, or failed for a limit, and everything before has been
  // taken, -3 when rbuf is not the cap bytes Go holds (Go fetches rbuf and
  // asks again), and -4 (binary) or -5 (text) when the next message is
  // too big for rbuf: Go takes it with takeBig. A message packed still
  // counts against the queue limit until Go's Read returns it (release).
  fill(arm, cap) {
    // First, before packing: see "Waking Read" at the top.
    this._resume();
    if (this.rbuf.length !== cap) return -3;
    const q = this.q;
    let i = 0;
    let off = 0;
    for (; i < q.length && q[i].ready; i++) {
      const e = q[i];
      if (off + 5 + e.n > RBUF) {
        if (i > 0) break;
        // Alone, and Go's Read returns it at once: it counts no more.
        q.shift();
        this.big = e.v;
        this.release(e.n);
        return e.text ? -5 : -4;
      }
      const n = e.n;
      if (typeof e.v === "string") encoder.encodeInto(e.v, this.rbuf.subarray(off + 5));
      else this.rbuf.set(e.v, off + 5);
      this.rbuf[off] = e.text ? 1 : 2;
      this.rbuf[off + 1] = n & 0xff;
      this.rbuf[off + 2] = (n >>> 8) & 0xff;
      this.rbuf[off + 3] = (n >>> 16) & 0xff;
      this.rbuf[off + 4] = (n >>> 24) & 0xff;
      off += 5 + n;
    }
    if (i > 0) q.splice(0, i);
    if (off > 0) return off;
    if ((this.end || this.failure) && q.length === 0) return -2;
    if (arm && this.wake) this.readArmed = true;
    return -1;
  }

  // takeBig hands over the message fill reported with -4 or -5 as a
  // Uint8Array: for a text message its UTF-8.
  takeBig() {
    const v = this.big;
    this.big = null;
    return typeof v === "string" ? encoder.encode(v) : v;
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

  // send sends the first n bytes of wbuf as a text (kind 1) or binary
  // (kind 2) message. It returns 0 when sent, 1 when nothing was sent
  // because high or more bytes are buffered, 2 when nothing was sent
  // because the socket is not open, and 3 when sent from a wbuf grown
  // past WBUF, which it then drops (Go asks for a new one).
  send(kind, n, high) {
    if (this.end || this.readyState() !== 1) return 2;
    if (this.buffered() >= high) return 1;
    const big = this.wbuf.length > WBUF;
    const view = this.wbuf.subarray(0, n);
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
  classic: (url, protocols, binaryType, readLimit, queueLimit, wake) =>
    new Classic(url, protocols, binaryType, readLimit, queueLimit, wake),
  stream: (url, protocols, readLimit, queueLimit, wake) => new Stream(url, protocols, readLimit, queueLimit, wake),
  hasStream: () => typeof WebSocketStream === "function",
};
