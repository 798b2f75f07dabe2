"""The web application: API under /api/v1, pages for people, one set of services."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.responses import JSONResponse, Response
from sqlalchemy import Engine, text
from sqlalchemy.exc import SQLAlchemyError

from onething import wiring
from onething.api.assistance import router as assistance_router
from onething.api.calendar import router as calendar_router
from onething.api.cases import router as cases_router
from onething.api.catalog import router as catalog_router
from onething.api.commitments import router as commitments_router
from onething.api.credit import router as credit_router
from onething.api.disclosure import router as disclosure_router
from onething.api.exchange import router as exchange_router
from onething.api.files import router as files_router
from onething.api.guide import router as guide_router
from onething.api.hotline import router as hotline_router
from onething.api.hotline_figures import router as hotline_figures_router
from onething.api.identity import router as identity_router
from onething.api.inspections import router as inspections_router
from onething.api.intermediaries import router as intermediaries_router
from onething.api.knowledge import router as knowledge_router
from onething.api.library import router as library_router
from onething.api.licences import router as licences_router
from onething.api.open311 import discovery_router as open311_discovery_router
from onething.api.open311 import router as open311_router
from onething.api.policies import router as policies_router
from onething.api.policy_payouts import router as policy_payouts_router
from onething.api.profiles import router as profiles_router
from onething.api.ratings import router as ratings_router
from onething.api.staff import router as staff_router
from onething.api.supervision import router as supervision_router
from onething.audit import service as audit
from onething.calendar.service import CalendarCache
from onething.catalog.service import CatalogCache, NoCatalog
from onething.exchange.partners import configure as configure_exchange
from onething.hotline.reference import configure as configure_hotline
from onething.http import problems
from onething.http.limits import FORM_LIMITS, BodyLimit
from onething.http.routing import install as index_routes
from onething.kernel.clock import utcnow
from onething.kernel.config import Settings, get_settings
from onething.kernel.db import make_engine, session_factory, writer
from onething.kernel.jobs import Scheduler
from onething.kernel.privacy import mask_logs
from onething.open311.reference import configure as configure_open311
from onething.supervision.profile import load_profile
from onething.web import admin as admin_pages
from onething.web import assistance as help_pages
from onething.web import calendar as calendar_pages
from onething.web import cases as case_pages
from onething.web import catalog as catalog_pages
from onething.web import catalog_versions as catalog_version_pages
from onething.web import commitments as commitment_pages
from onething.web import credit as credit_pages
from onething.web import disclosure as disclosure_pages
from onething.web import exchange as exchange_pages
from onething.web import guide as guide_pages
from onething.web import hotline as hotline_pages
from onething.web import hotline_figures as hotline_figure_pages
from onething.web import identity as consent_pages
from onething.web import inspections as inspection_pages
from onething.web import intermediaries as market_pages
from onething.web import knowledge as knowledge_pages
from onething.web import library as library_pages
from onething.web import policies as policy_pages
from onething.web import policy_payouts as policy_payout_pages
from onething.web import profiles as profile_pages
from onething.web import ratings as rating_pages
from onething.web import render as pages
from onething.web import sso as sso_pages
from onething.web import supervision as supervision_pages

log = logging.getLogger("onething")


def _warm_up(app: FastAPI) -> None:
    """Read the catalog and the calendar before the first request, so that a burst of
    requests to a freshly started process does not find them missing all at once (see
    `kernel.recent.Recent`). Best effort: without a catalog, or a database, requests answer
    what is wrong."""
    with contextlib.suppress(NoCatalog, SQLAlchemyError):
        app.state.catalogs.recent(app.state.sessions, 0)
    with contextlib.suppress(SQLAlchemyError):
        app.state.calendars.recent(app.state.sessions, 0)


def create_app(settings: Settings | None = None, engine: Engine | None = None) -> FastAPI:
    mask_logs()
    wiring.load()
    settings = settings or get_settings()
    load_profile(settings.card_profile)  # a malformed card profile stops the start (file:line)
    configure_exchange(settings)  # 跨省通办: a broken key or partners file stops the start
    hotline_data = configure_hotline(settings.hotline_data)  # 12345 data: malformed stops
    configure_open311(settings.hotline_data, hotline_data.categories)  # its Open311 services
    engine = engine or make_engine(settings.db_url)
    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        """`serve` sweeps deadlines in-process (every `sweep_seconds`; 0 turns it off)."""
        _warm_up(app)
        scheduler = None
        if settings.sweep_seconds > 0:
            scheduler = Scheduler(app.state.writer_sessions, settings, app.state.clock,
                                  settings.sweep_seconds)
            scheduler.start()
        yield
        if scheduler is not None:
            scheduler.stop()

    app = FastAPI(
        lifespan=lifespan,
        title="onething 一件事一次办",
        version="0.1.0",
        description=("政务服务“一件事一次办”平台 API。"
                     "错误均以 RFC 9457 application/problem+json 返回。"),
        openapi_url="/openapi.json",
        docs_url="/api/docs",
        redoc_url=None,
        form_limits=FORM_LIMITS,
    )
    app.state.settings = settings
    app.state.engine = engine
    app.state.sessions = session_factory(engine)
    app.state.writer_sessions = session_factory(writer(engine))
    app.state.clock = utcnow
    app.state.catalogs = CatalogCache()
    app.state.calendars = CalendarCache()
    problems.install(app, html=pages.error_page)
    app.add_middleware(audit.RecordAddress)
    app.add_middleware(BodyLimit, max_body=settings.max_body_bytes,
                       max_upload=settings.max_upload_bytes)
    for router in (catalog_router, guide_router, identity_router, files_router, cases_router,
                   licences_router, ratings_router, supervision_router, commitments_router,
                   assistance_router, exchange_router, profiles_router, hotline_figures_router,
                   hotline_router, knowledge_router, open311_discovery_router, policies_router,
                   policy_payouts_router, credit_router, inspections_router, open311_router,
                   intermediaries_router, disclosure_router, library_router,
                   staff_router, calendar_router):
        app.include_router(router)
    pages.mount(app)
    for router in (catalog_pages.router, guide_pages.router, case_pages.router,
                   supervision_pages.router, commitment_pages.router, consent_pages.router,
                   rating_pages.router, help_pages.router, exchange_pages.router,
                   profile_pages.router, knowledge_pages.router, hotline_figure_pages.router,
                   policy_pages.router, policy_payout_pages.router, credit_pages.router,
                   hotline_pages.router, inspection_pages.router, market_pages.router,
                   disclosure_pages.router, library_pages.router,
                   admin_pages.router, catalog_version_pages.router,
                   calendar_pages.router, sso_pages.router):
        app.include_router(router)

    @app.get("/healthz", include_in_schema=False)
    def healthz() -> dict[str, str]:
        """Liveness: the process answers (the database is not asked)."""
        return {"status": "ok"}

    @app.get("/readyz", include_in_schema=False)
    def readyz() -> Response:
        """Readiness: the database answers (a load balancer sends no traffic until it does)."""
        return ready(app.state.engine)

    index_routes(app)  # last: every route is known
    return app


def ready(engine: Engine) -> Response:
    """200 when the database answers a read of its schema version, else 503 saying so
    (no detail: the page is public)."""
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT version_num FROM alembic_version")).all()
    except SQLAlchemyError as exc:
        cause = str(getattr(exc, "orig", None) or exc).strip().splitlines()
        log.warning("not ready: the database does not answer (%s)",
                    cause[0] if cause else type(exc).__name__)
        return JSONResponse({"status": "unavailable", "database": "unreachable"},
                            status_code=503,
                            headers={"Retry-After": str(problems.RETRY_DOWN)})
    return JSONResponse({"status": "ready", "database": "ok"})
