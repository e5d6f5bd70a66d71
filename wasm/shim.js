// The JavaScript half of package wasm, embedded in shim.go and built once
// per page with the Function constructor. It keeps received messages in
// JavaScript, enforces the read and receive-queue limits before anything
// reaches Go, and wakes Go once per batch instead of once per message:
// crossing from JavaScript into Go costs far more than a call the other
// way.
//
// A socket calls wake(bits) with 1 (something to read), 2 (room to write)
// and 4 (final: the socket has closed and will never call again).
"use strict";

// One MessageChannel defers every wake to a later task, so that the
// messages already waiting in the browser's task queue are taken in one
// batch rather than one callback each.
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
    this.readArmed = false;
    this.writeArmed = false;
    this.low = 0;
    this.state = 0; // the DOM's readyState: 0 connecting, 1 open, 2 closing, 3 closed
    this.opened = false;
    this.protocol = "";
    this.extensions = "";
    this.failure = null; // {kind, size} when a limit made us close
    this.end = null; // {code, reason, wasClean, failure, opened} once closed
    this.scratch = new Uint8Array(4096);
  }

  _fire() {
    const bits = this.bits;
    this.bits = 0;
    if (this.wake && bits) this.wake(bits);
  }

  _notifyRead() {
    if (this.readArmed) {
      this.readArmed = false;
      schedule(this, 1);
    }
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
        // take() stops at the first entry not yet ready.
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

  // take returns the messages ready to read, in order (strings and
  // Uint8Arrays), after accounting for the `delivered` messages Go has
  // read since the last take. With arm set and nothing to return, it asks
  // for a wake when there is.
  take(delivered, arm) {
    for (let i = 0; i < delivered; i++) this.queued -= this.inflight[this.inflightHead++];
    if (this.inflightHead > 1024 && this.inflightHead * 2 > this.inflight.length) {
      this.inflight = this.inflight.slice(this.inflightHead);
      this.inflightHead = 0;
    }
    const out = [];
    let i = 0;
    while (i < this.q.length && this.q[i].ready) {
      out.push(this.q[i].v);
      this.inflight.push(this.q[i].n);
      i++;
    }
    if (i > 0) this.q.splice(0, i);
    this._resume();
    if (out.length === 0 && arm && this.wake) this.readArmed = true;
    return out;
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

  buffer(n) {
    if (this.scratch.length < n) this.scratch = new Uint8Array(Math.max(n, this.scratch.length * 2));
    return this.scratch;
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

  sendText(s) {
    this.ws.send(s);
  }

  // sendBinary sends the first n bytes of the scratch buffer: send copies
  // them at once, so the buffer is free again when it returns.
  sendBinary(n) {
    this.ws.send(this.scratch.subarray(0, n));
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
          this.held = r.value; // wait for room: take() resumes
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

  sendText(s) {
    this._write(s, s.length);
  }

  // The stream keeps the chunk until it sends it: copy out of scratch.
  sendBinary(n) {
    this._write(this.scratch.slice(0, n), n);
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
