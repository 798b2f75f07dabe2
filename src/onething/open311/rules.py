"""The GeoReport v2 shapes, pure: services, service definitions, request records and
errors as the spec's JSON and XML (the XML's element names as in the spec's examples),
the projection of a ticket's state onto `open`/`closed`, and reading `attribute[...]`
form fields against a service's attributes."""

from __future__ import annotations

import datetime as dt
import math
import xml.etree.ElementTree as ET
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from onething.hotline.rules import ENDED, Status
from onething.kernel.clock import CHINA
from onething.kernel.errors import FieldProblem
from onething.open311.reference import Attribute, Service

FORMATS = ("json", "xml")
JSON_TYPE = "application/json; charset=utf-8"
XML_TYPE = "text/xml; charset=utf-8"
STRING_MAX, TEXT_MAX = 200, 2000


def status_of(status: Status, closed_at: dt.datetime | None = None) -> str:
    """`closed` once the ticket ended (answered, transferred, told another channel, or 办结
    and after; a duplicate merged under another ticket once that one ended); `open`
    otherwise, including a ticket reopened for 重办."""
    if status == Status.merged:
        return "closed" if closed_at is not None else "open"
    return "closed" if status in ENDED else "open"


def when(moment: dt.datetime | None) -> str | None:
    """W3C / ISO 8601 in China time, with its offset: 2026-11-30T09:00:00+08:00."""
    if moment is None:
        return None
    return moment.astimezone(CHINA).replace(microsecond=0).isoformat()


SPECIFICATION = "http://wiki.open311.org/GeoReport_v2"


def discovery(endpoint: str, changeset: dt.datetime, contact: str, key_service: str
              ) -> dict[str, Any]:
    """The Service Discovery document (wiki.open311.org/Service_Discovery): where the
    GeoReport v2 endpoint is, in which formats, when what it offers last changed, whom to
    ask, and how to get an API key."""
    return {"changeset": when(changeset), "contact": contact, "key_service": key_service,
            "endpoints": [{"specification": SPECIFICATION, "url": endpoint,
                           "changeset": when(changeset), "type": "production",
                           "formats": ["text/xml", "application/json"]}]}


def service_entry(s: Service) -> dict[str, Any]:
    return {"service_code": s.code, "service_name": s.name, "description": s.description,
            "metadata": bool(s.attributes), "type": "realtime",
            "keywords": ", ".join(s.keywords), "group": s.group}


def definition(s: Service) -> dict[str, Any]:
    return {"service_code": s.code, "attributes": [
        {"variable": True, "code": a.code, "datatype": a.datatype, "required": a.required,
         "datatype_description": a.datatype_description or None, "order": order,
         "description": a.description,
         **({"values": [{"key": k, "name": n} for k, n in a.values]} if a.values else {})}
        for order, a in enumerate(s.attributes, start=1)]}


@dataclass(frozen=True)
class RequestView:
    """What the door says of one ticket (never who sent it)."""

    number: str
    status: Status
    closed_at: dt.datetime | None
    status_notes: str
    service_name: str
    service_code: str
    description: str
    agency_responsible: str
    service_notice: str
    requested: dt.datetime
    updated: dt.datetime
    expected: dt.datetime | None
    address: str | None
    lat: float | None
    long: float | None
    media_url: str | None


def record(v: RequestView) -> dict[str, Any]:
    return {"service_request_id": v.number, "status": status_of(v.status, v.closed_at),
            "status_notes": v.status_notes, "service_name": v.service_name,
            "service_code": v.service_code, "description": v.description,
            "agency_responsible": v.agency_responsible, "service_notice": v.service_notice,
            "requested_datetime": when(v.requested), "updated_datetime": when(v.updated),
            "expected_datetime": when(v.expected), "address": v.address, "address_id": None,
            "zipcode": None, "lat": v.lat, "long": v.long, "media_url": v.media_url}


def error(code: int, description: str) -> dict[str, Any]:
    return {"code": code, "description": description}


# --- XML -------------------------------------------------------------------------------

# a list's element → its items' element (the spec's plural/singular pairs)
ITEMS = {"services": "service", "service_requests": "request", "errors": "error",
         "attributes": "attribute", "values": "value", "endpoints": "endpoint",
         "formats": "format"}


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _fill(parent: ET.Element, data: Mapping[str, Any]) -> None:
    for key, value in data.items():
        child = ET.SubElement(parent, key)
        if isinstance(value, list):
            for item in value:
                element = ET.SubElement(child, ITEMS[key])
                if isinstance(item, Mapping):
                    _fill(element, item)
                else:
                    element.text = _text(item) or None
        else:
            child.text = _text(value) or None


def xml(root: str, body: Sequence[Mapping[str, Any]] | Mapping[str, Any]) -> bytes:
    """`<root>` holding one element per item of a list (`<services><service>…`), or the
    fields of one mapping (`<service_definition>…`)."""
    top = ET.Element(root)
    if isinstance(body, Mapping):
        _fill(top, body)
    else:
        for item in body:
            _fill(ET.SubElement(top, ITEMS[root]), item)
    body_bytes: bytes = ET.tostring(top, encoding="utf-8", xml_declaration=False)
    return b'<?xml version="1.0" encoding="utf-8"?>\n' + body_bytes


# --- reading a POST's attributes -----------------------------------------------------


def attribute_values(form: Mapping[str, list[str]]) -> dict[str, list[str]]:
    """`attribute[code]=v` and `attribute[code][]=v` (a multivaluelist) by code."""
    found: dict[str, list[str]] = {}
    for name, values in form.items():
        if name.startswith("attribute[") and "]" in name:
            code = name[len("attribute["):name.index("]")]
            found.setdefault(code, []).extend(v for v in values)
    return found


def read_attributes(service: Service, given: Mapping[str, list[str]]
                    ) -> tuple[dict[str, str], list[tuple[Attribute, str]], list[FieldProblem]]:
    """The attributes a POST gave: the values of those that map to a ticket field (their
    defaults when not given), the others as (attribute, the value in words), and the
    problems, each naming `attribute[code]`."""
    problems: list[FieldProblem] = []
    mapped: dict[str, str] = {}
    words: list[tuple[Attribute, str]] = []
    known = {a.code: a for a in service.attributes}
    for code in given:
        if code not in known:
            problems.append(FieldProblem(f"attribute[{code}]", f"服务 {service.code} 没有属性 "
                                                               f"{code}"))
    for a in service.attributes:
        field = f"attribute[{a.code}]"
        values = [v.strip() for v in given.get(a.code, []) if v.strip()]
        if not values:
            if a.required:
                problems.append(FieldProblem(field, f"请填写：{a.description}"))
            elif a.maps_to and a.default is not None:
                mapped[a.maps_to] = a.default
            continue
        if a.datatype != "multivaluelist" and len(values) > 1:
            problems.append(FieldProblem(field, "该属性只能有一个值"))
            continue
        names = dict(a.values)
        value = values[0]
        match a.datatype:
            case "singlevaluelist" | "multivaluelist":
                wrong = [v for v in values if v not in names]
                if wrong:
                    problems.append(FieldProblem(field, f"取值 {'、'.join(wrong)} 无效，应为 "
                                                        f"{'、'.join(names)} 之一"))
                    continue
                shown = "、".join(names[v] for v in dict.fromkeys(values))
            case "number":
                try:
                    number = float(value)
                except ValueError:
                    number = math.nan
                if not math.isfinite(number):
                    problems.append(FieldProblem(field, "应为数字"))
                    continue
                shown = value
            case "datetime":
                try:
                    moment = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
                except ValueError:
                    moment = None
                if moment is None or moment.tzinfo is None:
                    problems.append(FieldProblem(field, "应为带时区的 ISO 8601 时间，例如 "
                                                        "2026-11-30T09:00:00+08:00"))
                    continue
                shown = when(moment) or value
            case _:
                limit = STRING_MAX if a.datatype == "string" else TEXT_MAX
                if len(value) > limit:
                    problems.append(FieldProblem(field, f"不能超过 {limit} 个字符"))
                    continue
                shown = value
        if a.maps_to:
            mapped[a.maps_to] = value
        else:
            words.append((a, shown))
    return mapped, words, problems
