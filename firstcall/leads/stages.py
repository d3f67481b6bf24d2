"""The pipelines and stages an organisation starts with, and the stage a new lead enters."""

from firstcall.leads.models import Pipeline, Stage

DEFAULT_STAGES = [
    ("New", Stage.Outcome.OPEN),
    ("Contacted", Stage.Outcome.OPEN),
    ("Qualified", Stage.Outcome.OPEN),
    ("Pre-approved", Stage.Outcome.OPEN),
    ("Application", Stage.Outcome.OPEN),
    ("Processing", Stage.Outcome.OPEN),
    ("Underwriting", Stage.Outcome.OPEN),
    ("Clear to close", Stage.Outcome.OPEN),
    ("Closed", Stage.Outcome.WON),
    ("Lost", Stage.Outcome.LOST),
]
HELOC_STAGES = [
    ("New", Stage.Outcome.OPEN),
    ("Contacted", Stage.Outcome.OPEN),
    ("Qualified", Stage.Outcome.OPEN),
    ("Application", Stage.Outcome.OPEN),
    ("Processing", Stage.Outcome.OPEN),
    ("Closed", Stage.Outcome.WON),
    ("Lost", Stage.Outcome.LOST),
]


def ensure_default_pipelines(organisation) -> dict[str, Pipeline]:
    """Create the purchase, refinance and HELOC pipelines with their stages if the organisation has none."""
    pipelines = {}
    for position, (kind, name, stages) in enumerate(
        [
            (Pipeline.Kind.PURCHASE, "Purchase", DEFAULT_STAGES),
            (Pipeline.Kind.REFINANCE, "Refinance", DEFAULT_STAGES),
            (Pipeline.Kind.HELOC, "HELOC", HELOC_STAGES),
        ]
    ):
        pipeline, created = Pipeline.objects.get_or_create(
            organisation=organisation, kind=kind, defaults={"name": name, "position": position}
        )
        if created:
            Stage.objects.bulk_create(
                Stage(pipeline=pipeline, name=stage_name, position=index, outcome=outcome)
                for index, (stage_name, outcome) in enumerate(stages)
            )
        pipelines[kind] = pipeline
    return pipelines


def first_stage(pipeline: Pipeline) -> Stage:
    return pipeline.stages.order_by("position").first()
