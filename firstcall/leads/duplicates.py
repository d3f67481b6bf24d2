"""The possible-duplicate review queue: a person decides, with both leads side by side.

Merging keeps the older lead and moves everything of the newer one to it (inquiries, consents, timeline,
messages, tasks...). Each consent row keeps the phone number or email address it was given for
(`Consent.address`), so merging never lets one person's consent cover another's number."""

from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from firstcall.accounts.models import User
from firstcall.leads.access import visible_leads
from firstcall.leads.models import Lead, PossibleDuplicate, TimelineEvent
from firstcall.leads.timeline import record_event


class DecisionRefused(Exception):
    pass


def can_review_duplicates(user: User) -> bool:
    return (
        user.is_authenticated
        and user.organisation_id is not None
        and (user.is_org_admin or user.role == User.Role.MANAGER)
    )


def review_queue(user: User) -> QuerySet[PossibleDuplicate]:
    """Open pairs where the person may see both leads."""
    if not can_review_duplicates(user):
        return PossibleDuplicate.objects.none()
    visible = visible_leads(user).values("pk")
    return (
        PossibleDuplicate.objects.filter(
            organisation_id=user.organisation_id, status=PossibleDuplicate.Status.OPEN
        )
        .filter(lead__in=visible, existing_lead__in=visible)
        .select_related("lead__source", "existing_lead__source", "lead__owner", "existing_lead__owner")
    )


@transaction.atomic
def keep_separate(pair: PossibleDuplicate, *, actor: User) -> None:
    pair = _claim(pair, PossibleDuplicate.Status.SEPARATE, actor)
    for lead in (pair.lead, pair.existing_lead):
        record_event(lead, TimelineEvent.Kind.FIELD_CHANGED,
                     f"Kept separate from lead #{(pair.existing_lead if lead == pair.lead else pair.lead).pk}",
                     actor=actor, data={"possible_duplicate": pair.pk, "decision": "separate"})  # fmt: skip


@transaction.atomic
def merge(pair: PossibleDuplicate, *, actor: User) -> Lead:
    """Merge the newer lead into the older one and delete the newer one."""
    pair = _claim(pair, PossibleDuplicate.Status.MERGED, actor)
    kept, merged = pair.existing_lead, pair.lead
    if merged.created_at < kept.created_at:
        kept, merged = merged, kept
    kept = Lead.objects.select_for_update().get(pk=kept.pk)
    changes = {}
    for channel_field, consent_fields in (
        ("phone", ("consent_sms", "consent_calls")),
        ("email", ("consent_email",)),
    ):
        if getattr(merged, channel_field) and not getattr(kept, channel_field):
            # The kept lead had no number (or address): it takes the other one with that one's own consent.
            setattr(kept, channel_field, getattr(merged, channel_field))
            for name in consent_fields:
                setattr(kept, name, getattr(merged, name))
            changes[channel_field] = ["", getattr(merged, channel_field)]
    extra_phones = [merged.phone, *merged.other_phones] if merged.phone != kept.phone else merged.other_phones
    for phone in extra_phones:
        if phone and phone != kept.phone and phone not in kept.other_phones:
            kept.other_phones = [*kept.other_phones, phone]
            changes.setdefault("other_phones", ["", []])[1].append(phone)
    kept.inquiry_count = (kept.inquiry_count or 0) + (merged.inquiry_count or 0)
    kept.reply_count += Lead.objects.filter(pk=merged.pk).values_list("reply_count", flat=True).get()
    kept.updated_at = timezone.now()
    kept.save()
    moved = _move_related_rows(merged, kept, skip={PossibleDuplicate})
    PossibleDuplicate.objects.filter(Q(lead=merged) | Q(existing_lead=merged)).exclude(pk=pair.pk).update(
        status=PossibleDuplicate.Status.SEPARATE, decided_by=actor, decided_at=timezone.now()
    )
    merged_pk, merged_email = merged.pk, merged.email
    pair_pk = pair.pk
    PossibleDuplicate.objects.filter(pk=pair_pk).update(lead=kept)  # keep the decision once merged is gone
    merged.delete()
    record_event(
        kept,
        TimelineEvent.Kind.MERGED,
        f"Lead #{merged_pk} merged in by {actor.get_full_name() or actor.username} ({pair.reason})",
        actor=actor,
        data={
            "merged_lead_id": merged_pk,
            "reason": pair.reason,
            "moved": moved,
            "changes": changes,
            "other_email": merged_email,
        },  # fmt: skip
    )
    return kept


def _claim(pair: PossibleDuplicate, status: str, actor: User) -> PossibleDuplicate:
    claimed = PossibleDuplicate.objects.filter(pk=pair.pk, status=PossibleDuplicate.Status.OPEN).update(
        status=status, decided_by=actor, decided_at=timezone.now()
    )
    if claimed != 1:
        raise DecisionRefused("Someone already decided on this pair.")
    return PossibleDuplicate.objects.select_related("lead", "existing_lead").get(pk=pair.pk)


def _move_related_rows(source: Lead, target: Lead, *, skip: set) -> dict[str, int]:
    """Point every row that belongs to `source` at `target`, table by table. A table where a row would break a
    uniqueness rule (one enrolment per cadence, say) keeps its rows on `source`, deleted with it."""
    moved = {}
    for relation in Lead._meta.related_objects:
        model = relation.related_model
        if relation.many_to_many or relation.one_to_one or model in skip or model is Lead:
            continue
        rows = model._default_manager.filter(**{relation.field.name: source})
        try:
            with transaction.atomic():
                count = rows.update(**{relation.field.name: target})
        except IntegrityError:
            continue
        if count:
            moved[model._meta.label] = count
    target.shared_with.add(*source.shared_with.all())
    return moved
