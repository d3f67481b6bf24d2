"""Saved views are written only through firstcall/web/services.py: a person keeps their own named list
filters (only known ones), replaces one by saving under its name, and deletes only their own."""

import pytest

from firstcall.web import services
from firstcall.web.models import SavedView
from tests.conftest import make_user

pytestmark = pytest.mark.django_db


def test_a_saved_view_keeps_only_known_filters_and_replaces_one_of_the_same_name(organisation):
    olivia = make_user(organisation, "olivia")
    first = services.save_view(olivia, "  Hot FHA ", "score_tier=hot&loan_type=fha&evil=<script>")
    assert (first.name, first.query_string) == ("Hot FHA", "loan_type=fha&score_tier=hot")
    again = services.save_view(olivia, "Hot FHA", "score_tier=cold")
    assert again.pk == first.pk
    assert list(SavedView.objects.values_list("user", "name", "query_string")) == [
        (olivia.pk, "Hot FHA", "score_tier=cold")
    ]


def test_only_the_owner_deletes_their_view(organisation):
    olivia = make_user(organisation, "olivia")
    ben = make_user(organisation, "ben")
    view = services.save_view(olivia, "Mine", "score_tier=hot")
    assert services.delete_view(ben, view.pk) is None
    assert SavedView.objects.filter(pk=view.pk).exists()
    assert services.delete_view(olivia, view.pk).name == "Mine"
    assert not SavedView.objects.exists()
    assert services.delete_view(olivia, view.pk) is None
