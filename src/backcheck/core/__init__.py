"""The pure core: knowledge, triage, cause inference, plan and interview. No I/O here.

The public API other layers use:

- ``load_knowledge()`` → the validated knowledge base (cached).
- ``parse_case(raw)`` → a validated ``Case`` (raises ``CaseError`` naming the field).
- ``assess(case)`` → an ``Assessment``; ``.to_dict()`` is the spec's assessment JSON.
- ``next_questions(case)`` → the questions that still matter, red flags first.
"""

from backcheck.core.assessment import Assessment, assess
from backcheck.core.case import Case, CaseError, parse_case, parse_findings
from backcheck.core.interview import Question, next_questions
from backcheck.core.knowledge.loader import KnowledgeError, load_knowledge
from backcheck.core.knowledge.schema import Knowledge

__all__ = [
    "Assessment",
    "Case",
    "CaseError",
    "Knowledge",
    "KnowledgeError",
    "Question",
    "assess",
    "load_knowledge",
    "next_questions",
    "parse_case",
    "parse_findings",
]
