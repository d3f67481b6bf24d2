"""MISMO 3.4 in and out for leads: export with validation, import into a lead (see services.import_application)."""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings

from firstcall.integrations.errors import FileRejected
from firstcall.integrations.mismo.export import export_mismo
from firstcall.integrations.mismo.reader import NotMismo, read_mismo
from firstcall.integrations.mismo.validate import Problem, SchemaUnavailable, check_schema, check_structure
from firstcall.integrations.safe_xml import MalformedXml, UnsafeXml, parse_untrusted
from firstcall.integrations.services import ImportOutcome, application_for_lead, import_application


@dataclass
class MismoExport:
    xml: bytes
    problems: list[Problem]


def export_lead(lead) -> MismoExport:
    xml = export_mismo(application_for_lead(lead))
    return MismoExport(xml=xml, problems=_problems(parse_untrusted(xml)))


def _problems(root) -> list[Problem]:
    problems = check_structure(root)
    if settings.MISMO_XSD:
        try:
            problems += check_schema(root, settings.MISMO_XSD)
        except SchemaUnavailable as error:
            problems.append(Problem("FIRSTCALL_MISMO_XSD", str(error)))
    return problems


def validate_file(data: bytes) -> list[Problem]:
    try:
        return _problems(parse_untrusted(data))
    except UnsafeXml as error:
        raise FileRejected("unsafe_xml", str(error)) from error
    except MalformedXml as error:
        raise FileRejected("malformed_xml", str(error)) from error


def import_file(data: bytes, *, organisation=None, create: bool = False) -> ImportOutcome:
    try:
        imported = read_mismo(data)
    except UnsafeXml as error:
        raise FileRejected("unsafe_xml", str(error)) from error
    except MalformedXml as error:
        raise FileRejected("malformed_xml", str(error)) from error
    except NotMismo as error:
        raise FileRejected("not_mismo", str(error)) from error
    problems = [str(problem) for problem in check_structure(imported.root)] + imported.problems
    return import_application(
        imported.application,
        unplaced=imported.unplaced,
        problems=problems,
        imported_from="mismo",
        organisation=organisation,
        create=create,
        raw=data.decode("utf-8", "replace"),
    )
