"""Free-text intake: red flags read from lifters' words, the safety rules of reading, the
phrases file, dates and numbers, the story suite, and property tests of the invariants."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from backcheck.core import Case, parse_case
from backcheck.core.conditions import FindingValue
from backcheck.core.intake import apply_story, assess_story, read_story
from backcheck.core.intake.lexicon import PHRASES_FILE, load_lexicon_from
from backcheck.core.knowledge.loader import KnowledgeError
from backcheck.core.knowledge.schema import LEVEL_RANK
from backcheck.core.triage import resolve_contradictions, triage
from tests.core.core_kit import BASELINE, KB
from tests.core.intake_kit import RED_FLAG_PHRASINGS

TUESDAY = date(2026, 12, 1)
KNOWLEDGE_DIR = Path(__file__).resolve().parents[2] / "src" / "backcheck" / "core" / "knowledge"
STORIES = Path(__file__).resolve().parent / "stories.yaml"


def is_positive(finding_id: str, value: FindingValue | None) -> bool:
    """Whether a value counts as the red flag being present."""
    return value is not None and value in KB.findings[finding_id].alarm_values


def level_of(findings: dict[str, Any]) -> int:
    """Triage level rank of some findings."""
    resolved, _ = resolve_contradictions(findings, KB)
    return LEVEL_RANK[triage(resolved, KB).level]


# --- every red flag: three phrasings found, denied / hedged / other person's not found -----


def test_every_red_flag_has_phrasings() -> None:
    assert set(RED_FLAG_PHRASINGS) == set(KB.red_flags)


POSITIVE_CASES = [(fid, text) for fid, p in RED_FLAG_PHRASINGS.items() for text in p.positive]


@pytest.mark.parametrize(("finding_id", "text"), POSITIVE_CASES)
def test_red_flag_found_counts_at_once_and_is_confirmed(finding_id: str, text: str) -> None:
    intake = read_story(text, TUESDAY, KB)
    assert is_positive(finding_id, intake.findings.get(finding_id)), intake.findings
    assert finding_id in intake.case_findings  # counts at once
    assert finding_id in intake.needs_confirmation  # and is still asked
    evidence = [e for e in intake.evidence if e.finding == finding_id]
    assert evidence and all(text[e.start : e.end] == e.text for e in evidence)


@pytest.mark.parametrize("finding_id", list(RED_FLAG_PHRASINGS))
def test_red_flag_denied_is_prefilled_no_but_still_asked(finding_id: str) -> None:
    intake = read_story(RED_FLAG_PHRASINGS[finding_id].negated, TUESDAY, KB)
    value = intake.findings.get(finding_id)
    assert not is_positive(finding_id, value)
    assert value is not None, "a denial should pre-fill the answer for the lifter to confirm"
    assert finding_id in intake.needs_confirmation
    assert finding_id not in intake.case_findings  # the text never answers "no" on its own
    assessment = assess_story(RED_FLAG_PHRASINGS[finding_id].negated, TUESDAY, None, KB)
    assert finding_id in assessment["triage"]["missing"]
    assert assessment["triage"]["complete"] is False


@pytest.mark.parametrize("form", ["hedged", "other_person"])
@pytest.mark.parametrize("finding_id", list(RED_FLAG_PHRASINGS))
def test_red_flag_hedged_or_about_someone_else_is_not_a_finding(finding_id: str, form: str) -> None:
    text = getattr(RED_FLAG_PHRASINGS[finding_id], form)
    intake = read_story(text, TUESDAY, KB)
    assert finding_id not in intake.findings, (text, intake.findings)
    mentions = [e for e in intake.evidence if e.finding == finding_id]
    assert mentions and all(e.certainty in ("uncertain", "other_person") for e in mentions)


def test_historical_mentions_are_not_findings_but_past_cancer_is() -> None:
    intake = read_story("had sciatica years ago that went away, tweaked my back on squats")
    assert "burning_or_electric_leg_pain" not in intake.findings
    assert [e.certainty for e in intake.evidence if e.finding.startswith("burning")] == [
        "historical"
    ]
    cancer = read_story("i had bowel cancer 6 years ago, now back pain after deadlifts")
    assert cancer.findings["history_of_cancer"] is True


def test_emergency_story_is_an_emergency_with_its_advice_first() -> None:
    text = (
        "felt something go on a 220 deadlift PR, now it shoots down both legs "
        "and my groin feels numb"
    )
    out = assess_story(text, TUESDAY, None, KB)
    assert out["triage"]["level"] == "emergency"
    assert out["triage"]["reasons"][0]["level"] == "emergency"
    assert out["triage"]["complete"] is False
    assert {"saddle_numbness", "bilateral_leg_symptoms"} <= set(out["intake"]["needs_confirmation"])
    assert set(out["intake"]) == {"findings", "evidence", "needs_confirmation"}
    first = out["intake"]["evidence"][0]
    assert set(first) == {"finding", "value", "text", "start", "end", "certainty"}


def test_the_issue_examples() -> None:
    lol = read_story(
        "probably nothing lol but since my back went on good mornings, "
        "when i wipe it feels kinda numb",
        TUESDAY,
        KB,
    )
    assert lol.findings["saddle_numbness"] is True
    assert lol.findings["lift"] == "good_morning"
    mate = read_story("my mate had sciatica last year", TUESDAY, KB)
    assert mate.findings == {}
    unsure = read_story("not sure if its numb down there", TUESDAY, KB)
    assert "saddle_numbness" not in unsure.findings
    assert unsure.needs_confirmation == ("saddle_numbness",)


# --- dates and numbers -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "days"),
    [
        ("hurt it since thursday", 5),  # Tuesday 1 Dec 2026: Thursday was 5 days ago
        ("tweaked it on Monday", 1),
        ("since last tuesday", 7),
        ("2 days ago on squats", 2),
        ("a couple of days ago", 2),
        ("three weeks ago", 21),
        ("yesterday at the gym", 1),
        ("this morning", 0),
        ("thrusday", 5),
    ],
)
def test_relative_dates_use_the_injected_day(text: str, days: int) -> None:
    assert read_story(text, TUESDAY, KB).findings.get("days_since_onset") == days


def test_weekday_without_today_says_nothing() -> None:
    assert "days_since_onset" not in read_story("since thursday", None, KB).findings
    assert read_story("since thursday", date(2026, 12, 4), KB).findings["days_since_onset"] == 1


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("pain is 7/10", {"pain_score": 7}),
        ("like 8 out of 10", {"pain_score": 8}),
        ("was 8/10 yesterday now 4/10", {"pain_score": 4}),
        ("im 34 and 90kg", {"age": 34}),
        ("im 90 kg", {}),
        ("32m, squats", {"age": 32, "sex": "male", "lift": "squat"}),
        ("pain 14/10 lol", {}),  # out of range: not a finding
        ("plank for 2 minutes", {"plank_hold_s": 120}),
        ("sit at a desk 9 hours a day", {"sitting_hours_per_day": 9}),
    ],
)
def test_numbers(text: str, expected: dict[str, Any]) -> None:
    found = read_story(text, TUESDAY, KB).findings
    assert {k: found.get(k) for k in expected} == expected
    for key in ("age", "pain_score"):
        if key not in expected:
            assert key not in found


def test_conflicting_values_are_left_for_the_interview() -> None:
    found = read_story("benched and squatted yesterday", TUESDAY, KB).findings
    assert "lift" not in found


def test_mechanics_slang() -> None:
    found = read_story(
        "butt wink at the bottom, i lose my brace and my ribs flare", TUESDAY, KB
    ).findings
    assert found["back_rounds_at_bottom"] is True
    assert found["loses_brace_mid_rep"] is True
    assert found["ribs_flare_under_load"] is True
    assert found["phase"] == "bottom"


# --- merging a story with a case ----------------------------------------------------------


def test_case_answers_win_but_a_positive_red_flag_takes_the_safer_reading() -> None:
    case = parse_case({"findings": {**BASELINE, "lift": "squat"}}, KB)
    intake = read_story("went on deadlifts and now my groin is numb", TUESDAY, KB)
    merged, notes = apply_story(case, intake, KB)
    assert merged.findings["lift"] == "squat"
    assert merged.findings["saddle_numbness"] is True
    assert any("safer reading" in note for note in notes)
    assert all("_" not in note for note in notes)  # plain words, no ids


def test_a_story_never_lowers_the_level_the_answers_give() -> None:
    answers = {**BASELINE, "days_since_onset": 5, "pain_trend": "same"}
    case = parse_case({"findings": answers}, KB)
    assert level_of(answers) == LEVEL_RANK["see_clinician"]
    intake = read_story("no pain at all now, 0/10", TUESDAY, KB)
    assert intake.findings["pain_score"] == 0
    merged, notes = apply_story(case, intake, KB)
    assert "pain_score" not in merged.findings
    assert level_of(dict(merged.findings)) == LEVEL_RANK["see_clinician"]
    assert notes and "lower the level" in notes[0]


def test_denied_red_flags_never_enter_the_case() -> None:
    intake = read_story("no numbness, bladder and bowels fine, no fever", TUESDAY, KB)
    assert intake.findings["fever_or_unwell"] is False
    merged, _ = apply_story(Case({}), intake, KB)
    assert not any(fid in KB.red_flags for fid in merged.findings)


# --- the phrases file -------------------------------------------------------------------


def _broken_copy(tmp_path: Path, change: Any) -> Path:
    for path in KNOWLEDGE_DIR.glob("*.yaml"):
        (tmp_path / path.name).write_text(path.read_text(encoding="utf-8"), encoding="utf-8")
    raw = yaml.safe_load((tmp_path / PHRASES_FILE).read_text(encoding="utf-8"))
    change(raw)
    (tmp_path / PHRASES_FILE).write_text(yaml.safe_dump(raw), encoding="utf-8")
    return tmp_path


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda raw: raw["phrases"].append({"set": {"no_such": True}, "say": ["x"]}), "no_such"),
        (lambda raw: raw["phrases"].append({"set": {"pain_score": 11}, "say": ["x"]}), "11"),
        (lambda raw: raw["phrases"].append({"set": {"pain_score": "{n}"}, "say": ["x"]}), "{n}"),
        (lambda raw: raw["phrases"].append({"set": {"lift": "squat"}, "say": ["{nope}"]}), "nope"),
        (lambda raw: raw["phrases"].append({"set": {"onset_age": 3}, "say": ["x"]}), "derived"),
        (lambda raw: raw.__setitem__("clause_breaks", ["two words"]), "one word"),
        (lambda raw: raw.__setitem__("source", ["nowhere"]), "nowhere"),
    ],
)
def test_bad_phrases_file_fails_loudly(tmp_path: Path, change: Any, message: str) -> None:
    folder = _broken_copy(tmp_path, change)
    with pytest.raises(KnowledgeError, match=r"phrases\.yaml") as error:
        load_lexicon_from(KB, folder)
    assert message in str(error.value)


def test_packaged_phrases_file_loads() -> None:
    lexicon = load_lexicon_from(KB, KNOWLEDGE_DIR)
    assert lexicon.targets.children


# --- the story suite ----------------------------------------------------------------------


def test_story_suite_red_flags_and_emergencies() -> None:
    raw = yaml.safe_load(STORIES.read_text(encoding="utf-8"))
    stories = raw["stories"]
    assert len(stories) >= 120
    tp = fp = fn = 0
    for story in stories:
        intake = read_story(story["text"], raw["today"], KB)
        expected = {k: v for k, v in story["expect"].items() if k in KB.red_flags}
        found = {k: v for k, v in intake.findings.items() if k in KB.red_flags}
        tp += sum(1 for k, v in found.items() if expected.get(k) == v)
        fp += sum(1 for k, v in found.items() if expected.get(k) != v)
        fn += sum(1 for k, v in expected.items() if found.get(k) != v)
        if level_of(dict(story["expect"])) == LEVEL_RANK["emergency"]:
            merged, _ = apply_story(Case({}), intake, KB)
            assert level_of(dict(merged.findings)) == LEVEL_RANK["emergency"], story["text"]
    assert tp / (tp + fp) >= 0.9 and tp / (tp + fn) >= 0.9, (tp, fp, fn)


# --- property tests -------------------------------------------------------------------------

FRAGMENTS = [
    text
    for p in RED_FLAG_PHRASINGS.values()
    for text in (*p.positive, p.negated, p.hedged, p.other_person)
] + [
    "tweaked my back on deadlifts",
    "7/10",
    "since thursday",
    "getting better",
    "butt wink",
    "no pain now 0/10",
    "pain free",
    "its fine",
    "probably nothing",
    "lol",
    "but",
    "and",
    "not",
    "no",
    "my mate",
    "last year",
    "i think",
    "?",
    ".",
    ",",
    "fine",
    "2 days ago",
]
SETTINGS = settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _value(finding_id: str) -> st.SearchStrategy[Any]:
    definition = KB.findings[finding_id]
    if definition.type == "bool":
        return st.booleans()
    if definition.type == "enum":
        return st.sampled_from(definition.values or [])
    assert definition.min is not None and definition.max is not None
    return st.integers(int(definition.min), int(min(definition.max, definition.min + 40)))


ASKABLE = [fid for fid, f in KB.findings.items() if not f.derived]


@st.composite
def cases(draw: st.DrawFn) -> dict[str, Any]:
    """Random answers; the red-flag screen often complete and negative."""
    findings: dict[str, Any] = {}
    if draw(st.booleans()):
        findings.update(BASELINE)
    for fid in draw(st.lists(st.sampled_from(ASKABLE), max_size=12, unique=True)):
        findings[fid] = draw(_value(fid))
    return findings


stories = st.lists(st.sampled_from(FRAGMENTS), min_size=1, max_size=8).map(" ".join)


@SETTINGS
@given(answers=cases(), text=stories)
def test_property_a_story_never_lowers_the_level(answers: dict[str, Any], text: str) -> None:
    case = parse_case({"findings": answers}, KB)
    merged, _ = apply_story(case, read_story(text, TUESDAY, KB), KB)
    assert level_of(dict(merged.findings)) >= level_of(answers)


@SETTINGS
@given(text=stories)
def test_property_red_flag_no_only_inside_needs_confirmation(text: str) -> None:
    intake = read_story(text, TUESDAY, KB)
    for fid, value in intake.findings.items():
        if fid in KB.red_flags:
            assert fid in intake.needs_confirmation
            if not is_positive(fid, value):
                assert fid not in intake.case_findings
    merged, _ = apply_story(Case({}), intake, KB)
    for fid, value in merged.findings.items():
        if fid in KB.red_flags:
            assert is_positive(fid, value)


@pytest.mark.parametrize(
    "text", ["x² 7/10", "²/10", "٣ days ago", "½ day ago", "7.5/10", "3,5 days"]
)
def test_odd_digits_read_without_error(text: str) -> None:
    read_story(text, TUESDAY, KB)


@SETTINGS
@given(text=st.text(max_size=400))
def test_property_any_text_reads_without_error(text: str) -> None:
    intake = read_story(text, TUESDAY, KB)
    for item in intake.evidence:
        assert text[item.start : item.end] == item.text
    parse_case({"findings": intake.case_findings}, KB)  # every finding is a valid answer


PLAIN_WORDS_STORY = (
    "I was deadlifting 180 kg yesterday and felt a sudden sharp pain in my lower back, "
    "it goes down my left leg. No numbness."
)


def raw_value_ids(findings: dict[str, Any]) -> set[str]:
    """Value ids a person must never see (those unlike their label)."""
    return {
        str(value)
        for fid, value in findings.items()
        if KB.findings[fid].type == "enum" and KB.findings[fid].label(value) != str(value)
    }


def test_what_i_understood_uses_labels_not_value_ids() -> None:
    from backcheck.cli.story import understood_lines
    from backcheck.core.intake.summary import understood

    intake = read_story(PLAIN_WORDS_STORY, date(2026, 12, 1), KB)
    assert {"lift", "onset"} <= set(intake.findings)
    raw = raw_value_ids(intake.findings)
    assert {"deadlift", "sudden"} <= raw
    for entry in understood(KB, intake):
        assert entry["answer"] not in raw
        assert entry["about"] not in raw and entry["about"] not in intake.findings
    lines = understood_lines(KB, intake)
    answers = [line.strip().split(", from ")[0] for line in lines if ", from " in line]
    assert answers and not set(answers) & raw
    text = "\n".join(lines)
    assert not [fid for fid in intake.findings if "_" in fid and fid in text]
    assert "Deadlift" in text and "1 days" not in text
