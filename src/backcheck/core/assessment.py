"""One assessment: contradictions resolved, then triage, causes, plan and next questions."""

from __future__ import annotations

from typing import Any, NamedTuple

from backcheck.core.case import Case
from backcheck.core.inference import CauseResult, infer_causes
from backcheck.core.interview import Question, next_questions
from backcheck.core.knowledge.loader import load_knowledge
from backcheck.core.knowledge.schema import Knowledge
from backcheck.core.plan import AvoidedItem, PlanStep, build_plan, illustration_path
from backcheck.core.programme import Programme, programme_for
from backcheck.core.triage import Adjustment, Triage, resolve_contradictions, triage


class Assessment(NamedTuple):
    """Everything backcheck concludes about a case; ``to_dict`` is the JSON contract.

    An immutable record (a named tuple: one is built per assessment, several times quicker
    than a frozen dataclass)."""

    triage: Triage
    causes: tuple[CauseResult, ...]
    plan: tuple[PlanStep, ...]
    avoided: tuple[AvoidedItem, ...]
    already_doing: tuple[AvoidedItem, ...]
    programme: Programme | None
    next_questions: tuple[Question, ...]
    adjustments: tuple[Adjustment, ...]
    notes: tuple[str, ...]
    disclaimer: str

    @property
    def emergency_message(self) -> str | None:
        """The emergency advice, whole, when the level is emergency."""
        if self.triage.level != "emergency":
            return None
        return self.triage.reasons[0].message

    def to_dict(self) -> dict[str, Any]:
        """The assessment JSON of the spec (plus compatible extensions)."""
        t = self.triage
        return {
            "triage": {
                "level": t.level,
                "complete": t.complete,
                "missing": list(t.missing),
                "reasons": [
                    {
                        "rule": r.rule,
                        "level": r.level,
                        "title": r.title,
                        "findings": list(r.findings),
                        "message": r.message,
                    }
                    for r in t.reasons
                ],
            },
            "causes": [
                {
                    "id": c.id,
                    "kind": c.kind,
                    "title": c.title,
                    "identified": c.identified,
                    "certainty": c.certainty,
                    "likelihood": round(c.likelihood, 4),
                    "evidence_for": [_evidence(e) for e in c.evidence_for],
                    "evidence_against": [_evidence(e) for e in c.evidence_against],
                    "explanation": c.explanation,
                    "about": c.about,
                }
                for c in self.causes
            ],
            "plan": [_plan_item(p) for p in self.plan],
            "plan_held_back": [
                {"id": a.id, "title": a.title, "note": a.note} for a in self.avoided
            ],
            "plan_already_doing": [
                {"id": a.id, "title": a.title, "note": a.note} for a in self.already_doing
            ],
            "programme": self.programme.to_dict() if self.programme is not None else None,
            "next_questions": [q.to_dict() for q in self.next_questions],
            "adjustments": [
                {"rule": a.rule, "changed": a.changed, "message": a.message}
                for a in self.adjustments
            ],
            "notes": list(self.notes),
            "disclaimer": self.disclaimer,
        }


def _plan_item(p: PlanStep) -> dict[str, Any]:
    item: dict[str, Any] = {
        "id": p.id,
        "section": p.section,
        "kind": p.kind,
        "title": p.title,
        "because": list(p.because),
        "steps": list(p.steps),
        "dose": p.dose,
    }
    if p.kind == "exercise":
        item["stop_if"] = list(p.stop_if)
        item["regression"] = p.regression
        item["progression"] = p.progression
        item["illustration"] = p.illustration
        item["illustrations"] = [illustration_path(name) for name in p.illustrations]
    return item


def _evidence(evidence: Any) -> dict[str, Any]:
    return {
        "findings": list(evidence.findings),
        "text": evidence.text,
        "likelihood_ratio": evidence.likelihood_ratio,
        "weight": round(evidence.weight, 3),
    }


def assess(
    case: Case, knowledge: Knowledge | None = None, *, question_limit: int = 3
) -> Assessment:
    """Assess a validated case. Pure: no I/O, same input, same output."""
    kb = knowledge or load_knowledge()
    findings, adjustments = resolve_contradictions(case.findings, kb)
    result = triage(findings, kb)
    causes = infer_causes(findings, case.confidence, kb)
    plan = build_plan(result, causes, findings, kb)
    programme = programme_for(result.level, plan.steps, kb)
    questions = next_questions(case, kb, limit=question_limit, state=(findings, result, causes))
    return Assessment(
        result,
        causes,
        plan.steps,
        plan.held_back,
        plan.already_doing,
        programme,
        tuple(questions),
        adjustments,
        case.notes,
        kb.settings.disclaimer,
    )
