"""A stand-in analysis runner for the job machinery tests (no pose model, milliseconds).

What it does depends on the uploaded bytes: FAIL → a clean analysis error, CRASH → the
worker process dies, HANG → it never finishes (the timeout must stop it), WAIT → it waits
until a file named RELEASE appears in its job folder (up to WAIT_S), then finishes normally:
the test decides when, e.g. after it killed and restarted the server. DAMAGED → done, with
the warning a partly undecodable video gets.
"""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path
from typing import Any

from backcheck.jobs.runner import AnalysisError, ProgressFn

WAIT_S = 120.0
RELEASE = "release"
# A 1x1 PNG.
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082"
)


DAMAGED_WARNING = {
    "code": "frames_undecodable",
    "message": "24% of the video's frames could not be decoded (22 of 90): the file is "
    "damaged, so reps and the back's shape may be missed. Export or film it again.",
}


class FakeRunner:
    """Writes a copy of the input as the 'annotated video' and a tiny plot."""

    def run(self, *, video: Path, out_dir: Path, lift: str, progress: ProgressFn) -> dict[str, Any]:
        data = video.read_bytes()
        progress(0.1, "pose")
        if b"FAIL" in data:
            raise AnalysisError("No person was found in the video.")
        if b"CRASH" in data:
            os._exit(3)
        if b"HANG" in data:
            time.sleep(3600)
        if b"WAIT" in data:
            deadline = time.monotonic() + WAIT_S
            while not (out_dir / RELEASE).exists() and time.monotonic() < deadline:
                time.sleep(0.05)
        time.sleep(0.2)
        progress(0.6, "pose")
        shutil.copy(video, out_dir / "annotated.mp4")
        (out_dir / "angles.png").write_bytes(PNG)
        progress(1.0, "done")
        return {
            "schema_version": 1,
            "video": {"path": str(video), "width": 640, "height": 360, "fps": 30.0},
            "view": "side",
            "lift": "deadlift" if lift == "auto" else lift,
            "lift_detected": lift == "auto",
            "reps": [
                {
                    "index": 1,
                    "start_s": 0.0,
                    "bottom_s": 0.5,
                    "lockout_s": 1.4,
                    "end_s": 2.0,
                    "angles": {
                        "trunk_bottom_deg": 70.0,
                        "hip_bottom_deg": 60.0,
                        "knee_bottom_deg": 110.0,
                    },
                    "flags": [{"id": "lumbar_flexion", "phase": "bottom", "confidence": 0.7}],
                }
            ],
            "findings": {"back_rounds_at_bottom": True, "back_arches_at_lockout": None},
            "finding_confidence": {"back_rounds_at_bottom": 0.7},
            "warnings": [DAMAGED_WARNING] if b"DAMAGED" in data else [],
            "artifacts": {
                "annotated_video": str(out_dir / "annotated.mp4"),
                "plots": [str(out_dir / "angles.png")],
            },
        }
