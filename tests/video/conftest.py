"""Shared fixtures for the video tests: where the real clips live, and a per-session pose cache.

Real clips come from ../shared/data/videos (relative to the repository root): short public
lifting clips gathered from other projects' repositories, labelled by a reviewer (see that
folder's README.md and labels.tsv). They are never copied into this repository.
"""

from __future__ import annotations

import csv
import dataclasses
import fcntl
import os
import re
from collections.abc import Callable
from pathlib import Path

import pytest

from backcheck.video.decode import probe
from backcheck.video.track import Track

REPO = Path(__file__).resolve().parents[2]
DATA = (REPO / ".." / "shared" / "data").resolve()
if not DATA.exists() and (REPO / ".." / ".." / "shared" / "data").exists():
    DATA = (REPO / ".." / ".." / "shared" / "data").resolve()  # a worktree one level deeper
CLIPS = DATA / "videos"
MORE = DATA / "more"
# A folder of pose tracks kept between sessions (bench/back_calibration.py cache DIR writes
# the same files): set it to skip the pose pass on this slow shared machine.
TRACK_CACHE = os.environ.get("BACKCHECK_TRACK_CACHE")
PANEL = re.compile(r"(?P<name>[A-Za-z]+) x=(?P<x>\d+) y=(?P<y>\d+) w=(?P<w>\d+) h=(?P<h>\d+)")


def clip_labels(folder: Path = CLIPS) -> dict[str, dict[str, str]]:
    """labels.tsv rows by clip id (empty when the clips are absent)."""
    path = folder / "labels.tsv"
    if not path.exists():
        return {}
    with path.open(encoding="utf-8") as f:
        return {row["id"]: row for row in csv.DictReader(f, delimiter="\t")}


def panel_box(clip_id: str, panel: str) -> tuple[int, int, int, int]:
    """The crop box (x, y, w, h) of one panel of a split-screen clip in more/labels.tsv."""
    for m in PANEL.finditer(clip_labels(MORE)[clip_id]["crop"]):
        if m["name"] == panel:
            return int(m["x"]), int(m["y"]), int(m["w"]), int(m["h"])
    raise KeyError(f"{clip_id} has no panel {panel}")


@pytest.fixture(scope="session")
def clips_dir() -> Path:
    if not (CLIPS / "labels.tsv").exists():
        pytest.skip(f"real clips not found at {CLIPS} (they live in ../shared/data/videos)")
    return CLIPS


@pytest.fixture(scope="session")
def track_of(clips_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Callable[[str], Track]:
    """Pose track of a clip, computed once per test session even across xdist workers.

    `name` is a clip id of videos/, a clip id of more/, or "<more clip id>__<panel>" for one
    panel of a split-screen clip (cropped by its box in more/labels.tsv). The cache sits in
    the session's shared temp root (or BACKCHECK_TRACK_CACHE); a file lock per clip makes the
    second worker wait for the first instead of running the pose model again.
    """
    root = tmp_path_factory.getbasetemp()
    shared = root.parent if root.name.startswith("popen-gw") else root
    cache = Path(TRACK_CACHE) if TRACK_CACHE else shared / "bc_track_cache"
    cache.mkdir(exist_ok=True)
    memo: dict[str, Track] = {}
    more = clip_labels(MORE)

    def get(name: str) -> Track:
        if name in memo:
            return memo[name]
        from backcheck.video.pose import CroppedEngine, MediaPipePose, PoseEngine
        from backcheck.video.track import extract_track

        clip, _, panel = name.partition("__")
        video = MORE / more[clip]["file"] if clip in more else clips_dir / f"{clip}.mp4"
        info = probe(video)
        s = info.analysis_scale
        box = None
        if panel:
            x, y, w, h = panel_box(clip, panel)
            box = (round(x * s), round(y * s), round(w * s), round(h * s))
        npz = cache / f"{name}.npz"
        with (cache / f"{name}.lock").open("w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            if not npz.exists():
                engine: PoseEngine = MediaPipePose()
                if box is not None:
                    engine = CroppedEngine(engine, box)
                try:
                    track = extract_track(info, engine)
                finally:
                    engine.close()
                tmp = cache / f".{name}.tmp.npz"
                track.save(tmp)
                tmp.replace(npz)
        track = Track.load(npz, info)
        if box is not None:
            track.frame_size = (box[2], box[3])
            track.info = dataclasses.replace(
                info, width=round(box[2] / s), height=round(box[3] / s)
            )
        memo[name] = track
        return track

    return get
