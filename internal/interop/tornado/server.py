"""The Tornado echo server that duplex's interop tests dial.

It is Tornado's documented WebSocketHandler echo example, grown to behave
exactly like ../node/server.js (../doc.go describes both). It runs on
Debian's python3-tornado: start it with /usr/bin/python3, which sees
Debian's dist-packages.

It listens on 127.0.0.1 on a free port and prints its base URL
(ws://127.0.0.1:PORT) as the first line of standard output once it
accepts connections. It exits on SIGTERM or SIGINT, and on its own when
the process that started it is gone.
"""

import asyncio
import json
import os
import re
import signal
import sys
import urllib.parse

import tornado.httpserver
import tornado.netutil
import tornado.web
import tornado.websocket

# The subprotocol chosen when the client offers it.
SUBPROTOCOL = "duplex.v1"
# How long /closed waits for the close it is asked about, in seconds.
CLOSED_WAIT = 5.0
# "close CODE" or "close CODE REASON": the server closes with them.
CLOSE_COMMAND = re.compile(r"close (\d{1,4})(?: (.*))?", re.DOTALL)

# What each tagged connection's client sent in its close frame, and who
# waits for it.
closes = {}
waiters = {}


def record(conn_id, code, reason):
    closes[conn_id] = {"code": code, "reason": reason}
    for fut in waiters.pop(conn_id, []):
        if not fut.done():
            fut.set_result(None)


class LoopbackOrigin:
    """Accepts pages served from loopback.

    Tornado refuses a handshake whose Origin is not the server's own host
    and port (403). A browser always sends the page's origin, which here is
    the test page's port, not this server's; a native client sends none.
    """

    def check_origin(self, origin):
        host = urllib.parse.urlparse(origin).hostname
        return host in ("127.0.0.1", "localhost", "::1")


class Echo(LoopbackOrigin, tornado.websocket.WebSocketHandler):
    def select_subprotocol(self, subprotocols):
        return SUBPROTOCOL if SUBPROTOCOL in subprotocols else None

    def open(self):
        self.conn_id = self.get_argument("id", "")

    async def on_message(self, message):
        if isinstance(message, str):
            m = CLOSE_COMMAND.fullmatch(message)
            if m:
                self.close(int(m[1]), m[2] or "")
                return
        try:
            # Waiting for the write pushes back on a client that writes
            # faster than it reads.
            await self.write_message(message, binary=isinstance(message, bytes))
        except tornado.websocket.WebSocketClosedError:
            pass

    def on_close(self):
        if self.conn_id:
            # close_code is None both when the close frame had no code and
            # when the connection ended without one; /closed answers null.
            record(self.conn_id, self.close_code, self.close_reason or "")


class Closed(LoopbackOrigin, tornado.websocket.WebSocketHandler):
    """Answers with one JSON text message, {"code":N,"reason":"..."}, once
    the connection tagged id has closed, or {"error":"..."} after
    CLOSED_WAIT seconds, and then closes with 1000."""

    async def open(self):
        conn_id = self.get_argument("id", "")
        if conn_id and conn_id not in closes:
            fut = asyncio.get_running_loop().create_future()
            waiters.setdefault(conn_id, []).append(fut)
            try:
                await asyncio.wait_for(fut, CLOSED_WAIT)
            except asyncio.TimeoutError:
                pass
        msg = closes.get(conn_id) or {
            "error": "no close recorded for id %s within %g s" % (json.dumps(conn_id), CLOSED_WAIT)
        }
        try:
            await self.write_message(json.dumps(msg))
        except tornado.websocket.WebSocketClosedError:
            return
        self.close(1000)


async def main():
    sockets = tornado.netutil.bind_sockets(0, "127.0.0.1")
    app = tornado.web.Application(
        [(r"/echo", Echo), (r"/closed", Closed)],
        websocket_max_message_size=16 << 20,
    )
    server = tornado.httpserver.HTTPServer(app)
    server.add_sockets(sockets)
    port = sockets[0].getsockname()[1]
    print("ws://127.0.0.1:%d" % port, flush=True)

    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    # Never outlive the launcher: when it is gone (even killed), so is this.
    parent = os.getppid()
    while not stop.is_set():
        try:
            await asyncio.wait_for(stop.wait(), 0.5)
        except asyncio.TimeoutError:
            if os.getppid() != parent:
                stop.set()
    server.stop()


if __name__ == "__main__":
    try:
        asyncio.run(main())
    except KeyboardInterrupt:
        pass
    sys.exit(0)
