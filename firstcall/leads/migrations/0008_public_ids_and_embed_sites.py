import firstcall.leads.models
from django.db import migrations, models


def give_each_source_a_public_id(apps, schema_editor):
    LeadSource = apps.get_model("leads", "LeadSource")
    for source in LeadSource.objects.filter(public_id__isnull=True).only("pk"):
        LeadSource.objects.filter(pk=source.pk).update(public_id=firstcall.leads.models.new_public_id())


class Migration(migrations.Migration):
    dependencies = [("leads", "0007_safeguards")]

    operations = [
        migrations.AddField(
            model_name="leadsource",
            name="public_id",
            field=models.CharField(max_length=40, null=True, editable=False),
        ),
        migrations.RunPython(give_each_source_a_public_id, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="leadsource",
            name="public_id",
            field=models.CharField(
                default=firstcall.leads.models.new_public_id, editable=False, max_length=40, unique=True
            ),
        ),
        migrations.AddField(
            model_name="leadsource",
            name="embed_origins",
            field=models.JSONField(blank=True, default=list),
        ),
    ]
