"""`firstcall mismo export LEAD_ID` (MISMO 3.4 XML on stdout), `firstcall mismo import FILE [--create]` and
`firstcall mismo validate FILE` (JSON on stdout). Bad input: exit 2 with {"error", "message"} on stdout."""

import json

from django.conf import settings
from django.core.management.base import BaseCommand

from firstcall.integrations import mismo_service
from firstcall.integrations.errors import FileRejected
from firstcall.integrations.management.commands._files import BadInput, fail, organisation_for, read_bytes
from firstcall.integrations.safe_xml import MAX_XML_BYTES
from firstcall.leads.models import Lead


class Command(BaseCommand):
    help = "Export a lead as MISMO 3.4 XML, or import / validate a MISMO 3.4 file."

    def add_arguments(self, parser):
        actions = parser.add_subparsers(dest="action", required=True)
        export = actions.add_parser("export", help="Print the lead's application as a MISMO 3.4 MESSAGE")
        export.add_argument("lead_id", type=int)
        importing = actions.add_parser("import", help="Read a MISMO 3.4 file; --create stores it as a lead")
        importing.add_argument("file")
        importing.add_argument("--create", action="store_true", help="Create (or merge into) a lead")
        importing.add_argument("--org", help="Organisation slug or name (needed when there are several)")
        validate = actions.add_parser(
            "validate", help="Check a MISMO 3.4 file's structure (and the XSD if set)"
        )
        validate.add_argument("file")

    def handle(self, *args, action, **options):
        try:
            if action == "export":
                self._export(options["lead_id"])
            elif action == "import":
                self._import(options["file"], create=options["create"], org=options.get("org"))
            else:
                self._validate(options["file"])
        except FileRejected as error:
            fail(self, BadInput(error.code, error.message))
        except BadInput as error:
            fail(self, error)

    def _export(self, lead_id: int):
        lead = Lead.objects.select_related("organisation", "owner").filter(pk=lead_id).first()
        if lead is None:
            raise BadInput("unknown_lead", f"no lead {lead_id}")
        exported = mismo_service.export_lead(lead)
        if exported.problems:
            raise BadInput("invalid_export", "the export failed validation",
                           problems=[str(problem) for problem in exported.problems])  # fmt: skip
        self.stdout.write(exported.xml.decode("utf-8"), ending="")

    def _import(self, path: str, *, create: bool, org: str | None):
        data = read_bytes(path, MAX_XML_BYTES)
        organisation = organisation_for(org) if create else None
        outcome = mismo_service.import_file(data, organisation=organisation, create=create)
        self.stdout.write(json.dumps(outcome.contract(), indent=2))

    def _validate(self, path: str):
        data = read_bytes(path, MAX_XML_BYTES)
        problems = mismo_service.validate_file(data)
        self.stdout.write(json.dumps({"valid": not problems, "problems": [str(p) for p in problems],
                                      "schema": bool(settings.MISMO_XSD)}, indent=2))  # fmt: skip
