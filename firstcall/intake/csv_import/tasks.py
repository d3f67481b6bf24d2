"""Background work for CSV imports (Django Tasks API). Tasks take ids and are safe to run twice or late."""

from django_tasks import task

from firstcall.intake.csv_import import services


@task()
def run_csv_import(import_id: int) -> str:
    return services.run_import(import_id)


def sweep_stalled_imports() -> int:
    """For firstcall.sweeps.SWEEPS: re-enqueue imports whose task was lost."""
    return services.sweep_stalled_imports(enqueue=run_csv_import.enqueue)
