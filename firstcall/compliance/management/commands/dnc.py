"""`firstcall dnc import FILE --org ORG [--changes]`: load a file downloaded from the National Do Not Call Registry
for the organisation's area codes, scrub its leads against it, and print what changed as JSON. A full list
(the default) replaces the numbers held for its area codes; `--changes` reads a change list (`,A` adds, `,D`
removes). `firstcall dnc status --org ORG` says when the list was last loaded and whether it is older than the 31
days the rule allows (16 CFR 310.4(b)(3)(iv)). Bad input: exit 2 with {"error", "message"} on stdout."""

import json
import sys
from pathlib import Path

from django.core.management.base import BaseCommand
from django.db.models import Q

from firstcall.accounts.models import Organisation
from firstcall.compliance import national_dnc

MAX_FILE_BYTES = 200 * 1024 * 1024  # a full list for a few area codes is tens of megabytes


class Command(BaseCommand):
    help = "Import a National Do Not Call Registry file for an organisation, or show when it was last loaded."

    def add_arguments(self, parser):
        actions = parser.add_subparsers(dest="action", required=True)
        importing = actions.add_parser("import", help="Load a registry file and scrub the leads")
        importing.add_argument("file")
        importing.add_argument("--org", required=True, help="Organisation slug or name")
        importing.add_argument(
            "--changes", action="store_true", help="The file is a change list, not a full list"
        )
        status = actions.add_parser("status", help="When the list was last loaded")
        status.add_argument("--org", required=True, help="Organisation slug or name")

    def handle(self, *args, action, org, **options):
        organisation = Organisation.objects.filter(Q(slug=org) | Q(name=org)).first()
        if organisation is None:
            return self._fail("unknown_organisation", f"no organisation {org!r}")
        if action == "status":
            last = national_dnc.last_import(organisation)
            return self._print({
                "organisation": organisation.slug,
                "last_import_at": last.imported_at.isoformat() if last else None,
                "area_codes": last.area_codes if last else [],
                "stale": national_dnc.list_is_stale(organisation),
            })  # fmt: skip
        path = Path(options["file"])
        if not path.is_file():
            return self._fail("no_file", f"no such file: {path}")
        if path.stat().st_size > MAX_FILE_BYTES:
            return self._fail("too_large", f"larger than {MAX_FILE_BYTES // (1024 * 1024)} MB")
        try:
            record = national_dnc.import_file(
                organisation, path.read_bytes(), file_name=path.name, is_full=not options["changes"]
            )
        except national_dnc.DncFileError as error:
            return self._fail("not_a_registry_file", str(error))
        self._print({
            "organisation": organisation.slug, "file": record.file_name, "full_list": record.is_full,
            "area_codes": record.area_codes, "numbers_added": record.numbers_added,
            "numbers_removed": record.numbers_removed, "leads_flagged": record.leads_flagged,
            "lines_skipped": len(record.rejected_lines),
        })  # fmt: skip

    def _print(self, payload: dict) -> None:
        self.stdout.write(json.dumps(payload))

    def _fail(self, error: str, message: str) -> None:
        self.stdout.write(json.dumps({"error": error, "message": message}))
        sys.exit(2)
