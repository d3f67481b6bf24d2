"""National DNC registry files: import for the lender's area codes, scrub on import, re-scrub every 31 days."""

import json
from datetime import timedelta
from io import StringIO

import pytest
import time_machine
from django.core.management import call_command
from django.utils import timezone

from firstcall.compliance import national_dnc
from firstcall.compliance.models import ComplianceProfile, NationalDncNumber
from tests.outside_services import BORROWER_PHONE, eastern
from tests.outside_services import tampa_borrower as make_lead

MORNING = eastern(2026, 3, 10, 10, 0)


def numbers(organisation):
    return set(NationalDncNumber.objects.filter(organisation=organisation).values_list("phone", flat=True))


@time_machine.travel(MORNING, tick=False)
def test_full_list_import_accepts_the_registry_line_shapes_and_scrubs_leads(organisation):
    make_lead(organisation)  # BORROWER_PHONE, +18135550199
    data = b"AreaCode,PhoneNumber\n813,5550199\n8135550100\n(727) 555-0101\n+18135550102\n\nnot a number\n"
    record = national_dnc.import_file(organisation, data, file_name="813.txt")
    assert numbers(organisation) == {BORROWER_PHONE, "+18135550100", "+17275550101", "+18135550102"}
    assert record.area_codes == ["727", "813"]
    assert record.numbers_added == 4 and record.leads_flagged == 1
    assert [line for line, _ in record.rejected_lines] == [1, 7]
    assert ComplianceProfile.objects.get(organisation=organisation).national_dnc_scrubbed_at == MORNING


def test_full_list_replaces_the_area_codes_numbers_and_change_lists_add_and_delete(organisation):
    national_dnc.import_file(organisation, b"8135550100\n8135550101\n9045550100\n")
    national_dnc.import_file(organisation, b"8135550101\n8135550102\n")
    assert numbers(organisation) == {"+18135550101", "+18135550102", "+19045550100"}
    record = national_dnc.import_file(organisation, b"813,5550103,A\n813,5550101,D\n", is_full=False)
    assert numbers(organisation) == {"+18135550102", "+18135550103", "+19045550100"}
    assert (record.numbers_added, record.numbers_removed) == (1, 1)


def test_a_file_without_numbers_is_rejected_and_changes_nothing(organisation):
    with pytest.raises(national_dnc.DncFileError):
        national_dnc.import_file(organisation, b"<html>login</html>\n")
    assert not NationalDncNumber.objects.exists()


def test_sweep_rescrubs_every_31_days(organisation):
    with time_machine.travel(MORNING, tick=False):
        national_dnc.import_file(organisation, b"8135550100\n")
    with time_machine.travel(MORNING + timedelta(days=30), tick=False):
        assert national_dnc.sweep_national_dnc_scrubs() == 0
        assert national_dnc.list_is_stale(organisation) is False
    with time_machine.travel(MORNING + timedelta(days=31, minutes=1), tick=False):
        assert national_dnc.sweep_national_dnc_scrubs() == 1
        assert national_dnc.sweep_national_dnc_scrubs() == 0
        profile = ComplianceProfile.objects.get(organisation=organisation)
        assert profile.national_dnc_scrubbed_at == timezone.now()
        assert national_dnc.list_is_stale(organisation) is True


def test_an_admin_loads_the_registry_file_from_the_command_line(organisation, tmp_path):
    make_lead(organisation)  # +18135550199
    full = tmp_path / "813.txt"
    full.write_bytes(b"AreaCode,PhoneNumber\n813,5550199\n813,5550100\n")
    out = StringIO()
    call_command("dnc", "import", str(full), "--org", organisation.slug, stdout=out)
    result = json.loads(out.getvalue())
    assert (result["numbers_added"], result["leads_flagged"], result["lines_skipped"]) == (2, 1, 1)
    assert result["full_list"] is True and result["area_codes"] == ["813"]

    changes = tmp_path / "changes.txt"
    changes.write_bytes(b"813,5550100,D\n")
    out = StringIO()
    call_command("dnc", "import", str(changes), "--org", organisation.slug, "--changes", stdout=out)
    assert json.loads(out.getvalue())["numbers_removed"] == 1
    assert numbers(organisation) == {BORROWER_PHONE}

    out = StringIO()
    call_command("dnc", "status", "--org", organisation.slug, stdout=out)
    assert json.loads(out.getvalue())["stale"] is False

    empty = tmp_path / "readme.txt"
    empty.write_bytes(b"nothing here\n")
    out = StringIO()
    with pytest.raises(SystemExit) as exit_code:
        call_command("dnc", "import", str(empty), "--org", organisation.slug, stdout=out)
    assert exit_code.value.code == 2 and json.loads(out.getvalue())["error"] == "not_a_registry_file"
