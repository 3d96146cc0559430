"""Holds loopback TCP ports for the drill (src/drill/ports.ts) until its stdin closes.

Each line read is a count n: binds n sockets to 127.0.0.1:0 (the kernel picks each port) with
SO_REUSEADDR and without listening, and prints their ports on one line. A bound socket keeps
the port from every other bind(0) and connect() on the machine for as long as this process
lives, while a server that sets SO_REUSEADDR (PostgreSQL, gunicorn, HAProxy, Prometheus,
Alertmanager, prometheus_client all do) can still bind and listen on it: Linux refuses a bind
only when one of the two sockets lacks SO_REUSEADDR or the other one is listening (see
ports.ts). Node has no documented way to bind a TCP socket without listening, hence Python.
When the drill exits (even killed), stdin reaches EOF and the ports are released.
"""
import signal
import socket
import sys

signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C reaches the drill, which closes stdin when done
host = sys.argv[1] if len(sys.argv) > 1 else "127.0.0.1"
held = []
for line in sys.stdin:
    try:
        ports = []
        for _ in range(int(line)):
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            s.bind((host, 0))
            held.append(s)
            ports.append(str(s.getsockname()[1]))
        print(" ".join(ports), flush=True)
    except (OSError, ValueError) as e:
        print(f"error {e}", flush=True)
