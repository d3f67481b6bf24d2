from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from firstcall.leads.access import visible_leads


@login_required
def home(request):
    leads = visible_leads(request.user).select_related("stage", "owner", "source")[:100]
    return render(request, "web/home.html", {"leads": leads})
