"""Shared fixtures for the video tests: where the real clips live, and a per-session pose cache.

Real clips come from ../shared/data/videos (relative to the repository root): short public
lifting clips gathered from other projects' repositories, labelled by a reviewer (see that
folder's README.md and labels.tsv). They are never copied into this repository.
"""

from __future__ import annotations

import csv
import fcntl
from collections.abc import Callable
from pathlib import Path

import pytest

from backcheck.video.decode import probe
from backcheck.video.track import Track

REPO = Path(__file__).resolve().parents[2]
CLIPS = (REPO / ".." / "shared" / "data" / "videos").resolve()


def clip_labels() -> dict[str, dict[str, str]]:
    """labels.tsv rows by clip id (empty when the clips are absent)."""
    path = CLIPS / "labels.tsv"
    if not path.exists():
        return {}
    with path.open(encoding="utf-8") as f:
        return {row["id"]: row for row in csv.DictReader(f, delimiter="\t")}


@pytest.fixture(scope="session")
def clips_dir() -> Path:
    if not (CLIPS / "labels.tsv").exists():
        pytest.skip(f"real clips not found at {CLIPS} (they live in ../shared/data/videos)")
    return CLIPS


@pytest.fixture(scope="session")
def track_of(clips_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Callable[[str], Track]:
    """Pose track of a clip, computed once per test session even across xdist workers.

    The cache sits in the session's shared temp root; a file lock per clip makes the second
    worker wait for the first instead of running the pose model again.
    """
    root = tmp_path_factory.getbasetemp()
    shared = root.parent if root.name.startswith("popen-gw") else root
    cache = shared / "bc_track_cache"
    cache.mkdir(exist_ok=True)
    memo: dict[str, Track] = {}

    def get(name: str) -> Track:
        if name in memo:
            return memo[name]
        from backcheck.video.pose import MediaPipePose
        from backcheck.video.track import extract_track

        video = clips_dir / f"{name}.mp4"
        info = probe(video)
        npz = cache / f"{name}.npz"
        with (cache / f"{name}.lock").open("w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            if not npz.exists():
                engine = MediaPipePose()
                try:
                    track = extract_track(info, engine)
                finally:
                    engine.close()
                tmp = cache / f".{name}.tmp.npz"
                track.save(tmp)
                tmp.replace(npz)
        memo[name] = Track.load(npz, info)
        return memo[name]

    return get
