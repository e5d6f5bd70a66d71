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
// messages to send are copied into wbuf.
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

const encoder = new TextEncoder();
const decoder = new TextDecoder();

// utf8Length is the UTF-8 length of a JavaScript string.
const utf8Length = (s) => {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
      const d = s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        n += 4;
        i++;
      } else n += 3;
    } else n += 3;
  }
  return n;
};

class Sock {
  constructor(wake, readLimit, queueLimit) {
    this.wake = wake;
    this.readLimit = readLimit; // bytes; < 0 means none
    this.queueLimit = queueLimit; // bytes
    this.q = []; // entries {v, n, ready}
    this.queued = 0; // bytes queued here or taken by Go and not yet read
    this.inflight = []; // sizes of entries Go has taken and not yet read
    this.inflightHead = 0;
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
    this.failure = null; // {kind, size} when a limit made us close
    this.end = null; // {code, reason, wasClean, failure, opened} once closed
    this.rbuf = new Uint8Array(64 << 10);
    this.wbuf = new Uint8Array(4096);
    // Bound once, so that Go calls them with Invoke: Call would have
    // syscall/js decode the method's name on every call.
    this.fillFn = (delivered, arm, cap) => this.fill(delivered, arm, cap);
    this.sendFn = (kind, n, high) => this.send(kind, n, high);
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
    if (this.writeArmed && (this.buffered() < this.low || this.end || this.state >= 2)) {
      this.writeArmed = false;
      schedule(this, 2);
    }
  }

  _opened(protocol, extensions) {
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
    this.state = 3;
    this.end = { code, reason, wasClean, failure: this.failure, opened: this.opened };
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

  // ended returns how the socket ended, once every message before the end
  // has been taken; null until then.
  ended() {
    return this.end && this.q.length === 0 ? this.end : null;
  }

  // _message queues one received message: a string, an ArrayBuffer or a
  // Blob. It returns false when the queue is full and the transport can
  // wait (WebSocketStream); it has then queued nothing.
  _message(d, canWait) {
    if (this.failure || this.end) return true;
    let size, bytes;
    if (typeof d === "string") {
      size = d.length;
      bytes = this.readLimit >= 0 && size * 3 > this.readLimit ? utf8Length(d) : size;
    } else if (d instanceof Blob) {
      size = bytes = d.size;
    } else {
      size = bytes = d.byteLength;
    }
    if (this.readLimit >= 0 && bytes > this.readLimit) {
      this._fail("toobig", bytes, 4009, "message too big");
      return true;
    }
    if (this.queued > 0 && this.queued + size > this.queueLimit) {
      if (canWait) return false;
      this._fail("queuefull", size, 4008, "receive queue full");
      return true;
    }
    const e = { v: d, n: size, ready: true };
    if (typeof d !== "string") {
      if (d instanceof Blob) {
        // Convert at once, in parallel, but deliver in arrival order:
        // fill() stops at the first entry not yet ready.
        e.ready = false;
        d.arrayBuffer().then(
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
            this._fail("blob", size, 4011, "could not read a Blob");
            this._notifyRead();
            this._maybeFinal();
          },
        );
      } else {
        e.v = new Uint8Array(d);
      }
    }
    this.q.push(e);
    this.queued += size;
    if (e.ready) this._notifyRead();
    return true;
  }

  _fail(kind, size, code, reason) {
    if (this.failure) return;
    this.failure = { kind, size };
    try {
      this.close(code, "duplex: " + reason);
    } catch (e) {
      this._closed(1006, "", false);
    }
  }

  // fill packs the messages ready to read into rbuf, in order, after
  // accounting for the `delivered` messages Go has read since the last
  // fill, and returns the bytes packed. It returns -1 when nothing is ready
  // (and, with arm set, asks for a wake when something is), -2 once the
  // socket has ended and everything before the end has been taken, and -3
  // when rbuf is not the cap bytes Go holds: Go fetches rbuf and asks
  // again.
  fill(delivered, arm, cap) {
    for (let i = 0; i < delivered; i++) this.queued -= this.inflight[this.inflightHead++];
    if (this.inflightHead > 1024 && this.inflightHead * 2 > this.inflight.length) {
      this.inflight = this.inflight.slice(this.inflightHead);
      this.inflightHead = 0;
    }
    let i = 0;
    let off = 0;
    for (; i < this.q.length && this.q[i].ready; i++) {
      const e = this.q[i];
      const text = typeof e.v === "string";
      const need = 5 + (text ? e.v.length * 3 : e.v.length);
      if (off + need > this.rbuf.length) {
        if (i > 0) break;
        this.rbuf = new Uint8Array(Math.max(need, this.rbuf.length * 2));
      }
      if (this.rbuf.length !== cap) return -3;
      let n;
      if (text) {
        n = encoder.encodeInto(e.v, this.rbuf.subarray(off + 5)).written;
      } else {
        n = e.v.length;
        this.rbuf.set(e.v, off + 5);
      }
      this.rbuf[off] = text ? 1 : 2;
      this.rbuf[off + 1] = n & 0xff;
      this.rbuf[off + 2] = (n >>> 8) & 0xff;
      this.rbuf[off + 3] = (n >>> 16) & 0xff;
      this.rbuf[off + 4] = (n >>> 24) & 0xff;
      off += 5 + n;
      this.inflight.push(e.n);
      if (off >= 256 << 10) {
        i++;
        break;
      }
    }
    if (i > 0) this.q.splice(0, i);
    this._resume();
    if (off > 0) return off;
    if (this.end && this.q.length === 0) return -2;
    if (arm && this.wake) this.readArmed = true;
    return -1;
  }

  disarmRead() {
    this.readArmed = false;
  }

  _resume() {}

  // ready reports whether a write may go now; if not, it asks for a wake
  // once what is buffered falls below low.
  armWrite(low) {
    if (this.buffered() < low || this.end || this.state >= 2) return true;
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
  // because the socket is not open.
  send(kind, n, high) {
    if (this.end || this.readyState() !== 1) return 2;
    if (this.buffered() >= high) return 1;
    const view = this.wbuf.subarray(0, n);
    if (kind === 1) this._send(decoder.decode(view), n);
    else this._sendBytes(view, n);
    return 0;
  }

  // growWbuf makes wbuf at least n bytes; Go fetches it afterwards.
  growWbuf(n) {
    if (this.wbuf.length < n) this.wbuf = new Uint8Array(Math.max(n, this.wbuf.length * 2));
    return this.wbuf.length;
  }

  // detach stops every call into Go: for a socket Go has given up on.
  detach() {
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
    // how the socket ended.
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
      (c) => this._closed(c.closeCode, c.reason, true),
      (e) => this._closed(typeof e.closeCode === "number" ? e.closeCode : 1006, e.reason || "", false),
    );
  }

  async _pump() {
    if (this.pumping) return;
    this.pumping = true;
    try {
      for (;;) {
        if (this.held !== undefined) {
          if (!this._message(this.held, true)) return; // still full
          this.held = undefined;
        }
        if (this.failure || this.end) return;
        let r;
        try {
          r = await this.reader.read();
        } catch (e) {
          return; // closed rejects too and says how
        }
        if (r.done) return;
        if (!this._message(r.value, true)) {
          this.held = r.value; // wait for room: fill() resumes
          return;
        }
      }
    } finally {
      this.pumping = false;
    }
  }

  _resume() {
    if (this.held !== undefined && !this.pumping) this._pump();
  }

  readyState() {
    return this.state;
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
    this.writer.write(chunk).then(done, done);
  }

  _send(s, n) {
    this._write(s, n);
  }

  // The stream keeps the chunk until it sends it: copy out of wbuf.
  _sendBytes(view, n) {
    this._write(view.slice(), n);
  }

  close(code, reason) {
    if (this.state < 2) this.state = 2;
    this.wss.close({ closeCode: code, reason });
  }
}

return {
  classic: (url, protocols, binaryType, readLimit, queueLimit, wake) =>
    new Classic(url, protocols, binaryType, readLimit, queueLimit, wake),
  stream: (url, protocols, readLimit, queueLimit, wake) => new Stream(url, protocols, readLimit, queueLimit, wake),
  hasStream: () => typeof WebSocketStream === "function",
};
