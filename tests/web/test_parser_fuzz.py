"""Hypothesis fuzz of the two parsers that read a user's file: the CLI's case-file reader and
the backup import. Whatever the document, the answer is a result or the parser's own error
with a short, printable message; never another exception, never a change on rejection."""

from __future__ import annotations

import contextlib
import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from backcheck.cli.input import parse_json_text
from backcheck.core import CaseError, parse_case
from backcheck.storage import open_database
from backcheck.web.backup import service
from tests.core.core_kit import KB

FINDING_IDS = sorted(KB.findings)
scalars = st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=30)
json_values = st.recursive(
    scalars,
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.dictionaries(st.text(max_size=12) | st.sampled_from(FINDING_IDS), inner, max_size=4)
    ),
    max_leaves=20,
)
keys = st.sampled_from(["findings", "video_analysis", "extra"]) | st.text(max_size=8)
case_documents = st.dictionaries(keys, json_values, max_size=3) | json_values
FUZZ = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@FUZZ
@given(case_documents)
def test_case_parser_answers_or_says_why(document: Any) -> None:
    try:
        parse_case(document, KB)
    except CaseError as exc:
        assert len(str(exc)) < 400 and str(exc).isprintable(), repr(str(exc))[:500]


@FUZZ
@given(st.text(max_size=200) | case_documents.map(json.dumps))
def test_case_file_text_parses_or_says_why(text: str) -> None:
    try:
        document = parse_json_text(text)
    except ValueError as exc:
        assert len(str(exc)) < 400, str(exc)[:500]
        return
    with contextlib.suppress(CaseError):
        parse_case(document, KB)


export_like = st.fixed_dictionaries(
    {
        "format": st.sampled_from(["backcheck-export", "other"]),
        "version": st.sampled_from([1, 1.0, True, "1", 2]),
    },
    optional={
        "interviews": st.lists(json_values, max_size=3) | json_values,
        "journal": st.lists(
            st.dictionaries(
                st.sampled_from(["id", "day", "pain", "note", "radiates", "uid"])
                | st.text(max_size=6),
                json_values,
                max_size=5,
            ),
            max_size=3,
        )
        | json_values,
        "analyses": st.lists(json_values, max_size=2) | json_values,
        "asked": json_values,
    },
)


@pytest.fixture(scope="module")
def database(tmp_path_factory: pytest.TempPathFactory) -> Any:
    folder = tmp_path_factory.mktemp("import-fuzz")
    db = open_database(f"sqlite:///{folder / 'fuzz.db'}")
    yield db, folder
    db.close()


@FUZZ
@given(document=export_like | json_values)
def test_import_parser_imports_or_rejects_without_change(database: Any, document: Any) -> None:
    db, folder = database
    with db.session() as session:
        before = service.export_all(session=session, analyses_root=Path(folder))
    try:
        with db.session() as session:
            service.import_all(session=session, document=document, analyses_root=Path(folder))
    except service.ImportRejected as exc:
        assert 0 < len(exc.message) < 1000, exc.message[:1000]
        with db.session() as session:
            after = service.export_all(session=session, analyses_root=Path(folder))
        before.pop("exported_at", None), after.pop("exported_at", None)
        assert after == before
