#!/usr/bin/env python3
"""hostile.py - raw-socket clients for t_hostile.sh, for what curl cannot
send or hold: malformed requests, many slow connections, a held body.

  hostile.py raw PORT FILE          send FILE's bytes; print the response
  hostile.py trickle PORT N PATH SECONDS READY
                                    N connections send headers declaring a
                                    900 kB body, then 1 byte a second; touch
                                    READY once all are open; print how many
                                    got an answer and how many were refused
  hostile.py hold PORT N SECONDS READY
                                    N idle connections held open
  hostile.py slow PORT PATH         a body of 1000 bytes at 10 bytes a
                                    second; print the seconds until the
                                    server closed the connection
"""
import socket
import sys
import time


def connect(port):
    s = socket.create_connection(("127.0.0.1", port), timeout=30)
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return s


def read_all(s, limit=5.0):
    s.settimeout(limit)
    out = b""
    try:
        while True:
            b = s.recv(65536)
            if not b:
                break
            out += b
    except (socket.timeout, ConnectionResetError):
        pass
    return out


def raw(port, path):
    with open(path, "rb") as f:
        data = f.read()
    s = connect(port)
    s.sendall(data)
    sys.stdout.write(read_all(s).decode("utf-8", "replace"))


def head(path, length, extra=""):
    return ("POST %s HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            "Content-Length: %d\r\n%s\r\n" % (path, length, extra)).encode()


def trickle(port, n, path, seconds, ready):
    socks, refused = [], 0
    for _ in range(n):
        try:
            s = connect(port)
            s.sendall(head(path, 900000) + b"{")
            s.setblocking(False)
            socks.append(s)
        except OSError:
            refused += 1
    open(ready, "w").close()
    answered = set()
    end = time.time() + seconds
    while time.time() < end:
        for i, s in enumerate(socks):
            if i in answered:
                continue
            try:
                s.send(b" ")
            except OSError:
                answered.add(i)
                continue
            try:
                if s.recv(65536)[:9] == b"HTTP/1.1 ":
                    answered.add(i)
            except BlockingIOError:
                pass
            except OSError:
                answered.add(i)
        time.sleep(1)
    print(len(answered), len(socks), refused)


def hold(port, n, seconds, ready):
    socks = [connect(port) for _ in range(n)]
    open(ready, "w").close()
    time.sleep(seconds)
    for s in socks:
        s.close()


def slow(port, path):
    s = connect(port)
    s.sendall(head(path, 1000))
    start = time.time()
    s.settimeout(0.1)
    for _ in range(100):
        try:
            s.send(b"a" * 10)
        except OSError:
            break
        try:
            if s.recv(4096) == b"":
                break
        except socket.timeout:
            pass
        except OSError:
            break
        time.sleep(0.9)
    print("%.1f" % (time.time() - start))


def main():
    cmd, port = sys.argv[1], int(sys.argv[2])
    if cmd == "raw":
        raw(port, sys.argv[3])
    elif cmd == "trickle":
        trickle(port, int(sys.argv[3]), sys.argv[4], float(sys.argv[5]), sys.argv[6])
    elif cmd == "hold":
        hold(port, int(sys.argv[3]), float(sys.argv[4]), sys.argv[5])
    elif cmd == "slow":
        slow(port, sys.argv[3])


main()
