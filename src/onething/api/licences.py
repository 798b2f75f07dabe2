"""The wallet: GET /api/v1/licences."""

from __future__ import annotations

from fastapi import APIRouter

from onething.cases.schemas import LicenceOut
from onething.catalog.privacy import masked_form
from onething.http.deps import CatalogDep, PrincipalDep, SessionDep
from onething.licences import service as licences

router = APIRouter(prefix="/api/v1", tags=["licences"])


@router.get("/licences", response_model=list[LicenceOut],
            summary="我的电子证照（证照夹）：本人的，以及子女、所代表企业的；已撤销的标明原因")
def wallet(principal: PrincipalDep, session: SessionDep,
           catalog: CatalogDep) -> list[LicenceOut]:
    return [LicenceOut(number=lic.number, licence_type=lic.licence_type, name=lic.name,
                       holder_name=lic.holder_name, issuer=lic.issuer, issued_on=lic.issued_on,
                       valid_until=lic.valid_until, application_id=lic.application_id,
                       status=lic.status, status_name=licences.STATUS_NAMES[lic.status],
                       revoked_reason=lic.revoked_reason, revoked_at=lic.revoked_at,
                       holder_kind=lic.holder_kind, holder_title=lic.holder_title,
                       holder_number=licences.shown_number(lic),
                       data=masked_form(lic.data or {}, catalog.fields))
            for lic in licences.wallet(session, principal.user_id)]
