"""A TCP proxy on loopback in front of PostgreSQL that a test can cut and restore, so the
database becomes unreachable for the app without touching the machine's server."""

from __future__ import annotations

import contextlib
import socket
import threading


class TcpProxy:
    """Forwards 127.0.0.1:<port> to `target`. `cut()` drops every open connection and makes
    new ones close at once (as a stopped server would); `freeze()` drops them too but leaves
    new ones hanging unanswered (as an unreachable host would); `restore()` forwards again."""

    def __init__(self, target_host: str, target_port: int) -> None:
        self.target = (target_host, target_port)
        self._listener = socket.create_server(("127.0.0.1", 0))
        self._up = threading.Event()
        self._up.set()
        self._frozen = False
        self._lock = threading.Lock()
        self._open: set[socket.socket] = set()
        self._closed = False
        threading.Thread(target=self._accept, daemon=True).start()

    @property
    def port(self) -> int:
        return int(self._listener.getsockname()[1])

    def cut(self) -> None:
        self._frozen = False
        self._up.clear()
        self._drop_all()

    def freeze(self) -> None:
        self._frozen = True
        self._up.clear()
        self._drop_all()

    def restore(self) -> None:
        self._frozen = False
        self._up.set()

    def close(self) -> None:
        self._closed = True
        self._up.clear()
        self._listener.close()
        self._drop_all()

    def _drop_all(self) -> None:
        with self._lock:
            sockets, self._open = list(self._open), set()
        for sock in sockets:
            _close(sock)

    def _accept(self) -> None:
        while not self._closed:
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            if not self._up.is_set():
                if self._frozen:
                    with self._lock:
                        self._open.add(client)
                else:
                    _close(client)
                continue
            try:
                upstream = socket.create_connection(self.target, timeout=5)
            except OSError:
                _close(client)
                continue
            upstream.settimeout(None)
            with self._lock:
                self._open.update((client, upstream))
            for source, sink in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(source, sink), daemon=True).start()

    def _pump(self, source: socket.socket, sink: socket.socket) -> None:
        try:
            while chunk := source.recv(65536):
                sink.sendall(chunk)
        except OSError:
            pass
        finally:
            for sock in (source, sink):
                _close(sock)
            with self._lock:
                self._open.difference_update((source, sink))


def _close(sock: socket.socket) -> None:
    with contextlib.suppress(OSError):
        sock.shutdown(socket.SHUT_RDWR)
    sock.close()
