"""Pipeline, Stage and TimelineEvent moved from the pipeline app to leads on the same tables: a database made
before the move keeps its pipelines, stages, leads and timeline, and nothing in the database changes."""

from importlib import import_module

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.db.migrations.operations import SeparateDatabaseAndState

from firstcall.leads.models import Lead, Pipeline, Stage, TimelineEvent

BEFORE_THE_MOVE = [
    ("leads", "0009_merge_20261207_1934"),
    ("pipeline", "0003_task_kind_appointment"),
    ("cadences", "0001_initial"),
]
BESIDE_THE_MOVE = ("leads", "0010_lead_reply_count")
THE_MOVE = [
    ("leads", "0010_pipelines_stages_and_timeline"),
    ("leads", "0011_pipeline_content_types"),
    ("cadences", "0002_enrolment_pipeline_in_leads"),
    ("pipeline", "0004_pipelines_stages_and_timeline_to_leads"),
]
# Where the move ends: later leads migrations change the lead table's indexes on purpose, so the schema is
# compared just before and just after the move.
AFTER_THE_MOVE = [
    ("leads", "0012_merge_20261207_2221"),
    ("cadences", "0002_enrolment_pipeline_in_leads"),
    ("pipeline", "0004_pipelines_stages_and_timeline_to_leads"),
]


# The tables the move concerns: its own three and those whose foreign keys point at them.
MOVED_TABLES = [
    "pipeline_pipeline",
    "pipeline_stage",
    "pipeline_timelineevent",
    "leads_lead",
    "cadences_enrolment",
]


def schema(tables=None):
    """Each table's constraints and indexes by name. SQLite numbers unnamed CHECK constraints in the order a
    table was last rebuilt, so those are compared as a set, not by their made-up names."""
    with connection.cursor() as cursor:
        tables = tables or sorted(connection.introspection.table_names(cursor))
        result = {}
        for table in tables:
            constraints = connection.introspection.get_constraints(cursor, table)
            named = {name: value for name, value in constraints.items() if not name.startswith("__unnamed")}
            unnamed = sorted(
                repr(value) for name, value in constraints.items() if name.startswith("__unnamed")
            )
            result[table] = (named, unnamed)
        return result


@pytest.mark.django_db(transaction=True)
def test_a_database_from_before_the_move_keeps_its_leads_stages_and_timeline():
    timeline_type = ContentType.objects.get_for_model(TimelineEvent)
    schema_after = schema()
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE_THE_MOVE)
    # The leads migration made beside the move (not part of it) goes back on, so the lead's table is as it was.
    executor.loader.build_graph()
    executor.migrate([BESIDE_THE_MOVE])
    try:
        schema_before_the_move = schema(MOVED_TABLES)
        executor.loader.build_graph()
        old = executor.loader.project_state(list(executor.loader.applied_migrations)).apps
        assert not set(THE_MOVE) & set(executor.loader.applied_migrations)
        assert ContentType.objects.get(pk=timeline_type.pk).app_label == "pipeline"
        organisation = old.get_model("accounts", "Organisation").objects.create(name="Acme", slug="acme")
        pipeline = old.get_model("pipeline", "Pipeline").objects.create(
            organisation=organisation, name="Purchase", kind="purchase"
        )
        stages = old.get_model("pipeline", "Stage").objects.bulk_create(
            old.get_model("pipeline", "Stage")(pipeline=pipeline, name=name, position=position)
            for position, name in enumerate(["New", "Contacted"])
        )
        lead = old.get_model("leads", "Lead").objects.create(
            organisation=organisation, first_name="Ana", pipeline=pipeline, stage=stages[1]
        )
        old.get_model("pipeline", "TimelineEvent").objects.create(
            lead=lead, kind="stage_changed", summary="Stage changed from New to Contacted"
        )
        executor.loader.build_graph()
        executor.migrate(AFTER_THE_MOVE)
        assert schema(MOVED_TABLES) == schema_before_the_move  # the move changed nothing in the database
    finally:
        executor.loader.build_graph()
        executor.migrate(executor.loader.graph.leaf_nodes())

    assert schema() == schema_after
    moved = Lead.objects.select_related("pipeline", "stage").get(pk=lead.pk)
    assert (moved.pipeline.name, moved.stage.name) == ("Purchase", "Contacted")
    assert list(Stage.objects.filter(pipeline=moved.pipeline).values_list("name", flat=True)) == [
        "New",
        "Contacted",
    ]
    assert Pipeline.objects.get(pk=pipeline.pk).organisation_id == organisation.pk
    assert [event.summary for event in moved.timeline.all()] == ["Stage changed from New to Contacted"]
    assert ContentType.objects.get(pk=timeline_type.pk).app_label == "leads"


@pytest.mark.parametrize(
    "app_label, name", [step for step in THE_MOVE if step[1] != "0011_pipeline_content_types"]
)
def test_the_move_changes_only_the_models_state(app_label, name):
    migration = import_module(f"firstcall.{app_label}.migrations.{name}").Migration
    assert [type(operation) for operation in migration.operations] == [SeparateDatabaseAndState]
    assert migration.operations[0].database_operations == []
