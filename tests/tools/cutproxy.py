#!/usr/bin/env python3
"""tests/tools/cutproxy.py --- a TCP proxy that drops or corrupts answers

usage: cutproxy.py PORTFILE UPSTREAM_PORT [--cut N --drops K] [--flip N]

Listens on 127.0.0.1 (a free port, written to PORTFILE once listening)
and relays every connection to 127.0.0.1:UPSTREAM_PORT.  Deterministic:
  --cut N --drops K  the first K answers whose body goes past byte N are
                     closed right after it (N bytes of body relayed; a
                     HEAD, or a body shorter than that, passes);
  --flip N           the body byte at offset N of the first answer that
                     reaches it is inverted (once).
Each connection carries one request (the client says Connection: close).
Standard library only; stops on SIGTERM.
"""
import argparse
import socket
import threading

lock = threading.Lock()
state = {"drops": 0, "flipped": False}


def pump_up(c, u):
    try:
        while True:
            b = c.recv(65536)
            if not b:
                break
            u.sendall(b)
        u.shutdown(socket.SHUT_WR)
    except OSError:
        pass


def handle(c, args):
    u = socket.create_connection(("127.0.0.1", args.upstream))
    threading.Thread(target=pump_up, args=(c, u), daemon=True).start()
    seen = 0          # bytes of the answer relayed, headers included
    head = b""        # the headers, until their blank line
    body_at = None    # where the body starts in the answer
    try:
        while True:
            b = u.recv(65536)
            if not b:
                break
            if body_at is None:
                head += b
                i = head.find(b"\r\n\r\n")
                if i >= 0:
                    body_at = i + 4
                    # a "100 Continue" is never asked for (Expect: is empty)
            if body_at is not None and args.flip is not None:
                at = body_at + args.flip
                if seen <= at < seen + len(b):
                    with lock:
                        if not state["flipped"]:
                            state["flipped"] = True
                            i = at - seen
                            b = b[:i] + bytes([b[i] ^ 0xff]) + b[i + 1:]
            if body_at is not None and args.cut is not None:
                at = body_at + args.cut
                if seen + len(b) > at:
                    with lock:
                        cut = state["drops"] < args.drops
                        if cut:
                            state["drops"] += 1
                    if cut:
                        c.sendall(b[:at - seen])
                        break
            c.sendall(b)
            seen += len(b)
    except OSError:
        pass
    finally:
        for s in (c, u):
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            s.close()


def main():
    p = argparse.ArgumentParser()
    p.add_argument("portfile")
    p.add_argument("upstream", type=int)
    p.add_argument("--cut", type=int)
    p.add_argument("--drops", type=int, default=1)
    p.add_argument("--flip", type=int)
    args = p.parse_args()
    ls = socket.socket()
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind(("127.0.0.1", 0))
    ls.listen(16)
    with open(args.portfile + ".tmp", "w") as f:
        f.write("%d\n" % ls.getsockname()[1])
    import os
    os.rename(args.portfile + ".tmp", args.portfile)
    while True:
        c, _ = ls.accept()
        threading.Thread(target=handle, args=(c, args), daemon=True).start()


if __name__ == "__main__":
    main()
