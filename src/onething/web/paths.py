"""Path parameters of pages: `{application_id:id}` takes a record id.

An id is 1 to 10 digits (the database's integer ids stop at 2^31 - 1), so an address with
an id no record can have (2^63 and above, which SQLite cannot even bind, or "abc") is a page
not found, like any other unknown address, instead of a crash. The API refuses such ids
with 422 (`schemas.Id`). Each page module imports this one before declaring its routes.
"""

from __future__ import annotations

from starlette.convertors import Convertor, register_url_convertor


class IdConvertor(Convertor[int]):
    regex = "[1-9][0-9]{0,9}"

    def convert(self, value: str) -> int:
        return int(value)

    def to_string(self, value: int) -> str:
        return str(value)


register_url_convertor("id", IdConvertor())
