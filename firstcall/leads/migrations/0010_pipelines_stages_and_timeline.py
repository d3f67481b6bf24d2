"""Pipeline, Stage and TimelineEvent now belong to leads. Their tables keep their names (pipeline_*), so this
changes only Django's record of the models: no table, column, constraint or row changes."""

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0005_organisation_public_notice"),
        ("leads", "0009_merge_20261207_1934"),
        ("pipeline", "0003_task_kind_appointment"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.CreateModel(
                    name="Pipeline",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                            ),
                        ),
                        ("name", models.CharField(max_length=100)),
                        (
                            "kind",
                            models.CharField(
                                choices=[
                                    ("purchase", "Purchase"),
                                    ("refinance", "Refinance"),
                                    ("heloc", "HELOC"),
                                ],
                                max_length=20,
                            ),
                        ),
                        ("position", models.PositiveSmallIntegerField(default=0)),
                        (
                            "organisation",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="pipelines",
                                to="accounts.organisation",
                            ),
                        ),
                    ],
                    options={
                        "db_table": "pipeline_pipeline",
                        "ordering": ["position", "id"],
                        "constraints": [
                            models.UniqueConstraint(
                                fields=("organisation", "kind"), name="pipeline_kind_unique_in_org"
                            )
                        ],
                    },
                ),
                migrations.CreateModel(
                    name="Stage",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                            ),
                        ),
                        ("name", models.CharField(max_length=80)),
                        ("position", models.PositiveSmallIntegerField()),
                        (
                            "outcome",
                            models.CharField(
                                choices=[("open", "Open"), ("won", "Closed (won)"), ("lost", "Lost")],
                                default="open",
                                max_length=10,
                            ),
                        ),
                        (
                            "pipeline",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="stages",
                                to="leads.pipeline",
                            ),
                        ),
                    ],
                    options={
                        "db_table": "pipeline_stage",
                        "ordering": ["pipeline", "position"],
                        "constraints": [
                            models.UniqueConstraint(
                                fields=("pipeline", "position"), name="stage_position_unique"
                            )
                        ],
                    },
                ),
                migrations.CreateModel(
                    name="TimelineEvent",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                            ),
                        ),
                        (
                            "kind",
                            models.CharField(
                                choices=[
                                    ("created", "Lead created"),
                                    ("merged", "Inquiry merged"),
                                    ("reopened", "Lead reopened"),
                                    ("field_changed", "Field changed"),
                                    ("consent_recorded", "Consent recorded"),
                                    ("consent_revoked", "Consent revoked"),
                                    ("stage_changed", "Stage changed"),
                                    ("assigned", "Assigned"),
                                    ("scored", "Scored"),
                                    ("message", "Message"),
                                    ("note", "Note"),
                                    ("call", "Call"),
                                    ("sla", "SLA"),
                                    ("cadence", "Cadence"),
                                    ("task", "Task"),
                                ],
                                max_length=30,
                            ),
                        ),
                        ("summary", models.CharField(max_length=300)),
                        ("data", models.JSONField(blank=True, default=dict)),
                        ("created_at", models.DateTimeField(default=django.utils.timezone.now)),
                        (
                            "actor",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.SET_NULL,
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                        (
                            "lead",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="timeline",
                                to="leads.lead",
                            ),
                        ),
                    ],
                    options={
                        "db_table": "pipeline_timelineevent",
                        "ordering": ["-created_at", "-id"],
                        "indexes": [
                            models.Index(fields=["lead", "-created_at"], name="timeline_lead_recent")
                        ],
                    },
                ),
                migrations.AlterField(
                    model_name="lead",
                    name="pipeline",
                    field=models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT, related_name="leads", to="leads.pipeline"
                    ),
                ),
                migrations.AlterField(
                    model_name="lead",
                    name="stage",
                    field=models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT, related_name="leads", to="leads.stage"
                    ),
                ),
            ],
        ),
    ]
