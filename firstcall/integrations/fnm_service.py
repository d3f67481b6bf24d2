"""Fannie Mae 1003 3.2 flat file in and out for leads (see services.import_application)."""

from __future__ import annotations

from firstcall.integrations.errors import FileRejected
from firstcall.integrations.fnm.convert import NotFnm, export_fnm, read_fnm
from firstcall.integrations.services import ImportOutcome, application_for_lead, import_application


def export_lead(lead) -> str:
    try:
        return export_fnm(application_for_lead(lead))
    except ValueError as error:  # an amount too large for its fixed-width field
        raise FileRejected("cannot_export", str(error)) from error


def import_file(data: bytes, *, organisation=None, create: bool = False) -> ImportOutcome:
    try:
        imported = read_fnm(data)
    except NotFnm as error:
        raise FileRejected("not_fnm", str(error)) from error
    return import_application(
        imported.application,
        unplaced=imported.unplaced,
        problems=imported.problems,
        imported_from="fnm",
        organisation=organisation,
        create=create,
        raw=data.decode("latin-1"),
    )
