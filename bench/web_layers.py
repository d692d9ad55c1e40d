"""Where the time of one web request goes, layer by layer, in process (no HTTP).

Run: .venv/bin/python bench/web_layers.py [--rounds 20]
A profiling tool, not a benchmark with goals (so `make bench` does not run it): it calls
the ASGI app straight (no sockets, no server) and prints the CPU time per request of a
static file, an assessment, an API 404 and the home page for the app as built, the app
with each of its own middlewares left out in turn, the app with none of them, and the app
with its routers added by FastAPI's ``include_router`` (how it was built before). The
variants run interleaved, round after round, and the least CPU time per request over the
rounds is kept: on a shared machine that is the figure least moved by other load. Below
the table, the pieces of an assessment that are not the HTTP path (core, serialisation).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import AsyncExitStack, contextmanager
from pathlib import Path
from typing import Any

from fastapi import APIRouter, FastAPI
from starlette.types import ASGIApp, Message
from web_bench import CASE

from backcheck.core import assess, load_knowledge, parse_case
from backcheck.web import app as app_module
from backcheck.web.interview.schemas import AssessmentOut, CaseIn
from backcheck.web.settings import Settings

CASE_BODY = json.dumps(CASE).encode()  # web_bench.py's case
REQUESTS: dict[str, tuple[str, str, bytes]] = {
    "static file": ("GET", "/static/style.css", b""),
    "assess": ("POST", "/api/v1/assess", CASE_BODY),
    "API 404": ("GET", "/api/v1/nope", b""),
    "home page": ("GET", "/", b""),
}


def http_scope(method: str, path: str, body: bytes) -> dict[str, Any]:
    """The scope uvicorn would hand the app for this request."""
    headers = [
        (b"host", b"127.0.0.1:8000"),
        (b"content-type", b"application/json"),
        (b"content-length", str(len(body)).encode()),
    ]
    return {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": headers,
        "client": ("127.0.0.1", 50000),
        "server": ("127.0.0.1", 8000),
    }


async def call(app: ASGIApp, method: str, path: str, body: bytes) -> int:
    """One request straight into the app; its status."""
    delivered = False
    status = 0

    async def receive() -> Message:
        nonlocal delivered
        if not delivered:
            delivered = True
            return {"type": "http.request", "body": body, "more_body": False}
        await asyncio.Event().wait()  # the client never leaves
        raise AssertionError

    async def send(message: Message) -> None:
        nonlocal status
        if message["type"] == "http.response.start":
            status = message["status"]

    await app(http_scope(method, path, body), receive, send)
    return status


@contextmanager
def routers_included() -> Iterator[None]:
    """Build the app with FastAPI's ``include_router`` instead of the flat route table."""
    flat = app_module.add_routes

    def include(app: FastAPI, router: APIRouter) -> None:
        app.include_router(router)

    app_module.add_routes = include
    try:
        yield
    finally:
        app_module.add_routes = flat


def build(name: str, data_dir: Path) -> FastAPI:
    """The app variant called ``name``: "as built", "without <Middleware>", "no middleware",
    "include_router"."""
    settings = Settings(
        database_url=f"sqlite:///{data_dir}/backcheck.db", data_dir=data_dir, secret_key="k" * 32
    )
    if name == "include_router":
        with routers_included():
            return app_module.create_app(settings)
    app = app_module.create_app(settings)
    if name == "no middleware":
        app.user_middleware.clear()
    elif name.startswith("without "):
        left_out = name.removeprefix("without ")
        app.user_middleware[:] = [m for m in app.user_middleware if m.cls.__name__ != left_out]
    return app


def middleware_names() -> list[str]:
    """The app's own middlewares, outermost first."""
    with tempfile.TemporaryDirectory() as folder:
        app = build("as built", Path(folder))
        return [str(getattr(m.cls, "__name__", m.cls)) for m in app.user_middleware]


async def layer_table(rounds: int, per_round: int = 20) -> dict[str, dict[str, float]]:
    """Least CPU ms per request, by variant and request."""
    names = ["as built", *(f"without {m}" for m in middleware_names())]
    names += ["no middleware", "include_router"]
    best: dict[str, dict[str, float]] = {name: {} for name in names}
    with tempfile.TemporaryDirectory() as root:
        async with AsyncExitStack() as stack:
            apps: dict[str, FastAPI] = {}
            for i, name in enumerate(names):
                app = build(name, Path(root) / str(i))
                await stack.enter_async_context(app.router.lifespan_context(app))
                apps[name] = app
            for name, app in apps.items():  # warm up, and check every variant answers alike
                for what, (method, path, body) in REQUESTS.items():
                    statuses = {await call(app, method, path, body) for _ in range(10)}
                    expected = {404} if what == "API 404" else {200}
                    assert statuses == expected, (name, what, statuses)
            for _ in range(rounds):
                for what, (method, path, body) in REQUESTS.items():
                    for name, app in apps.items():
                        start = time.process_time()
                        for _ in range(per_round):
                            await call(app, method, path, body)
                        ms = (time.process_time() - start) / per_round * 1000
                        best[name][what] = min(best[name].get(what, ms), ms)
    return best


def least_cpu_ms(work: Callable[[], object], repeat: int = 300, rounds: int = 7) -> float:
    """Least CPU ms per call of ``work`` over a few rounds."""
    work()
    best = float("inf")
    for _ in range(rounds):
        start = time.process_time()
        for _ in range(repeat):
            work()
        best = min(best, (time.process_time() - start) / repeat * 1000)
    return best


def assessment_pieces() -> dict[str, float]:
    """CPU ms of the parts of an assessment request that are not the HTTP path."""
    kb = load_knowledge()
    body = CaseIn.model_validate_json(CASE_BODY)
    case = parse_case(body.model_dump(exclude_none=True), kb)
    result = assess(case, kb).to_dict()
    return {
        "request body → CaseIn": least_cpu_ms(lambda: CaseIn.model_validate_json(CASE_BODY)),
        "parse_case": least_cpu_ms(lambda: parse_case(body.model_dump(exclude_none=True), kb)),
        "assess (core)": least_cpu_ms(lambda: assess(case, kb)),
        "assessment .to_dict()": least_cpu_ms(lambda: assess(case, kb).to_dict())
        - least_cpu_ms(lambda: assess(case, kb)),
        "AssessmentOut check + JSON": least_cpu_ms(
            lambda: AssessmentOut.model_validate(result).model_dump_json()
        ),
    }


def main() -> int:
    """Print the table and the pieces."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=20, help="interleaved rounds (20)")
    args = parser.parse_args()
    table = asyncio.run(layer_table(args.rounds))
    columns = list(REQUESTS)
    print("CPU ms per request, in process (least over the rounds)")
    print(f"{'':40s}" + "".join(f"{c:>13s}" for c in columns))
    for name, row in table.items():
        print(f"{name:40s}" + "".join(f"{row[c]:13.3f}" for c in columns))
    built = table["as built"]
    print("cost of each part (as built minus the variant without it):")
    for name, row in table.items():
        if name.startswith("without ") or name == "no middleware":
            label = "all own middleware" if name == "no middleware" else name[len("without ") :]
            print(f"{label:40s}" + "".join(f"{built[c] - row[c]:13.3f}" for c in columns))
    row = table["include_router"]
    label = "include_router over the flat table"
    print(f"{label:40s}" + "".join(f"{row[c] - built[c]:13.3f}" for c in columns))
    print("assessment pieces outside the HTTP path, CPU ms:")
    for piece, ms in assessment_pieces().items():
        print(f"  {piece:38s}{ms:8.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
