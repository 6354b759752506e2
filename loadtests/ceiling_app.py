"""The ceiling of the REST benchmark: the least a Flask app can do per request.

``gunicorn loadtests.ceiling_app:app`` with the node's own worker flags. It
reads the request body (as the node must) and answers a small JSON document,
so the benchmark can compare the node's request rate with what Flask under
the same WSGI server reaches on this machine in the same run.
"""

from __future__ import annotations

from flask import Flask, Response, request

app = Flask("ceiling")


@app.route("/", defaults={"path": ""}, methods=["GET", "POST"])
@app.route("/<path:path>", methods=["GET", "POST"])
def small_json(path: str) -> Response:
    """A fixed small JSON answer, after reading the whole body."""
    size = len(request.get_data(cache=False))
    body = b'{"status":"pending","received":%d}' % size
    return Response(body, status=202, mimetype="application/json")
