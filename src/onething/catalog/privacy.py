"""A form's personal values, by the catalog's field definitions: masked, or named."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from onething.catalog.linked import FormField
from onething.kernel.privacy import mask


def masked_form(form: Mapping[str, Any], fields: Mapping[str, FormField]) -> dict[str, Any]:
    """The form with every personal field's value masked."""
    return {code: _masked(value, fields.get(code)) for code, value in form.items()}


def _masked(value: Any, field: FormField | None) -> Any:
    return mask(value, field.personal) if field is not None and field.personal else value


def personal_codes(form: Mapping[str, Any], fields: Mapping[str, FormField]) -> list[str]:
    return [code for code in form if (f := fields.get(code)) is not None and f.personal]
