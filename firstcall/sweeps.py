"""Periodic sweeps: find overdue work in the domain tables and do or re-enqueue it, so a lost task is only a
delay. Each sweep must be idempotent and safe to run from several workers at once (claims are atomic)."""

import logging
from importlib import import_module

from django.db import close_old_connections

logger = logging.getLogger(__name__)

SWEEPS = [
    "firstcall.events.dispatch.sweep_undelivered_events",
    "firstcall.messaging.services.sweep_due_messages",
    "firstcall.intake.meta.tasks.sweep_pending_fetches",
    "firstcall.intake.tasks.sweep_deferred_captures",
    "firstcall.routing.services.sweep_expired_offers",
    "firstcall.routing.services.sweep_sla_breaches",
    "firstcall.cadences.services.sweep_due_steps",
    "firstcall.intake.csv_import.tasks.sweep_stalled_imports",
    "firstcall.flows.task_falls_due.sweep_tasks_falling_due",
    "firstcall.pipeline.maintenance.refresh_planner_statistics",
    "firstcall.intake.services.purge_expired_intake",
    "firstcall.compliance.national_dnc.sweep_national_dnc_scrubs",
    "firstcall.integrations.webhooks.services.sweep_due_webhooks",
    "firstcall.integrations.los.sweep_pending_fetches",
    "firstcall.reports.rollups.rebuild_stale",
    "firstcall.reports.digest.send_due_digests",
    "firstcall.documents.services.sweep_documents",
]


def run_sweeps() -> dict[str, int]:
    done = {}
    for dotted in SWEEPS:
        module_name, function_name = dotted.rsplit(".", 1)
        try:
            sweep = getattr(import_module(module_name), function_name)
        except (ImportError, AttributeError):
            continue
        try:
            done[dotted] = sweep() or 0
        except Exception:  # a broken sweep must not stop the others or the worker
            logger.exception("Sweep %s failed", dotted)
        finally:
            close_old_connections()
    return done
