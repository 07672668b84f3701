#!/usr/bin/env python3
"""receiver.py - the test peer of the notification end-to-end tests.

One process, Python 3 standard library only, serves two things on loopback:

HTTP receiver (HTTP/1.1, threaded): every request to a path outside
/_control is recorded as

    {"id": N, "method": "POST", "path": "/hook1", "query": "a=1&b=2",
     "headers": {"content-type": "application/json", ...},   # lowercase names
     "body": "...",            # utf-8, undecodable bytes replaced
     "time": 1800000000.123,   # unix seconds when the request was read
     "response": 200}          # status answered; null for a hang, or while
                               # the answer is still pending (slow "ok")

and answered by the mode of the longest path prefix that matches (modes of
different prefixes are independent); without a mode: 200 {"ok":true}.

Control API (JSON):
    POST /_control/mode   {"path": "/hook1", "mode": "ok"|"status"|"hang",
                           "status": 503, "times": 2, "delay_ms": 0,
                           "headers": {"Retry-After": "1"}, "body": "..."}
        "ok"     200 {"ok":true}, after delay_ms (default 0) when given
        "status" the status (default 500), after delay_ms (default 0), with a
                 JSON body {"ok":false,"status":N} unless "body" is given;
                 "headers" are added to the response
        "hang"   reads the request, records it, waits delay_ms (default
                 60000) and then CLOSES THE CONNECTION WITHOUT A RESPONSE
                 (the client sees an empty reply / its own timeout)
        "times"  how many matching requests the mode applies to (absent or
                 -1: always); once used up the prefix answers 200 again.
        Posting a mode for a path replaces that path's previous mode.
    GET  /_control/modes                  the current modes
    GET  /_control/requests[?path=P]      recorded requests, oldest first;
                                          P is a path prefix (add &exact=1
                                          for the exact path)
    GET  /_control/mails                  mails received by the SMTP sink:
                                          {"id", "mail_from", "rcpt_to": [...],
                                           "data" (the message as sent, CRLF
                                           line ends, dot-stuffing undone,
                                           without the final "."), "time"}
    POST /_control/smtp_mode {"stage": "greeting"|"mail"|"rcpt"|"data"|"end",
                              "code": 451, "times": 1}
        the SMTP sink answers CODE at that stage ("end": after the message
        text, the message is then not stored) for the next TIMES sessions or
        commands (absent or -1: always); "code": 0 or absent clears it.
    POST /_control/reset                  clears requests, mails, modes and
                                          SMTP modes, and releases requests
                                          still waiting (a hang then closes at
                                          once, a slow "ok" answers at once)
    GET  /_control/health                 {"ok":true}

SMTP sink: enough of RFC 5321 for libcurl: 220 greeting, EHLO (8BITMIME,
SIZE, SMTPUTF8; no STARTTLS, no AUTH), HELO, MAIL FROM, RCPT TO, DATA (354,
read to CRLF.CRLF, dot-stuffing undone), RSET, NOOP, VRFY, HELP, QUIT.

Usage:
    receiver.py [--host 127.0.0.1] [--http-port 0] [--smtp-port 0]
                [--port-file FILE] [--verbose]
Port 0 is an ephemeral port. Once both listen, {"http": PORT, "smtp": PORT}
is written to FILE atomically (FILE.tmp, then renamed). SIGTERM or SIGINT
stops the process at once, hung requests included (daemon threads).
"""

import argparse
import json
import os
import re
import signal
import socket
import socketserver
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

VERBOSE = False


def log(msg):
    if VERBOSE:
        sys.stderr.write("receiver: %s\n" % msg)
        sys.stderr.flush()


class State:
    """Everything shared by the handler threads, under one lock."""

    def __init__(self):
        self.lock = threading.Lock()
        self.requests = []
        self.mails = []
        self.modes = {}  # path prefix -> mode dict (with "left" = times left, -1 = always)
        self.smtp_modes = {}  # stage -> {"code", "left"}
        self.seq = 0
        self.mail_seq = 0
        self.release = threading.Event()  # set by reset: waiting requests go on

    def reset(self):
        with self.lock:
            self.requests = []
            self.mails = []
            self.modes = {}
            self.smtp_modes = {}
            old, self.release = self.release, threading.Event()
        old.set()

    def record(self, rec):
        with self.lock:
            self.seq += 1
            rec["id"] = self.seq
            self.requests.append(rec)

    def take_mode(self, path):
        """The mode for PATH (longest matching prefix), counting one use."""
        with self.lock:
            best = None
            for prefix in self.modes:
                if path.startswith(prefix) and (best is None or len(prefix) > len(best)):
                    best = prefix
            if best is None:
                return None, self.release
            mode = self.modes[best]
            if mode["left"] > 0:
                mode["left"] -= 1
                if mode["left"] == 0:
                    del self.modes[best]
            return dict(mode), self.release

    def take_smtp(self, stage):
        with self.lock:
            m = self.smtp_modes.get(stage)
            if m is None:
                return 0
            if m["left"] > 0:
                m["left"] -= 1
                if m["left"] == 0:
                    del self.smtp_modes[stage]
            return m["code"]

    def add_mail(self, mail):
        with self.lock:
            self.mail_seq += 1
            mail["id"] = self.mail_seq
            self.mails.append(mail)


STATE = State()
STOPPING = threading.Event()


# ---- HTTP ---------------------------------------------------------------------


class BadRequest(Exception):
    pass


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def version_string(self):
        return "alerthub-e2e-receiver"

    def log_message(self, fmt, *args):  # noqa: N802 (stdlib name)
        log("http %s - %s" % (self.address_string(), fmt % args))

    # -- plumbing

    def read_body(self):
        te = (self.headers.get("Transfer-Encoding") or "").lower()
        if "chunked" in te:
            out = bytearray()
            while True:
                line = self.rfile.readline(65537)
                if not line:
                    raise BadRequest("eof in chunked body")
                size = int(line.split(b";", 1)[0].strip() or b"0", 16)
                if size == 0:
                    while True:  # trailers up to the empty line
                        t = self.rfile.readline(65537)
                        if not t or t in (b"\r\n", b"\n"):
                            break
                    return bytes(out)
                out += self.rfile.read(size)
                self.rfile.readline(3)  # CRLF after the chunk
        n = self.headers.get("Content-Length")
        if n is None:
            return b""
        try:
            n = int(n)
        except ValueError:
            raise BadRequest("bad Content-Length")
        return self.rfile.read(n) if n > 0 else b""

    def reply(self, status, body=b"", headers=None, ctype="application/json"):
        if isinstance(body, str):
            body = body.encode("utf-8")
        self.send_response(status)
        if ctype:
            self.send_header("Content-Type", ctype)
        for k, v in (headers or {}).items():
            self.send_header(k, str(v))
        self.send_header("Content-Length", str(len(body)))
        if self.close_connection:
            self.send_header("Connection", "close")
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)
        self.wfile.flush()

    def reply_json(self, status, obj):
        self.reply(status, json.dumps(obj))

    # -- dispatch

    def handle_any(self):
        try:
            body = self.read_body()
        except (BadRequest, ValueError) as e:
            self.close_connection = True
            self.reply_json(400, {"ok": False, "error": str(e)})
            return
        parts = urlsplit(self.path)
        path = parts.path
        if path == "/_control" or path.startswith("/_control/"):
            self.control(path, parts.query, body)
        else:
            self.receive(path, parts.query, body)

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_OPTIONS = handle_any

    # -- recorded requests

    def receive(self, path, query, body):
        headers = {}
        for k, v in self.headers.items():
            k = k.lower()
            headers[k] = headers[k] + ", " + v if k in headers else v
        rec = {
            "method": self.command,
            "path": path,
            "query": query,
            "headers": headers,
            "body": body.decode("utf-8", "replace"),
            "time": time.time(),
            "response": None,
        }
        mode, release = STATE.take_mode(path)
        STATE.record(rec)
        kind = mode["mode"] if mode else "ok"
        if kind == "hang":
            delay = mode.get("delay_ms")
            delay = 60000 if delay is None else delay
            release.wait(delay / 1000.0)
            self.close_connection = True
            try:
                self.connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            return
        delay = (mode or {}).get("delay_ms") or 0
        if delay > 0:
            release.wait(delay / 1000.0)
        if kind == "status":
            status = int(mode.get("status") or 500)
            out = mode.get("body")
            if out is None:
                out = json.dumps({"ok": False, "status": status})
            rec["response"] = status
            self.reply(status, out, mode.get("headers"))
        else:
            rec["response"] = 200
            self.reply(200, json.dumps({"ok": True}), (mode or {}).get("headers"))

    # -- control API

    def control(self, path, query, body):
        q = parse_qs(query, keep_blank_values=True)
        cmd = (self.command, path.rstrip("/"))
        try:
            if cmd == ("POST", "/_control/mode"):
                self.reply_json(200, {"ok": True, "mode": set_mode(parse_json(body))})
            elif cmd == ("GET", "/_control/modes"):
                with STATE.lock:
                    modes = {p: dict(m) for p, m in STATE.modes.items()}
                self.reply_json(200, modes)
            elif cmd == ("GET", "/_control/requests"):
                prefix = q.get("path", [""])[0]
                exact = q.get("exact", ["0"])[0] not in ("", "0", "false")
                with STATE.lock:
                    recs = [
                        dict(r)
                        for r in STATE.requests
                        if (r["path"] == prefix if exact else r["path"].startswith(prefix))
                    ]
                self.reply_json(200, recs)
            elif cmd == ("GET", "/_control/mails"):
                with STATE.lock:
                    mails = [dict(m) for m in STATE.mails]
                self.reply_json(200, mails)
            elif cmd == ("POST", "/_control/smtp_mode"):
                self.reply_json(200, {"ok": True, "smtp_mode": set_smtp_mode(parse_json(body))})
            elif cmd == ("POST", "/_control/reset"):
                STATE.reset()
                self.reply_json(200, {"ok": True})
            elif cmd == ("GET", "/_control/health"):
                self.reply_json(200, {"ok": True})
            else:
                self.reply_json(404, {"ok": False, "error": "no such control endpoint"})
        except BadRequest as e:
            self.reply_json(400, {"ok": False, "error": str(e)})


def parse_json(body):
    try:
        obj = json.loads(body.decode("utf-8") or "null")
    except (UnicodeDecodeError, ValueError) as e:
        raise BadRequest("body is not JSON: %s" % e)
    if not isinstance(obj, dict):
        raise BadRequest("body is not a JSON object")
    return obj


def opt_int(obj, name, default, minimum):
    v = obj.get(name)
    if v is None or v == "":
        return default
    if isinstance(v, bool):
        raise BadRequest("%s: not an integer" % name)
    try:
        v = int(v)
    except (TypeError, ValueError):
        raise BadRequest("%s: not an integer" % name)
    if v < minimum:
        raise BadRequest("%s: below %d" % (name, minimum))
    return v


def set_mode(obj):
    path = obj.get("path")
    if not isinstance(path, str) or not path.startswith("/"):
        raise BadRequest('"path" must be a string starting with "/"')
    mode = obj.get("mode", "ok")
    if mode not in ("ok", "status", "hang"):
        raise BadRequest('"mode" must be "ok", "status" or "hang"')
    times = opt_int(obj, "times", -1, -1)
    m = {
        "mode": mode,
        "status": opt_int(obj, "status", 500 if mode == "status" else 200, 100),
        "times": times,
        "left": times,
        "delay_ms": opt_int(obj, "delay_ms", 60000 if mode == "hang" else 0, 0),
    }
    if m["status"] > 599:
        raise BadRequest('"status" above 599')
    hdrs = obj.get("headers")
    if hdrs is not None:
        if not isinstance(hdrs, dict):
            raise BadRequest('"headers" must be an object')
        m["headers"] = {str(k): str(v) for k, v in hdrs.items()}
    if obj.get("body") is not None:
        m["body"] = str(obj["body"])
    with STATE.lock:
        if times == 0:
            STATE.modes.pop(path, None)
        else:
            STATE.modes[path] = m
    return dict(m, path=path)


def set_smtp_mode(obj):
    stage = obj.get("stage")
    if stage not in ("greeting", "mail", "rcpt", "data", "end"):
        raise BadRequest('"stage" must be greeting, mail, rcpt, data or end')
    code = opt_int(obj, "code", 0, 0)
    if code and not 400 <= code <= 599:
        raise BadRequest('"code" must be 400..599 (or 0 to clear)')
    times = opt_int(obj, "times", -1, -1)
    with STATE.lock:
        if code == 0 or times == 0:
            STATE.smtp_modes.pop(stage, None)
        else:
            STATE.smtp_modes[stage] = {"code": code, "left": times}
    return {"stage": stage, "code": code, "times": times}


class QuietErrors:
    """A client that goes away mid-request is normal here, not a traceback."""

    def handle_error(self, request, client_address):
        exc = sys.exc_info()[1]
        if isinstance(exc, (ConnectionError, TimeoutError)) or STOPPING.is_set():
            log("connection from %s: %r" % (client_address, exc))
            return
        super().handle_error(request, client_address)


class HTTPServer(QuietErrors, ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 256


# ---- SMTP ---------------------------------------------------------------------

ADDR_RE = re.compile(r"^\s*(?:FROM|TO)\s*:\s*(<[^>]*>|\S+)(.*)$", re.I)
MAX_LINE = 1 << 20


class SMTPHandler(socketserver.StreamRequestHandler):
    def send(self, line):
        log("smtp > %s" % line)
        self.wfile.write(line.encode("utf-8") + b"\r\n")
        self.wfile.flush()

    def handle(self):
        code = STATE.take_smtp("greeting")
        if code:
            self.send("%d 4.3.2 service not available (test mode)" % code)
            return
        self.send("220 receiver.test ESMTP alerthub-e2e-receiver")
        self.helo = None
        self.mail_from = None
        self.rcpt_to = []
        while not STOPPING.is_set():
            raw = self.rfile.readline(MAX_LINE)
            if not raw:
                return
            line = raw.decode("utf-8", "replace").rstrip("\r\n")
            log("smtp < %s" % line)
            verb, _, arg = line.partition(" ")
            verb = verb.upper()
            fn = getattr(self, "smtp_" + verb, None) if verb.isalpha() else None
            if fn is None:
                self.send("500 5.5.2 command not recognized")
                continue
            if fn(arg) is False:
                return

    def reset_txn(self):
        self.mail_from = None
        self.rcpt_to = []

    def smtp_EHLO(self, arg):  # noqa: N802
        self.helo = arg.strip() or "unknown"
        self.reset_txn()
        self.send("250-receiver.test greets %s" % self.helo)
        self.send("250-8BITMIME")
        self.send("250-SIZE 52428800")
        self.send("250-SMTPUTF8")
        self.send("250 HELP")

    def smtp_HELO(self, arg):  # noqa: N802
        self.helo = arg.strip() or "unknown"
        self.reset_txn()
        self.send("250 receiver.test")

    def smtp_MAIL(self, arg):  # noqa: N802
        m = ADDR_RE.match(arg)
        if not m or not arg.strip().upper().startswith("FROM"):
            self.send("501 5.5.4 syntax: MAIL FROM:<address>")
            return
        if self.mail_from is not None:
            self.send("503 5.5.1 nested MAIL command")
            return
        code = STATE.take_smtp("mail")
        if code:
            self.send("%d 4.7.1 sender refused (test mode)" % code)
            return
        self.mail_from = m.group(1).strip("<>")
        self.rcpt_to = []
        self.send("250 2.1.0 ok")

    def smtp_RCPT(self, arg):  # noqa: N802
        m = ADDR_RE.match(arg)
        if not m or not arg.strip().upper().startswith("TO"):
            self.send("501 5.5.4 syntax: RCPT TO:<address>")
            return
        if self.mail_from is None:
            self.send("503 5.5.1 need MAIL first")
            return
        code = STATE.take_smtp("rcpt")
        if code:
            self.send("%d 4.1.1 recipient refused (test mode)" % code)
            return
        self.rcpt_to.append(m.group(1).strip("<>"))
        self.send("250 2.1.5 ok")

    def smtp_DATA(self, arg):  # noqa: N802
        if self.mail_from is None or not self.rcpt_to:
            self.send("503 5.5.1 need MAIL and RCPT first")
            return
        code = STATE.take_smtp("data")
        if code:
            self.send("%d 4.3.0 data refused (test mode)" % code)
            return
        self.send("354 end data with <CR><LF>.<CR><LF>")
        lines = []
        while True:
            raw = self.rfile.readline(MAX_LINE)
            if not raw:
                return False  # the client went away mid-message
            if raw in (b".\r\n", b".\n"):
                break
            if raw.startswith(b"."):
                raw = raw[1:]
            lines.append(raw)
        code = STATE.take_smtp("end")
        if code:
            self.send("%d 4.3.0 message refused (test mode)" % code)
        else:
            STATE.add_mail(
                {
                    "mail_from": self.mail_from,
                    "rcpt_to": list(self.rcpt_to),
                    "data": b"".join(lines).decode("utf-8", "replace"),
                    "helo": self.helo,
                    "time": time.time(),
                }
            )
            self.send("250 2.0.0 ok: queued")
        self.reset_txn()

    def smtp_RSET(self, arg):  # noqa: N802
        self.reset_txn()
        self.send("250 2.0.0 ok")

    def smtp_NOOP(self, arg):  # noqa: N802
        self.send("250 2.0.0 ok")

    def smtp_VRFY(self, arg):  # noqa: N802
        self.send("252 2.1.5 cannot verify, will accept")

    def smtp_HELP(self, arg):  # noqa: N802
        self.send("214 EHLO HELO MAIL RCPT DATA RSET NOOP VRFY QUIT")

    def smtp_QUIT(self, arg):  # noqa: N802
        self.send("221 2.0.0 bye")
        return False


class SMTPServer(QuietErrors, socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 256


# ---- main ---------------------------------------------------------------------


def main():
    global VERBOSE
    ap = argparse.ArgumentParser(description="HTTP receiver and SMTP sink for the e2e tests")
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--http-port", type=int, default=0)
    ap.add_argument("--smtp-port", type=int, default=0)
    ap.add_argument("--port-file")
    ap.add_argument("--verbose", action="store_true")
    args = ap.parse_args()
    VERBOSE = args.verbose

    httpd = HTTPServer((args.host, args.http_port), Handler)
    smtpd = SMTPServer((args.host, args.smtp_port), SMTPHandler)
    ports = {"http": httpd.server_address[1], "smtp": smtpd.server_address[1]}

    def stop(signum, frame):
        STOPPING.set()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)

    for srv in (httpd, smtpd):
        threading.Thread(target=srv.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True).start()

    if args.port_file:
        tmp = args.port_file + ".tmp"
        with open(tmp, "w") as f:
            json.dump(ports, f)
            f.write("\n")
        os.replace(tmp, args.port_file)
    log("listening: %s" % json.dumps(ports))

    while not STOPPING.wait(0.5):
        pass
    # Close the listening sockets and leave: the connection threads are
    # daemons, so hung requests do not hold the exit up.
    for srv in (httpd, smtpd):
        try:
            srv.socket.close()
        except OSError:
            pass
    STATE.release.set()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)


if __name__ == "__main__":
    main()
