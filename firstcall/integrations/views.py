"""Settings pages for webhooks: subscriptions, the delivery log, replay, a test message. Org admins only."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from firstcall.integrations import access
from firstcall.integrations.forms import WebhookSubscriptionForm
from firstcall.integrations.webhooks import services as webhooks


@login_required
@require_http_methods(["GET", "POST"])
def webhook_list(request):
    organisation = access.require_integrations_admin(request.user)
    form = WebhookSubscriptionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            subscription = webhooks.create_subscription(
                organisation, url=form.cleaned_data["url"], event_types=form.cleaned_data["event_types"],
                description=form.cleaned_data["description"], actor=request.user,
            )  # fmt: skip
        except webhooks.InvalidSubscription as error:
            form.add_error("url", str(error))
        else:
            # The secret is shown once, in this response, and never again.
            return render(request, "integrations/webhook_detail.html",
                          {"subscription": subscription, "secret": subscription.secret, "log": []}, status=201)  # fmt: skip
    subscriptions = access.visible_subscriptions(request.user).order_by("id")
    return render(request, "integrations/webhooks.html", {"form": form, "subscriptions": subscriptions},
                  status=400 if form.errors else 200)  # fmt: skip


@login_required
@require_http_methods(["GET"])
def webhook_detail(request, subscription_id: int):
    access.require_integrations_admin(request.user)
    subscription = get_object_or_404(access.visible_subscriptions(request.user), pk=subscription_id)
    log = (access.visible_messages(request.user).filter(subscription=subscription)
           .prefetch_related("attempt_log").order_by("-created_at", "-id")[:100])  # fmt: skip
    return render(request, "integrations/webhook_detail.html",
                  {"subscription": subscription, "secret": None, "log": log})  # fmt: skip


@login_required
@require_POST
def webhook_action(request, subscription_id: int, action: str):
    access.require_integrations_admin(request.user)
    subscription = get_object_or_404(access.visible_subscriptions(request.user), pk=subscription_id)
    if action == "test":
        webhooks.send_test(subscription)
        messages.success(request, "A test message is on its way.")
    elif action == "disable":
        webhooks.disable(subscription, f"Turned off by {request.user.get_username()}")
        messages.success(request, "Webhook turned off.")
    elif action == "enable":
        webhooks.enable(subscription)
        messages.success(request, "Webhook turned on. Replay the messages it missed from the log.")
    else:
        return redirect("webhook_detail", subscription.pk)
    return redirect("webhook_detail", subscription.pk)


@login_required
@require_POST
def webhook_replay(request, message_id: int):
    access.require_integrations_admin(request.user)
    message = get_object_or_404(
        access.visible_messages(request.user).select_related("subscription"), pk=message_id
    )
    webhooks.replay(message)
    messages.success(request, f"Message {message.message_id} will be sent again.")
    return redirect("webhook_detail", message.subscription_id)
