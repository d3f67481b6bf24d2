"""`firstcall draft-reply LEAD_ID`: the answer FirstCall would draft to the lead's latest reply, with every
guardrail's result, as JSON. Nothing is stored and nothing is sent."""

import json

from django.core.management.base import BaseCommand, CommandError

from firstcall.flows.reply_understood import preview_draft
from firstcall.leads.models import Lead


class Command(BaseCommand):
    help = "Print the draft answer to a lead's latest reply and its guardrail results as JSON."

    def add_arguments(self, parser):
        parser.add_argument("lead_id", type=int)

    def handle(self, *args, lead_id, **options):
        lead = Lead.objects.select_related("organisation", "owner").filter(pk=lead_id).first()
        if lead is None:
            self.stdout.write(json.dumps({"error": f"no lead {lead_id}"}))
            raise CommandError(f"no lead {lead_id}", returncode=2)
        self.stdout.write(json.dumps(preview_draft(lead), ensure_ascii=False))
