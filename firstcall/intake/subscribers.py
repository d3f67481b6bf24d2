"""What intake does when other apps report a change. IN_TRANSACTION runs inside the emitting transaction (see
firstcall/events/registry.py and docs/events.md)."""

from firstcall.intake.csv_import import services as csv_import_services


def forget_erased_lead(event):
    # In the erasure's own transaction: the lead and its rows in kept spreadsheets go together, or neither.
    return {"rows_emptied": csv_import_services.forget_rows_of_records(event.payload["intake_record_ids"])}


IN_TRANSACTION = {
    "lead.erased": [forget_erased_lead],
}

SUBSCRIBERS: dict = {}
