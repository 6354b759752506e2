"""A multi-process HTTP/1.1 load generator with persistent keep-alive connections.

Like ``wrk`` replaying a script, in pure Python so ``make bench`` needs no
system package. Every *lane* is one keep-alive TCP connection that sends its
own list of pre-built requests strictly one after another (the next request
only after the previous answer), so a lane can carry payments that must reach
the node in order. Lanes are spread over several processes; each process
drives its lanes from one ``selectors`` loop over non-blocking sockets (no
thread per connection, no ``http.client`` parsing), which keeps the
generator's own CPU to about 0.1 ms per small request, the kernel's loopback
TCP work included.

:func:`run_load` returns per-request latencies and statuses, the wall time
from the first request to the last answer, and the CPU seconds the generator
processes used, so a report can show that the generator was not the
bottleneck.
"""

from __future__ import annotations

import multiprocessing
import os
import re
import resource
import selectors
import socket
import time
from dataclasses import dataclass, field
from typing import Any

RECV_SIZE = 1 << 18


def http_request(method: str, path: str, body: bytes = b"", host: str = "127.0.0.1") -> bytes:
    """The exact bytes of one keep-alive HTTP/1.1 request with a JSON body."""
    head = f"{method} {path} HTTP/1.1\r\nHost: {host}\r\n"
    if body or method == "POST":
        head += f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n"
    return head.encode("ascii") + b"\r\n" + body


@dataclass
class LaneResult:
    """What one lane saw: one entry per request, in the order sent."""

    statuses: list[int] = field(default_factory=list)
    latencies: list[float] = field(default_factory=list)
    bodies: list[bytes] = field(default_factory=list)
    reconnects: int = 0


@dataclass
class LoadResult:
    """A whole run: every lane's results, wall time and the generator's CPU."""

    lanes: list[LaneResult]
    seconds: float
    generator_cpu_s: float
    processes: int
    complete: bool

    @property
    def requests(self) -> int:
        return sum(len(lane.statuses) for lane in self.lanes)

    @property
    def latencies(self) -> list[float]:
        return [x for lane in self.lanes for x in lane.latencies]

    def status_counts(self) -> dict[int, int]:
        counts: dict[int, int] = {}
        for lane in self.lanes:
            for status in lane.statuses:
                counts[status] = counts.get(status, 0) + 1
        return counts

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds > 0 else 0.0

    @property
    def generator_cores(self) -> float:
        """CPU cores the generator kept busy on average (1.0 = one full core)."""
        return self.generator_cpu_s / self.seconds if self.seconds > 0 else 0.0


_CONTENT_LENGTH = re.compile(rb"\r\ncontent-length:[ \t]*(\d+)", re.IGNORECASE)
_CLOSE = re.compile(rb"\r\nconnection:[ \t]*close", re.IGNORECASE)
READ, WRITE = selectors.EVENT_READ, selectors.EVENT_WRITE


class _Lane:
    """One connection and the requests it still has to send, in order."""

    def __init__(self, address: tuple[str, int], requests: list[bytes], keep_bodies: bool):
        self.address, self.requests, self.keep_bodies = address, requests, keep_bodies
        self.next = 0
        self.result = LaneResult()
        self.sock = socket.socket()
        self.events = 0
        self.out = memoryview(b"")
        self.inbuf = bytearray()
        self.started = 0.0

    def open(self, selector: selectors.BaseSelector) -> None:
        self.sock = socket.create_connection(self.address, timeout=10)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.sock.setblocking(False)
        self.events = READ
        selector.register(self.sock, READ, self)

    def close(self, selector: selectors.BaseSelector) -> None:
        selector.unregister(self.sock)
        self.sock.close()

    def send_next(self, selector: selectors.BaseSelector) -> None:
        """Start the next request; most go out in one ``send`` with no poller change."""
        self.out = memoryview(self.requests[self.next])
        self.inbuf.clear()
        self.started = time.perf_counter()
        self.flush(selector)

    def flush(self, selector: selectors.BaseSelector) -> None:
        """Send what the socket takes now; ask for writability only while some is left."""
        try:
            sent = self.sock.send(self.out)
        except BlockingIOError:
            sent = 0
        except (BrokenPipeError, ConnectionResetError):
            self.retry(selector)
            return
        self.out = self.out[sent:]
        wanted = READ | WRITE if self.out else READ
        if wanted != self.events:
            selector.modify(self.sock, wanted, self)
            self.events = wanted

    def retry(self, selector: selectors.BaseSelector) -> None:
        """The server dropped the connection (an idle keep-alive): reconnect, resend.

        Every request replayed here is idempotent (a transaction's txid is its
        own key), so sending it again is safe.
        """
        self.result.reconnects += 1
        if self.result.reconnects > 1000:
            raise RuntimeError("the server keeps closing connections")
        self.close(selector)
        self.open(selector)
        self.send_next(selector)

    def readable(self, selector: selectors.BaseSelector) -> bool:
        """Take what arrived; False once every request of the lane is answered."""
        try:
            chunk = self.sock.recv(RECV_SIZE)
        except BlockingIOError:
            return True
        except ConnectionResetError:
            chunk = b""
        if not chunk:
            self.retry(selector)
            return True
        self.inbuf += chunk
        end = self.inbuf.find(b"\r\n\r\n")
        length = _CONTENT_LENGTH.search(self.inbuf, 0, end) if end >= 0 else None
        if length is None:
            if end >= 0:
                raise RuntimeError(f"response without Content-Length: {self.inbuf[:60]!r}")
            return True
        body_end = end + 4 + int(length.group(1))
        if len(self.inbuf) < body_end:
            return True
        self.answered(int(self.inbuf[9:12]), bytes(self.inbuf[end + 4 : body_end]))
        if self.next == len(self.requests):
            self.close(selector)
            return False
        if _CLOSE.search(self.inbuf, 0, end):
            self.close(selector)
            self.open(selector)
        self.send_next(selector)
        return True

    def answered(self, status: int, body: bytes) -> None:
        self.result.latencies.append(time.perf_counter() - self.started)
        self.result.statuses.append(status)
        if self.keep_bodies:
            self.result.bodies.append(body)
        self.next += 1


def _drive(
    address: tuple[str, int], slices: list[list[bytes]], keep_bodies: bool, deadline: float
) -> tuple[list[LaneResult], bool]:
    """One process's event loop over its lanes; False if the deadline cut it short."""
    selector = selectors.DefaultSelector()
    lanes = [_Lane(address, requests, keep_bodies) for requests in slices if requests]
    for lane in lanes:
        lane.open(selector)
        lane.send_next(selector)
    active = len(lanes)
    while active and time.monotonic() < deadline:
        for key, events in selector.select(timeout=1.0):
            ready: _Lane = key.data
            if events & WRITE and ready.out:
                ready.flush(selector)
            elif events & READ and not ready.readable(selector):
                active -= 1
    for key in list(selector.get_map().values()):
        key.fileobj.close()  # type: ignore[union-attr]
    selector.close()
    by_slice = iter(lane.result for lane in lanes)
    return [next(by_slice) if requests else LaneResult() for requests in slices], active == 0


def _cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _worker(
    address: tuple[str, int],
    slices: list[list[bytes]],
    keep_bodies: bool,
    time_limit: float,
    ready: Any,
    go: Any,
    results: Any,
) -> None:
    try:
        ready.set()
        go.wait()
        cpu, started = _cpu_seconds(), time.monotonic()
        lanes, complete = _drive(address, slices, keep_bodies, started + time_limit)
        finished = time.monotonic()
        results.put((os.getpid(), lanes, complete, started, finished, _cpu_seconds() - cpu))
    except BaseException as error:  # the parent must hear about it, not wait forever
        results.put((os.getpid(), repr(error)))


def run_load(
    address: tuple[str, int],
    lanes: list[list[bytes]],
    processes: int,
    keep_bodies: bool = False,
    time_limit: float = 120.0,
) -> LoadResult:
    """Replay ``lanes`` (one request list per connection) from ``processes`` processes."""
    processes = max(1, min(processes, len(lanes)))
    groups = [list(range(p, len(lanes), processes)) for p in range(processes)]
    context = multiprocessing.get_context("fork")
    go, results = context.Event(), context.Queue()
    readies = [context.Event() for _ in groups]
    children = [
        context.Process(
            target=_worker,
            args=(address, [lanes[i] for i in g], keep_bodies, time_limit, r, go, results),
            daemon=True,
        )
        for g, r in zip(groups, readies, strict=True)
    ]
    for child in children:
        child.start()
    try:
        for ready in readies:
            ready.wait(30)
        go.set()
        reports = [results.get(timeout=time_limit + 60) for _ in children]
    finally:
        for child in children:
            child.join(timeout=10)
            if child.is_alive():
                child.kill()
                child.join()
    failures = [r[1] for r in reports if len(r) == 2]
    if failures:
        raise RuntimeError(f"load generator process failed: {failures[0]}")
    by_pid = {r[0]: r for r in reports}
    ordered: list[LaneResult | None] = [None] * len(lanes)
    for group, child in zip(groups, children, strict=True):
        for index, lane in zip(group, by_pid[child.pid][1], strict=True):
            ordered[index] = lane
    return LoadResult(
        lanes=[lane for lane in ordered if lane is not None],
        seconds=max(r[4] for r in reports) - min(r[3] for r in reports),
        generator_cpu_s=sum(r[5] for r in reports),
        processes=processes,
        complete=all(r[2] for r in reports),
    )


def percentile(values: list[float], q: float) -> float:
    """The ``q`` quantile (nearest rank) of ``values``; 0 when empty."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else 0.0
