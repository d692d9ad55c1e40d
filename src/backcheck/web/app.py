"""The FastAPI application: routers by domain, storage and jobs started in the lifespan."""

from __future__ import annotations

import gc
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import APIRouter, FastAPI
from fastapi.openapi.utils import get_openapi
from fastapi.staticfiles import StaticFiles
from starlette.middleware.trustedhost import TrustedHostMiddleware

from backcheck import __version__
from backcheck.jobs.supervisor import LocalJobQueue
from backcheck.storage import folder_lock, open_database
from backcheck.storage.files import private_folder
from backcheck.web import home, install
from backcheck.web.analyses import views as analyses
from backcheck.web.backup import views as backup
from backcheck.web.context import STATIC, AppContext, make_templates
from backcheck.web.errors import (
    ErrorOut,
    document_errors,
    error_response,
    install_error_handlers,
    unexpected_error,
)
from backcheck.web.intake import views as intake
from backcheck.web.interview import views as interview
from backcheck.web.journal import views as journal
from backcheck.web.limits import BodyLimitMiddleware, BodyLimits
from backcheck.web.pairing import views as pairing
from backcheck.web.pairing.gate import PairingGate
from backcheck.web.reports import views as reports
from backcheck.web.security import CrossSiteMiddleware, SecurityHeadersMiddleware
from backcheck.web.settings import Settings, load_settings

DESCRIPTION = (
    "Local API of backcheck: triage and assessment, the interview step by step, video "
    "analyses (upload, progress, result, artifacts), the pain journal, export and import. "
    'Errors are JSON: {"error": {"status", "message", "field"?}}. Any request may also be '
    "answered 400 (a Host the app does not serve) and any POST, PUT or DELETE 403 when the "
    "browser says it comes from another site."
)


LOOP_SWITCH_INTERVAL_S = 0.001


def keep_loop_responsive() -> None:
    """Let the event loop get the GIL back quickly from a busy worker thread.

    A page rendered or an import checked in the thread pool holds the GIL for up to the
    switch interval each time the loop wants it (Python's default 5 ms; a static file needs
    it several times), and a full garbage collection walks every object with it held.
    A 1 ms interval, and the objects of the started app frozen out of the collector's walks,
    keep a static file fast while such work runs (bench/loop_bench.py). Process-wide: the
    ``serve`` command calls it once, before the server starts.
    """
    sys.setswitchinterval(LOOP_SWITCH_INTERVAL_S)
    gc.collect()
    gc.freeze()


def add_routes(app: FastAPI, router: APIRouter) -> None:
    """Put ``router``'s routes straight into the app's route table.

    Since FastAPI 0.137 ``include_router`` keeps each included router as one node that is
    searched route by route on every request, and searched again once it matched: with 16
    routers a request walked about 90 routes before its own ran (0.2-0.3 ms, more than the
    security middlewares together; see bench/web_layers.py). A route made by an
    ``APIRouter`` already carries its router's prefix, tags, responses and dependencies, so
    the flat table answers exactly the same (FastAPI before 0.137 copied routes the same
    way). Only for routers included as they are: no include-time options, no lifespan.
    """
    if router.on_startup or router.on_shutdown:
        raise ValueError("a router with start-up or shut-down hooks needs include_router")
    app.router.routes.extend(router.routes)


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the app; the database is opened (and migrated) when it starts."""
    config = settings or load_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        private_folder(config.analyses_dir)
        # One server per data folder (`serve` took it already; this holds it for embedders
        # and tests too): recovery and clean-up below judge every job and file in it.
        folder_lock.acquire(config.data_dir)
        try:
            db = open_database(config.database_url)
            jobs = LocalJobQueue(
                db=db,
                root=config.analyses_dir,
                runner=config.runner,
                workers=config.job_workers,
                timeout_s=config.job_timeout_s,
                lock_folder=config.data_dir,
            )
            app.state.ctx = AppContext(config, db, make_templates(config), jobs)
            jobs.start()
            try:
                yield
            finally:
                jobs.stop()
                db.close()
        finally:
            folder_lock.release(config.data_dir)

    app = FastAPI(
        title="backcheck",
        version=__version__,
        description=DESCRIPTION,
        docs_url=None,
        redoc_url=None,
        lifespan=lifespan,
    )
    # Outermost last: headers on every answer, then the Host check, the cross-site check,
    # (network mode) the paired-device gate, and the body limits (inside, so a 413 is
    # answered by the error handlers).
    limits = BodyLimits(
        json_bytes=config.max_json_bytes,
        import_bytes=config.max_import_bytes,
        upload_bytes=config.max_upload_bytes,
    )
    app.add_middleware(BodyLimitMiddleware, limits=limits, respond=error_response)
    if config.network is not None:
        app.state.pairing = pairing.Pairing(network=config.network)
        app.add_middleware(PairingGate, secret_key=config.secret_key)
        add_routes(app, pairing.pages)
    app.add_middleware(CrossSiteMiddleware)
    app.add_middleware(
        TrustedHostMiddleware, allowed_hosts=list(config.allowed_hosts), www_redirect=False
    )
    app.add_middleware(SecurityHeadersMiddleware, on_error=unexpected_error)
    install_error_handlers(app)
    app.mount("/static", StaticFiles(directory=str(STATIC)), name="static")
    for module in (home, install, intake, interview, journal, analyses, reports, backup):
        add_routes(app, module.pages)
        if hasattr(module, "api"):
            add_routes(app, module.api)

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = get_openapi(
                title=app.title,
                version=app.version,
                description=app.description,
                routes=app.routes,
            )
            schema.setdefault("components", {}).setdefault("schemas", {})["ErrorOut"] = (
                ErrorOut.model_json_schema(ref_template="#/components/schemas/{model}")
            )
            app.openapi_schema = document_errors(schema)
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
    return app
