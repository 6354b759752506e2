"""The local link between API worker processes and the ledger writer.

The writer (the one process that opens LevelDB) serves its
:class:`~node.service.LedgerService` on a Unix domain socket; each API worker
talks to it through :class:`RpcClient`, which has the same methods, so the
Flask app cannot tell the two apart. Frames are a 4-byte big-endian length
and a body: a call is MessagePack ``[method, args]`` (bytes travel as bytes),
an answer is one status byte and JSON, decoded into the return type the
service declares (JSON, because blocks carry canonical JSON bodies verbatim).

Only processes that can open the socket file (mode 0600 in the data
directory) can talk to the writer; signatures are checked by the workers
before anything is submitted.
"""

from __future__ import annotations

import logging
import os
import socket
import socketserver
import struct
import threading
import time
import typing
from collections.abc import Callable, Sequence
from typing import Any

import msgspec

from api.protocol import LedgerApi
from ledger.encoding import canonical
from ledger.errors import TengeError, Unavailable, all_error_classes
from ledger.types import Transaction
from node.service import LedgerService
from wire.core import Problem, SubmitResult

log = logging.getLogger(__name__)
_HEADER = struct.Struct(">I")
_encoder = msgspec.msgpack.Encoder()
OK, FAIL = b"\x00", b"\x01"
# What a worker may call: the API's view of the service, with ``submit``
# travelling as canonical envelopes.
METHODS = tuple(
    sorted({m for m in dir(LedgerApi) if not m.startswith("_")} - {"submit"} | {"submit_envelopes"})
)


def remote_error(problem: Problem) -> TengeError:
    """A refusal raised inside the writer, raised again here as the same class with its fields.

    The same class, not a wrapper: every class in the error tree is a documented
    code, and a wrapper class would be one more (with a duplicate code).
    """
    for cls in all_error_classes():
        if cls.code == problem.code:
            try:
                return cls(**problem.fields)
            except TypeError:  # fields this process's class does not take
                break
    return Unavailable(reason=f"writer refused with unknown code {problem.code}: {problem.detail}")


def _send(sock: socket.socket, payload: bytes) -> None:
    sock.sendall(_HEADER.pack(len(payload)) + payload)


def _receive(sock: socket.socket) -> bytes | None:
    header = _read_exactly(sock, _HEADER.size)
    if header is None:
        return None
    (length,) = _HEADER.unpack(header)
    return _read_exactly(sock, length)


def _read_exactly(sock: socket.socket, size: int) -> bytes | None:
    chunks, remaining = [], size
    while remaining:
        chunk = sock.recv(min(remaining, 1 << 20))
        if not chunk:
            return None
        chunks.append(chunk)
        remaining -= len(chunk)
    return b"".join(chunks)


class _Handler(socketserver.BaseRequestHandler):
    server: RpcServer

    def handle(self) -> None:
        while (frame := _receive(self.request)) is not None:
            _send(self.request, self.server.dispatch(frame))


class RpcServer(socketserver.ThreadingUnixStreamServer):
    """Serves a LedgerService on a Unix socket, one thread per worker connection."""

    daemon_threads = True

    def __init__(self, path: str, service: LedgerService) -> None:
        if os.path.exists(path):
            os.unlink(path)
        self.service = service
        old_umask = os.umask(0o177)
        try:
            super().__init__(path, _Handler)
        finally:
            os.umask(old_umask)
        self.path = path
        self._thread: threading.Thread | None = None

    def dispatch(self, frame: bytes) -> bytes:
        """One call: MessagePack ``[method, args]`` in, ``OK|FAIL`` byte plus JSON out."""
        try:
            method, args = msgspec.msgpack.decode(frame)
            if method not in METHODS:
                raise Unavailable(reason=f"unknown method {method!r}")
            return OK + msgspec.json.encode(getattr(self.service, method)(*args))
        except TengeError as error:
            return FAIL + msgspec.json.encode(Problem.of(error))
        except Exception:  # the worker must get an answer, never a hung socket
            log.exception("rpc call failed")
            return FAIL + msgspec.json.encode(Problem.of(Unavailable(reason="writer error")))

    def start(self) -> RpcServer:
        self._thread = threading.Thread(target=self.serve_forever, name="rpc", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self.shutdown()
        self.server_close()
        if os.path.exists(self.path):
            os.unlink(self.path)


def _return_types() -> dict[str, Any]:
    hints = {}
    for method in METHODS:
        hints[method] = typing.get_type_hints(getattr(LedgerService, method))["return"]
    return hints


class RpcClient:
    """The writer's service, seen from an API worker; one connection per thread."""

    def __init__(self, path: str) -> None:
        self.path = path
        self._local = threading.local()
        self._types = _return_types()

    def _socket(self) -> socket.socket:
        sock: socket.socket | None = getattr(self._local, "sock", None)
        if sock is None:
            sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            sock.connect(self.path)
            self._local.sock = sock
        return sock

    def call(self, method: str, *args: Any) -> Any:
        """One call; a connection left over from a writer that has since been restarted
        is replaced once (every method is safe to repeat: submissions by txid)."""
        frame = _encoder.encode([method, list(args)])
        while True:
            reused = getattr(self._local, "sock", None) is not None
            try:
                reply = self._exchange(frame)
            except OSError as error:
                reply, failure = None, f"ledger writer unreachable: {error}"
            else:
                failure = "ledger writer closed the connection"
            if reply is not None:
                break
            self._drop()
            if not reused:
                raise Unavailable(reason=failure)
        if reply[:1] != OK:
            raise remote_error(msgspec.json.decode(reply[1:], type=Problem))
        return msgspec.json.decode(reply[1:], type=self._types[method])

    def _exchange(self, frame: bytes) -> bytes | None:
        sock = self._socket()
        _send(sock, frame)
        return _receive(sock)

    def _drop(self) -> None:
        sock: socket.socket | None = getattr(self._local, "sock", None)
        self._local.sock = None
        if sock is not None:
            sock.close()

    def wait_for_writer(self, timeout: float) -> None:
        """Return once the writer answers; :class:`Unavailable` after ``timeout`` seconds."""
        deadline = time.monotonic() + timeout
        while True:
            try:
                self.call("health")
                return
            except Unavailable:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)

    def submit(
        self, txs: Sequence[Transaction], wait: bool = False, timeout: float = 10.0
    ) -> list[SubmitResult]:
        envelopes = [canonical(t.envelope()) for t in txs]
        result: list[SubmitResult] = self.call("submit_envelopes", envelopes, wait, timeout)
        return result

    def __getattr__(self, method: str) -> Callable[..., Any]:
        if method not in METHODS:
            raise AttributeError(method)
        return lambda *args: self.call(method, *args)
