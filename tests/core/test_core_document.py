"""The document a physiotherapist reviews: the interview screens as the lifter meets them."""

from __future__ import annotations

import json

from backcheck.core.knowledge.document import knowledge_data, knowledge_markdown
from tests.core.core_kit import KB


def test_markdown_lists_every_screen_with_its_questions_and_answer_labels() -> None:
    text = knowledge_markdown(KB)
    screens_part = text.split("## The interview screens", 1)[1].split("## Questions", 1)[0]
    position = 0
    for screen in KB.screens:  # in the order they are shown
        heading = f"{screen.title} (`{screen.id}`, {screen.kind})"
        assert heading in screens_part[position:], screen.id
        position = screens_part.index(heading, position)
        for fid in screen.findings:
            finding = KB.findings[fid]
            assert f"- {finding.item or finding.question} (`{fid}`)" in screens_part, fid
            for value in finding.values or []:
                assert finding.label(value) in screens_part, (fid, value)
    assert "Asked only when: tried_conservative_care is yes" in screens_part
    assert "Answers: Yes / No / I don't know" in screens_part


def test_markdown_lists_what_awaits_review() -> None:
    text = knowledge_markdown(KB)
    review = text.split("## Awaiting review", 1)[1].split("## Sources", 1)[0]
    for item in KB.plan_items:
        if item.review:
            assert f"Plan item `{item.id}`: {item.review}" in review
            assert f"- **For review**: {item.review}" in text
    for finding in KB.findings.values():
        if finding.review:
            assert f"Question `{finding.id}`" in review
    assert "bracing_breath_out" in review


def test_json_export_carries_the_screens_and_conditions() -> None:
    data = json.loads(json.dumps(knowledge_data(KB)))
    assert [s["id"] for s in data["screens"]] == [s.id for s in KB.screens]
    assert data["screens"][0]["findings"] == KB.screens[0].findings
    relieved = next(f for f in data["findings"] if f["id"] == "relieved_by_conservative_care")
    assert relieved["ask_when"] == {"finding": "tried_conservative_care", "is": True}
