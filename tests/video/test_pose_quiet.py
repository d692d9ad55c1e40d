"""The pose engine's native start-up chatter never reaches stderr; real messages still do."""

from __future__ import annotations

import os

import numpy as np
import pytest

from backcheck.video.pose import quiet_native_stderr


def test_quiet_native_stderr_drops_chatter_keeps_the_rest(
    capfd: pytest.CaptureFixture[str],
) -> None:
    with quiet_native_stderr():
        os.write(2, b"INFO: Created TensorFlow Lite XNNPACK delegate for CPU.\n")
        os.write(2, b"WARNING: All log messages before absl::InitializeLog() is called are ...\n")
        os.write(2, b"W0000 00:00:1795553946.438779   18094 inference_feedback_manager.cc:114] x\n")
        os.write(2, b"E0000 00:00:1795553946.438779   18094 calculator.cc:1] a real error\n")
    err = capfd.readouterr().err
    assert err == "E0000 00:00:1795553946.438779   18094 calculator.cc:1] a real error\n"


def test_engine_start_is_silent(capfd: pytest.CaptureFixture[str]) -> None:
    from backcheck.video.pose import MediaPipePose

    engine = MediaPipePose()
    try:
        for _ in range(2):
            engine.process(np.zeros((240, 320, 3), np.uint8))
    finally:
        engine.close()
    assert capfd.readouterr().err == ""


def test_threads_inside_at_once_share_one_redirect_and_lose_nothing(
    capfd: pytest.CaptureFixture[str],
) -> None:
    """Two engines start together under one redirect (the first in makes it, the last out
    undoes it): both threads' real lines come through afterwards, the chatter does not."""
    import sys
    import threading

    inside = threading.Barrier(2, timeout=10)  # one at a time would never meet here
    before = sys.stderr

    def start(name: str) -> None:
        with quiet_native_stderr():
            inside.wait()  # both inside at the same time
            os.write(2, b"INFO: Created TensorFlow Lite XNNPACK delegate for CPU.\n")
            os.write(2, f"E0000 a real error from {name}\n".encode())
            inside.wait()

    threads = [threading.Thread(target=start, args=(n,)) for n in ("one", "two")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    os.write(2, b"after\n")
    err = capfd.readouterr().err
    assert sorted(err.splitlines()) == sorted(
        ["E0000 a real error from one", "E0000 a real error from two", "after"]
    )
    assert sys.stderr is before
