"""`firstcall report NAME --org ORG --from DATE --to DATE [--by source|campaign|lo|loan_type|week|team|hour]
--format json|csv` for funnel, speed, roi, cadences and activity; `firstcall report rebuild --org ORG` rebuilds the daily rollups."""

import json
import time

from django.core.management.base import BaseCommand, CommandError

from firstcall.accounts.models import Organisation
from firstcall.reports import queries
from firstcall.reports.api import _plain
from firstcall.reports.export import to_csv
from firstcall.reports.filters import BadFilter, filters_from
from firstcall.reports.rollups import rebuild


class Command(BaseCommand):
    help = "Print a report (funnel, speed, roi, cadences, activity) as JSON or CSV, or rebuild the daily rollups."

    def add_arguments(self, parser):
        parser.add_argument("name", choices=[*queries.REPORTS, "rebuild"])
        parser.add_argument("--org", required=True, help="organisation id or name")
        parser.add_argument("--from", dest="date_from")
        parser.add_argument("--to", dest="date_to")
        parser.add_argument("--by", default="", help="|".join(queries.GROUPINGS))
        parser.add_argument("--format", choices=["json", "csv"], default="json")

    def handle(self, *args, name, org, date_from, date_to, by, format, **options):
        found = (
            Organisation.objects.filter(pk=int(org))
            if org.isdigit()
            else Organisation.objects.filter(name=org)
        )
        organisation = found.first()
        if organisation is None:
            raise CommandError(f"no organisation {org!r}", returncode=2)
        if name == "rebuild":
            started = time.monotonic()
            days = rebuild(organisation)
            self.stdout.write(
                json.dumps({"rebuilt_days": days, "seconds": round(time.monotonic() - started, 2)})
            )
            return
        try:
            filters = filters_from({"from": date_from, "to": date_to, "by": by}, organisation.pk)
        except BadFilter as error:
            raise CommandError(str(error), returncode=2) from error
        report = queries.REPORTS[name](None, filters)
        self.stdout.write(to_csv(report) if format == "csv" else json.dumps(_plain(report)))
