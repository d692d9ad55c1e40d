"""Contract: each shared vocabulary has one source, and every user agrees with it."""

from __future__ import annotations

import ast
from pathlib import Path

import backcheck.video.pipeline as pipeline
from backcheck.cli.analyze import LiftChoice
from backcheck.core import load_knowledge
from backcheck.core import vocabulary as vocab
from backcheck.core.case import VIDEO_FINDINGS as CASE_VIDEO_FINDINGS
from backcheck.core.journal import ACTIVITIES, LOCATIONS, RADIATION, RESPONSES, SYMPTOMS
from backcheck.jobs import JobStatus
from backcheck.jobs.runner import STAGE_SHARE
from backcheck.video.analysis import FINDINGS as ANALYSIS_FINDINGS
from backcheck.video.reps import LIFTS as REP_LIFTS
from backcheck.web.analyses.schemas import JobOut
from backcheck.web.analyses.views import UPLOAD_BODY
from backcheck.web.journal.schemas import EntryIn


def test_lifts_have_one_source() -> None:
    assert ("auto", *vocab.LIFTS) == vocab.LIFT_CHOICES
    assert REP_LIFTS is vocab.LIFTS
    assert tuple(choice.value for choice in LiftChoice) == vocab.LIFT_CHOICES
    schema = UPLOAD_BODY["requestBody"]["content"]["multipart/form-data"]["schema"]
    assert schema["properties"]["lift"]["enum"] == list(vocab.LIFT_CHOICES)


def test_video_finding_ids_have_one_source() -> None:
    assert CASE_VIDEO_FINDINGS is vocab.VIDEO_FINDINGS
    assert ANALYSIS_FINDINGS is vocab.VIDEO_FINDINGS
    assert set(vocab.VIDEO_FINDINGS) <= set(load_knowledge().findings)


def test_journal_values_have_one_source() -> None:
    props = EntryIn.model_json_schema()["properties"]

    def enum(name: str) -> list[str]:
        schema = props[name]
        if "items" in schema:
            schema = schema["items"]
        if "anyOf" in schema:
            schema = next(s for s in schema["anyOf"] if s.get("type") == "string")
        return list(schema["enum"])

    assert enum("locations") == list(LOCATIONS)
    assert enum("activities") == list(ACTIVITIES)
    assert enum("symptoms") == list(SYMPTOMS)
    assert enum("radiates") == list(RADIATION)
    assert enum("response") == list(RESPONSES)
    kb = load_knowledge()
    assert {finding for finding, _v, _l in SYMPTOMS.values()} <= set(kb.red_flags)


def test_job_stage_names_have_one_source() -> None:
    assert set(STAGE_SHARE) <= set(vocab.PIPELINE_STAGES)
    assert vars(pipeline)["STAGE_POSE"] == vocab.STAGE_POSE
    # The pipeline names every stage with a constant, never a bare string literal.
    tree = ast.parse(Path(pipeline.__file__).read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "stage":
            assert not isinstance(node.args[0], ast.Constant), ast.unparse(node)


def test_job_statuses_are_the_api_values() -> None:
    assert [s.value for s in JobStatus] == ["queued", "running", "done", "failed"]
    assert JobOut.model_json_schema()["$defs"]["JobStatus"]["enum"] == [s.value for s in JobStatus]
