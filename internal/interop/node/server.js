// The Node `ws` echo server that duplex's interop tests dial. Its
// behaviour is the same as ../tornado/server.py; ../doc.go describes both.
//
// It listens on 127.0.0.1 on a free port and prints its base URL
// (ws://127.0.0.1:PORT) as the first line of standard output once it
// accepts connections. It exits on SIGTERM or SIGINT, and on its own when
// the process that started it is gone.
"use strict";

const http = require("node:http");
const { WebSocketServer } = require("ws");

// The subprotocol chosen when the client offers it.
const SUBPROTOCOL = "duplex.v1";
// How long /closed waits for the close it is asked about.
const CLOSED_WAIT_MS = 5000;
// "close CODE" or "close CODE REASON": the server closes with them.
const CLOSE_COMMAND = /^close (\d{1,4})(?: ([\s\S]*))?$/;

const wss = new WebSocketServer({
  noServer: true,
  maxPayload: 16 << 20,
  // ws hands the offered subprotocols as a Set; false selects none.
  handleProtocols: (offered) => (offered.has(SUBPROTOCOL) ? SUBPROTOCOL : false),
});

// What each tagged connection's client sent in its close frame, and who
// waits for it.
const closes = new Map();
const waiters = new Map();

function record(id, code, reason) {
  closes.set(id, { code, reason });
  for (const notify of waiters.get(id) || []) notify();
  waiters.delete(id);
}

function echo(ws, id) {
  ws.on("message", (data, isBinary) => {
    if (!isBinary) {
      const m = CLOSE_COMMAND.exec(data.toString("utf8"));
      if (m) {
        try {
          ws.close(Number(m[1]), m[2] || "");
        } catch (err) {
          // ws refuses codes a peer may not send, and long reasons.
          ws.send(`error: ${err.message}`);
        }
        return;
      }
    }
    ws.send(data, { binary: isBinary });
  });
  ws.on("error", (err) => console.error(`node-ws: ${err.message}`));
  if (id) {
    // code is 1005 when the close frame had none, 1006 when the
    // connection ended without one.
    ws.on("close", (code, reason) => record(id, code, reason.toString("utf8")));
  }
}

// closed answers with one JSON text message, {"code":N,"reason":"..."},
// once the connection tagged id has closed, or {"error":"..."} after
// CLOSED_WAIT_MS, and then closes with 1000.
function closed(ws, id) {
  let done = false;
  const answer = () => {
    if (done) return;
    done = true;
    clearTimeout(timer);
    const rec = closes.get(id);
    const msg = rec ? rec : { error: `no close recorded for id ${JSON.stringify(id)} within ${CLOSED_WAIT_MS} ms` };
    ws.send(JSON.stringify(msg), () => ws.close(1000));
  };
  const timer = setTimeout(answer, CLOSED_WAIT_MS);
  ws.on("close", () => {
    done = true;
    clearTimeout(timer);
  });
  ws.on("error", (err) => console.error(`node-ws: ${err.message}`));
  if (closes.has(id)) {
    answer();
  } else {
    if (!waiters.has(id)) waiters.set(id, []);
    waiters.get(id).push(answer);
  }
}

const server = http.createServer((req, res) => {
  res.writeHead(426, { "Content-Type": "text/plain" });
  res.end("a WebSocket server: dial /echo or /closed\n");
});

server.on("upgrade", (req, socket, head) => {
  const url = new URL(req.url, "http://127.0.0.1");
  const id = url.searchParams.get("id") || "";
  let handler;
  if (url.pathname === "/echo") {
    handler = (ws) => echo(ws, id);
  } else if (url.pathname === "/closed" && id) {
    handler = (ws) => closed(ws, id);
  } else {
    socket.end("HTTP/1.1 404 Not Found\r\nConnection: close\r\nContent-Length: 0\r\n\r\n");
    return;
  }
  wss.handleUpgrade(req, socket, head, handler);
});

server.listen(0, "127.0.0.1", () => {
  process.stdout.write(`ws://127.0.0.1:${server.address().port}\n`);
});

function stop() {
  for (const ws of wss.clients) ws.terminate();
  server.close(() => process.exit(0));
  setTimeout(() => process.exit(0), 1000).unref();
}
process.on("SIGTERM", stop);
process.on("SIGINT", stop);

// Never outlive the launcher: when it is gone (even killed), so is this.
const parent = process.ppid;
setInterval(() => {
  if (process.ppid !== parent) stop();
}, 500).unref();
