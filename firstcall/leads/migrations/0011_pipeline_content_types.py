"""The content types of Pipeline, Stage and TimelineEvent move from pipeline to leads with the models, so staff
permissions on them and the admin's change history keep pointing at the right model. Rows only; no schema."""

from django.db import migrations

MOVED = ["pipeline", "stage", "timelineevent"]


def relabel(apps, schema_editor, *, old, new):
    content_type = apps.get_model("contenttypes", "ContentType")
    rows = content_type.objects.using(schema_editor.connection.alias)
    for model in MOVED:
        # A database that already has the new label keeps it; the old row is then left for remove_stale_contenttypes.
        if not rows.filter(app_label=new, model=model).exists():
            rows.filter(app_label=old, model=model).update(app_label=new)


def forwards(apps, schema_editor):
    relabel(apps, schema_editor, old="pipeline", new="leads")


def backwards(apps, schema_editor):
    relabel(apps, schema_editor, old="leads", new="pipeline")


class Migration(migrations.Migration):
    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ("leads", "0010_pipelines_stages_and_timeline"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
