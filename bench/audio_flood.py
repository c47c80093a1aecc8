#!/usr/bin/env python3
"""Audio flood (issue 21, finding 1): clients that ask for a recording and never read it.

Opens CLIENTS connections to a server on 127.0.0.1, sends one GET for PATH on each (each client's
URL made distinct with `{i}` in PATH, so no cache can serve two clients), and never reads. Then
reports, every few seconds for HOLD seconds: the server's resident memory (VmRSS, and its peak
VmHWM, from /proc/PID/status) and how many of the clients' connections the server still holds
open. Finally one ordinary client fetches the first URL and reads it all: the status and the bytes
one such request costs.

    python3 bench/audio_flood.py --port 18190 --pid $PID --clients 40 --hold 45 \\
        --path '/audio/en/clip.wav?{parts}' --parts ask_hardship_reason --count 64

With --sign-data-key HEX (the server's IVRPAY_DATA_KEY) each clip URL is signed as the service
signs the ones its flow emits: what a holder of the key, or a bug in a flow, could ask for.

Only ever connects to 127.0.0.1; everything is bounded (clients, seconds, bytes read).
"""

import argparse
import hashlib
import hmac
import socket
import subprocess
import time
import urllib.parse


def status(pid):
    fields = {}
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            key, _, value = line.partition(":")
            if key in ("VmRSS", "VmHWM"):
                fields[key] = int(value.split()[0]) // 1024  # MB
    return fields


def held(port, ports):
    """How many of our clients' connections the server holds established: its own sockets, from
    which it still has to send (a socket the server closed is no longer established there, though
    the kernel may still be trying to deliver its last bytes to a client that does not read)."""
    out = subprocess.run(
        ["ss", "-Htn", "state", "established", f"( sport = :{port} )"],
        capture_output=True,
        text=True,
        check=False,
    ).stdout
    peers = set()
    for line in out.splitlines():
        columns = line.split()
        if len(columns) >= 4:
            peers.add(int(columns[3].rsplit(":", 1)[1]))
    return len(peers & ports)


def signed(path, data_key_hex):
    """`path` with the `s=` a server with this data key puts on the clip URLs it emits."""
    lang = path.split("/")[2]
    query = path.split("?", 1)[1]
    clip_key = hmac.new(data_key_hex.encode(), b"ivrpay audio clip URLs v1", hashlib.sha256)
    mac = hmac.new(clip_key.digest(), lang.encode(), hashlib.sha256)
    for key, value in urllib.parse.parse_qsl(query, keep_blank_values=True):
        for field in (key.encode(), value.encode()):
            mac.update(len(field).to_bytes(8, "big"))
            mac.update(field)
    return f"{path}&s={mac.hexdigest()[:32]}"


def path_for(args, i):
    path = unsigned_path_for(args, i)
    return signed(path, args.sign_data_key) if args.sign_data_key else path


def unsigned_path_for(args, i):
    if not args.parts:
        return args.path.replace("{i}", str(i))
    # Distinct per client: the named part COUNT times, one of them swapped for the second part
    # at the client's own position (the first client asks for exactly COUNT x the first part).
    names = args.parts.split(",")
    parts = [names[0]] * args.count
    if i > 0 and len(names) > 1:
        parts[i % args.count] = names[1]
    query = "&".join(f"p={p}" for p in parts)
    return args.path.replace("{parts}", query)


def fetch(port, path, limit=256 * 1024 * 1024):
    """One GET, read to the end (bounded): (status line, body bytes)."""
    with socket.create_connection(("127.0.0.1", port), timeout=30) as s:
        s.sendall(f"GET {path} HTTP/1.1\r\nHost: bench\r\nConnection: close\r\n\r\n".encode())
        data = bytearray()
        while len(data) < limit:
            chunk = s.recv(1 << 20)
            if not chunk:
                break
            data += chunk
    head, _, body = bytes(data).partition(b"\r\n\r\n")
    return head.split(b"\r\n", 1)[0].decode(errors="replace"), len(body)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--pid", type=int, required=True)
    p.add_argument("--clients", type=int, default=40)
    p.add_argument("--hold", type=int, default=45)
    p.add_argument("--path", required=True)
    p.add_argument("--parts", default="", help="pieces to repeat into {parts}: first[,second]")
    p.add_argument("--count", type=int, default=64)
    p.add_argument("--sign-data-key", default="", help="sign clip URLs as a server with this key")
    args = p.parse_args()
    assert 0 < args.clients <= 1000 and 0 < args.hold <= 600

    before = status(args.pid)
    print(f"at rest: RSS {before['VmRSS']} MB, peak {before['VmHWM']} MB")
    print(f"request line: {len(path_for(args, 0))} bytes")
    clients = []
    for i in range(args.clients):
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        # A small window, as a client that means to hold the server's bytes would ask for.
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        s.connect(("127.0.0.1", args.port))
        s.sendall(f"GET {path_for(args, i)} HTTP/1.1\r\nHost: bench\r\n\r\n".encode())
        clients.append(s)
    ports = {s.getsockname()[1] for s in clients}
    start = time.monotonic()
    while True:
        elapsed = time.monotonic() - start
        now = status(args.pid)
        print(
            f"t={elapsed:4.0f} s: RSS {now['VmRSS']} MB, peak {now['VmHWM']} MB, "
            f"held {held(args.port, ports)} of {args.clients}"
        )
        if elapsed >= args.hold:
            break
        time.sleep(min(5, args.hold - elapsed))
    for s in clients:
        s.close()
    line, size = fetch(args.port, path_for(args, 0))
    print(f"one request read in full: {line}, {size} bytes of body")


if __name__ == "__main__":
    main()
