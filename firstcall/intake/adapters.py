"""Each channel turns a stored intake record back into a submission, so any record can be replayed."""

from importlib import import_module

from firstcall.leads.models import Channel, IntakeRecord
from firstcall.leads.submission import LeadSubmission


class IntakeParseError(ValueError):
    """The payload cannot be read as a lead; the message says why, for the admin screen."""

    def __init__(self, reason: str, *, retryable: bool = False):
        super().__init__(reason)
        self.reason = reason
        self.retryable = retryable


# channel -> module exposing submission_from_record(record) -> LeadSubmission
ADAPTER_MODULES = {
    Channel.API: "firstcall.intake.json_api",
    Channel.WEB_FORM: "firstcall.intake.web_form.adapter",
    Channel.GOOGLE_ADS: "firstcall.intake.google_ads.adapter",
    Channel.META: "firstcall.intake.meta.adapter",
    Channel.VENDOR_POST: "firstcall.intake.vendor_post.adapter",
    Channel.CSV: "firstcall.intake.csv_import.adapter",
}


def submission_from_record(record: IntakeRecord) -> LeadSubmission:
    module_name = ADAPTER_MODULES.get(record.channel)
    if module_name is None:
        raise IntakeParseError(f"No adapter can replay {record.get_channel_display()} records.")
    return import_module(module_name).submission_from_record(record)
