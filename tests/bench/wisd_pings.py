#!/usr/bin/env python3
"""N system.ping requests to a wisd socket, 8 in flight, for
tests/bench/instructions.sh.  Usage: wisd_pings.py SOCKET N"""
import json
import socket
import sys
import time

path, n = sys.argv[1], int(sys.argv[2])
for _ in range(300):  # wisd under valgrind takes a while to listen
    try:
        s = socket.socket(socket.AF_UNIX)
        s.connect(path)
        break
    except OSError:
        time.sleep(0.1)
else:
    sys.exit(f"wisd_pings: {path}: no wisd listening")
f = s.makefile("rb")
# wisd opens the module in the background: wait until it answers a ping
# (the few extra requests are the same in every run, give or take one).
for _ in range(300):
    s.sendall(b'{"jsonrpc":"2.0","id":0,"method":"system.ping"}\n')
    if b'"result"' in f.readline():
        break
    time.sleep(0.1)
else:
    sys.exit("wisd_pings: wisd never reached its module")
sent = got = 0
while got < n:
    while sent < n and sent - got < 8:
        sent += 1
        req = {"jsonrpc": "2.0", "id": sent, "method": "system.ping"}
        s.sendall(json.dumps(req).encode() + b"\n")
    line = f.readline()
    if not line:
        sys.exit("wisd_pings: wisd closed the connection")
    if b'"error"' in line:
        sys.exit(f"wisd_pings: {line.decode().strip()}")
    got += 1
