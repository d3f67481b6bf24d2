"""Template filters of the workspace pages: money, phone numbers and the speed-to-lead clock."""

from django import forms, template
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe

from firstcall.lib.phones import display_phone
from firstcall.pipeline import board

register = template.Library()


@register.filter
def money(amount) -> str:
    return board.money_full(amount)


@register.filter
def money_short(amount) -> str:
    return board.money_compact(amount)


@register.filter
def phone(e164: str) -> str:
    return display_phone(e164) if e164 else ""


@register.filter
def sla(lead, now) -> board.SlaState:
    """`{% with clock=lead|sla:now %}`: kind (due, overdue, met, late or ""), label, deadline."""
    return board.sla_state(lead, now)


@register.filter
def full_name(lead) -> str:
    return lead.full_name or f"Lead {lead.pk}"


@register.filter
def person(user) -> str:
    """A user's display name without a query (owner is joined with select_related)."""
    if user is None:
        return "Unassigned"
    return user.get_full_name() or user.username


@register.simple_tag(takes_context=True)
def board_card(context, card, column) -> str:
    """One card of the board. Written with format_html rather than as a template: a board shows up to 250
    cards and the template engine made them most of the page's server time. Every value is escaped."""
    name = card.full_name or f"Lead {card.pk}"
    facts = [card.get_loan_type_display()]
    if card.amount:
        facts.append(board.money_full(card.amount))
    if card.state:
        facts.append(card.state)
    tier = (
        format_html('<span class="tier tier-{}">{}</span> ', card.score_tier, card.score_tier)
        if card.score_tier and _shows(context.get("user"), "score")
        else ""
    )
    clock = board.sla_state(card, context["now"])
    clock_html = ""
    if clock.kind and _shows(context.get("user"), "response_clock"):
        countdown = (
            format_html(' data-countdown="{}"', int(clock.deadline.timestamp())) if clock.deadline else ""
        )
        clock_html = format_html(
            ' <span class="clock clock-{}"{}>{}</span>', clock.kind, countdown, clock.label
        )
    move = ""
    if card.can_move:
        move = format_html(
            '<form class="move-form" method="post" action="{move_url}">'
            '<input type="hidden" name="csrfmiddlewaretoken" value="{csrf}">'
            '<input type="hidden" name="next" value="{next}">'
            '<label for="move-{pk}">Move to<span class="fc-visually-hidden"> (stage for {name})</span>'
            '</label><select id="move-{pk}" name="stage">{options}</select>'
            '<button type="submit" class="button-small" aria-describedby="card-{pk}-name">Move</button>'
            "</form>",
            move_url=card.move_url,
            csrf=str(context.get("csrf_token", "")),
            next=context["board_url"],
            pk=card.pk,
            name=name,
            options=column.options,
        )
    return format_html(
        '<li class="lead-card{movable}" id="card-{pk}" data-lead-id="{pk}" data-stage-id="{stage}" '
        'data-lead-name="{name}"{draggable}>'
        '<a class="card-name" id="card-{pk}-name" href="{url}">{name}</a>'
        '<p class="card-facts">{facts}</p>'
        '<p class="card-meta">{tier}<span class="owner">{owner}</span>{clock}</p>{move}</li>',
        movable=" is-movable" if card.can_move else "",
        pk=card.pk,
        stage=card.stage_id,
        name=name,
        draggable=mark_safe(' draggable="true"') if card.can_move else "",
        url=card.detail_url,
        facts=" · ".join(facts),
        tier=tier,
        owner=person(card.owner),
        clock=clock_html,
        move=move,
    )


@register.simple_tag
def control(bound_field) -> str:
    """A filter form's <select> or <input>, written directly: Django renders each <option> through a template
    of its own, which made the filter bar a fifth of the board's server time. Same id, name and value."""
    field, widget = bound_field.field, bound_field.field.widget
    value = bound_field.value()
    value = "" if value is None else str(value)
    attrs = format_html('id="{}" name="{}"', bound_field.id_for_label, bound_field.html_name)
    if hasattr(field, "choices") and not isinstance(widget, forms.HiddenInput):
        return format_html("<select {}>{}</select>", attrs, _options(field.choices, value))
    input_type = getattr(widget, "input_type", "text")
    if input_type == "text" and bound_field.name == "q":
        input_type = "search"
    max_length = getattr(field, "max_length", None)
    extra = format_html(' maxlength="{}"', max_length) if max_length else ""
    return format_html('<input type="{}" {} value="{}"{}>', input_type, attrs, value, extra)


def _options(choices, selected: str) -> str:
    parts = []
    for key, label in choices:
        if isinstance(label, list | tuple):  # an optgroup
            parts.append(format_html('<optgroup label="{}">{}</optgroup>', key, _options(label, selected)))
        else:
            chosen = mark_safe(" selected") if str(key) == selected else ""
            parts.append(format_html('<option value="{}"{}>{}</option>', key, chosen, label))
    return format_html_join("", "{}", ((part,) for part in parts))


def _shows(user, fact: str) -> bool:
    """The role's allow-list of lead facts (firstcall/leads/allow_lists.py); no user (a bare render) shows all."""
    from firstcall.leads.allow_lists import shows

    return user is None or shows(user, fact)
