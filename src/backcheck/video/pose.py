"""Pose engines behind a small Protocol, so the deprecated MediaPipe legacy API can be swapped.

Chosen engine: mediapipe 0.10.14 `solutions.pose`, full landmark model, tracking mode, with the
person mask. It is the only model here that ships inside a registry wheel, runs offline and gives
a silhouette (needed for the back measure); 0.10.14 is the one such wheel that accepts numpy 2
(docs/video.md). Migration path: mediapipe Tasks `PoseLandmarker` with a locally built `.task`
bundle, implementing the same `PoseEngine` protocol.
"""

from __future__ import annotations

import contextlib
import functools
import io
import os
import re
import sys
import tempfile
import threading
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np
from numpy.typing import NDArray

from backcheck.video.errors import VideoError

N_LANDMARKS = 33

# BlazePose landmark indices used by the analysis.
NOSE, L_EAR, R_EAR = 0, 7, 8
L_SHOULDER, R_SHOULDER, L_ELBOW, R_ELBOW, L_WRIST, R_WRIST = 11, 12, 13, 14, 15, 16
L_HIP, R_HIP, L_KNEE, R_KNEE, L_ANKLE, R_ANKLE = 23, 24, 25, 26, 27, 28
L_HEEL, R_HEEL, L_FOOT, R_FOOT = 29, 30, 31, 32

SKELETON: tuple[tuple[int, int], ...] = (
    (11, 12),
    (11, 13),
    (13, 15),
    (12, 14),
    (14, 16),
    (11, 23),
    (12, 24),
    (23, 24),
    (23, 25),
    (25, 27),
    (27, 29),
    (29, 31),
    (27, 31),
    (24, 26),
    (26, 28),
    (28, 30),
    (30, 32),
    (28, 32),
    (0, 7),
    (0, 8),
)


@dataclass
class PoseResult:
    """One frame's pose: image landmarks in pixels, world landmarks in metres, optional mask.

    `image`: (33, 4) = x_px, y_px, z (relative depth, image-x scale), visibility.
    `world`: (33, 3) metres, hip-centred. `mask`: (H, W) float32 person probability or None.
    """

    image: NDArray[np.float32]
    world: NDArray[np.float32]
    mask: NDArray[np.float32] | None


class PoseEngine(Protocol):
    """Anything that turns an RGB frame into a PoseResult (or None when nobody is found)."""

    name: str

    def process(self, rgb: NDArray[np.uint8]) -> PoseResult | None:
        """Pose of the tracked person in this frame (frames arrive in time order)."""
        ...

    def close(self) -> None:
        """Release native resources."""
        ...


# Start-up chatter of the native side: TFLite's "Created ... delegate", absl's pre-init notice,
# and glog/absl-style INFO/WARNING lines ("W0000 00:00:1795.. 123 file.cc:114] ...").
_NATIVE_CHATTER = re.compile(
    r"(INFO: Created TensorFlow Lite"
    r"|WARNING: All log messages before absl::InitializeLog"
    r"|[IW]\d{4} \d\d:\d\d:[\d.]+\s+\d+ \S+:\d+\])"
    r"|\s*$"
)


# fd 2 and sys.stderr are one per process: threads inside quiet_native_stderr() at the same
# time (two engines starting together on two cores) share one redirect, made by the first to
# enter and undone by the last to leave, so they start in parallel, not in turn.
_QUIET_LOCK = threading.Lock()
_quiet_users = 0
_quiet_redirect: contextlib.ExitStack | None = None


@contextlib.contextmanager
def quiet_native_stderr() -> Iterator[None]:
    """Capture what C++ code (TFLite, absl, glog) writes on file descriptor 2 meanwhile, and
    what Python code writes on sys.stderr.

    That chatter bypasses Python's sys.stderr and ignores GLOG_minloglevel (absl logging), so
    only an fd-level redirect keeps the CLI's stderr clean. Lines that are not known start-up
    chatter (a real error, another thread's output) are passed on afterwards, not lost.
    """
    global _quiet_users, _quiet_redirect
    with _QUIET_LOCK:
        if _quiet_users == 0:
            with contextlib.ExitStack() as stack:
                stack.enter_context(_redirected_stderr())
                _quiet_redirect = stack.pop_all()
        _quiet_users += 1
    try:
        yield
    finally:
        with _QUIET_LOCK:
            _quiet_users -= 1
            if _quiet_users == 0 and _quiet_redirect is not None:
                redirect, _quiet_redirect = _quiet_redirect, None
                redirect.close()


def _not_chatter(text: str) -> list[str]:
    return [line for line in text.splitlines() if not _NATIVE_CHATTER.match(line)]


@contextlib.contextmanager
def _redirected_stderr() -> Iterator[None]:
    try:
        sys.stderr.flush()
        saved = os.dup(2)
    except (OSError, ValueError):  # no fd 2 (closed, or a replaced stderr): nothing to hide
        yield
        return
    python_level = io.StringIO()
    with tempfile.TemporaryFile() as captured:
        os.dup2(captured.fileno(), 2)
        try:
            with contextlib.redirect_stderr(python_level):
                yield
        finally:
            with contextlib.suppress(OSError, ValueError):
                sys.stderr.flush()
            os.dup2(saved, 2)
            os.close(saved)
            captured.seek(0)
            kept = _not_chatter(captured.read().decode("utf-8", "replace"))
            kept += _not_chatter(python_level.getvalue())
            if kept:
                sys.stderr.write("\n".join(kept) + "\n")


SMOOTH_SEGMENTATION = False  # see MediaPipePose: no effect on the mask, only on the time


class MediaPipePose:
    """MediaPipe legacy BlazePose (full model, tracking mode, segmentation)."""

    name = "mediapipe-0.10.14-pose-full"

    def __init__(self, segmentation: bool = True, threads: int | None = None) -> None:
        """`threads`: threads for the graph and the models' inference (None: MediaPipe's
        default, about one per core). Engines that share the cores (the two-core pass) use 1."""
        os.environ.setdefault("GLOG_minloglevel", "2")
        os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
        # protobuf deprecation noise from inside mediapipe's legacy graph runner
        warnings.filterwarnings("ignore", message=".*GetPrototype.*", category=UserWarning)
        try:
            import mediapipe as mp
        except ImportError as exc:  # pragma: no cover - environment problem
            raise VideoError("no_pose_engine", "mediapipe is not installed (run make)") from exc
        # The C++ side prints start-up chatter on stderr while the graph opens and on the first
        # frame (TFLite delegate, absl notice, feedback-tensor warnings): keep stderr clean.
        self._started = False
        # quiet_native_stderr also holds sys.stderr, shared by engines starting together (a
        # redirect_stderr of each engine's own once left sys.stderr on a StringIO).
        pose_class = mp.solutions.pose.Pose
        if threads is not None:
            pose_class = _pose_on_threads(threads)
        with quiet_native_stderr():
            self._pose: Any = pose_class(
                static_image_mode=False,
                model_complexity=1,
                smooth_landmarks=True,
                enable_segmentation=segmentation,
                # Off on purpose: in 0.10.14 the smoothed mask is bit-identical to the raw one
                # (checked on every frame of ten dev clips, and by a slow test), yet the
                # smoothing pass costs ~9 ms of CPU a frame at 720p: 15 % of the model's time.
                smooth_segmentation=SMOOTH_SEGMENTATION,
                min_detection_confidence=0.5,
                min_tracking_confidence=0.5,
            )
            # The graph opens its calculators (and logs) on its own threads after start_run:
            # wait for that inside the capture instead of racing it. No packet is sent.
            graph = getattr(self._pose, "_graph", None)
            if graph is not None:
                graph.wait_until_idle()

    def process(self, rgb: NDArray[np.uint8]) -> PoseResult | None:
        h, w = rgb.shape[:2]
        if self._started:
            res = self._pose.process(rgb)
        else:
            with quiet_native_stderr():
                res = self._pose.process(rgb)
            self._started = True
        if res.pose_landmarks is None:
            return None
        image = np.array(
            [(p.x * w, p.y * h, p.z * w, p.visibility) for p in res.pose_landmarks.landmark],
            dtype=np.float32,
        )
        if res.pose_world_landmarks is not None:
            world = np.array(
                [(p.x, p.y, p.z) for p in res.pose_world_landmarks.landmark], dtype=np.float32
            )
        else:
            world = np.full((N_LANDMARKS, 3), np.nan, dtype=np.float32)
        mask = res.segmentation_mask
        return PoseResult(image, world, None if mask is None else np.asarray(mask, np.float32))

    def close(self) -> None:
        self._pose.close()


def default_engine() -> PoseEngine:
    """The engine the CLI uses."""
    return MediaPipePose()


def sharing_engine() -> PoseEngine:
    """The engine of one segment of the two-core pass: it shares the cores with another, so
    it runs on one thread (its graph's and its model's). Measured with two engines at once at
    720p, against MediaPipe's default threads (whose extra workers then wait for cores the
    other engine holds): one inference thread, 10 % less CPU a frame and 11 % more frames a
    second; one graph thread too, another 16 % more. Landmarks and masks are bit-identical
    (slow test). Alone, fewer threads are slower, so the one-stream pass keeps the default."""
    return MediaPipePose(threads=1)


@functools.cache
def _pose_on_threads(threads: int) -> type[Any]:
    """mediapipe's Pose with its graph executor and its inference calculators (XNNPACK) on
    `threads` threads.

    The legacy API has no option for either; its graph config is edited where the solution
    edits its own calculator options (`_modify_calculator_options`, mediapipe 0.10.14, pinned).
    """
    import mediapipe as mp
    from mediapipe.calculators.tensor import inference_calculator_pb2
    from mediapipe.framework import thread_pool_executor_pb2

    inference = inference_calculator_pb2.InferenceCalculatorOptions
    pool = thread_pool_executor_pb2.ThreadPoolExecutorOptions

    class ThreadedPose(mp.solutions.pose.Pose):  # type: ignore[misc]
        def _modify_calculator_options(self, config: Any, params: Any) -> None:
            super()._modify_calculator_options(config, params)
            models = [n for n in config.node if n.calculator.startswith("InferenceCalculator")]
            if not models:
                raise VideoError("no_pose_engine", "mediapipe's pose graph has no model")
            for node in models:
                node.options.Extensions[inference.ext].delegate.xnnpack.num_threads = threads
            defaults = [e for e in config.executor if e.name == ""]
            executor = defaults[0] if defaults else config.executor.add()
            executor.type = "ThreadPoolExecutor"
            executor.options.Extensions[pool.ext].num_threads = threads

    return ThreadedPose


class CroppedEngine:
    """A pose engine that sees only one box of each frame (landmarks and mask in box pixels).

    For split-screen clips ("wrong vs right" side by side): each panel is its own lifter view.
    `box` = (x, y, w, h) in the frames the engine receives.
    """

    def __init__(self, inner: PoseEngine, box: tuple[int, int, int, int]) -> None:
        self.inner = inner
        self.box = box
        self.name = inner.name

    def process(self, rgb: NDArray[np.uint8]) -> PoseResult | None:
        x, y, w, h = self.box
        return self.inner.process(np.ascontiguousarray(rgb[y : y + h, x : x + w]))

    def close(self) -> None:
        self.inner.close()
