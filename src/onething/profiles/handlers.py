"""What profiles do when the domains below them record a fact: a 营业执照 issued about a
company records the company (一企一档), or brings its record up to date."""

from __future__ import annotations

from onething.cases.models import Application
from onething.catalog.context import Ctx
from onething.identity.models import User
from onething.kernel.bus import handles
from onething.licences.events import LicenceIssued
from onething.profiles import service


@handles(LicenceIssued)
def record_the_company(ctx: Ctx, event: LicenceIssued) -> None:
    """The company a 营业执照 registers: its USCC and name from the licence, its legal
    representative from the application's form, its registered region the form's business
    region (else the issuing office's)."""
    if (event.licence_type != service.BUSINESS_LICENCE or event.holder_kind != service.COMPANY
            or not event.holder_number):
        return
    app = ctx.session.get_one(Application, event.application_id)
    applicant = ctx.session.get_one(User, app.applicant_id)
    name, number = service.legal_representative(app.form, applicant.display_name,
                                                 applicant.id_number)
    service.record_company(
        ctx.session, uscc=event.holder_number, name=event.holder_name,
        kind=event.holder_title, legal_rep_name=name, legal_rep_id_number=number,
        region_code=service.registered_region(ctx.catalog, app.form, event.region_code),
        licence_number=event.number, application_id=event.application_id, now=ctx.now)
