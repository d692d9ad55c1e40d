"""The local web app (`backcheck serve`): FastAPI + Jinja2, organised by domain.

- ``interview/``: one question per screen, the assess and interview-step API;
- ``journal/``: the pain journal, its chart and the triage re-run from it;
- ``analyses/``: video upload (streamed, sniffed, size-limited), jobs in worker processes;
- ``reports/``: the printable report; ``backup/``: export and import;
- ``app.py`` wires them; ``security.py`` (hosts, CSRF, CSP) and ``errors.py`` guard the edge.

Each domain has ``models`` (request/response bodies), ``service`` (small keyword-only
functions over the database and the core engine) and ``views`` (pages and API routes).
"""
