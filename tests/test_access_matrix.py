"""The access matrix: every route of the app × every kind of caller, in one table.

Each line of TABLE is one route (method and path, as `app.routes` declares it, with the
path parameters named by their short aliases below); each column is one caller. A cell is
what that caller gets from that route:

    ok  2xx (on a list with a MARKER: the target is listed)
    --  2xx, but the target is not listed (the caller's scope leaves it out)
    go  303 to another page (a page's step done)
    hm  303 to the caller's own home page (not a page for this role)
    in  sign in first: 401 problem+json from the API, 303 to /login from a page
    no  403: the caller may see the target but not do this (or has the wrong role)
    nf  404: the caller may not even know that the target exists
    cf  409: past the door; the target's state refuses the step, so nothing changes
    iv  422: past the door; the step's own rules refuse the input, so nothing changes

Existence is never leaked: whoever may not see an application (or its task, rating,
rectification, material, consent or file) gets 404, exactly as `cases/access.py`'s
`visible_application` answers; 403 is only for callers who may see it but not act on it.
Requests that would change something send a body that passes the door and is then refused
by the state (`cf`) or by the step's rules (`iv`), so the world stays the same from row to
row; a caller turned away at the door gets `in`, `no` or `nf` instead. Where a scope rule
answers 422 it says so in a comment.

A new route fails `test_every_route_has_a_row` until it has a line here (and, if it takes a
body or query, an entry in REQUESTS). The world is built once per module and database
(SQLite, and PostgreSQL for the list filters written in SQL; `-m "not postgres"` skips it).
"""

from __future__ import annotations

import base64
import datetime as dt
import re
from collections.abc import Iterator, Mapping
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any, Protocol

import pytest
from fastapi import FastAPI
from fastapi.routing import iter_route_contexts
from fastapi.testclient import TestClient
from sqlalchemy import select

from conftest import _fresh_postgres
from onething.app import create_app
from onething.assistance import service as assistance
from onething.cases import service as cases
from onething.cases import tasks
from onething.cases.models import Application
from onething.catalog.models import CatalogVersion
from onething.commitments import draws
from onething.commitments.models import FollowUpCheck
from onething.disclosure import service as disclosure
from onething.disclosure.models import DisclosureRequest
from onething.files import service as files
from onething.hotline import service as hotline
from onething.identity import service as identity
from onething.identity.models import ProxyConsent
from onething.inspections import drawing
from onething.inspections import service as inspections
from onething.inspections.models import Entity
from onething.intermediaries import service as market
from onething.kernel.config import Settings
from onething.kernel.db import unit_of_work
from onething.kernel.identifiers import new_uscc
from onething.kernel.principal import Role
from onething.knowledge import service as knowledge
from onething.knowledge.rules import Move
from onething.library import service as library
from onething.licences import service as licences
from onething.policies.models import (
    Payout,
    PayoutBatch,
    PolicyAppeal,
    PolicyMatch,
    PolicyObjection,
)
from onething.profiles import service as profiles
from onething.ratings import service as ratings
from onething.ratings.models import Rectification
from onething.web.session import COOKIE, HOME, LOGIN_CSRF
from samples import FORM as STORE_FORM
from samples import ID_NUMBER, OWNED, PDF, RENTED
from world import MONDAY, PASSWORD, World, accepted, client_for, world_at

# Every target belongs to zhang: proxy1 applied for him, with his consent, using his scan;
# the window and the approver of 芙蓉区 handled it.
ACTORS: dict[str, str | None] = {
    "anon": None,            # no token, no session
    "own": "zhang",          # the applicant
    "oth": "li",             # another applicant
    "prx": "proxy1",         # the proxy who applied for zhang, with zhang's consent
    "rev": "proxy1",         # the same proxy while zhang's consent is revoked
    "clk": "clerk_furong",   # the window of 芙蓉区, which received the targets
    "clx": "clerk_zhuzhou",  # a window of another city (株洲市)
    "apr": "scjg_furong",    # 芙蓉区 市场监管 approver: competent for REG, the targets' item
    "apd": "yc_furong",      # 芙蓉区 approver of another department (烟草)
    "apx": "scjg_zhuzhou",   # 市场监管 approver of another city
    "sup": "supervisor_cs",  # supervisor of 长沙市, above 芙蓉区
    "spx": "supervisor_zz",  # supervisor of 株洲市
    "adm": "admin",
}

TABLE = """
# method path                                 anon own oth prx rev clk clx apr apd apx sup spx adm
# --- public API and documents
GET     /openapi.json                          ok  ok  ok  ok  ok  ok  ok  ok  ok  ok  ok  ok  ok
GET     /api/docs                              ok  ok  ok  ok  ok  ok  ok  ok  ok  ok  ok  ok  ok
GET     /docs/oauth2-redirect                  ok  ok  ok  ok  ok  ok  ok  ok  ok  ok  ok  ok  ok
GET     /healthz                               ok  ok  ok  ok  ok  ok  ok  ok  ok  ok  ok  ok  ok
GET     /readyz                                ok  ok  ok  ok  ok  ok  ok  ok  ok  ok  ok  ok  ok
GET     /static/{path}                         ok  ok  ok  ok  ok  ok  ok  ok  ok  ok  ok  ok  ok
GET     /api/v1/bundles                        ok  ok  ok  ok  ok  ok  ok  ok  ok  ok  ok  ok  ok
GET     /api/v1/bundles/{code}                 ok  ok  ok  ok  ok  ok  ok  ok  ok  ok  ok  ok  ok
POST    /api/v1/bundles/{code}/guide           ok  ok  ok  ok  ok  ok  ok  ok  ok  ok  ok  ok  ok
GET     /api/v1/items                          ok  ok  ok  ok  ok  ok  ok  ok  ok  ok  ok  ok  ok
GET     /api/v1/items/{code}                   ok  ok  ok  ok  ok  ok  ok  ok  ok  ok  ok  ok  ok
GET     /api/v1/ratings/public                 ok  ok  ok  ok  ok  ok  ok  ok  ok  ok  ok  ok  ok
POST    /api/v1/auth/token                     ok  ok  ok  ok  ok  ok  ok  ok  ok  ok  ok  ok  ok
# --- the caller's own things
GET     /api/v1/me                             in  ok  ok  ok  ok  ok  ok  ok  ok  ok  ok  ok  ok
POST    /api/v1/auth/logout                    in  ok  ok  ok  ok  ok  ok  ok  ok  ok  ok  ok  ok
POST    /api/v1/me/password                    in  iv  iv  iv  iv  iv  iv  iv  iv  iv  iv  iv  iv
# 忘记密码 and a temporary password's change, open to anyone: a channel nobody has, a code
# never sent, a new password too weak (422; the same for a name that exists or not)
POST    /api/v1/password/forgot                iv  iv  iv  iv  iv  iv  iv  iv  iv  iv  iv  iv  iv
POST    /api/v1/password/reset                 iv  iv  iv  iv  iv  iv  iv  iv  iv  iv  iv  iv  iv
POST    /api/v1/password/change                iv  iv  iv  iv  iv  iv  iv  iv  iv  iv  iv  iv  iv
POST    /api/v1/files                          in  ok  ok  ok  ok  ok  ok  ok  ok  ok  ok  ok  ok
# a stored file: its uploader only (staff read materials through the application's page)
GET     /api/v1/files/{file}                   in  ok  nf  nf  nf  nf  nf  nf  nf  nf  nf  nf  ok
GET     /api/v1/licences                       in  ok  --  --  --  --  --  --  --  --  --  --  --
# --- 帮代办 consents: granted by the person for themselves (the request names li as the
# person: li may, zhang may not) or recorded by a window of the proxy's region (the one
# that lists and revokes it); seen by the person, the proxy, and windows and supervisors of
# the proxy's region
POST    /api/v1/consents                       in  no  ok  no  no  ok  no  no  no  no  no  no  ok
GET     /api/v1/consents                       in  ok  --  ok  ok  ok  --  no  no  no  ok  --  ok
DELETE  /api/v1/consents/{consent}             in  ok  nf  no  no  ok  nf  no  no  no  no  no  ok
# --- applications; clx: a window may only take applications for its own region (422)
POST    /api/v1/applications                   in  ok  no  ok  no  ok  iv  no  no  no  no  no  no
GET     /api/v1/applications                   in  ok  --  ok  --  ok  --  ok  --  --  ok  --  ok
# an application's personal values ("ok": in full; "--": masked): in full to the applicant and
# their proxy; to the window and the competent office on asking (audited); to nobody else
GET     /api/v1/applications/{app}             in  ok  nf  ok  nf  --  nf  --  nf  nf  --  nf  --
POST    /api/v1/applications/{app}/personal-data in no nf no  nf  ok  nf  ok  nf  nf  no  nf  no
POST    /api/v1/applications/{app}/acceptance  in  no  nf  no  nf  cf  nf  no  nf  nf  no  nf  no
POST    /api/v1/applications/{app}/resubmission in cf  nf  cf  nf  cf  nf  no  nf  nf  no  nf  no
POST    /api/v1/applications/{app}/withdrawal  in  cf  nf  cf  nf  cf  nf  no  nf  nf  no  nf  no
POST    /api/v1/applications/{app}/supplement  in  cf  nf  cf  nf  cf  nf  no  nf  nf  no  nf  no
# only the applicant confirms an electronic delivery; the window delivers
POST    /api/v1/applications/{app}/delivery    in  cf  nf  no  nf  cf  nf  no  nf  nf  no  nf  no
# 跨省通办 is off in this world (no platform, key or partners): 404 exchange_off past the
# door (tests/test_exchange.py tries it switched on); the partners' door needs no login
POST    /api/v1/applications/{app}/forwarding  in  nf  nf  nf  nf  nf  nf  nf  nf  nf  nf  nf  nf
POST    /api/v1/exchange/packages              nf  nf  nf  nf  nf  nf  nf  nf  nf  nf  nf  nf  nf
# only the applicant rates (staff never rate in the applicant's name); at the window the
# applicant rates on their own phone with the code the window prints (no sign-in: the code is
# the proof, so an unknown code is 404 to everyone)
POST    /api/v1/applications/{app}/rating      in  cf  nf  no  nf  no  nf  no  nf  nf  no  nf  no
GET     /api/v1/applications/{app}/rating      in  ok  nf  ok  nf  ok  nf  ok  nf  nf  ok  nf  ok
POST    /api/v1/applications/{app}/rating-code in  no  nf  no  nf  ok  nf  no  nf  nf  no  nf  no
POST    /api/v1/rating-codes/targets           nf  nf  nf  nf  nf  nf  nf  nf  nf  nf  nf  nf  nf
POST    /api/v1/rating-codes/rating            nf  nf  nf  nf  nf  nf  nf  nf  nf  nf  nf  nf  nf
GET     /api/v1/tasks                          in  no  no  no  no  no  no  ok  --  --  no  no  no
POST    /api/v1/tasks/{task}/decision          in  no  nf  no  nf  no  nf  cf  nf  nf  no  nf  no
# --- 差评整改 and supervision
GET     /api/v1/rectifications                 in  --  --  --  --  --  --  ok  --  --  ok  --  ok
POST    /api/v1/rectifications/{rect}/steps    in  nf  nf  nf  nf  nf  nf  cf  nf  nf  no  nf  no
GET     /api/v1/stats                          in  no  no  no  no  no  no  no  no  no  ok  no  ok
GET     /api/v1/stats.csv                      in  no  no  no  no  no  no  no  no  no  ok  no  ok
GET     /api/v1/cards                          in  no  no  no  no  no  no  ok  ok  ok  ok  ok  ok
# --- 告知承诺 follow-up checks: the deciding office decides; supervisors in scope watch
GET     /api/v1/checks                         in  no  no  no  no  no  no  ok  --  --  ok  --  ok
POST    /api/v1/checks/{check}/outcome         in  nf  nf  nf  nf  nf  nf  iv  nf  nf  no  nf  no
# 核查比例 and 核查抽取: an office's approvers set their own (apd and apx: their own office,
# refused for the ratio sent; nothing pooled to draw), an administrator names the office
GET     /api/v1/checks/ratios                  in  no  no  no  no  no  no  ok  ok  ok  ok  ok  ok
PUT     /api/v1/checks/ratios                  in  no  no  no  no  no  no  iv  iv  iv  no  no  iv
GET     /api/v1/checks/draws                   in  no  no  no  no  no  no  ok  --  --  ok  --  ok
POST    /api/v1/checks/draws                   in  no  no  no  no  no  no  cf  cf  cf  no  no  iv
GET     /api/v1/checks/draws/{draw}            in  no  no  no  no  no  no  ok  nf  nf  ok  nf  ok
# --- public pages
GET     /                                      ok  ok  ok  ok  ok  ok  ok  ok  ok  ok  ok  ok  ok
GET     /bundles                               ok  ok  ok  ok  ok  ok  ok  ok  ok  ok  ok  ok  ok
GET     /bundles/{code}                        ok  ok  ok  ok  ok  ok  ok  ok  ok  ok  ok  ok  ok
GET     /bundles/{code}/guide                  ok  ok  ok  ok  ok  ok  ok  ok  ok  ok  ok  ok  ok
GET     /items/{code}                          ok  ok  ok  ok  ok  ok  ok  ok  ok  ok  ok  ok  ok
GET     /ratings/public                        ok  ok  ok  ok  ok  ok  ok  ok  ok  ok  ok  ok  ok
GET     /prefs/large-text                      go  go  go  go  go  go  go  go  go  go  go  go  go
GET     /login                                 ok  ok  ok  ok  ok  ok  ok  ok  ok  ok  ok  ok  ok
POST    /login                                 go  go  go  go  go  go  go  go  go  go  go  go  go
POST    /logout                                go  go  go  go  go  go  go  go  go  go  go  go  go
GET     /password/forgot                       ok  ok  ok  ok  ok  ok  ok  ok  ok  ok  ok  ok  ok
POST    /password/forgot                       iv  iv  iv  iv  iv  iv  iv  iv  iv  iv  iv  iv  iv
GET     /password/reset                        ok  ok  ok  ok  ok  ok  ok  ok  ok  ok  ok  ok  ok
POST    /password/reset                        iv  iv  iv  iv  iv  iv  iv  iv  iv  iv  iv  iv  iv
GET     /password/change                       ok  ok  ok  ok  ok  ok  ok  ok  ok  ok  ok  ok  ok
POST    /password/change                       iv  iv  iv  iv  iv  iv  iv  iv  iv  iv  iv  iv  iv
# single sign-on is off here (no issuer set): its pages answer 404 to everyone;
# tests/test_sso.py signs in through a real OpenID provider with it on
GET     /login/sso                             nf  nf  nf  nf  nf  nf  nf  nf  nf  nf  nf  nf  nf
GET     /login/sso/callback                    nf  nf  nf  nf  nf  nf  nf  nf  nf  nf  nf  nf  nf
# --- pages for signed-in people (the same services as the API, so the same answers)
GET     /bundles/{code}/apply                  in  ok  ok  ok  ok  ok  ok  ok  ok  ok  ok  ok  ok
POST    /bundles/{code}/apply                  in  go  no  go  no  go  iv  no  no  no  no  no  no
GET     /my/applications                       in  ok  --  ok  --  ok  --  ok  --  --  ok  --  ok
GET     /workbench                             in  hm  hm  hm  hm  ok  ok  hm  hm  hm  ok  ok  ok
GET     /inbox                                 in  hm  hm  hm  hm  hm  hm  ok  --  --  hm  hm  hm
GET     /wallet                                in  ok  --  --  --  --  --  --  --  --  --  --  --
GET     /applications/{app}                    in  ok  nf  ok  nf  --  nf  --  nf  nf  --  nf  --
GET     /applications/{app}/files/{file}       in  ok  nf  ok  nf  ok  nf  ok  nf  nf  ok  nf  ok
# the form to fix a returned application: for whoever may resubmit it, not for onlookers
GET     /applications/{app}/resubmit           in  ok  nf  ok  nf  --  nf  no  nf  nf  no  nf  no
POST    /applications/{app}/resubmit           in  cf  nf  cf  nf  cf  nf  no  nf  nf  no  nf  no
POST    /applications/{app}/personal-data      in  no  nf  no  nf  ok  nf  ok  nf  nf  no  nf  no
POST    /applications/{app}/acceptance         in  no  nf  no  nf  cf  nf  no  nf  nf  no  nf  no
POST    /applications/{app}/withdrawal         in  cf  nf  cf  nf  cf  nf  no  nf  nf  no  nf  no
POST    /applications/{app}/forwarding         in  nf  nf  nf  nf  nf  nf  nf  nf  nf  nf  nf  nf
POST    /applications/{app}/supplement         in  cf  nf  cf  nf  cf  nf  no  nf  nf  no  nf  no
POST    /applications/{app}/delivery           in  cf  nf  no  nf  cf  nf  no  nf  nf  no  nf  no
POST    /applications/{app}/rating             in  cf  nf  no  nf  no  nf  no  nf  nf  no  nf  no
POST    /applications/{app}/rating-code        in  no  nf  no  nf  ok  nf  no  nf  nf  no  nf  no
GET     /r                                     ok  ok  ok  ok  ok  ok  ok  ok  ok  ok  ok  ok  ok
GET     /r/{code}                              nf  nf  nf  nf  nf  nf  nf  nf  nf  nf  nf  nf  nf
# (the rating form's token comes with the page of a valid code: without it, refused first)
POST    /r/{code}                              no  no  no  no  no  no  no  no  no  no  no  no  no
POST    /tasks/{task}/decision                 in  no  nf  no  nf  no  nf  cf  nf  nf  no  nf  no
# a window sees the rectifications of ratings of windows in its region (the target rates a
# department)
GET     /rectifications                        in  hm  hm  hm  hm  --  --  ok  --  --  ok  --  ok
POST    /rectifications/{rect}/steps           in  nf  nf  nf  nf  nf  nf  cf  nf  nf  no  nf  no
GET     /dashboard                             in  hm  hm  hm  hm  hm  hm  hm  hm  hm  ok  no  ok
GET     /dashboard.csv                         in  no  no  no  no  no  no  no  no  no  ok  no  ok
# 12345 figures of 芙蓉区: supervisors above it (and operators of its centre) and admins
GET     /api/v1/tickets/figures                in  no  no  no  no  no  no  no  no  no  ok  no  ok
GET     /hotline/figures                       in  hm  hm  hm  hm  hm  hm  hm  hm  hm  ok  no  ok
GET     /checks                                in  hm  hm  hm  hm  hm  hm  ok  --  --  ok  --  ok
# 帮代办 consents in pages: as the API (the request names li as the person: li may, zhang may
# not; a window records one for a proxy of its region only); approvers have no page of
# consents
GET     /consents                              in  ok  --  ok  ok  ok  --  hm  hm  hm  ok  --  ok
POST    /consents                              in  no  go  no  no  go  no  no  no  no  no  no  go
POST    /consents/{consent}/revoke             in  go  nf  no  no  go  nf  no  no  no  no  no  go
POST    /checks/{check}/outcome                in  nf  nf  nf  nf  nf  nf  iv  nf  nf  no  nf  no
POST    /checks/ratio                          in  no  no  no  no  no  no  iv  iv  iv  no  no  iv
POST    /checks/draws                          in  no  no  no  no  no  no  cf  cf  cf  no  no  iv
GET     /checks/draws/{draw}                   in  hm  hm  hm  hm  hm  hm  ok  nf  nf  ok  nf  ok
# 红黄牌: an office's own cards, a supervisor's region and below, all for an admin
GET     /cards                                 in  hm  hm  hm  hm  hm  hm  ok  ok  ok  ok  ok  ok
# --- 帮代办 requests (zhang's, in 芙蓉区, taken up and finished by its window): asked by
# people for themselves (a bad region: 422), seen by them and by windows and supervisors in
# scope; a finished one refuses every step (409) to whoever could take it, 403 to the rest
POST    /api/v1/help-requests                  in  iv  iv  iv  iv  no  no  no  no  no  no  no  no
GET     /api/v1/help-requests                  in  ok  --  --  --  ok  --  --  --  --  ok  --  ok
GET     /api/v1/help-requests/{help}           in  ok  nf  nf  nf  ok  nf  nf  nf  nf  ok  nf  ok
POST    /api/v1/help-requests/{help}/taking    in  no  nf  nf  nf  cf  nf  nf  nf  nf  no  nf  no
POST    /api/v1/help-requests/{help}/finishing in  no  nf  nf  nf  cf  nf  nf  nf  nf  no  nf  no
POST    /api/v1/help-requests/{help}/follow-ups in no  nf  nf  nf  cf  nf  nf  nf  nf  no  nf  no
POST    /api/v1/stuck-cases                    in  iv  iv  iv  iv  no  no  no  no  no  no  no  no
POST    /api/v1/help-requests/{help}/cancellation in cf nf  nf  nf  no  nf  nf  nf  nf  no  nf  no
GET     /help                                  in  ok  --  --  --  hm  hm  hm  hm  hm  hm  hm  hm
POST    /help                                  in  iv  iv  iv  iv  no  no  no  no  no  no  no  no
POST    /help/{help}/cancel                    in  cf  nf  nf  nf  no  nf  nf  nf  nf  no  nf  no
GET     /help-requests                         in  hm  hm  hm  hm  ok  --  hm  hm  hm  ok  --  ok
POST    /help-requests/{help}/take             in  no  nf  nf  nf  cf  nf  nf  nf  nf  no  nf  no
POST    /help-requests/{help}/finish           in  no  nf  nf  nf  cf  nf  nf  nf  nf  no  nf  no
POST    /help-requests/{help}/follow-up        in  no  nf  nf  nf  cf  nf  nf  nf  nf  no  nf  no
GET     /stuck                                 in  ok  ok  ok  ok  hm  hm  hm  hm  hm  hm  hm  hm
POST    /stuck                                 in  iv  iv  iv  iv  no  no  no  no  no  no  no  no
# --- 知识库: a published article of 芙蓉区 市场监管, written by its approver: read by anyone;
# edited, published and withdrawn only by its department (of its region or above) and the
# administrator; the list of the owners' pages shows it to them and to the supervisors above
GET     /api/v1/knowledge/articles             ok  ok  ok  ok  ok  ok  ok  ok  ok  ok  ok  ok  ok
GET     /api/v1/knowledge/articles/{article}   ok  ok  ok  ok  ok  ok  ok  ok  ok  ok  ok  ok  ok
GET     /api/v1/knowledge/articles/{article}/history ok ok ok ok ok ok ok ok ok ok ok ok ok
POST    /api/v1/knowledge/articles             in  no  no  no  no  no  no  iv  iv  iv  no  no  iv
PUT     /api/v1/knowledge/articles/{article}   in  no  no  no  no  no  no  iv  no  no  no  no  iv
POST    /api/v1/knowledge/articles/{article}/publication in no no no no no no cf no no no no cf
POST    /api/v1/knowledge/articles/{article}/withdrawal in no no no no no no iv no no no no iv
GET     /faq                                   ok  ok  ok  ok  ok  ok  ok  ok  ok  ok  ok  ok  ok
GET     /knowledge                             in  hm  hm  hm  hm  hm  hm  ok  --  --  ok  --  ok
GET     /knowledge/new                         in  hm  hm  hm  hm  hm  hm  ok  ok  ok  hm  hm  ok
POST    /knowledge/new                         in  no  no  no  no  no  no  iv  iv  iv  no  no  iv
GET     /knowledge/{article}                   in  hm  hm  hm  hm  hm  hm  ok  ok  ok  ok  ok  ok
POST    /knowledge/{article}                   in  no  no  no  no  no  no  iv  no  no  no  no  iv
POST    /knowledge/{article}/publish           in  no  no  no  no  no  no  cf  no  no  no  no  cf
POST    /knowledge/{article}/withdraw          in  no  no  no  no  no  no  iv  no  no  no  no  iv
# --- 文件库: a document of 芙蓉区市场监督管理局 with its PDF: read and downloaded by anyone;
# entered by administrators and approvers (a body they may not use is refused by the rules);
# changed, and its status recorded, only by its department's approvers of its region or
# above and the administrator
GET     /api/v1/library/documents              ok  ok  ok  ok  ok  ok  ok  ok  ok  ok  ok  ok  ok
GET     /api/v1/library/documents/{doc}        ok  ok  ok  ok  ok  ok  ok  ok  ok  ok  ok  ok  ok
GET     /api/v1/library/bodies                 ok  ok  ok  ok  ok  ok  ok  ok  ok  ok  ok  ok  ok
POST    /api/v1/library/documents              in  no  no  no  no  no  no  iv  iv  iv  no  no  iv
PUT     /api/v1/library/documents/{doc}        in  no  no  no  no  no  no  iv  no  no  no  no  iv
POST    /api/v1/library/documents/{doc}/status-changes in no no no no no no iv no no no no iv
GET     /library                               ok  ok  ok  ok  ok  ok  ok  ok  ok  ok  ok  ok  ok
GET     /library/feed.atom                     ok  ok  ok  ok  ok  ok  ok  ok  ok  ok  ok  ok  ok
GET     /library/{doc}                         ok  ok  ok  ok  ok  ok  ok  ok  ok  ok  ok  ok  ok
GET     /library/{doc}/text                    ok  ok  ok  ok  ok  ok  ok  ok  ok  ok  ok  ok  ok
GET     /library/{doc}/pdf                     ok  ok  ok  ok  ok  ok  ok  ok  ok  ok  ok  ok  ok
GET     /library/new                           in  hm  hm  hm  hm  hm  hm  ok  ok  ok  hm  hm  ok
POST    /library/new                           in  no  no  no  no  no  no  iv  iv  iv  no  no  iv
GET     /library/{doc}/edit                    in  hm  hm  hm  hm  hm  hm  ok  no  no  hm  hm  ok
POST    /library/{doc}/edit                    in  no  no  no  no  no  no  iv  no  no  no  no  iv
POST    /library/{doc}/status                  in  no  no  no  no  no  no  iv  no  no  no  no  iv
# --- 一人一档、一企一档: a person's own file (people only; staff have none); a company of
# 芙蓉区 whose legal representative is zhang: seen by him and by staff whose region holds 芙蓉区
GET     /api/v1/profile                        in  ok  ok  ok  ok  no  no  no  no  no  no  no  no
# 政策计算器: people only (a person without an ID number on file hears that nothing compares)
GET     /api/v1/policy-calculator              in  ok  ok  ok  ok  no  no  no  no  no  no  no  no
GET     /policies                              in  ok  ok  ok  ok  hm  hm  hm  hm  hm  hm  hm  hm
# --- 政策兑现: zhang's SUBSIDY match (市场监管's) in 公示, li's objection to it and zhang's
# appeal undecided, an earlier month paid in a batch. Only his own match is his to confirm
# (in 公示: already confirmed); anyone signed in reads the 公示 and may object (a blank
# reason); the policy's department (市场监管 of any region: policies have no region) approves
# (公示 running), decides (a blank answer), pays (no month approved) and exports; people
# appeal (zhang qualifies; the others have no ID number on file)
GET     /api/v1/policy-matches                 in  ok  --  --  --  --  --  --  --  --  --  --  --
POST    /api/v1/policy-matches/{match}/confirmation in cf nf nf nf nf  nf  nf  nf  nf  nf  nf  nf
GET     /api/v1/policy-publicity               in  ok  ok  ok  ok  ok  ok  ok  ok  ok  ok  ok  ok
POST    /api/v1/policy-matches/{match}/objections in iv iv iv  iv  iv  iv  iv  iv  iv  iv  iv  iv
GET     /api/v1/policy-objections              in  no  no  no  no  no  no  ok  --  ok  no  no  ok
POST    /api/v1/policy-objections/{objection}/decision in no no no no no no iv no  iv  no  no  iv
GET     /api/v1/policies/{policy}/matches      in  no  no  no  no  no  no  ok  no  ok  no  no  ok
POST    /api/v1/policy-matches/{match}/approval in no  no  no  no  no  no  cf  no  cf  no  no  cf
POST    /api/v1/policies/{policy}/approval     in  no  no  no  no  no  no  ok  no  ok  no  no  ok
POST    /api/v1/policies/{policy}/payout-batches in no no  no  no  no  no  cf  no  cf  no  no  cf
GET     /api/v1/payout-batches                 in  no  no  no  no  no  no  ok  --  ok  no  no  ok
GET     /api/v1/payout-batches/{batch}/file    in  no  no  no  no  no  no  ok  no  ok  no  no  ok
POST    /api/v1/policy-appeals                 in  cf  iv  iv  iv  no  no  no  no  no  no  no  no
GET     /api/v1/policy-appeals                 in  ok  --  --  --  no  no  ok  --  ok  no  no  ok
POST    /api/v1/policy-appeals/{appeal}/decision in no no  no  no  no  no  iv  no  iv  no  no  iv
GET     /my/policies                           in  ok  --  --  --  hm  hm  hm  hm  hm  hm  hm  hm
POST    /my/policies/{match}/confirm           in  cf  nf  nf  nf  nf  nf  nf  nf  nf  nf  nf  nf
POST    /policies/appeal                       in  cf  iv  iv  iv  no  no  no  no  no  no  no  no
GET     /policy-publicity                      in  ok  ok  ok  ok  ok  ok  ok  ok  ok  ok  ok  ok
POST    /policy-publicity/{match}/object       in  iv  iv  iv  iv  iv  iv  iv  iv  iv  iv  iv  iv
GET     /policy-payouts                        in  hm  hm  hm  hm  hm  hm  ok  --  ok  hm  hm  ok
POST    /policy-payouts/matches/{match}/approve in no  no  no  no  no  no  cf  no  cf  no  no  cf
POST    /policy-payouts/{policy}/approve-ready in  no  no  no  no  no  no  go  no  go  no  no  go
POST    /policy-payouts/{policy}/batch         in  no  no  no  no  no  no  cf  no  cf  no  no  cf
POST    /policy-payouts/objections/{objection} in  no  no  no  no  no  no  iv  no  iv  no  no  iv
POST    /policy-payouts/appeals/{appeal}       in  no  no  no  no  no  no  iv  no  iv  no  no  iv
GET     /policy-payouts/batches/{batch}/file   in  hm  hm  hm  hm  hm  hm  ok  no  ok  hm  hm  ok
# --- 双随机、一公开: a task of 芙蓉区 市场监管, drawn, its object's result recorded and
# published. The check list, tasks, draws, records, pools and published results are
# public; the departments' approvers (of the region holding the task's) and administrators
# write (a blank name, a ratio of 0: 422; a task already drawn, a result already recorded
# and published: 409); supervisors read the staff pages
GET     /api/v1/inspection-items               ok  ok  ok  ok  ok  ok  ok  ok  ok  ok  ok  ok  ok
POST    /api/v1/inspection-items               in  no  no  no  no  no  no  iv  no  iv  no  no  iv
GET     /api/v1/inspectors                     in  no  no  no  no  no  no  ok  ok  ok  ok  ok  ok
POST    /api/v1/inspectors                     in  no  no  no  no  no  no  iv  no  no  no  no  iv
POST    /api/v1/inspection-recusals            in  no  no  no  no  no  no  iv  no  no  no  no  iv
GET     /api/v1/inspection-tasks               ok  ok  ok  ok  ok  ok  ok  ok  ok  ok  ok  ok  ok
POST    /api/v1/inspection-tasks               in  no  no  no  no  no  no  iv  no  no  no  no  iv
GET     /api/v1/inspection-tasks/{itask}       ok  ok  ok  ok  ok  ok  ok  ok  ok  ok  ok  ok  ok
POST    /api/v1/inspection-tasks/{itask}/freeze in no  no  no  no  no  no  cf  no  no  no  no  cf
POST    /api/v1/inspection-tasks/{itask}/draw  in  no  no  no  no  no  no  cf  no  no  no  no  cf
GET     /api/v1/inspection-tasks/{itask}/record ok ok  ok  ok  ok  ok  ok  ok  ok  ok  ok  ok  ok
GET     /api/v1/inspection-tasks/{itask}/pool  ok  ok  ok  ok  ok  ok  ok  ok  ok  ok  ok  ok  ok
POST    /api/v1/inspection-objects/{iobj}/result in no no  no  no  no  no  cf  no  no  no  no  cf
POST    /api/v1/inspection-objects/{iobj}/publication in no no no no no no cf  no  no  no  no  cf
GET     /api/v1/inspection-results             ok  ok  ok  ok  ok  ok  ok  ok  ok  ok  ok  ok  ok
GET     /inspections                           in  hm  hm  hm  hm  hm  hm  ok  ok  ok  ok  ok  ok
POST    /inspections/tasks                     in  no  no  no  no  no  no  iv  no  no  no  no  iv
GET     /inspections/{itask}                   in  hm  hm  hm  hm  hm  hm  ok  ok  ok  ok  ok  ok
POST    /inspections/{itask}/freeze            in  no  no  no  no  no  no  cf  no  no  no  no  cf
POST    /inspections/{itask}/draw              in  no  no  no  no  no  no  cf  no  no  no  no  cf
POST    /inspections/objects/{iobj}/result     in  no  no  no  no  no  no  cf  no  no  no  no  cf
POST    /inspections/objects/{iobj}/publish    in  no  no  no  no  no  no  cf  no  no  no  no  cf
GET     /inspection-publicity                  ok  ok  ok  ok  ok  ok  ok  ok  ok  ok  ok  ok  ok
GET     /inspection-publicity/{itask}          ok  ok  ok  ok  ok  ok  ok  ok  ok  ok  ok  ok  ok
# 信用: an applicant their own; the staff who decide (windows, offices, supervisors,
# administrators) anyone's by ID number or USCC (audited); rulings by an office or an
# administrator (the request's period runs backwards: 422)
GET     /api/v1/credit                         in  ok  ok  no  no  no  no  no  no  no  no  no  no
GET     /api/v1/credit/holders                 in  no  no  no  no  ok  ok  ok  ok  ok  ok  ok  ok
POST    /api/v1/credit/records                 in  no  no  no  no  no  no  iv  iv  iv  no  no  iv
GET     /credit                                in  ok  ok  hm  hm  ok  ok  ok  ok  ok  ok  ok  ok
POST    /credit                                in  no  no  no  no  ok  ok  ok  ok  ok  ok  ok  ok
# staff open zhang's file with a reason (audited), where one of his applications is in scope
POST    /api/v1/people/{username}/profile      in  no  no  no  no  ok  nf  ok  nf  nf  ok  nf  ok
GET     /api/v1/companies                      in  ok  --  --  --  ok  --  ok  ok  --  ok  --  ok
GET     /api/v1/companies/{uscc}               in  ok  nf  nf  nf  ok  nf  ok  ok  nf  ok  nf  ok
GET     /profile                               in  ok  ok  ok  ok  hm  hm  hm  hm  hm  hm  hm  hm
GET     /companies                             in  ok  --  --  --  ok  --  ok  ok  --  ok  --  ok
GET     /companies/{uscc}                      in  ok  nf  nf  nf  ok  nf  ok  ok  nf  ok  nf  ok
GET     /people                                in  hm  hm  hm  hm  ok  ok  ok  ok  ok  ok  ok  ok
POST    /people                                in  no  no  no  no  ok  nf  ok  nf  nf  ok  nf  ok
# --- 12345 tickets: zhang's report sent in online about 芙蓉区, taken and dispatched by the
# 长沙 centre to 芙蓉区 市场监管 (apr), which signed and replied: seen by zhang, the office and
# the supervisors and administrators in scope; nobody in these columns is an operator, so
# every centre move is 403 to whoever sees it; the office's moves are refused by the state
# (replied: 409). Tracking needs no sign-in: the number and phone are the proof
GET     /api/v1/ticket-categories              ok  ok  ok  ok  ok  ok  ok  ok  ok  ok  ok  ok  ok
POST    /api/v1/tickets                        in  iv  iv  iv  iv  no  no  no  no  no  no  no  no
GET     /api/v1/tickets                        in  ok  --  --  --  --  --  ok  --  --  ok  --  ok
POST    /api/v1/tickets/tracking               ok  ok  ok  ok  ok  ok  ok  ok  ok  ok  ok  ok  ok
GET     /api/v1/tickets/{ticket}               in  ok  nf  nf  nf  nf  nf  ok  nf  nf  ok  nf  ok
POST    /api/v1/tickets/{ticket}/accept        in  no  nf  nf  nf  nf  nf  no  nf  nf  no  nf  no
POST    /api/v1/tickets/{ticket}/answer        in  no  nf  nf  nf  nf  nf  no  nf  nf  no  nf  no
POST    /api/v1/tickets/{ticket}/transfer      in  no  nf  nf  nf  nf  nf  no  nf  nf  no  nf  no
POST    /api/v1/tickets/{ticket}/redirect      in  no  nf  nf  nf  nf  nf  no  nf  nf  no  nf  no
POST    /api/v1/tickets/{ticket}/dispatch      in  no  nf  nf  nf  nf  nf  no  nf  nf  no  nf  no
POST    /api/v1/tickets/{ticket}/reassign      in  no  nf  nf  nf  nf  nf  no  nf  nf  no  nf  no
POST    /api/v1/tickets/{ticket}/overrule      in  no  nf  nf  nf  nf  nf  no  nf  nf  no  nf  no
POST    /api/v1/tickets/{ticket}/approve       in  no  nf  nf  nf  nf  nf  no  nf  nf  no  nf  no
POST    /api/v1/tickets/{ticket}/send-back     in  no  nf  nf  nf  nf  nf  no  nf  nf  no  nf  no
POST    /api/v1/tickets/{ticket}/callback      in  no  nf  nf  nf  nf  nf  no  nf  nf  no  nf  no
POST    /api/v1/tickets/{ticket}/evaluate      in  no  nf  nf  nf  nf  nf  no  nf  nf  no  nf  no
POST    /api/v1/tickets/{ticket}/decide-extension in  no  nf  nf  nf  nf  nf  no  nf  nf  no  nf  no
POST    /api/v1/tickets/{ticket}/urge          in  no  nf  nf  nf  nf  nf  no  nf  nf  no  nf  no
POST    /api/v1/tickets/{ticket}/merge         in  no  nf  nf  nf  nf  nf  no  nf  nf  no  nf  no
POST    /api/v1/tickets/{ticket}/unmerge       in  no  nf  nf  nf  nf  nf  no  nf  nf  no  nf  no
# 协办意见: only a 协办 office gives one; the target's only office is its 主办
POST    /api/v1/tickets/{ticket}/assist        in  no  nf  nf  nf  nf  nf  no  nf  nf  no  nf  no
POST    /api/v1/tickets/{ticket}/sign          in  no  nf  nf  nf  nf  nf  cf  nf  nf  no  nf  no
POST    /api/v1/tickets/{ticket}/return        in  no  nf  nf  nf  nf  nf  cf  nf  nf  no  nf  no
POST    /api/v1/tickets/{ticket}/reply         in  no  nf  nf  nf  nf  nf  cf  nf  nf  no  nf  no
POST    /api/v1/tickets/{ticket}/extend        in  no  nf  nf  nf  nf  nf  cf  nf  nf  no  nf  no
# --- Open311 GeoReport v2 (/open311/v2, its discovery at /open311): public reads, whoever
#     asks; a POST needs an api_key (none here: 403); refusals are the spec's error list.
#     zhang's ticket came in online, not through Open311, so the door neither lists nor
#     shows it
GET     /open311/discovery.{fmt}               ok  ok  ok  ok  ok  ok  ok  ok  ok  ok  ok  ok  ok
GET     /open311/v2/services.{fmt}             ok  ok  ok  ok  ok  ok  ok  ok  ok  ok  ok  ok  ok
GET     /open311/v2/services/{service}.{fmt}   ok  ok  ok  ok  ok  ok  ok  ok  ok  ok  ok  ok  ok
POST    /open311/v2/requests.{fmt}             no  no  no  no  no  no  no  no  no  no  no  no  no
GET     /open311/v2/requests.{fmt}             --  --  --  --  --  --  --  --  --  --  --  --  --
GET     /open311/v2/requests/{ticket_number}.{fmt} nf nf nf nf nf nf nf nf nf nf nf nf nf
GET     /open311/v2/tokens/{ticket_number}.{fmt} nf nf nf nf nf nf nf nf nf nf nf nf nf
GET     /open311/v2/{rest}                     nf  nf  nf  nf  nf  nf  nf  nf  nf  nf  nf  nf  nf
POST    /open311/v2/{rest}                     nf  nf  nf  nf  nf  nf  nf  nf  nf  nf  nf  nf  nf
# the pages: the console and the lists are staff's (anyone else is sent home); the ticket's
# page as the API's; one form per move (`approve` here: the centre's, and nobody in these
# columns is an operator); citizens send online; tracking is anyone's, its form's token a
# cookie the track page sets (none here: refused)
GET     /hotline                               in  hm  hm  hm  hm  hm  hm  hm  hm  hm  hm  hm  hm
POST    /hotline                               in  no  no  no  no  no  no  no  no  no  no  no  no
GET     /hotline/new                           in  ok  ok  ok  ok  hm  hm  hm  hm  hm  hm  hm  hm
POST    /hotline/new                           in  iv  iv  iv  iv  no  no  no  no  no  no  no  no
GET     /hotline/track                         ok  ok  ok  ok  ok  ok  ok  ok  ok  ok  ok  ok  ok
POST    /hotline/track                         no  no  no  no  no  no  no  no  no  no  no  no  no
GET     /tickets                               in  hm  hm  hm  hm  hm  hm  ok  --  --  ok  --  ok
GET     /tickets/{ticket}                      in  ok  nf  nf  nf  nf  nf  ok  nf  nf  ok  nf  ok
POST    /tickets/{ticket}/{move}               in  no  nf  nf  nf  nf  nf  no  nf  nf  no  nf  no
# --- 中介服务超市: zhang's company has joined (approved by the administrator); 芙蓉区 市场监管
# (apr) posted a 随机抽取 project paid with its own money, froze the pool (zhang's company
# alone) and drew it: the project is "selected". Lists, projects and draw records are
# public; 入驻 is an applicant's (li represents no company: 422), its check and complaints an
# administrator's (no complaint exists: 404); the buyer's moves are apr's (refused by the
# state, or the contract's empty number: 422), the delivery the selected company's
# representative's (zhang: not contracted yet, 409); a page move the market has not (the
# move `approve`): 404
GET     /api/v1/intermediaries                 ok  ok  ok  ok  ok  ok  ok  ok  ok  ok  ok  ok  ok
GET     /api/v1/agency-projects                ok  ok  ok  ok  ok  ok  ok  ok  ok  ok  ok  ok  ok
GET     /api/v1/agency-projects/{project}      ok  ok  ok  ok  ok  ok  ok  ok  ok  ok  ok  ok  ok
GET     /api/v1/agency-projects/{project}/draw.json ok ok ok ok ok ok ok ok ok ok ok ok ok
POST    /api/v1/intermediaries                 in  iv  iv  no  no  no  no  no  no  no  no  no  no
GET     /api/v1/intermediary-applications      in  no  no  no  no  no  no  no  no  no  no  no  ok
POST    /api/v1/intermediaries/{agency}/review in  no  no  no  no  no  no  no  no  no  no  no  cf
POST    /api/v1/agency-projects                in  iv  iv  no  no  no  no  iv  iv  iv  no  no  no
POST    /api/v1/agency-projects/{project}/bids in  cf  cf  no  no  no  no  no  no  no  no  no  no
POST    /api/v1/agency-projects/{project}/closing in no no  no  no  no  no  cf  no  no  no  no  no
POST    /api/v1/agency-projects/{project}/selection in no no no no  no  no  cf  no  no  no  no  no
POST    /api/v1/agency-projects/{project}/contract in no no  no  no  no  no  iv  no  no  no  no  no
POST    /api/v1/agency-projects/{project}/delivery in cf no  no  no  no  no  no  no  no  no  no  no
POST    /api/v1/agency-projects/{project}/rating in  no  no  no  no  no  no  cf  no  no  no  no  no
POST    /api/v1/agency-projects/{project}/complaints in no no no no  no  no  cf  no  no  no  no  no
GET     /api/v1/agency-complaints              in  no  no  no  no  no  no  no  no  no  no  no  ok
POST    /api/v1/agency-complaints/{complaint}/decision in no no no no no no no no no no no nf
GET     /market                                ok  ok  ok  ok  ok  ok  ok  ok  ok  ok  ok  ok  ok
GET     /market/projects/{project}             ok  ok  ok  ok  ok  ok  ok  ok  ok  ok  ok  ok  ok
POST    /market/projects/{project}/{move}      in  nf  nf  nf  nf  nf  nf  nf  nf  nf  nf  nf  nf
GET     /market/join                           in  ok  ok  hm  hm  hm  hm  hm  hm  hm  hm  hm  hm
POST    /market/join                           in  iv  iv  no  no  no  no  no  no  no  no  no  no
GET     /market/new                            in  ok  ok  hm  hm  hm  hm  ok  ok  ok  hm  hm  hm
POST    /market/new                            in  iv  iv  no  no  no  no  iv  iv  iv  no  no  no
GET     /market/reviews                        in  hm  hm  hm  hm  hm  hm  hm  hm  hm  hm  hm  ok
POST    /market/reviews/{agency}               in  no  no  no  no  no  no  no  no  no  no  no  cf
POST    /market/complaints/{complaint}         in  no  no  no  no  no  no  no  no  no  no  no  nf
# --- 依申请公开: zhang's request to 芙蓉区 市场监管, already answered (不予公开), so that every
# move on it is 409 for those who may act on it (zhang, the office's approvers, admins) and
# 403 for supervisors of the region, who read it; a window lists only what it recorded; a
# new request with no description (422) past the door; a page move that does not exist
# (`approve`): 404
POST    /api/v1/disclosure-requests            in  iv  iv  no  no  iv  iv  iv  iv  iv  no  no  iv
GET     /api/v1/disclosure-requests            in  ok  --  --  --  --  --  ok  --  --  ok  --  ok
GET     /api/v1/disclosure-requests/{dreq}     in  ok  nf  nf  nf  nf  nf  ok  nf  nf  ok  nf  ok
GET     /api/v1/disclosure-requests/{dreq}/document in nf nf nf nf nf nf nf nf nf  nf  nf  nf
POST    /api/v1/disclosure-requests/{dreq}/correction-request in cf nf nf nf nf nf cf nf nf no nf cf
POST    /api/v1/disclosure-requests/{dreq}/correction in cf nf nf nf nf nf cf nf nf no nf cf
POST    /api/v1/disclosure-requests/{dreq}/extension in cf nf nf nf nf nf cf nf nf no nf cf
POST    /api/v1/disclosure-requests/{dreq}/consultation in cf nf nf nf nf nf cf nf nf no nf cf
POST    /api/v1/disclosure-requests/{dreq}/consultation-reply in cf nf nf nf nf nf cf nf nf no nf cf
POST    /api/v1/disclosure-requests/{dreq}/reply in cf nf nf nf nf nf cf nf nf no nf cf
POST    /api/v1/disclosure-requests/{dreq}/withdrawal in cf nf nf nf nf nf cf nf nf no nf cf
GET     /api/v1/disclosure-report              in  no  no  no  no  no  no  ok  ok  ok  ok  ok  ok
GET     /disclosure                            in  ok  --  --  --  --  --  ok  --  --  ok  --  ok
GET     /disclosure/new                        in  ok  ok  hm  hm  ok  ok  ok  ok  ok  hm  hm  ok
POST    /disclosure/new                        in  iv  iv  no  no  iv  iv  iv  iv  iv  no  no  iv
GET     /disclosure/{dreq}                     in  ok  nf  nf  nf  nf  nf  ok  nf  nf  ok  nf  ok
GET     /disclosure/{dreq}/document            in  nf  nf  nf  nf  nf  nf  nf  nf  nf  nf  nf  nf
POST    /disclosure/{dreq}/{move}              in  nf  nf  nf  nf  nf  nf  nf  nf  nf  nf  nf  nf
GET     /disclosure/report                     in  hm  hm  hm  hm  hm  hm  ok  ok  ok  ok  ok  ok
GET     /disclosure/report.csv                 in  hm  hm  hm  hm  hm  hm  ok  ok  ok  ok  ok  ok
# --- 工作人员名录: administrators only (the province's manages clerk_furong, the target);
# an account is added or changed with the role `system` (422), locked or ended without a
# reason (422), unlocked while not locked (409); a file with a bad row (422)
GET     /api/v1/staff                          in  no  no  no  no  no  no  no  no  no  no  no  ok
POST    /api/v1/staff                          in  no  no  no  no  no  no  no  no  no  no  no  iv
POST    /api/v1/staff/import                   in  no  no  no  no  no  no  no  no  no  no  no  iv
GET     /api/v1/staff/{staff}                  in  no  no  no  no  no  no  no  no  no  no  no  ok
PUT     /api/v1/staff/{staff}                  in  no  no  no  no  no  no  no  no  no  no  no  iv
POST    /api/v1/staff/{staff}/lock             in  no  no  no  no  no  no  no  no  no  no  no  iv
POST    /api/v1/staff/{staff}/unlock           in  no  no  no  no  no  no  no  no  no  no  no  cf
POST    /api/v1/staff/{staff}/end              in  no  no  no  no  no  no  no  no  no  no  no  iv
# a temporary password without a reason (422); the account's history
POST    /api/v1/staff/{staff}/password         in  no  no  no  no  no  no  no  no  no  no  no  iv
GET     /api/v1/staff/{staff}/history          in  no  no  no  no  no  no  no  no  no  no  no  ok
GET     /admin                                 in  hm  hm  hm  hm  hm  hm  hm  hm  hm  hm  hm  ok
GET     /admin/staff                           in  hm  hm  hm  hm  hm  hm  hm  hm  hm  hm  hm  ok
POST    /admin/staff                           in  no  no  no  no  no  no  no  no  no  no  no  iv
GET     /admin/staff/{staff}                   in  hm  hm  hm  hm  hm  hm  hm  hm  hm  hm  hm  ok
POST    /admin/staff/{staff}                   in  no  no  no  no  no  no  no  no  no  no  no  iv
POST    /admin/staff/{staff}/password          in  no  no  no  no  no  no  no  no  no  no  no  iv
POST    /admin/staff/{staff}/{step}            in  no  no  no  no  no  no  no  no  no  no  no  iv
GET     /admin/staff/import                    in  hm  hm  hm  hm  hm  hm  hm  hm  hm  hm  hm  ok
POST    /admin/staff/import                    in  no  no  no  no  no  no  no  no  no  no  no  iv
# --- 事项目录发布: administrators only; the target is the version in force (loaded by the
# command): it is no draft to review (409) nor a reviewed one to publish (409); a draft whose
# file does not validate, a rollback without its reason and an unknown step are 422
GET     /api/v1/catalog/versions               in  no  no  no  no  no  no  no  no  no  no  no  ok
POST    /api/v1/catalog/versions               in  no  no  no  no  no  no  no  no  no  no  no  iv
GET     /api/v1/catalog/versions/{version}     in  no  no  no  no  no  no  no  no  no  no  no  ok
POST    /api/v1/catalog/versions/{version}/review in no no no no no no no no no no no  cf
POST    /api/v1/catalog/versions/{version}/publish in no no no no no no no no no no no cf
POST    /api/v1/catalog/rollback               in  no  no  no  no  no  no  no  no  no  no  no  iv
GET     /admin/catalog                         in  hm  hm  hm  hm  hm  hm  hm  hm  hm  hm  hm  ok
POST    /admin/catalog                         in  no  no  no  no  no  no  no  no  no  no  no  iv
POST    /admin/catalog/rollback                in  no  no  no  no  no  no  no  no  no  no  no  iv
GET     /admin/catalog/{version}               in  hm  hm  hm  hm  hm  hm  hm  hm  hm  hm  hm  ok
POST    /admin/catalog/{version}/{step}        in  no  no  no  no  no  no  no  no  no  no  no  iv
# --- 工作日历、系统设置: administrators only; a notice file with a date outside its year
# (422); a confirmation whose preview key is not the file's against this calendar (409)
GET     /api/v1/calendar/notices               in  no  no  no  no  no  no  no  no  no  no  no  ok
POST    /api/v1/calendar/notices               in  no  no  no  no  no  no  no  no  no  no  no  iv
GET     /admin/calendar                        in  hm  hm  hm  hm  hm  hm  hm  hm  hm  hm  hm  ok
POST    /admin/calendar/preview                in  no  no  no  no  no  no  no  no  no  no  no  iv
POST    /admin/calendar/load                   in  no  no  no  no  no  no  no  no  no  no  no  cf
GET     /admin/settings                        in  hm  hm  hm  hm  hm  hm  hm  hm  hm  hm  hm  ok
"""

TYPED = OWNED
ANSWERS = {"premises": "owned", "sells_food": "false", "sells_tobacco": "false",
           "shop_area": "10", "extras__present": "1"}
FORM = {"region": "430102", "applicant": "zhang", "field.applicant_name": "张三",
        "field.id_number": "11010519491231002X", "kept.ID_CARD": "{file}",
        **{f"answer.{k}": v for k, v in ANSWERS.items()}}
SUBMISSION = {"bundle": "STORE", "region": "430102", "applicant": "zhang",
              "channel": "{channel}", "answers": TYPED,
              "form": STORE_FORM,
              "materials": {"ID_CARD": {"file": "{file}"}}}
STATS = {"params": {"region": "430102"}}
# a 帮代办 request for a region that does not exist: past the door, refused by the rules
HELP = {"region": "999999", "mode": "home_visit", "reason": "elderly", "need": "办理退休",
        "contact_name": "张三", "phone": "13812345678", "address": "芙蓉区五一大道 1 号"}

# a 依申请公开 request with no description: past the door (a window recording it), refused
DISCLOSURE = {"department": "SCJG", "region": "430102", "description": " ",
              "delivery": "online", "channel": "post", "received_on": "2026-11-20",
              "applicant_name": "王五", "contact": "长沙市芙蓉区"}

# a knowledge-base article for a region that does not exist: past the door, refused
ARTICLE = {"question": "开便利店要办哪些证？", "answer": "营业执照和食品经营许可证。",
           "department": "SCJG", "region": "999999"}

# a library document of a body that does not exist, and a status change before its 发布:
# past the door, refused by the rules
DOCUMENT = {"number": "芙市监发〔2026〕9号", "title": "关于演示的通知",
            "issuer": "火星市场监督管理局",
            "written_on": "2026-01-05", "published_on": "2026-01-10", "text": "演示文本"}
REPEAL = {"on": "2000-01-01", "status": "repealed"}

# a report to the 办不成事 window about zhang's case, refused for its phone number
# a call taken by phone: people send theirs online (web, mobile), so the channel is refused
TICKET = {"channel": "phone", "kind": "complaint", "category": "0101", "region": "430102",
          "caller_name": "张三", "caller_phone": "13812345678", "description": "超市销售过期食品"}
STUCK = {"application_number": "{number}", "problem": "部门一直未办理", "contact_name": "张三",
         "phone": "1"}

# a confirmation of the account and amount, sent for a match in 公示 (confirmed already)
PAYEE = {"account_name": "张三", "account_bank": "中国银行", "account_number": "62170000123",
         "amount": "100.00"}

# 入驻 of zhang's company, without the service types (refused past the door); a project
# whose deadline has passed (refused past the door)
JOIN = {"uscc": "{uscc}", "regions": "430100", "qualifications": "CMA 2026001",
        "phone": "13812345678"}
MARKET_PROJECT = {"title": "消防设施检测", "description": "年度检测", "service": "testing",
                  "region": "430102", "budget": "100", "funding": "own", "method": "direct",
                  "deadline": "2020-01-01"}

# What each route is sent (httpx keywords; "{…}" is filled in per request, see `values`).
# Pages' POST forms also get the caller's CSRF token.
INSPECTION_TASK = {"name": "抽查", "region": "430102", "departments": ["SCJG"], "items": [1],
                   "ratio": "0", "inspectors_per_object": 2, "starts_on": "2026-11-23",
                   "ends_on": "2026-12-31"}


# a staff file whose one row asks for the platform's own role (refused, nothing written)
STAFF_FILE = "username,display_name,role,region\nnew_one,新人,system,430102\n".encode()
# a holiday notice naming a day of another year; the example notice with a key that is not
# its preview's (base64, as the preview page carries it)
BAD_NOTICE = b"year: 2027\nworkdays: [2030-01-02]\n"
NOTICE_B64 = base64.b64encode(
    (Path(__file__).resolve().parents[1] / "docs" / "notice-2027.example.yaml").read_bytes()
).decode()

REQUESTS: dict[str, dict[str, Any]] = {
    "GET /api/v1/credit/holders": {"params": {"key": ID_NUMBER}},
    "POST /api/v1/credit/records": {"json": {
        "key": ID_NUMBER, "name": "张三", "kind": "bad", "reason": "拒不履行行政处罚决定",
        "reference": "芙市监处罚〔2026〕1号", "valid_from": "2026-11-23",
        "valid_until": "2026-11-01"}},
    "POST /credit": {"data": {"key": ID_NUMBER}},
    "POST /api/v1/bundles/{code}/guide": {"json": {"answers": TYPED}},
    "POST /api/v1/auth/token": {"data": {"username": "zhang", "password": PASSWORD}},
    "POST /api/v1/me/password": {"json": {"current_password": PASSWORD,
                                          "new_password": "short"}},
    "POST /api/v1/password/forgot": {"json": {"username": "zhang", "channel": "fax"}},
    "POST /api/v1/password/reset": {"json": {"username": "zhang", "code": "000000",
                                             "new_password": "Xinmima#2026"}},
    "POST /api/v1/password/change": {"json": {"username": "zhang", "current_password": PASSWORD,
                                              "new_password": "short"}},
    "POST /password/forgot": {"data": {"username": "zhang", "channel": "fax",
                                       "csrf_token": "{login_csrf}"}},
    "POST /password/reset": {"data": {"username": "zhang", "code": "000000",
                                      "new_password": "Xinmima#2026",
                                      "new_password_again": "Xinmima#2026",
                                      "csrf_token": "{login_csrf}"}},
    "POST /password/change": {"data": {"username": "zhang", "current_password": PASSWORD,
                                       "new_password": "short", "new_password_again": "short",
                                       "csrf_token": "{login_csrf}"}},
    "POST /api/v1/staff/{staff}/password": {"json": {"reason": ""}},
    "POST /admin/staff/{staff}/password": {"data": {"reason": ""}},
    "POST /api/v1/files": {"files": {"file": ("scan.pdf", PDF, "application/pdf")}},
    "POST /api/v1/staff": {"json": {"username": "new_one", "display_name": "新人",
                                    "role": "system", "region": "430102"}},
    "PUT /api/v1/staff/{staff}": {"json": {"display_name": "新名", "role": "system",
                                           "region": "430102"}},
    "POST /api/v1/staff/{staff}/lock": {"json": {"reason": ""}},
    "POST /api/v1/staff/{staff}/end": {"json": {"reason": ""}},
    "POST /api/v1/staff/import": {"files": {"file": ("s.csv", STAFF_FILE, "text/csv")}},
    "POST /admin/staff": {"data": {"username": "new_one", "display_name": "新人",
                                   "role": "system", "region": "430102"}},
    "POST /admin/staff/{staff}": {"data": {"display_name": "新名", "role": "system",
                                           "region": "430102"}},
    "POST /admin/staff/{staff}/{step}": {"data": {"reason": ""}},
    "POST /admin/staff/import": {"files": {"file": ("s.csv", STAFF_FILE, "text/csv")}},
    "POST /api/v1/catalog/versions": {"files": {"file": ("c.yaml", b"items: [", "text/yaml")}},
    "POST /api/v1/catalog/versions/{version}/review": {"json": {"verdict": "reviewed"}},
    "POST /api/v1/catalog/versions/{version}/publish": {"json": {}},
    "POST /api/v1/catalog/rollback": {"json": {"reason": ""}},
    "POST /admin/catalog": {"files": {"file": ("c.yaml", b"items: [", "text/yaml")}},
    "POST /admin/catalog/rollback": {"data": {"reason": ""}},
    "POST /admin/catalog/{version}/{step}": {"data": {"verdict": "reviewed"}},
    "POST /api/v1/calendar/notices": {"files": {"file": ("n.yaml", BAD_NOTICE, "text/yaml")}},
    "POST /admin/calendar/preview": {"files": {"file": ("n.yaml", BAD_NOTICE, "text/yaml")}},
    "POST /admin/calendar/load": {"data": {"document": NOTICE_B64, "preview": "0" * 32}},
    "POST /api/v1/consents": {"json": {"proxy": "proxy1", "person": "li",
                                       "note": "本人到窗口书面授权"}},
    "POST /api/v1/applications": {"json": SUBMISSION},
    "GET /api/v1/applications": {"params": {"limit": 200}},
    "POST /api/v1/applications/{app}/acceptance": {"json": {"decision": "accept"}},
    "POST /api/v1/applications/{app}/resubmission": {"json": {"bundle": "STORE",
                                                              "region": "430102"}},
    "POST /api/v1/applications/{app}/withdrawal": {"json": {}},
    "POST /api/v1/applications/{app}/forwarding": {"json": {"partner": "JX",
                                                            "reason": "经营场所在江西"}},
    "POST /api/v1/exchange/packages": {"json": {"format": "onething-exchange/1"}},
    "POST /applications/{app}/forwarding": {"data": {"partner": "JX", "reason": "经营场所在江西"}},
    "POST /api/v1/applications/{app}/supplement": {"json": {"materials": {}}},
    "POST /api/v1/applications/{app}/delivery": {"json": {"method": "electronic"}},
    "POST /api/v1/applications/{app}/rating": {"json": {"target": "department",
                                                         "department": "SCJG", "level": 5}},
    "POST /api/v1/rating-codes/targets": {"json": {"code": "ABCDE-FGHJK"}},
    "POST /api/v1/rating-codes/rating": {"json": {"code": "ABCDE-FGHJK", "target": "window",
                                                  "level": 5}},
    "POST /api/v1/checks/{check}/outcome": {"json": {"outcome": "kept", "note": " "}},
    "POST /checks/{check}/outcome": {"data": {"outcome": "kept", "note": ""}},
    "PUT /api/v1/checks/ratios": {"json": {"ratio": 2}},
    "POST /api/v1/checks/draws": {"json": {}},
    "POST /checks/ratio": {"data": {"ratio": "2"}},
    "POST /r/{code}": {"data": {"target": "window", "level": "5"}},
    "POST /api/v1/tasks/{task}/decision": {"json": {"action": "approve", "version": 999}},
    "POST /api/v1/rectifications/{rect}/steps": {"json": {"action": "follow_up",
                                                          "text": "已回访"}},
    "GET /api/v1/stats": STATS,
    "GET /api/v1/stats.csv": STATS,
    "GET /bundles/{code}/guide": {"params": ANSWERS},
    "GET /prefs/large-text": {"params": {"on": 1, "next": "/bundles"}},
    "POST /login": {"data": {"username": "zhang", "password": PASSWORD, "next": "/bundles",
                             "csrf_token": "{login_csrf}"}},
    "GET /bundles/{code}/apply": {"params": ANSWERS},
    "POST /bundles/{code}/apply": {"data": FORM},
    "POST /applications/{app}/acceptance": {"data": {"decision": "accept"}},
    "POST /applications/{app}/delivery": {"data": {"method": "electronic"}},
    "POST /applications/{app}/rating": {"data": {"target": "department",
                                                 "department": "SCJG", "level": "5"}},
    "POST /tasks/{task}/decision": {"data": {"action": "approve", "version": "999",
                                             "application_id": "{pending}"}},
    "POST /rectifications/{rect}/steps": {"data": {"action": "follow_up", "text": "已回访"}},
    "POST /consents": {"data": {"proxy": "proxy1", "person": "li", "note": "本人到窗口书面授权"}},
    "GET /dashboard": STATS,
    "GET /dashboard.csv": STATS,
    "GET /api/v1/tickets/figures": STATS,
    "GET /hotline/figures": STATS,
    "POST /api/v1/help-requests": {"json": HELP},
    "POST /api/v1/knowledge/articles": {"json": ARTICLE},
    "PUT /api/v1/knowledge/articles/{article}": {"json": ARTICLE},
    "POST /api/v1/knowledge/articles/{article}/withdrawal": {"json": {"reason": " "}},
    "POST /knowledge/new": {"data": ARTICLE},
    "POST /api/v1/library/documents": {"json": DOCUMENT},
    "PUT /api/v1/library/documents/{doc}": {"json": DOCUMENT},
    "POST /api/v1/library/documents/{doc}/status-changes": {"json": REPEAL},
    "POST /library/new": {"data": DOCUMENT},
    "POST /library/{doc}/edit": {"data": DOCUMENT},
    "POST /library/{doc}/status": {"data": REPEAL},
    "POST /knowledge/{article}": {"data": ARTICLE},
    "POST /knowledge/{article}/withdraw": {"data": {"reason": ""}},
    "GET /api/v1/help-requests": {"params": {"status": "done"}},
    "POST /api/v1/help-requests/{help}/finishing": {"json": {"outcome": "已上门帮办"}},
    "POST /help": {"data": HELP},
    "POST /api/v1/people/{username}/profile": {"json": {"reason": "核对办事人信息"}},
    "POST /people": {"data": {"username": "zhang", "reason": "核对办事人信息"}},
    "GET /help-requests": {"params": {"status": "all"}},
    "POST /help-requests/{help}/finish": {"data": {"outcome": "已上门帮办"}},
    "POST /api/v1/help-requests/{help}/follow-ups": {"json": {"note": "已联系部门"}},
    "POST /help-requests/{help}/follow-up": {"data": {"note": "已联系部门"}},
    "POST /api/v1/stuck-cases": {"json": STUCK},
    "POST /stuck": {"data": STUCK},
    "POST /api/v1/tickets": {"json": TICKET},
    "GET /api/v1/tickets": {"params": {"status": "replied"}},
    "POST /api/v1/tickets/tracking": {"json": {"number": "{ticket_number}",
                                               "phone": "13812345678"}},
    "POST /api/v1/tickets/{ticket}/answer": {"json": {"answer": "可在线办理"}},
    "POST /api/v1/tickets/{ticket}/transfer": {"json": {"line": "110"}},
    "POST /api/v1/tickets/{ticket}/redirect": {"json": {"way": "petition"}},
    "POST /api/v1/tickets/{ticket}/dispatch": {"json": {}},
    "POST /api/v1/tickets/{ticket}/reassign": {"json": {}},
    "POST /api/v1/tickets/{ticket}/overrule": {"json": {"reason": "属本单位职责"}},
    "POST /api/v1/tickets/{ticket}/approve": {"json": {}},
    "POST /api/v1/tickets/{ticket}/send-back": {"json": {"reason": "未答复诉求"}},
    "POST /api/v1/tickets/{ticket}/callback": {"json": {"satisfaction": "satisfied"}},
    "POST /api/v1/tickets/{ticket}/evaluate": {"json": {"score": 5}},
    "POST /api/v1/tickets/{ticket}/decide-extension": {"json": {"approved": True}},
    "POST /api/v1/tickets/{ticket}/urge": {"json": {}},
    "POST /api/v1/tickets/{ticket}/merge": {"json": {"parent": 1}},
    "POST /api/v1/tickets/{ticket}/unmerge": {"json": {"reason": "不是同一诉求"}},
    "POST /api/v1/tickets/{ticket}/assist": {"json": {"text": "建议从重处理"}},
    "POST /api/v1/tickets/{ticket}/return": {"json": {"reason": "不属本单位职责"}},
    "POST /api/v1/tickets/{ticket}/reply": {"json": {"text": "已处理"}},
    "POST /api/v1/tickets/{ticket}/extend": {"json": {"days": 3, "reason": "需现场核查"}},
    "POST /open311/v2/requests.{fmt}": {"data": {
        "service_code": "0201", "address_string": "芙蓉区五一大道 1 号", "description": "占道"}},
    "POST /hotline/new": {"data": {"kind": "report", "category": "0101", "region": "999999",
                                   "caller_name": "张三", "caller_phone": "13812345678",
                                   "description": "超市销售过期食品"}},
    "POST /hotline/track": {"data": {"number": "{ticket_number}", "phone": "13812345678"}},
    "GET /tickets": {"params": {"view": "all"}},
    "POST /tickets/{ticket}/{move}": {"data": {"note": ""}},
    "POST /api/v1/policy-matches/{match}/confirmation": {"json": PAYEE},
    "POST /api/v1/policy-matches/{match}/objections": {"json": {"reason": " "}},
    "POST /api/v1/policy-objections/{objection}/decision": {"json": {"upheld": False,
                                                                     "answer": " "}},
    "POST /api/v1/policies/{policy}/approval": {"json": {}},
    "POST /api/v1/policies/{policy}/payout-batches": {"json": {"period": "2026-11"}},
    "POST /api/v1/policy-appeals": {"json": {"policy": "SUBSIDY", "reason": " "}},
    "POST /api/v1/policy-appeals/{appeal}/decision": {"json": {"upheld": False,
                                                               "answer": " "}},
    "POST /my/policies/{match}/confirm": {"data": PAYEE},
    "POST /policies/appeal": {"data": {"policy": "SUBSIDY", "reason": ""}},
    "POST /policy-publicity/{match}/object": {"data": {"reason": ""}},
    "POST /policy-payouts/matches/{match}/approve": {"data": {"policy": "SUBSIDY"}},
    "POST /policy-payouts/{policy}/approve-ready": {"data": {"period": "2026-11"}},
    "POST /policy-payouts/{policy}/batch": {"data": {"period": "2026-11"}},
    "POST /policy-payouts/objections/{objection}": {"data": {"decision": "dismissed",
                                                             "answer": "", "policy": "SUBSIDY"}},
    "POST /policy-payouts/appeals/{appeal}": {"data": {"decision": "dismissed", "answer": "",
                                                       "policy": "SUBSIDY"}},
    "POST /api/v1/intermediaries": {"json": {**JOIN, "regions": ["430100"], "services": []}},
    "POST /api/v1/intermediaries/{agency}/review": {"json": {"approve": True}},
    "POST /api/v1/agency-projects": {"json": MARKET_PROJECT},
    "POST /api/v1/agency-projects/{project}/bids": {"json": {
        "agency": "{uscc}", "price": "100", "proposal": "三个工作日完成"}},
    "POST /api/v1/agency-projects/{project}/selection": {"json": {}},
    "POST /api/v1/agency-projects/{project}/contract": {"json": {"number": " ", "price": "1"}},
    "POST /api/v1/agency-projects/{project}/delivery": {"json": {"note": "检测报告"}},
    "POST /api/v1/agency-projects/{project}/rating": {"json": {"score": 5}},
    "POST /api/v1/agency-projects/{project}/complaints": {"json": {"reason": "报告不实"}},
    "POST /api/v1/agency-complaints/{complaint}/decision": {"json": {"upheld": False,
                                                                     "answer": "不成立"}},
    "POST /market/join": {"data": JOIN},
    "POST /market/new": {"data": MARKET_PROJECT},
    "POST /market/reviews/{agency}": {"data": {"decision": "approve"}},
    "POST /market/complaints/{complaint}": {"data": {"decision": "dismissed",
                                                     "answer": "不成立"}},
    "POST /api/v1/inspection-items": {"json": {"department": "SCJG", "name": " ",
                                               "basis": "《食品安全法》", "method": "现场检查"}},
    "POST /api/v1/inspectors": {"json": {"name": " ", "cert_number": "MX-NEW",
                                         "department": "SCJG", "region": "430102",
                                         "qualification": "行政执法证"}},
    "POST /api/v1/inspection-recusals": {"json": {"cert_number": "MX-0", "uscc": "{iuscc}",
                                                  "reason": " "}},
    "POST /api/v1/inspection-tasks": {"json": INSPECTION_TASK},
    "POST /api/v1/inspection-objects/{iobj}/result": {"json": {"result": "no_problem"}},
    "POST /inspections/tasks": {"data": {**INSPECTION_TASK, "departments": "SCJG",
                                         "items": "{iitem}", "inspectors_per_object": "2"}},
    "POST /inspections/objects/{iobj}/result": {"data": {"result": "no_problem"}},
    "POST /api/v1/disclosure-requests": {"json": DISCLOSURE},
    "GET /api/v1/disclosure-report": {"params": {"year": 2026}},
    "POST /disclosure/new": {"data": DISCLOSURE},
    "GET /disclosure": {"params": {"all": "1"}},
    "POST /api/v1/disclosure-requests/{dreq}/correction-request": {"json": {"note": " "}},
    "POST /api/v1/disclosure-requests/{dreq}/correction": {"json": {"text": "补正"}},
    "POST /api/v1/disclosure-requests/{dreq}/extension": {"json": {
        "days": 0, "reason": "信息量大", "approver": "王主任"}},
    "POST /api/v1/disclosure-requests/{dreq}/consultation": {"json": {"third_party": " "}},
    "POST /api/v1/disclosure-requests/{dreq}/consultation-reply": {"json": {"opinion": "同意"}},
    "POST /api/v1/disclosure-requests/{dreq}/reply": {"json": {"kind": "refuse",
                                                               "redress": ""}},
}

# Lists: a pattern of the target that shows the caller sees it ("ok") or not ("--").
MARKERS = {
    "GET /api/v1/licences": "{licence}",
    "GET /api/v1/consents": '"id":{consent}',
    "GET /api/v1/staff": '"id":{staff},',
    "GET /admin/staff": 'id="staff-{staff}"',
    "GET /api/v1/applications": "{number}",
    "GET /api/v1/tasks": '"application_id":{pending}',
    "GET /api/v1/rectifications": '"application_id":{app}',
    "GET /my/applications": "{number}",
    "GET /inbox": "{pending_number}",
    "GET /wallet": "{licence}",
    "GET /rectifications": '/applications/{app}"',
    "GET /api/v1/checks": '"id":{check}',
    "GET /checks": 'id="check-{check}"',
    "GET /api/v1/checks/draws": '"id":{draw},',
    "GET /consents": 'id="consent-{consent}"',
    "GET /api/v1/help-requests": '"id":{help},',
    "GET /help": 'id="help-{help}"',
    "GET /help-requests": 'id="help-{help}"',
    "GET /api/v1/knowledge/articles": '"id":{article},',
    "GET /faq": 'id="faq-{article}"',
    "GET /knowledge": 'id="article-{article}"',
    "GET /api/v1/library/documents": '"id":{doc},',
    "GET /library": 'id="doc-{doc}"',
    "GET /library/feed.atom": "/library/{doc}<",
    "GET /r": "评价码",
    "GET /api/v1/companies": '"uscc":"{uscc}"',
    "GET /companies": 'id="company-{uscc}"',
    "GET /api/v1/tickets": '"number":"{ticket_number}"',
    "GET /open311/v2/requests.{fmt}": "{ticket_number}",
    "GET /tickets": 'id="ticket-{ticket}"',
    "GET /api/v1/policy-matches": '"id":{match},',
    "GET /api/v1/policy-publicity": '"id":{match},',
    "GET /api/v1/policy-objections": '"id":{objection},',
    "GET /api/v1/policies/{policy}/matches": '"id":{match},',
    "GET /api/v1/payout-batches": '"id":{batch},',
    "GET /api/v1/policy-appeals": '"id":{appeal},',
    "GET /my/policies": 'id="match-{match}"',
    "GET /policy-publicity": 'id="match-{match}"',
    "GET /policy-payouts": 'id="match-{match}"',
    "GET /api/v1/inspection-tasks": '"id":{itask},',
    "GET /api/v1/disclosure-requests": '"id":{dreq},',
    "GET /disclosure": 'href="/disclosure/{dreq}"',
    "GET /api/v1/inspection-results": '"task":{itask},',
    "GET /inspection-publicity": 'id="task-{itask}"',
    **{route: "{id_number}" for route in (
        "GET /api/v1/applications/{app}", "POST /api/v1/applications/{app}/personal-data",
        "GET /applications/{app}", "POST /applications/{app}/personal-data",
        "GET /applications/{app}/resubmit")},
}

# Requests that end or replace the session they come with get a session of their own.
FRESH = {"POST /api/v1/auth/logout", "POST /api/v1/me/password", "POST /login",
         "POST /logout"}

# Forms whose token comes with a cookie, as the login's (no session needed).
LOGIN_FORMS = {"POST /login", "POST /password/forgot", "POST /password/reset",
               "POST /password/change"}

# Route parameter → the alias TABLE uses for it.
ALIASES = {"application_id": "app", "task_id": "task", "file_id": "file",
           "rectification_id": "rect", "consent_id": "consent", "check_id": "check",
           "draw_id": "draw",
           "request_id": "help", "ticket_id": "ticket", "article_id": "article",
           "service_code": "service", "service_request_id": "ticket_number",
           "token": "ticket_number", "match_id": "match", "objection_id": "objection",
           "appeal_id": "appeal", "batch_id": "batch", "policy_code": "policy",
           "project_id": "project", "agency_id": "agency", "complaint_id": "complaint",
           "inspection_task_id": "itask", "inspection_object_id": "iobj",
           "disclosure_id": "dreq",
           "doc_id": "doc", "staff_id": "staff", "version_id": "version"}
STATUS_CODES = {401: "in", 403: "no", 404: "nf", 409: "cf", 422: "iv"}


class Response(Protocol):  # the test client's answer (httpx or httpx2)
    @property
    def status_code(self) -> int: ...
    @property
    def headers(self) -> Mapping[str, str]: ...
    @property
    def text(self) -> str: ...


@dataclass(frozen=True)
class Row:
    route: str  # "METHOD /path"
    cells: dict[str, str]

    @property
    def method(self) -> str:
        return self.route.split()[0]

    @property
    def path(self) -> str:
        return self.route.split()[1]


def parse(table: str) -> list[Row]:
    rows = []
    for line in table.splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        method, path, *cells = line.split()
        assert len(cells) == len(ACTORS), f"{method} {path}: {len(cells)} cells"
        assert set(cells) <= {"ok", "--", "go", "hm", "in", "no", "nf", "cf", "iv"}, line
        rows.append(Row(f"{method} {path}", dict(zip(ACTORS, cells, strict=True))))
    return rows


ROWS = parse(TABLE)


def declared_routes(app: FastAPI) -> set[str]:
    """Every "METHOD /path" the app answers, path parameters named by their aliases."""
    found = set()
    for route in iter_route_contexts(app.routes):
        if route.path is None:  # the route index (onething.http.routing): not a route
            continue
        path = re.sub(r"\{(\w+)(:\w+)?\}", lambda m: "{" + ALIASES.get(m[1], m[1]) + "}",
                      str(route.path))
        for method in route.methods or {"GET"}:  # a mount (static files) serves GET
            if method != "HEAD":
                found.add(f"{method} {path}" + ("/{path}" if not route.methods else ""))
    return found


def test_every_route_has_a_row(tmp_path: Path) -> None:
    declared = declared_routes(create_app(Settings(data_dir=tmp_path)))
    listed = {row.route for row in ROWS}
    missing, gone = sorted(declared - listed), sorted(listed - declared)
    assert not missing, (
        "Routes without an access rule in tests/test_access_matrix.py: "
        + ", ".join(missing) + ". Add a line for each to TABLE: the route, then what each "
        f"caller gets ({' '.join(ACTORS)}; codes in the module docstring), e.g.\n"
        f"    {missing[0]}  {'  '.join(['in'] + ['ok'] * (len(ACTORS) - 1))}\n"
        "and the body or query it needs to REQUESTS (a body that passes the door and is then "
        "refused, so that nothing changes).")
    assert not gone, f"TABLE lists routes the app no longer has: {', '.join(gone)}"


# --- the world -----------------------------------------------------------------------


@dataclass
class Env:
    client: TestClient
    world: World
    values: dict[str, str]  # the targets' ids and numbers, by name
    live_consent: int  # zhang's consent for proxy1, revoked for the "rev" column
    signed: dict[tuple[str, str], tuple[str, str]] = field(default_factory=dict)


def _targets(world: World) -> tuple[dict[str, str], int]:
    """Two of zhang's applications, applied for by proxy1: one delivered, rated badly and in
    rectification; one accepted, its REG task pending. And zhang's consents."""
    with world.as_("clerk_furong") as ctx:
        proxy, zhang = (identity.find_user(ctx.session, name) for name in ("proxy1", "zhang"))
        live, old = [identity.record_consent(ctx.session, ctx.actor, ctx.catalog, proxy=proxy,
                                             person=zhang, note="书面授权") for _ in range(2)]
        old.revoked_at = MONDAY
        consents = live.id, old.id
    app_id, pending = [accepted(world, "proxy1", applicant="zhang") for _ in range(2)]
    with world.as_("scjg_furong") as ctx:
        task = cases.view(ctx, app_id).tasks[0]
        tasks.decide(ctx, task.id, tasks.Decision("approve", task.version))
    with world.as_("clerk_furong") as ctx:
        cases.deliver(ctx, app_id, "window")
    with world.as_("zhang") as ctx:
        ratings.rate(ctx, app_id, ratings.RatingInput(1, {}, "让我跑了三次", "SCJG",
                                                      "department"), rectification_days=15)
    check = _check(world)
    draw = _draw(world)
    help_id = _help(world)
    article_id = _article(world)
    doc_id = _document(world)
    uscc = _company(world)
    ticket, ticket_number = _ticket(world)
    payout_targets = _payouts(world)
    market_targets = _market(world, uscc)
    inspection_targets = _inspections(world)
    disclosure_targets = _disclosure(world)
    with world.as_("admin") as ctx:
        done, open_ = cases.view(ctx, app_id), cases.view(ctx, pending)
        return {
            "app": str(app_id), "number": done.application.number,
            "file": done.application.materials[0]["file"],
            "pending": str(pending), "pending_number": open_.application.number,
            "task": str(open_.tasks[0].id), "consent": str(consents[1]),
            "rect": str(ctx.session.scalars(select(Rectification.id)).one()),
            "check": str(check), "draw": str(draw), "help": str(help_id),
            "article": str(article_id), "doc": str(doc_id),
            "licence": licences.wallet(ctx.session, world.users["zhang"].user_id)[0].number,
            "path": "site.css", "id_number": done.application.form["id_number"],
            "uscc": uscc, "username": "zhang",
            "ticket": str(ticket), "ticket_number": ticket_number, **payout_targets,
            **market_targets,
            **inspection_targets, **disclosure_targets,
            "staff": str(world.users["clerk_furong"].user_id), "step": "lock",
            "version": str(ctx.session.scalars(select(CatalogVersion.id)).one()),
        }, consents[0]


def _company(world: World) -> str:
    """A company of 芙蓉区 whose legal representative is zhang (his ID number on his account),
    as its 营业执照 records it; its USCC."""
    with world.as_("admin") as ctx:
        zhang = identity.find_user(ctx.session, "zhang")
        zhang.id_number = ID_NUMBER
        app = ctx.session.scalars(select(Application).order_by(Application.id)).first()
        assert app is not None
        return profiles.record_company(
            ctx.session, uscc=new_uscc("430102"), name="长沙张三便利店有限公司",
            kind="企业", legal_rep_name="张三", legal_rep_id_number=ID_NUMBER,
            region_code="430102", licence_number="ZZ4301022026000001",
            application_id=app.id, now=MONDAY).uscc


def _market(world: World, uscc: str) -> dict[str, str]:
    """zhang's company joined the intermediary market (approved); 芙蓉区 市场监管's 随机抽取
    project, paid with its own money, drawn from the pool of that one company."""
    with world.as_("zhang") as ctx:
        agency = market.join(ctx, market.JoinInput(uscc, ["testing"], ["430100"], "CMA",
                                                   "13812345678"))
        agency_id = agency.id
    with world.as_("admin") as ctx:
        market.review(ctx, agency_id, True, "")
    with world.as_("scjg_furong") as ctx:
        project_id = market.post(ctx, market.ProjectInput(
            "消防设施检测", "年度检测", "testing", "430102", "5000", "own", "random",
            "2026-11-27")).id
        market.close(ctx, project_id)
        market.select_agency(ctx, project_id)
    return {"project": str(project_id), "agency": str(agency_id), "complaint": "999999"}


def _payouts(world: World) -> dict[str, str]:
    """zhang's SUBSIDY (市场监管's, confirmed and in 公示 until the end of 2027) with li's
    objection undecided; his appeal for it, undecided; and an earlier month paid in a
    batch."""
    with world.as_("admin") as ctx:
        zhang = identity.find_user(ctx.session, "zhang")
        li = identity.find_user(ctx.session, "li")
        shown = {"policy_code": "SUBSIDY", "holder_kind": "person", "holder_key": ID_NUMBER,
                 "amount": Decimal("100"), "facts": {}, "matched_at": MONDAY,
                 "account_name": "张三", "account_bank": "中国银行",
                 "account_number": "62170000123"}
        match = PolicyMatch(period="2026-11", status="in_publicity",
                            publicity_until=dt.date(2027, 12, 31), **shown)
        paid = PolicyMatch(period="2026-10", status="paid", **shown)
        ctx.session.add_all([match, paid])
        ctx.session.flush()
        objection = PolicyObjection(match_id=match.id, made_by=li.id, reason="不属实",
                                    made_at=MONDAY)
        appeal = PolicyAppeal(policy_code="SUBSIDY", holder_kind="person",
                              holder_key=ID_NUMBER, period="2026-11", unmet="年满 18 周岁",
                              reason="数据有误", made_by=zhang.id, made_at=MONDAY)
        batch = PayoutBatch(policy_code="SUBSIDY", period="2026-10", count=1,
                            total=Decimal("100"), made_by="scjg_furong", made_at=MONDAY)
        ctx.session.add_all([objection, appeal, batch])
        ctx.session.flush()
        ctx.session.add(Payout(batch_id=batch.id, match_id=paid.id, policy_code="SUBSIDY",
                               holder_key=ID_NUMBER, period="2026-10", amount=Decimal("100"),
                               payee="张三", account_bank="中国银行",
                               account_number="62170000123"))
        return {"match": str(match.id), "objection": str(objection.id),
                "appeal": str(appeal.id), "batch": str(batch.id), "policy": "SUBSIDY"}


def _inspections(world: World) -> dict[str, str]:
    """A random inspection of 芙蓉区 市场监管 over one registered entity and zhang's company:
    frozen, drawn, and the first object's result recorded and published."""
    with world.as_("scjg_furong") as ctx:
        item = inspections.add_item(ctx, inspections.ItemInput(
            "SCJG", "食品经营者落实主体责任情况", "《食品安全法》第一百一十条", "现场检查"))
        for n, town in enumerate(("430102001", "430102002", "430102003")):
            inspections.add_inspector(ctx, inspections.InspectorInput(
                f"检查员{n}", f"MX-{n}", "SCJG", "430102", town, "行政执法证"))
        entity = new_uscc("430102")
        ctx.session.add(Entity(uscc=entity, name="芙蓉区抽查对象有限公司", region_code="430102",
                               township_code="430102001", risk_class="B", source="register",
                               updated_at=MONDAY))
        task = inspections.create_task(ctx, inspections.TaskInput(
            name="芙蓉区食品经营抽查", region="430102", departments=["SCJG"], items=[item.id],
            ratio="1", inspectors_per_object=2, starts_on=MONDAY.date(),
            ends_on=dt.date(2026, 12, 31)))
        drawing.freeze(ctx, task.id)
        drawing.draw(ctx, task.id)
        first = inspections.objects(ctx.session, task.id)[0]
        inspections.record_result(ctx, first.id, "no_problem")
        inspections.publish_result(ctx, first.id)
        return {"itask": str(task.id), "iobj": str(first.id), "iitem": str(item.id),
                "iuscc": entity}


def _disclosure(world: World) -> dict[str, str]:
    """zhang's request to 芙蓉区 市场监管, answered (不予公开)."""
    ask = disclosure.RequestInput(department="SCJG", region="430102",
                                  description="芙蓉区 2026 年食品抽检结果", delivery="online")
    with world.as_("zhang") as ctx:
        done = disclosure.submit(ctx, ask).id
    with world.as_("scjg_furong") as ctx:
        disclosure.reply(ctx, done, disclosure.ReplyInput(
            "refuse", {"reason": "涉及商业秘密", "basis": "《政府信息公开条例》第十五条"},
            disclosure.default_redress(ctx, ctx.session.get_one(DisclosureRequest, done))))
    return {"dreq": str(done)}


def _help(world: World) -> int:
    """zhang's request for 帮代办 in 芙蓉区, taken up and finished by its window."""
    with world.as_("zhang") as ctx:
        req = assistance.request_help(ctx, assistance.HelpInput(
            region="430102", mode="remote", reason="elderly", need="想办理退休一件事",
            contact_name="张三", phone="13812345678"))
        help_id = req.id
    with world.as_("clerk_furong") as ctx:
        assistance.take(ctx, help_id)
        assistance.finish(ctx, help_id, "已电话指导并代为在线提交")
    return help_id


def _ticket(world: World) -> tuple[int, str]:
    """zhang's report about 芙蓉区 sent in online, taken by the 长沙 centre's operator,
    dispatched to 芙蓉区 市场监管, signed and replied (waiting for the centre's review)."""
    world.add_people([("operator_cs", Role.operator, "430100", None)])
    with world.as_("zhang") as ctx:
        t = hotline.create(ctx, hotline.TicketInput(
            channel="web", kind="report", category="0101", region="430102",
            caller_name="张三", caller_phone="13812345678", description="超市销售过期食品"))
        ticket_id, number = t.id, t.number
    with world.as_("operator_cs") as ctx:
        hotline.accept(ctx, ticket_id)
        hotline.dispatch(ctx, ticket_id)
    with world.as_("scjg_furong") as ctx:
        hotline.sign(ctx, ticket_id)
        hotline.reply(ctx, ticket_id, "已立案查处")
    return ticket_id, number


def _article(world: World) -> int:
    """A published article of 芙蓉区 市场监管, written by its approver."""
    with world.as_("scjg_furong") as ctx:
        article = knowledge.create(ctx, knowledge.ArticleInput(
            question="个体工商户怎么办营业执照？", answer="带身份证到区政务服务中心办理。",
            department="SCJG", region="430102"))
        knowledge.move(ctx, article.id, Move.publish)
        return article.id


def _document(world: World) -> int:
    """A document of 芙蓉区市场监督管理局 in the library, entered by its approver, with a PDF."""
    with world.as_("scjg_furong") as ctx:
        doc = library.create(ctx, library.DocumentInput(
            number="芙市监发〔2026〕1号", title="芙蓉区市场监督管理局关于演示的通知",
            issuer="芙蓉区市场监督管理局", written_on=dt.date(2026, 1, 5),
            published_on=dt.date(2026, 1, 10), text="演示文本，非正式公文。"))
        doc.pdf_file_id = files.store(ctx.session, world.files_root, ctx.actor, "doc.pdf",
                                      PDF).id
        return doc.id


def _check(world: World) -> int:
    """A third application of zhang's, approved on his commitment: a 核查 for 市场监管."""
    app_id = _approved_on_commitment(world)
    with world.as_("admin") as ctx:
        return int(ctx.session.scalars(select(FollowUpCheck.id).where(
            FollowUpCheck.application_id == app_id)).one())


def _approved_on_commitment(world: World) -> int:
    with world.as_("zhang") as ctx:
        scan = files.store(ctx.session, world.files_root, ctx.actor, "id.pdf", PDF).id
        app_id = cases.submit(ctx, cases.Submission(
            bundle="STORE", region="430102",
            answers=RENTED, form=STORE_FORM,
            materials={"ID_CARD": {"file": scan}, "LEASE": {"commitment": True}})).id
    with world.as_("clerk_furong") as ctx:
        cases.decide_at_window(ctx, app_id, cases.WindowDecision("accept"))
    with world.as_("scjg_furong") as ctx:
        task = cases.view(ctx, app_id).tasks[0]
        tasks.decide(ctx, task.id, tasks.Decision("approve", task.version))
    return app_id


def _draw(world: World) -> int:
    """A 核查抽取 of 芙蓉区 市场监管 (after the check above: that one is open already), over
    one more approval pooled at its ratio of 0.5; nothing is left pooled."""
    with world.as_("scjg_furong") as ctx:
        draws.set_ratio(ctx, "0.5")
    _approved_on_commitment(world)
    with world.as_("scjg_furong") as ctx:
        return draws.draw(ctx).id


@pytest.fixture(scope="module",
                params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def env(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory,
        basic_dir: Path) -> Iterator[Env]:
    root = tmp_path_factory.mktemp("matrix")
    with ExitStack() as stack:
        url = f"sqlite:///{root / 'onething.db'}"
        if request.param == "postgresql":
            url = stack.enter_context(_fresh_postgres(request.getfixturevalue("postgres_server")))
        engine, world = world_at(url, root, basic_dir)
        stack.callback(engine.dispose)
        values, live = _targets(world)
        # every caller comes from one address: wrong rating codes must not lock it here
        # (the lock has its own test)
        with client_for(engine, root, rating_code_max_failures=10**6) as client:
            yield Env(client, world, values, live)


# --- asking --------------------------------------------------------------------------


def _sign_in(env: Env, username: str, kind: str, fresh: bool) -> tuple[str, str]:
    """A token ("api") or session cookie ("web") and its CSRF token, opened at MONDAY."""
    if fresh or (username, kind) not in env.signed:
        signed = env.world.web_session(username, kind)
        if fresh:
            return signed
        env.signed[username, kind] = signed
    return env.signed[username, kind]


@contextmanager
def consent_revoked(env: Env, column: str) -> Iterator[None]:
    """For the "rev" column, zhang's consent for proxy1 is revoked during the request."""
    def set_revoked(value: Any) -> None:
        with unit_of_work(env.world.sessions) as session:
            session.get_one(ProxyConsent, env.live_consent).revoked_at = value

    if column != "rev":
        yield
        return
    set_revoked(MONDAY)
    try:
        yield
    finally:
        set_revoked(None)


def fill(value: Any, values: dict[str, str]) -> Any:
    if isinstance(value, str):
        return value.format(**values)
    if isinstance(value, dict):
        return {k: fill(v, values) for k, v in value.items()}
    return value  # numbers, booleans and uploads go as they are


def ask(env: Env, row: Row, column: str) -> Response:
    username, client = ACTORS[column], env.client
    api = row.path.startswith("/api/")
    client.cookies.clear()
    values = {**env.values, "csrf": "", "login_csrf": "",
              "code": "REG" if "/items/" in row.path else "STORE",
              "channel": "window" if column.startswith("cl") else "api",
              "fmt": "json", "service": "0201", "rest": "discovery.json",
              "move": "approve"}  # the ticket page's move forms: one route
    headers = {}
    if username is not None:
        secret, values["csrf"] = _sign_in(env, username, "api" if api else "web",
                                          row.route in FRESH)
        if api:
            headers["Authorization"] = f"Bearer {secret}"
        else:
            client.cookies.set(COOKIE, secret)
    if row.route in LOGIN_FORMS:  # forms for people not signed in: the token of their page
        client.get("/login")
        values["login_csrf"] = client.cookies.get(LOGIN_CSRF) or ""
    sent = fill(REQUESTS.get(row.route, {}), values)
    if row.method == "POST" and not api and username is not None:
        sent["data"] = {"csrf_token": values["csrf"], **sent.get("data", {})}
    with consent_revoked(env, column):
        return client.request(row.method, row.path.format(**values), headers=headers,
                              follow_redirects=False, **sent)


def outcome(env: Env, row: Row, column: str, response: Response) -> str:
    status = response.status_code
    username = ACTORS[column]
    if status == 303:
        location = response.headers["location"]
        if location.startswith("/login"):
            return "in"
        role = env.world.users[username].role if username else None
        return "hm" if role is not None and location == HOME[role] else "go"
    if 200 <= status < 300:
        marker = MARKERS.get(row.route)
        if marker is None:
            return "ok"
        pattern = re.escape(marker.format(**env.values)) + r"(?!\d)"
        return "ok" if re.search(pattern, response.text) else "--"
    return STATUS_CODES.get(status, str(status))


def refusal_problem(row: Row, response: Response) -> str | None:
    """API refusals are problem+json; page refusals are pages in Chinese."""
    if response.status_code < 400:
        return None
    kind = response.headers.get("content-type", "")
    if row.path.startswith("/open311/"):  # the GeoReport spec's [{code, description}]
        found = response.json() if kind.startswith("application/json") else None
        return None if isinstance(found, list) and found and all(
            set(e) == {"code", "description"} for e in found) else f"not the spec's errors: {kind}"
    if row.path.startswith("/api/"):
        return None if kind.startswith("application/problem+json") else f"answered as {kind}"
    if kind.startswith("text/html") and re.search(r"[\u4e00-\u9fff]", response.text):
        return None
    return f"not a Chinese page: {kind}"


@pytest.mark.parametrize("row", ROWS, ids=[row.route for row in ROWS])
def test_access_matrix(env: Env, row: Row) -> None:
    wrong = []
    for column, expected in row.cells.items():
        response = ask(env, row, column)
        got = outcome(env, row, column, response)
        problem = refusal_problem(row, response)
        if got != expected or problem:
            wrong.append(f"  {column} ({ACTORS[column] or 'anonymous'}): expected {expected}, "
                         f"got {got} ({response.status_code}) {problem or ''} "
                         f"{response.text[:160]!r}")
    assert not wrong, f"{row.route}:\n" + "\n".join(wrong)
