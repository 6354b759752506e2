"""Every answer of a real node is a problem document, the web server's own refusals included.

The requests are written byte by byte on a raw socket to a real node process
(gunicorn and its workers), so that they reach the server exactly as sent:
a request line over the limit, too many or too large header fields, HTTP
that does not parse, a broken chunked body, an expectation or a transfer
coding the server does not implement. Bodies over the 4 MiB limit are
streamed by the standard library's ``http.client`` (which reads no answer
before it has sent its body) and by httpx, and the node's 413 must reach
them whole.
"""

from __future__ import annotations

import http.client
import json
import socket
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass

import httpx
import pytest

from api.app import DEFAULT_MAX_BODY, DRAIN_FACTOR
from api.errors import PROBLEM_JSON
from node.http_server import LIMIT_REQUEST_FIELD_SIZE, LIMIT_REQUEST_FIELDS, LIMIT_REQUEST_LINE
from tests.integration.nodes import NodeProcess

MIB = 1024 * 1024
JSON = b"Content-Type: application/json\r\n"


@dataclass(frozen=True)
class Answer:
    """A raw HTTP/1.1 answer: status, header fields (lower-case names), body."""

    status: int
    headers: dict[str, str]
    body: bytes

    def problem(self) -> dict[str, object]:
        assert self.headers["content-type"] == PROBLEM_JSON, self
        found: dict[str, object] = json.loads(self.body)
        assert found["status"] == self.status
        assert found["type"] == f"/problems/{found['code']}"
        return found


def exchange(url: str, request: bytes, half_close: bool = False) -> Answer:
    """Send ``request`` as it is on a new connection and read the first answer."""
    host, port = url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=10) as sock:
        sock.sendall(request)
        if half_close:
            sock.shutdown(socket.SHUT_WR)
        stream = sock.makefile("rb")
        status = int(stream.readline().split()[1])
        headers = {}
        while (line := stream.readline().rstrip(b"\r\n")) != b"":
            name, _, value = line.decode("latin-1").partition(":")
            headers[name.strip().lower()] = value.strip()
        return Answer(status, headers, stream.read(int(headers["content-length"])))


def get(path: bytes, *fields: bytes) -> bytes:
    return b"GET " + path + b" HTTP/1.1\r\nHost: node\r\n" + b"".join(fields) + b"\r\n"


REFUSALS = {
    "request line over the limit": (
        get(b"/v1/blocks?from=" + b"1" * LIMIT_REQUEST_LINE),
        414,
        "uri_too_long",
    ),
    "one header field too many": (
        get(b"/v1/health", *(b"X-F%d: y\r\n" % i for i in range(LIMIT_REQUEST_FIELDS + 1))),
        431,
        "header_fields_too_large",
    ),
    "a header field over the size limit": (
        get(b"/v1/health", b"X-Big: " + b"y" * LIMIT_REQUEST_FIELD_SIZE + b"\r\n"),
        431,
        "header_fields_too_large",
    ),
    "not a request line": (b"GARBAGE\r\n\r\n", 400, "malformed_request"),
    "unknown HTTP version": (
        b"GET /v1/health HTTP/9.9\r\nHost: node\r\n\r\n",
        400,
        "malformed_request",
    ),
    "a space in a header name": (get(b"/v1/health", b"Bad Name: y\r\n"), 400, "malformed_request"),
    "two Content-Length fields": (
        get(b"/v1/health", b"Content-Length: 1\r\n", b"Content-Length: 2\r\n"),
        400,
        "malformed_request",
    ),
    "a chunk size that is not hex": (
        b"POST /v1/transactions HTTP/1.1\r\nHost: node\r\n"
        + JSON
        + b"Transfer-Encoding: chunked\r\n\r\nzz\r\n{}\r\n0\r\n\r\n",
        400,
        "malformed_request",
    ),
    "an expectation other than 100-continue": (
        b"POST /v1/transactions HTTP/1.1\r\nHost: node\r\nExpect: magic\r\n"
        + JSON
        + b"Content-Length: 2\r\n\r\n{}",
        417,
        "expectation_failed",
    ),
    "a transfer coding the server lacks": (
        b"POST /v1/transactions HTTP/1.1\r\nHost: node\r\n"
        + JSON
        + b"Transfer-Encoding: foo, chunked\r\n\r\n0\r\n\r\n",
        501,
        "unsupported_transfer_coding",
    ),
    "a method the path does not have": (
        b"TRACE /v1/network HTTP/1.1\r\nHost: node\r\n\r\n",
        405,
        "method_not_allowed",
    ),
}


REPEAT = 20  # each on a new connection: the refusal is the same every time


@pytest.mark.parametrize("name", REFUSALS)
def test_refusal_is_a_problem_document_with_a_stable_code(
    node_process: NodeProcess, name: str
) -> None:
    request, status, code = REFUSALS[name]
    answers: Counter[tuple[int, object]] = Counter()
    for _ in range(REPEAT):
        answer = exchange(node_process.url, request)
        answers[(answer.status, answer.problem()["code"])] += 1
    print(f"{name}: {dict(answers)}")
    assert answers == {(status, code): REPEAT}


def test_limits_refusals_name_the_limits(node_process: NodeProcess) -> None:
    line = exchange(node_process.url, REFUSALS["request line over the limit"][0]).problem()
    fields = exchange(node_process.url, REFUSALS["one header field too many"][0]).problem()
    assert line["limit"] == LIMIT_REQUEST_LINE
    assert (fields["max_fields"], fields["max_field_size"]) == (
        LIMIT_REQUEST_FIELDS,
        LIMIT_REQUEST_FIELD_SIZE,
    )


def test_method_not_allowed_lists_the_methods_in_allow(node_process: NodeProcess) -> None:
    answer = exchange(node_process.url, REFUSALS["a method the path does not have"][0])
    assert answer.headers["allow"] == "GET, HEAD, OPTIONS"
    assert answer.problem()["allowed"] == "GET, HEAD, OPTIONS"


def test_a_body_shorter_than_its_length_is_malformed(node_process: NodeProcess) -> None:
    request = b"POST /v1/transactions HTTP/1.1\r\nHost: node\r\n" + JSON
    request += b'Content-Length: 100\r\n\r\n{"network":'
    answer = exchange(node_process.url, request, half_close=True)
    assert (answer.status, answer.problem()["code"]) == (400, "malformed_request")


def stream(total: int, piece: int = 64 * 1024) -> Iterator[bytes]:
    for _ in range(total // piece):
        yield b" " * piece


@pytest.mark.parametrize("size_mib", [5, 12])
def test_streamed_body_over_the_limit_reads_its_413(
    node_process: NodeProcess, size_mib: int
) -> None:
    """http.client sends the whole body before reading: without the drain it saw a broken pipe."""
    host, port = node_process.url.removeprefix("http://").split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=30)
    try:
        size = size_mib * MIB
        headers = {"Content-Type": "application/json", "Content-Length": str(size)}
        for _ in range(3):  # one connection: a body read to its end leaves it usable
            connection.request("POST", "/v1/transactions", body=stream(size), headers=headers)
            response = connection.getresponse()
            body = json.loads(response.read())
            assert (response.status, response.getheader("content-type")) == (413, PROBLEM_JSON)
            assert (body["code"], body["limit"]) == ("payload_too_large", DEFAULT_MAX_BODY)
        connection.request("GET", "/v1/health")
        assert connection.getresponse().status == 200
    finally:
        connection.close()


def test_chunked_stream_over_the_limit_reads_its_413(node_process: NodeProcess) -> None:
    response = httpx.post(
        f"{node_process.url}/v1/transactions/batch",
        content=stream(6 * MIB),  # no length: httpx sends it chunked
        headers={"content-type": "application/json"},
        timeout=30,
    )
    assert response.headers["content-type"] == PROBLEM_JSON
    assert (response.status_code, response.json()["code"]) == (413, "payload_too_large")


def test_a_declared_length_past_the_drain_is_refused_before_the_body(
    node_process: NodeProcess,
) -> None:
    """Nothing is sent after the header fields: the 413 comes at once, not after a read."""
    declared = DRAIN_FACTOR * DEFAULT_MAX_BODY + 1
    request = b"POST /v1/transactions HTTP/1.1\r\nHost: node\r\n" + JSON
    answer = exchange(node_process.url, request + b"Content-Length: %d\r\n\r\n" % declared)
    assert (answer.status, answer.problem()["code"]) == (413, "payload_too_large")
