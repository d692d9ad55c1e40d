"""Golden answers of the core: every output for a fixed corpus of cases, kept as digests.

The speed work on the engines (triage, inference, plan, programme, interview) must not change
a single answer. This module builds a fixed corpus — seeded random cases (red-flag screens
complete, nearly complete, random or negative; lay answers, contradictions, video evidence
weighted by confidence), the core benchmark's own cases, every case in ``cases.yaml`` and the
web benchmark's case — and digests each one's assessment JSON (byte for byte, key order
included) and, for every fifth case and each cases.yaml case, the next interview screen.

``tests/core/test_core_golden.py`` compares the digests with ``golden_digests.json``.
Regenerate that file only when an answer is meant to change (new knowledge, a deliberate
engine change), after checking the differences::

    .venv/bin/python -m tests.core.golden --update
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from backcheck.core import Case, assess, load_knowledge, parse_case
from backcheck.core.interview import next_screen
from backcheck.core.knowledge.schema import FindingDef, Knowledge
from backcheck.core.vocabulary import VIDEO_FINDINGS

HERE = Path(__file__).resolve().parent
DIGESTS_FILE = HERE / "golden_digests.json"
CASES_FILE = HERE / "cases.yaml"
KNOWLEDGE_DIR = HERE.parents[1] / "src" / "backcheck" / "core" / "knowledge"
SEED = 20261201
RANDOM_CASES = 2400
INTERVIEW_CASES = 300
BENCH_CASES = 600
SCREEN_EVERY = 5
# the sections of the assessment JSON, each digested over the whole corpus too, so that a
# failure says which part of the answer changed
SECTIONS = (
    "triage",
    "causes",
    "plan",
    "plan_held_back",
    "plan_already_doing",
    "programme",
    "next_questions",
    "adjustments",
    "notes",
    "disclaimer",
)
WEB_BENCH_CASE: dict[str, Any] = json.loads(
    (Path(__file__).resolve().parents[2] / "bench" / "web_bench_case.json").read_text("utf-8")
)  # the web benchmark's case


@dataclass(frozen=True)
class GoldenCase:
    """One case of the corpus: its name, the case, and whether its next screen is digested."""

    name: str
    case: Case
    skipped: tuple[str, ...]
    screen: bool


def knowledge_fingerprint(folder: Path = KNOWLEDGE_DIR) -> str:
    """A digest of the knowledge files: the golden answers hold for this knowledge only."""
    digest = hashlib.sha256()
    for path in sorted(folder.glob("*.yaml")):
        digest.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def _value(finding: FindingDef, rng: random.Random) -> Any:
    """A valid random answer (numbers: whole, fractional, at the ends of the range)."""
    if finding.type == "bool":
        return rng.random() < 0.5
    if finding.type == "enum":
        return rng.choice(finding.values or [])
    assert finding.min is not None and finding.max is not None
    low, high = finding.min, finding.max
    pick = rng.random()
    if pick < 0.1:
        number: float = low
    elif pick < 0.2:
        number = high
    else:
        number = rng.uniform(low, min(high, low + 120))
    if finding.type == "int" or rng.random() < 0.6:
        return int(number)
    return round(number, rng.choice([1, 2, 6]))


def _random_document(kb: Knowledge, rng: random.Random) -> dict[str, Any]:
    """A case document as the property tests draw them, sometimes with a video analysis."""
    mode = rng.choice(["complete", "one_missing", "random", "negative", "negative"])
    skip = rng.choice(kb.red_flags) if mode == "one_missing" else None
    # how often a red flag is answered "no" on a negative screen: a few yes, one, or none
    bias = rng.choice([0.9, 0.97, 1.0]) if mode in ("negative", "one_missing") else 0.0
    findings: dict[str, Any] = {}
    for fid in kb.red_flags:
        if fid == skip or (mode == "random" and rng.random() < 0.5):
            continue
        definition = kb.findings[fid]
        negative = rng.random() < bias
        findings[fid] = definition.safe_value if negative else _value(definition, rng)
    share = rng.choice([0.1, 0.33, 0.6, 0.9])
    for fid, definition in kb.findings.items():
        if fid not in kb.red_flags and not definition.derived and rng.random() < share:
            findings[fid] = _value(definition, rng)
    document: dict[str, Any] = {"findings": findings}
    if rng.random() < 0.3:
        video: dict[str, Any] = {}
        confidence: dict[str, float] = {}
        for fid in VIDEO_FINDINGS:
            choice = rng.choice([None, True, False, "absent"])
            if choice == "absent":
                continue
            video[fid] = choice
            if rng.random() < 0.7:
                confidence[fid] = round(rng.random(), 3)
        document["video_analysis"] = {"findings": video, "finding_confidence": confidence}
    return document


def _interview_document(kb: Knowledge, rng: random.Random) -> dict[str, Any]:
    """A case past the fixed screens (safety mostly "no"), where the follow-up questions are
    ranked: the interview's own path."""
    on_screens = {f for screen in kb.screens for f in screen.findings}
    bias = rng.choice([0.97, 1.0, 1.0])
    share = rng.choice([0.0, 0.2, 0.5])
    findings: dict[str, Any] = {}
    for fid, definition in kb.findings.items():
        if definition.derived:
            continue
        if fid in kb.red_flags:
            negative = rng.random() < bias
            findings[fid] = definition.safe_value if negative else _value(definition, rng)
        elif fid in on_screens or rng.random() < share:
            findings[fid] = _value(definition, rng)
    return {"findings": findings}


def _bench_case(kb: Knowledge, rng: random.Random) -> Case:
    """A case the way bench/core_bench.py makes them (a random share of every finding)."""
    share = rng.random()
    findings: dict[str, Any] = {}
    for fid, definition in kb.findings.items():
        if rng.random() < share:
            if definition.type == "bool":
                findings[fid] = rng.random() < 0.3
            elif definition.type == "enum":
                findings[fid] = rng.choice(definition.values or [])
            else:
                assert definition.min is not None and definition.max is not None
                high = min(definition.max, definition.min + 120)
                findings[fid] = rng.randint(int(definition.min), int(high))
    return Case(findings)


def _yaml_documents(kb: Knowledge) -> Iterator[tuple[str, dict[str, Any]]]:
    """Every case of cases.yaml as test_core_cases.py assesses it."""
    baseline = {fid: kb.findings[fid].safe_value for fid in kb.red_flags}
    for entry in yaml.safe_load(CASES_FILE.read_text(encoding="utf-8")):
        findings = dict(entry.get("findings") or {})
        if entry.get("screen", "negative") == "negative":
            findings = {**baseline, **findings}
        document: dict[str, Any] = {"findings": findings}
        if "video" in entry:
            document["video_analysis"] = entry["video"]
        yield f"yaml:{entry['id']}", document


def corpus(kb: Knowledge) -> list[GoldenCase]:
    """The fixed corpus, the same on every run for the same knowledge."""
    rng = random.Random(SEED)
    cases: list[GoldenCase] = []
    for number in range(RANDOM_CASES):
        case = parse_case(_random_document(kb, rng), kb)
        unanswered = [
            f for f in kb.findings if f not in case.findings and not kb.findings[f].derived
        ]
        skipped = tuple(f for f in unanswered if rng.random() < 0.2)
        cases.append(GoldenCase(f"random:{number}", case, skipped, number % SCREEN_EVERY == 0))
    for number in range(INTERVIEW_CASES):
        case = parse_case(_interview_document(kb, rng), kb)
        unanswered = [
            f for f in kb.findings if f not in case.findings and not kb.findings[f].derived
        ]
        skipped = tuple(f for f in unanswered if rng.random() < 0.2)
        cases.append(GoldenCase(f"interview:{number}", case, skipped, True))
    for number in range(BENCH_CASES):
        cases.append(GoldenCase(f"bench:{number}", _bench_case(kb, rng), (), False))
    for name, document in _yaml_documents(kb):
        cases.append(GoldenCase(name, parse_case(document, kb), (), True))
    cases.append(GoldenCase("web_bench", parse_case(WEB_BENCH_CASE, kb), (), True))
    return cases


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def outputs(item: GoldenCase, kb: Knowledge) -> dict[str, str]:
    """One case's answers as JSON text, by section (and its next screen, where digested)."""
    output = assess(item.case, kb).to_dict()
    texts = {name: json.dumps(output[name], ensure_ascii=False) for name in SECTIONS}
    assert list(output) == list(SECTIONS), "a new assessment section: add it to SECTIONS"
    if item.screen:
        screen = next_screen(item.case, item.skipped, kb)
        texts["screen"] = json.dumps(screen.to_dict() if screen else None, ensure_ascii=False)
    return texts


def case_digest(texts: dict[str, str]) -> str:
    """The short digest of one case's answers (48 bits: a chance match is out of reach)."""
    return _digest("\n".join(f"{name}\t{text}" for name, text in texts.items()))[:12]


def answers(kb: Knowledge | None = None, dump: Path | None = None) -> dict[str, Any]:
    """Digests of every answer in the corpus: per case, per section and in all (``dump``:
    also write every answer in full, one line per case, to compare two versions with diff)."""
    kb = kb or load_knowledge()
    lines: list[str] = []
    per_case: dict[str, str] = {}
    sections = {name: hashlib.sha256() for name in (*SECTIONS, "screen")}
    whole = hashlib.sha256()
    for item in corpus(kb):
        texts = outputs(item, kb)
        for name, text in texts.items():
            sections[name].update(text.encode("utf-8") + b"\n")
        per_case[item.name] = case_digest(texts)
        whole.update("\t".join(texts.values()).encode("utf-8") + b"\n")
        if dump is not None:
            lines.append(f"{item.name}\t" + "\t".join(texts.values()))
    if dump is not None:
        dump.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return {
        "knowledge": knowledge_fingerprint(),
        "cases": len(per_case),
        "all": whole.hexdigest(),
        "sections": {name: h.hexdigest() for name, h in sections.items()},
        "per_case": per_case,
    }


def main() -> int:
    """Print or (``--update``) store the golden digests."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--update", action="store_true", help=f"write {DIGESTS_FILE.name}")
    parser.add_argument("--dump", type=Path, help="also write every answer in full to this file")
    args = parser.parse_args()
    result = answers(dump=args.dump)
    if args.update:
        # per case in corpus order (the names follow from the corpus)
        result["per_case"] = list(result["per_case"].values())
        DIGESTS_FILE.write_text(json.dumps(result, indent=0) + "\n", encoding="utf-8")
        print(f"wrote {DIGESTS_FILE} ({result['cases']} cases)")
    else:
        print(json.dumps({k: v for k, v in result.items() if k != "per_case"}, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
