from django.db import migrations, models
from django.db.models import OuterRef, Subquery


def fill_addresses(apps, schema_editor):
    """Existing consent rows were given for the lead's number and email as they are now."""
    Consent = apps.get_model("leads", "Consent")
    Lead = apps.get_model("leads", "Lead")
    for channels, field in ((["sms", "calls"], "phone"), (["email"], "email")):
        Consent.objects.filter(channel__in=channels, address="").update(
            address=Subquery(Lead.objects.filter(pk=OuterRef("lead_id")).values(field)[:1])
        )


class Migration(migrations.Migration):
    dependencies = [
        ("leads", "0005_lead_lead_owner_stage_lead_lead_owner_assigned"),
    ]

    operations = [
        migrations.AddField(
            model_name="consent",
            name="address",
            field=models.CharField(blank=True, max_length=320),
        ),
        migrations.RunPython(fill_addresses, migrations.RunPython.noop),
    ]
