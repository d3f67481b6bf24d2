"""`firstcall fnm export LEAD_ID` (the Fannie Mae 1003 3.2 flat file on stdout) and `firstcall fnm import FILE
[--create]` (JSON on stdout). Bad input: exit 2 with {"error", "message"} on stdout."""

import json

from django.core.management.base import BaseCommand

from firstcall.integrations import fnm_service
from firstcall.integrations.errors import FileRejected
from firstcall.integrations.management.commands._files import BadInput, fail, organisation_for, read_bytes
from firstcall.leads.models import Lead

MAX_FNM_BYTES = 5 * 1024 * 1024


class Command(BaseCommand):
    help = "Export a lead as a Fannie Mae 1003 3.2 flat file (.fnm), or import one."

    def add_arguments(self, parser):
        actions = parser.add_subparsers(dest="action", required=True)
        export = actions.add_parser("export", help="Print the lead's application as a .fnm file")
        export.add_argument("lead_id", type=int)
        importing = actions.add_parser("import", help="Read a .fnm file; --create stores it as a lead")
        importing.add_argument("file")
        importing.add_argument("--create", action="store_true", help="Create (or merge into) a lead")
        importing.add_argument("--org", help="Organisation slug or name (needed when there are several)")

    def handle(self, *args, action, **options):
        try:
            if action == "export":
                lead = (
                    Lead.objects.select_related("organisation", "owner").filter(pk=options["lead_id"]).first()
                )
                if lead is None:
                    raise BadInput("unknown_lead", f"no lead {options['lead_id']}")
                self.stdout.write(fnm_service.export_lead(lead), ending="")
            else:
                data = read_bytes(options["file"], MAX_FNM_BYTES)
                organisation = organisation_for(options.get("org")) if options["create"] else None
                outcome = fnm_service.import_file(data, organisation=organisation, create=options["create"])
                self.stdout.write(json.dumps(outcome.contract(), indent=2))
        except FileRejected as error:
            fail(self, BadInput(error.code, error.message))
        except BadInput as error:
            fail(self, error)
