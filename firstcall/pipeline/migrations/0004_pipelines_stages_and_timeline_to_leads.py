"""Pipeline, Stage and TimelineEvent are now leads models on the same tables: pipeline forgets them without
dropping anything."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("cadences", "0002_enrolment_pipeline_in_leads"),
        ("leads", "0010_pipelines_stages_and_timeline"),
        ("pipeline", "0003_task_kind_appointment"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.DeleteModel(name="TimelineEvent"),
                migrations.DeleteModel(name="Stage"),
                migrations.DeleteModel(name="Pipeline"),
            ],
        ),
    ]
