"""The only writers of the workspace's own rows (web/models.py): a person's saved views of the lead list."""

from django.db import transaction

from firstcall.accounts.models import User
from firstcall.pipeline.forms import clean_query_string
from firstcall.web.models import SavedView


@transaction.atomic
def save_view(user: User, name: str, query: str) -> SavedView:
    """Keep the list's filters and sort under a name, replacing the person's view of the same name. Only known,
    valid filters are kept, re-encoded (pipeline.forms.clean_query_string), never the text as sent."""
    view, _created = SavedView.objects.update_or_create(
        user=user, name=name.strip(), defaults={"query_string": clean_query_string(query, user)}
    )
    return view


@transaction.atomic
def delete_view(user: User, view_id: int) -> SavedView | None:
    """Delete one of the person's own views; another person's view, or one that is gone, is None (untouched)."""
    view = SavedView.objects.select_for_update().filter(pk=view_id, user=user).first()
    if view is not None:
        view.delete()
    return view
