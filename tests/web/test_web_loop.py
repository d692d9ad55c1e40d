"""Issue 7 defect 5: heavy requests must not stall the event loop (a static file keeps coming).

A real server (`backcheck serve`, uvicorn) gets a large import that is refused at its last
record, so all of it is read, parsed and checked; meanwhile a static file is fetched every
50 ms. Before the fix the API parsed the body on the event loop and the form's parse held the
GIL in one C call: the static file waited for seconds. The full measurement (idle against
loaded p50/p99, the 20 MB form import, the 18,500-entry journal) is bench/loop_bench.py.
"""

from __future__ import annotations

import json
import re
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest

from tests.web.web_support import LiveServer, start_server

MAX_STALL_S = 0.5
ATTEMPTS = 3
IMPORT_BYTES = 8 * 1024 * 1024
STATIC = "/static/style.css"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    live = start_server(tmp_path_factory.mktemp("loop"))
    try:
        yield live
    finally:
        live.stop()


def refused_import(client: httpx.Client, size: int) -> bytes:
    """An export of about ``size`` bytes whose last journal entry is refused (pain 99)."""
    assert client.post("/api/v1/journal/entries", json={"pain": 3, "note": "x"}).status_code == 201
    export = client.get("/api/v1/export").json()
    template = export["journal"][0]
    count = size // (len(json.dumps(template)) + 2)
    journal = [{**template, "uid": uuid.uuid4().hex} for _ in range(count)]
    journal[-1]["pain"] = 99
    return json.dumps({**export, "journal": journal, "interviews": [], "analyses": []}).encode()


def worst_static_wait(server: LiveServer, heavy: Callable[[], httpx.Response]) -> float:
    """The longest a static file took while ``heavy`` ran (s); asserts heavy was refused."""
    answers: list[httpx.Response] = []
    thread = threading.Thread(target=lambda: answers.append(heavy()))
    waits: list[float] = []
    with httpx.Client(base_url=server.url, timeout=60) as probe:
        probe.get(STATIC)
        thread.start()
        while thread.is_alive():
            began = time.perf_counter()
            assert probe.get(STATIC).status_code == 200
            waits.append(time.perf_counter() - began)
            time.sleep(0.05)
    thread.join()
    assert answers and answers[0].status_code == 422, answers
    assert len(waits) >= 3, "the import finished before the probe got going"
    return max(waits)


def test_a_large_refused_import_does_not_stall_a_static_file(
    server: LiveServer, tmp_path: Path
) -> None:
    with httpx.Client(base_url=server.url, timeout=300) as client:
        document = refused_import(client, IMPORT_BYTES)
        html = client.get("/data").text
        token = re.search(r'name="csrf_token" value="([^"]+)"', html)
        assert token

        def api() -> httpx.Response:
            headers = {"content-type": "application/json"}
            return client.post("/api/v1/import", content=document, headers=headers)

        def form() -> httpx.Response:
            files = {"file": ("export.json", document, "application/json")}
            return client.post("/data/import", files=files, data={"csrf_token": token.group(1)})

        waits: dict[str, list[float]] = {"api": [], "form": []}
        for name, heavy in (("api", api), ("form", form)):
            # A blocked loop stalls every try; the OS descheduling the server on a loaded
            # machine stalls some: a route passes when one try in three stays under the limit.
            while len(waits[name]) < ATTEMPTS and min(waits[name], default=9.0) >= MAX_STALL_S:
                waits[name].append(worst_static_wait(server, heavy))
    assert all(min(tries) < MAX_STALL_S for tries in waits.values()), waits
