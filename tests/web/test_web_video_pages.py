"""Video result pages and reference sets: honest findings, views that cannot show angles, the
lifter's reference set per lift handed to later jobs, the progress page's refresh."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient

from backcheck.jobs import JobStatus
from backcheck.jobs import store as jobs
from backcheck.jobs.runner import REFERENCES_FILE, reference_sets
from backcheck.storage import AnalysisJob, open_database
from backcheck.web.analyses import service
from backcheck.web.settings import Settings

SUMMARY = {
    "whole_bow": 0.01,
    "valley": 0.03,
    "lumbar_bow": 0.0,
    "torso_px": 150.0,
    "thickness": 0.7,
    "back_side": -1.0,
    "reps": 3,
}


def result(view: str = "side", lift: str = "deadlift", **extra: Any) -> dict[str, Any]:
    """A finished analysis JSON as the pipeline writes it (new contract)."""
    base: dict[str, Any] = {
        "schema_version": 1,
        "video": {"path": "x.mp4", "width": 640, "height": 360, "fps": 30.0},
        "view": view,
        "lift": lift,
        "lift_detected": True,
        "reps": [
            {
                "index": 1,
                "start_s": 0.0,
                "bottom_s": 0.5,
                "lockout_s": 1.4,
                "end_s": 2.0,
                "angles": {"trunk_bottom_deg": 71.0, "hip_bottom_deg": 60.0},
                "back": {"judgeable": view == "side"},
                "flags": [],
            }
        ],
        "findings": {
            "back_rounds_at_bottom": None,
            "back_arches_at_setup": None,
            "back_arches_at_lockout": None,
            "arches_when_pressing_overhead": None,
        },
        "finding_basis": dict.fromkeys(
            (
                "back_rounds_at_bottom",
                "back_arches_at_setup",
                "back_arches_at_lockout",
                "arches_when_pressing_overhead",
            ),
            "single clip",
        ),
        "finding_reason": {
            "back_rounds_at_bottom": "can't tell from one clip: film a reference set",
            "back_arches_at_setup": "over-arching is judged only against a reference set",
            "back_arches_at_lockout": "over-arching is judged only against a reference set",
            "arches_when_pressing_overhead": "not measured in this lift",
        },
        "warnings": [],
        "artifacts": {"plots": ["/tmp/angles.png"], "contact_sheet": "/tmp/contact_sheet.png"},
    }
    base.update(extra)
    return base


def add_job(
    settings: Settings,
    res: dict[str, Any] | None,
    *,
    is_reference: bool = False,
    label: str = "set.mp4",
    age_min: int = 0,
    status: JobStatus = JobStatus.DONE,
) -> str:
    db = open_database(settings.database_url)
    try:
        with db.session() as session:
            job = AnalysisJob(
                id=jobs.allocate_job_id(),
                status=status,
                label=label,
                result=res,
                is_reference=is_reference,
                finished_at=datetime.now(UTC) - timedelta(minutes=age_min),
            )
            session.add(job)
            session.flush()
            return job.id
    finally:
        db.close()


def test_single_clip_result_is_honest(client: TestClient, settings: Settings) -> None:
    rounded = result()
    rounded["findings"]["back_rounds_at_bottom"] = True
    rounded["finding_confidence"] = {"back_rounds_at_bottom": 0.62}
    rounded["finding_reason"]["back_rounds_at_bottom"] = "possible rounding at the bottom: check it"
    rounded["reps"][0]["flags"] = [
        {
            "id": "lumbar_flexion",
            "phase": "bottom",
            "confidence": 0.62,
            "basis": "possible rounding at the bottom: check it",
            "kind": "single clip",
        }
    ]
    page = client.get(f"/analyses/{add_job(settings, rounded)}").text
    assert "possibly: check it" in page and "62% confidence, based on this clip alone" in page
    assert "Over-arching is judged only against a reference set." in page
    assert "Arches when pressing overhead" not in page  # not measured in a deadlift
    assert "lumbar_flexion" not in page and "lumbar flexion" not in page  # no ids
    assert 'id="back-legend"' in page and "reads toward rounded" in page
    assert 'id="contact-sheet"' in page and "Angles over time" in page
    assert "trunk 71.0°" in page
    assert 'id="reference-hint"' in page
    assert ">no<" not in page and "<strong>no</strong>" not in page


def test_front_view_shows_no_angles_or_plot(client: TestClient, settings: Settings) -> None:
    res = result(view="front")
    res["finding_reason"]["back_rounds_at_bottom"] = "can't judge: not a side view (front)"
    page = client.get(f"/analyses/{add_job(settings, res)}").text
    assert "can only be read from a side view" in page
    assert "trunk 71" not in page and "Angles over time" not in page
    assert 'id="back-legend"' not in page
    assert "Can&#39;t judge: not a side view (front)." in page


def test_old_results_without_basis_still_render(client: TestClient, settings: Settings) -> None:
    old = result()
    del old["finding_basis"], old["finding_reason"]
    old["findings"]["back_rounds_at_bottom"] = False
    old["finding_confidence"] = {"back_rounds_at_bottom": 0.58}
    old["reps"][0]["flags"] = [{"id": "lumbar_flexion", "phase": "bottom", "confidence": 0.6}]
    page = client.get(f"/analyses/{add_job(settings, old)}").text
    assert "not seen" in page and "based on this clip alone" in page


def test_reference_result_says_what_it_was_compared_with(
    client: TestClient, settings: Settings
) -> None:
    res = result()
    res["findings"]["back_rounds_at_bottom"] = True
    res["finding_basis"]["back_rounds_at_bottom"] = "reference"
    res["finding_confidence"] = {"back_rounds_at_bottom": 0.78}
    res["reference"] = {"name": "light.mp4 (01 Dec 2026)", "used": True, "reason": None}
    page = client.get(f"/analyses/{add_job(settings, res)}").text
    assert "yes, more than in your reference set" in page
    assert "Compared with your reference set light.mp4" in page
    res["reference"] = {"name": "light.mp4", "used": False, "reason": "film from the same side"}
    page = client.get(f"/analyses/{add_job(settings, res)}").text
    assert "Not compared with your reference set light.mp4: film from the same side." in page


def test_reference_sets_per_lift_reach_the_next_job(settings: Settings, tmp_path: Path) -> None:
    older = add_job(settings, result(back_summary=SUMMARY), is_reference=True, age_min=30)
    newer = add_job(
        settings,
        result(back_summary={**SUMMARY, "whole_bow": 0.02}),
        is_reference=True,
        label="light.mp4",
    )
    add_job(settings, result(lift="squat", back_summary=None), is_reference=True)  # unmeasured
    add_job(settings, result(lift="squat", back_summary=SUMMARY), is_reference=False)
    db = open_database(settings.database_url)
    try:
        with db.session() as session:
            refs = jobs.reference_jobs(session=session)
            assert set(refs) == {"deadlift"} and refs["deadlift"].id == newer != older
            service.write_reference_sets(folder=tmp_path, references=refs)
    finally:
        db.close()
    data = json.loads((tmp_path / REFERENCES_FILE).read_text())
    assert data["deadlift"]["name"].startswith("light.mp4 (")
    name, summary = reference_sets(tmp_path)["deadlift"]
    assert name.startswith("light.mp4") and summary.whole_bow == 0.02
    assert reference_sets(tmp_path / "nowhere") == {}


def test_upload_page_lists_reference_sets(client: TestClient, settings: Settings) -> None:
    add_job(settings, result(back_summary=SUMMARY), is_reference=True, label="light.mp4")
    page = client.get("/analyses").text
    assert 'name="reference"' in page and "Your reference sets" in page
    assert "Deadlift: " in page and "light.mp4" in page


def test_progress_page_refreshes_only_without_javascript(
    client: TestClient, settings: Settings
) -> None:
    job = add_job(settings, None, status=JobStatus.RUNNING)
    page = client.get(f"/analyses/{job}").text
    assert '<noscript><meta http-equiv="refresh"' in page
    assert page.count('http-equiv="refresh"') == 1
