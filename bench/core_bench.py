"""Core engine speed: assessments per second on one core, and next-question latency.

Run: .venv/bin/python bench/core_bench.py [--quick] [--json FILE] [--check]
(or `make bench` for every benchmark; the JSON is bench_report.py's shape).
Cases are random but seeded, drawn from the whole finding vocabulary, so every rule and
cause is exercised. Timings use one core (sched_setaffinity) as the issue asks.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
from collections.abc import Callable
from typing import Any

from bench_report import BenchReport, add_bench_arguments
from machine_info import machine

from backcheck.core import Case, assess, load_knowledge, next_questions
from backcheck.core.inference import infer_causes
from backcheck.core.knowledge.schema import FindingDef, Knowledge
from backcheck.core.plan import build_plan
from backcheck.core.programme import programme_for
from backcheck.core.triage import resolve_contradictions, triage


def random_value(finding: FindingDef, rng: random.Random) -> Any:
    """A valid random answer for one finding."""
    if finding.type == "bool":
        return rng.random() < 0.3
    if finding.type == "enum":
        return rng.choice(finding.values or [])
    assert finding.min is not None and finding.max is not None
    high = min(finding.max, finding.min + 120)
    return rng.randint(int(finding.min), int(high))


def random_case(kb: Knowledge, rng: random.Random) -> Case:
    """A case answering a random share of the questions."""
    share = rng.random()
    findings = {fid: random_value(f, rng) for fid, f in kb.findings.items() if rng.random() < share}
    return Case(findings)


def bench_assess(kb: Knowledge, cases: list[Case], seconds: float = 3.0) -> tuple[float, float]:
    """Assessments per second over the case list, repeated for ``seconds``: by the wall clock
    and by this process's CPU time (less moved by the shared machine's other load)."""
    for case in cases[:200]:
        assess(case, kb)
    done = 0
    start, cpu = time.perf_counter(), time.process_time()
    while time.perf_counter() - start < seconds:
        for case in cases:
            assess(case, kb)
        done += len(cases)
    return done / (time.perf_counter() - start), done / (time.process_time() - cpu)


def bench_interview(kb: Knowledge, sessions: int, rng: random.Random) -> list[float]:
    """Latency of each next-question call over simulated interviews, in milliseconds."""
    latencies: list[float] = []
    for _ in range(sessions):
        case = Case({})
        for _step in range(len(kb.findings)):
            start = time.perf_counter()
            questions = next_questions(case, kb, limit=1)
            latencies.append((time.perf_counter() - start) * 1000)
            if not questions:
                break
            question = questions[0]
            case = case.with_answer(question.id, random_value(kb.findings[question.id], rng))
    return latencies


def _stages_up_to(kb: Knowledge, last: int) -> Callable[[Case], object]:
    """``assess`` cut after its ``last``-th engine (1: contradictions, ... 6: next questions)."""

    def run(case: Case) -> object:
        findings, _ = resolve_contradictions(case.findings, kb)
        if last == 1:
            return findings
        level = triage(findings, kb)
        if last == 2:
            return level
        causes = infer_causes(findings, case.confidence, kb)
        if last == 3:
            return causes
        plan = build_plan(level, causes, findings, kb)
        if last == 4:
            return plan
        programme = programme_for(level.level, plan.steps, kb)
        if last == 5:
            return programme
        return next_questions(case, kb, limit=3, state=(findings, level, causes))

    return run


STAGES = (
    "contradictions + derived findings",
    "triage",
    "cause inference",
    "plan",
    "programme",
    "next questions",
)


def bench_stages(kb: Knowledge, cases: list[Case], rounds: int) -> dict[str, float]:
    """CPU microseconds per assessment spent in each engine, in the order ``assess`` runs
    them: each cut of the pipeline is timed whole (best of ``rounds``), and an engine's share
    is the difference to the cut before it, so each is timed with the work around it."""
    best = [float("inf")] * len(STAGES)
    for _ in range(rounds):
        for last in range(1, len(STAGES) + 1):
            run = _stages_up_to(kb, last)
            cpu = time.process_time()
            for case in cases:
                run(case)
            best[last - 1] = min(best[last - 1], time.process_time() - cpu)
    per_case = [b / len(cases) * 1e6 for b in best]
    return {
        name: per_case[i] - (per_case[i - 1] if i else 0.0) for i, name in enumerate(STAGES)
    }


GOAL_ASSESS_RATE = 20_000.0
GOAL_NEXT_QUESTION_P99_MS = 5.0


def main() -> int:
    """Measure, print and write the figures; the exit status follows --check."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_bench_arguments(parser)
    args = parser.parse_args()
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})
    report = BenchReport("core", title="core", quick=args.quick)
    kb = load_knowledge()
    rng = random.Random(20261124)
    cases = [random_case(kb, rng) for _ in range(2000)]
    seconds, sessions = (1.0, 100) if args.quick else (3.0, 300)
    print(f"machine: {machine()} (pinned to one core)")
    rate, cpu_rate = bench_assess(kb, cases, seconds)
    print(
        f"assess (triage + causes + plan + next questions): {rate:,.0f} assessments/s "
        f"({1e6 / rate:.0f} us each), by CPU time {cpu_rate:,.0f}/s "
        f"(goal >= {GOAL_ASSESS_RATE:,.0f}/s, checked on CPU time)"
    )
    start = time.perf_counter()
    for case in cases * 3:
        assess(case, kb, question_limit=0)
    rate_no_q = len(cases) * 3 / (time.perf_counter() - start)
    print(f"assess without next-question ranking: {rate_no_q:,.0f} assessments/s")
    stages = bench_stages(kb, cases, 1 if args.quick else 3)
    print(
        "CPU time per assessment by engine: "
        + ", ".join(f"{name} {us:.1f} us" for name, us in stages.items())
    )
    report.extra["cpu_us_per_assessment_by_engine"] = {
        name: round(us, 2) for name, us in stages.items()
    }
    latencies = sorted(bench_interview(kb, sessions, rng))
    p50 = statistics.median(latencies)
    p99 = latencies[int(len(latencies) * 0.99) - 1]
    print(
        f"interview next question: p50 {p50:.3f} ms, p99 {p99:.3f} ms, max {latencies[-1]:.3f} ms "
        f"over {len(latencies):,} calls (goal p99 < {GOAL_NEXT_QUESTION_P99_MS:.0f} ms)"
    )
    report.measure(
        "assess_rate",
        rate,
        "/s",
        "assess (triage + causes + plan + next questions), one core, wall clock",
        headline=True,
    )
    report.measure(
        "assess_cpu_rate",
        cpu_rate,
        "/s",
        "assess (triage + causes + plan + next questions), one core, per CPU second",
    )
    report.reference(
        "assess_no_ranking_rate",
        rate_no_q,
        "/s",
        "assess without next-question ranking, one core (same run)",
        headline=True,
    )
    report.ratio(
        "ranking_share",
        "assess_rate",
        "assess_no_ranking_rate",
        "assess with ranking / without (the cost of choosing the next questions)",
    )
    report.measure("next_question_p50_ms", p50, "ms", "interview next question, p50")
    report.measure("next_question_p99_ms", p99, "ms", "interview next question, p99")
    report.measure("next_question_max_ms", latencies[-1], "ms", "interview next question, max")
    report.measure("next_question_calls", len(latencies), "calls", "next-question calls timed")
    report.goal(
        "assess_rate",
        "assess (triage + causes + plan + next questions), one core, per CPU second",
        cpu_rate,
        ">=",
        GOAL_ASSESS_RATE,
        "/s",
        note="CPU time: the shared machine's load inflates the wall clock",
    )
    report.goal(
        "next_question_p99",
        "interview next-question latency, p99",
        p99,
        "<",
        GOAL_NEXT_QUESTION_P99_MS,
        "ms",
    )
    return report.finish(args)


if __name__ == "__main__":
    sys.exit(main())
