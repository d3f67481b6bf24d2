"""Enrolment.pipeline points at leads.Pipeline, the same table as before (pipeline_pipeline): no database change."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("cadences", "0001_initial"),
        ("leads", "0010_pipelines_stages_and_timeline"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.AlterField(
                    model_name="enrolment",
                    name="pipeline",
                    field=models.ForeignKey(
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to="leads.pipeline",
                    ),
                ),
            ],
        ),
    ]
