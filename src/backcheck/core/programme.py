"""The staged way back to heavy lifting, and the pain rule that moves it: pure, no I/O.

The phases and the rule are knowledge (``programme.yaml``); this engine only replays the
lifter's logged sessions through the rule, in order, so the current phase, and why, follow
from the journal alone. A warning sign in the journal, or a care-only triage level, stops the
programme: nothing here can keep someone training past a red flag.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from typing import Any, Literal

from backcheck.core.knowledge.schema import Knowledge, PainRuleDef, PhaseDef, ProgrammeDef
from backcheck.core.plan import PlanStep

Verdict = Literal["progress", "hold", "step_back", "waiting"]
Status = Literal[
    "not_started", "waiting", "on_track", "advanced", "held", "stepped_back", "complete", "stopped"
]
CARE_ONLY = frozenset({"emergency", "urgent"})


@dataclass(frozen=True, slots=True)
class PhasePlan:
    """One phase as offered for a case: the knowledge plus this plan's exercises for it."""

    phase: PhaseDef
    items: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        """The phase in the assessment JSON."""
        p = self.phase
        return {
            "id": p.id,
            "title": p.title,
            "goal": p.goal,
            "sessions": p.sessions,
            "load": p.load,
            "items": list(self.items),
            "sessions_to_progress": p.sessions_to_progress,
            "progress_when": list(p.progress_when),
            "step_back_when": list(p.step_back_when),
            "source": list(p.source),
        }


@dataclass(frozen=True, slots=True)
class Programme:
    """The staged programme offered with a plan."""

    rule: PainRuleDef
    phases: tuple[PhasePlan, ...]
    citations: tuple[tuple[str, str], ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """The ``programme`` of the assessment JSON."""
        r = self.rule
        return {
            "rule": {
                "id": r.id,
                "title": r.title,
                "explanation": r.explanation,
                "during_max": r.during_max,
                "morning_over_baseline_max": r.morning_over_baseline_max,
                "step_back_during_min": r.step_back_during_min,
                "step_back_morning_over_min": r.step_back_morning_over_min,
                "source": list(r.source),
                "citations": [{"id": sid, "citation": text} for sid, text in self.citations],
            },
            "phases": [phase.to_dict() for phase in self.phases],
        }


def programme_for(level: str, plan: Sequence[PlanStep], knowledge: Knowledge) -> Programme | None:
    """The programme for a result, or None for care-only results (emergency, urgent)."""
    if level in CARE_ONLY or level not in knowledge.programme.levels:
        return None
    exercises = tuple([(step.id, step.section) for step in plan if step.kind == "exercise"])
    return _programme(knowledge, exercises)


@lru_cache(maxsize=1024)
def _programme(knowledge: Knowledge, exercises: tuple[tuple[str, str], ...]) -> Programme:
    """The programme offered with these exercises (id, section) in plan order: the same
    immutable Programme for every plan with the same exercises."""
    definition = knowledge.programme
    phases = tuple(
        PhasePlan(phase, tuple(item for item, section in exercises if section in phase.sections))
        for phase in definition.phases
    )
    citations = tuple((sid, knowledge.sources[sid].citation) for sid in definition.rule.source)
    return Programme(definition.rule, phases, citations)


@dataclass(frozen=True, slots=True)
class SessionLog:
    """What the lifter logs about one session (pain on a 0-10 scale)."""

    pain_during: int
    pain_after: int | None = None
    pain_next_morning: int | None = None
    spread_down_leg: bool = False
    done: tuple[str, ...] = ()
    load: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class Session(SessionLog):
    """One logged session as the rule reads it: the log, its day and the pain before it."""

    day: date
    pain_before: int


@dataclass(frozen=True, slots=True)
class SessionVerdict:
    """What the rule made of one session, in the phase it was done in."""

    day: date
    phase: str
    verdict: Verdict
    why: str


@dataclass(frozen=True, slots=True)
class ProgrammeState:
    """Where the lifter is in the programme and why, replayed from the sessions."""

    phase: str
    phase_index: int
    status: Status
    why: str
    streak: int
    needed: int
    history: tuple[SessionVerdict, ...]
    stopped_by: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready state."""
        return {
            "phase": self.phase,
            "phase_index": self.phase_index,
            "status": self.status,
            "why": self.why,
            "streak": self.streak,
            "needed": self.needed,
            "stopped_by": list(self.stopped_by),
            "history": [
                {"day": v.day.isoformat(), "phase": v.phase, "verdict": v.verdict, "why": v.why}
                for v in self.history
            ],
        }


def judge(session: Session, rule: PainRuleDef) -> tuple[Verdict, str]:
    """One session against the pain rule: progress, hold, step back, or wait for the morning."""
    during = session.pain_during
    if session.spread_down_leg:
        return "step_back", "The pain spread down a leg during or after the session."
    if during >= rule.step_back_during_min:
        return "step_back", (
            f"Pain during was {during}/10, {rule.step_back_during_min}/10 or more."
        )
    morning = session.pain_next_morning
    if morning is None:
        return "waiting", (
            f"Pain during was {during}/10; the decision waits for tomorrow morning's pain."
        )
    over = morning - session.pain_before
    morning_text = (
        f"the next morning {morning}/10 against {session.pain_before}/10 before the session"
    )
    if over >= rule.step_back_morning_over_min:
        return "step_back", f"Pain during was {during}/10 and {morning_text}: {over} points worse."
    if during <= rule.during_max and over <= rule.morning_over_baseline_max:
        return "progress", (
            f"Pain during was {during}/10 (agreed limit {rule.during_max}/10) and "
            f"{morning_text}: within the pain rule."
        )
    if during > rule.during_max:
        return "hold", (
            f"Pain during was {during}/10, above the agreed {rule.during_max}/10 but below "
            f"{rule.step_back_during_min}/10."
        )
    return "hold", f"Pain during was {during}/10 but {morning_text}: not yet back to where it was."


def run_programme(
    sessions: Iterable[Session],
    programme: ProgrammeDef,
    *,
    level: str,
    warning_signs: Sequence[str] = (),
) -> ProgrammeState:
    """Replay the sessions in order through the rule; a warning sign or care-only level stops it.

    ``warning_signs`` are the plain labels of red-flag symptoms recorded in the journal.
    """
    phases = programme.phases
    rule = programme.rule
    index, streak = 0, 0
    history: list[SessionVerdict] = []
    status: Status = "not_started"
    why = f"Start with '{phases[0].title}'. {phases[0].goal}"
    for session in sorted(sessions, key=lambda s: s.day):
        phase = phases[index]
        verdict, reason = judge(session, rule)
        history.append(SessionVerdict(session.day, phase.id, verdict, reason))
        if verdict == "waiting":
            status, why = "waiting", reason
            continue
        if verdict == "progress":
            streak += 1
            if streak < phase.sessions_to_progress:
                status = "on_track"
                why = (
                    f"{reason} {streak} of {phase.sessions_to_progress} sessions in a row: "
                    f"stay with '{phase.title}' for now."
                )
            elif index + 1 < len(phases):
                index, streak = index + 1, 0
                status = "advanced"
                why = (
                    f"{reason} {phase.sessions_to_progress} sessions in a row within the rule: "
                    f"move on to '{phases[index].title}'."
                )
            else:
                streak = phase.sessions_to_progress
                status = "complete"
                why = f"{reason} You are back to your usual training; keep the warm-up and fixes."
        elif verdict == "hold":
            streak = 0
            status = "held"
            why = f"{reason} Stay with '{phase.title}' and repeat the session before adding more."
        else:
            streak = 0
            if index > 0:
                index -= 1
                status = "stepped_back"
                why = f"{reason} Step back to '{phases[index].title}'."
            else:
                status = "stepped_back"
                why = (
                    f"{reason} Ease the session down to walking and relief for a day or two; if "
                    "this keeps happening, book a doctor or physiotherapist."
                )
    current = phases[index]
    needed = current.sessions_to_progress
    if level in CARE_ONLY or warning_signs:
        signs = tuple(warning_signs)
        if signs:
            named = "; ".join(signs)
            why = (
                f"Stopped: your journal records a warning sign ({named}). Do not train; follow "
                "the advice at the top of the page and get seen before you start again."
            )
        else:
            why = (
                "Stopped: your result now needs medical care first. Do not train until you "
                "have been seen."
            )
        return ProgrammeState(
            current.id, index, "stopped", why, streak, needed, tuple(history), signs
        )
    return ProgrammeState(current.id, index, status, why, streak, needed, tuple(history))
