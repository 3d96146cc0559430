"""The tests' ports (conftest.reserve_port): held from before a server starts until after it stops,
so no other process on the machine (the drill, vitest's servers) can take one in between (issue 23)."""
import errno
import http.server
import socket
import threading
import urllib.request

from conftest import reserve_port


class Ok(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        self.send_response(200)
        self.end_headers()
        self.wfile.write(b"ok")

    def log_message(self, *args):
        pass


def chosen_and_released():
    """The old free_port: the kernel picks a port for bind(0), the socket is closed, the number handed on."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_another_bind_0_never_gets_a_reserved_port_but_gets_a_released_one():
    holds = [reserve_port() for _ in range(8)]
    try:
        reserved = {h.port for h in holds}
        released = {chosen_and_released() for _ in range(8)}
        got = set()
        # What every other process's servers do. 20000 draws over the ~14000 ports bind(0) picks from
        # (the odd ones of ip_local_port_range): each released port is drawn ~1.4 times on average.
        for i in range(20000):
            with socket.socket() as s:
                s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, i % 2)
                s.bind(("127.0.0.1", 0))
                got.add(s.getsockname()[1])
        assert got & reserved == set()
        assert got & released, "a released port was never handed out again: the hazard this guards against is gone?"
    finally:
        for h in holds:
            h.close()


def test_a_server_listens_on_its_reserved_port_which_stays_held_while_it_is_down():
    with reserve_port() as port:
        with socket.socket() as plain:  # another program's bind without SO_REUSEADDR
            try:
                plain.bind(("127.0.0.1", port))
                raise AssertionError("bound a reserved port")
            except OSError as e:
                assert e.errno == errno.EADDRINUSE
        for _ in range(2):  # started, stopped, started again on the same port
            srv = http.server.HTTPServer(("127.0.0.1", port), Ok)  # SO_REUSEADDR, as PostgreSQL and gunicorn
            t = threading.Thread(target=srv.serve_forever, daemon=True)
            t.start()
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=10) as r:
                    assert r.status == 200
            finally:
                srv.shutdown()
                srv.server_close()
            try:
                socket.create_connection(("127.0.0.1", port), timeout=5).close()
                raise AssertionError("connected to a port nothing listens on")
            except ConnectionRefusedError:
                pass
