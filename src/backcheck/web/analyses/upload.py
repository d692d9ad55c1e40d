"""Streaming upload: the body is read chunk by chunk, counted, and refused past the limit.

The file's type is sniffed from its first bytes (never from its name or the browser's word),
and it is written under a name the server chooses.
"""

from __future__ import annotations

import asyncio
import errno
import os
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from python_multipart.multipart import MultipartParser, parse_options_header
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException

SNIFF_BYTES = 16
STALLED = "The upload stopped for more than {seconds:.0f} s, so it was dropped. Try again."
DISK_FULL = (
    "The disk is full, so the video could not be saved and nothing was kept. Free some space "
    "and upload it again."
)
NOT_A_VIDEO = (
    "That file is not a video backcheck can read. Upload an MP4, MOV, WebM or AVI video "
    "straight from your phone or camera."
)


class UploadError(Exception):
    """The upload was refused: 413 (too large), 415 (not a video), 408 (stalled), 507 (disk
    full) or 400."""

    def __init__(self, status: int, message: str, *, field: str = "video") -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.field = field


def sniff_container(head: bytes) -> str | None:
    """'mp4', 'mov', 'webm' (Matroska/WebM) or 'avi' from a file's first bytes; None otherwise."""
    if len(head) >= 12 and head[4:8] == b"ftyp":
        return "mov" if head[8:10] == b"qt" else "mp4"
    if len(head) >= 8 and head[4:8] in (b"moov", b"mdat", b"wide", b"free", b"skip"):
        return "mov"
    if head[:4] == b"\x1a\x45\xdf\xa3":
        return "webm"
    if len(head) >= 12 and head[:4] == b"RIFF" and head[8:12] == b"AVI ":
        return "avi"
    return None


@dataclass
class Upload:
    """What a multipart upload produced: small text fields and at most one file."""

    fields: dict[str, str] = field(default_factory=dict)
    path: Path | None = None
    size: int = 0
    container: str | None = None
    filename: str = ""


@dataclass
class _State:
    name: str = ""
    filename: str | None = None
    header_field: bytes = b""
    header_value: bytes = b""
    headers: dict[bytes, bytes] = field(default_factory=dict)
    buffer: bytearray = field(default_factory=bytearray)
    head: bytearray = field(default_factory=bytearray)
    fd: int | None = None
    pending: bytearray = field(default_factory=bytearray)
    closing: bool = False
    error: UploadError | None = None


async def receive_upload(
    *,
    stream: AsyncIterator[bytes],
    content_type: str,
    target: Path,
    max_bytes: int,
    file_field: str = "video",
    stall_s: float = 30.0,
) -> Upload:
    """Parse a multipart body into ``target`` (the one file) and the text fields."""
    ctype, params = parse_options_header(content_type)
    boundary = params.get(b"boundary")
    if ctype != b"multipart/form-data" or not boundary:
        raise UploadError(400, "Send the video as a multipart/form-data upload.")
    upload = Upload()
    state = _State()

    def on_part_begin() -> None:
        state.headers = {}
        state.buffer = bytearray()

    def on_header_field(data: bytes, start: int, end: int) -> None:
        state.header_field += data[start:end]

    def on_header_value(data: bytes, start: int, end: int) -> None:
        state.header_value += data[start:end]

    def on_header_end() -> None:
        state.headers[state.header_field.lower()] = state.header_value
        state.header_field, state.header_value = b"", b""

    def on_headers_finished() -> None:
        _disp, options = parse_options_header(state.headers.get(b"content-disposition", b""))
        state.name = options.get(b"name", b"").decode("utf-8", "replace")
        raw_name = options.get(b"filename")
        state.filename = None if raw_name is None else raw_name.decode("utf-8", "replace")
        if state.filename is not None:
            if state.name != file_field or upload.path is not None:
                state.error = UploadError(400, "Send exactly one file, in the 'video' field.")
                return
            upload.filename = state.filename
            state.fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            upload.path = target

    def on_part_data(data: bytes, start: int, end: int) -> None:
        if state.error is not None:
            return
        chunk = data[start:end]
        if state.filename is None:
            if len(state.buffer) + len(chunk) > 10_000:
                state.error = UploadError(400, "A form field is too long.", field=state.name)
                return
            state.buffer += chunk
            return
        upload.size += len(chunk)
        if upload.size > max_bytes:
            state.error = UploadError(413, _too_large(max_bytes))
            return
        if len(state.head) < SNIFF_BYTES:
            state.head += chunk[: SNIFF_BYTES - len(state.head)]
            if len(state.head) >= SNIFF_BYTES and sniff_container(bytes(state.head)) is None:
                state.error = UploadError(415, NOT_A_VIDEO)  # refuse now, not after 500 MB
                return
        state.pending += chunk  # written by _drain, in a worker thread

    def on_part_end() -> None:
        if state.filename is None:
            upload.fields[state.name] = state.buffer.decode("utf-8", "replace")
        elif state.fd is not None:
            state.closing = True  # _drain writes the rest, syncs and closes, off the loop
        state.filename = None

    callbacks: Any = {
        "on_part_begin": on_part_begin,
        "on_header_field": on_header_field,
        "on_header_value": on_header_value,
        "on_header_end": on_header_end,
        "on_headers_finished": on_headers_finished,
        "on_part_data": on_part_data,
        "on_part_end": on_part_end,
    }
    parser = MultipartParser(boundary, callbacks)
    try:
        async for chunk in _until_stalled(stream, stall_s):
            parser.write(chunk)
            if state.error is not None:
                raise state.error
            await _drain(state)
        parser.finalize()
        if state.error is not None:
            raise state.error
        await _drain(state)
    except UploadError:
        _discard(state, target)
        raise
    except HTTPException as exc:  # the body limit, counted over every part
        _discard(state, target)
        if exc.status_code == 413:
            raise UploadError(413, _too_large(max_bytes)) from exc
        raise
    except TimeoutError as exc:
        _discard(state, target)
        raise UploadError(408, STALLED.format(seconds=stall_s)) from exc
    except OSError as exc:
        _discard(state, target)
        if exc.errno in (errno.ENOSPC, errno.EDQUOT):
            raise UploadError(507, DISK_FULL) from exc
        raise UploadError(500, f"The video could not be saved ({exc.strerror}).") from exc
    except Exception as exc:
        _discard(state, target)
        raise UploadError(400, "The upload was cut off or malformed; try again.") from exc
    if upload.path is None or upload.size == 0:
        _discard(state, target)
        raise UploadError(400, "Choose a video file to upload.")
    upload.container = sniff_container(bytes(state.head))
    if upload.container is None:
        _discard(state, target)
        raise UploadError(415, NOT_A_VIDEO)
    return upload


WRITE_BATCH_BYTES = 1 << 20


async def _drain(state: _State) -> None:
    """Write what the parser gathered (every MB, and at the file's end, then fsync and
    close) in a worker thread: disk writes and the final fsync never stall the event loop."""
    if state.fd is None:
        return
    if state.pending and (state.closing or len(state.pending) >= WRITE_BATCH_BYTES):
        data, state.pending = state.pending, bytearray()
        await run_in_threadpool(_write_all, state.fd, data)
    if state.closing:
        fd, state.fd, state.closing = state.fd, None, False
        try:
            await run_in_threadpool(os.fsync, fd)
        finally:
            os.close(fd)


def _write_all(fd: int, data: bytearray) -> None:
    view = memoryview(data)
    while view:
        written = os.write(fd, view)
        view = view[written:]


async def _until_stalled(stream: AsyncIterator[bytes], stall_s: float) -> AsyncIterator[bytes]:
    """The body's chunks; TimeoutError when the client sends nothing for ``stall_s``."""
    chunks = stream.__aiter__()
    while True:
        try:
            async with asyncio.timeout(stall_s):
                chunk = await anext(chunks)
        except StopAsyncIteration:
            return
        yield chunk


def _too_large(max_bytes: int) -> str:
    return (
        f"The video is larger than the {max_bytes / 1_048_576:.0f} MB limit. Trim it to the "
        "set you want checked, or film at a lower resolution."
    )


def _discard(state: _State, target: Path) -> None:
    if state.fd is not None:
        os.close(state.fd)
        state.fd = None
    target.unlink(missing_ok=True)


def check_declared_length(*, content_length: str | None, max_bytes: int) -> None:
    """Refuse at once when the declared body size is already over the limit."""
    if content_length and content_length.isdigit() and int(content_length) > max_bytes + 65_536:
        raise UploadError(413, _too_large(max_bytes))
