"""Review chain pages (表單審核): my queue, the reviews of my part of the organisation, and one review with
its history, the decision form (when the current step is mine) and the resubmission (when it was returned
to me)."""
from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.generic import TemplateView

from ..forms.reviews import DecisionForm, ResubmitForm
from ..models import ReviewState
from ..selectors import reviews as sel
from ..services import reviews as svc
from .base import StaffRequiredMixin, add_service_errors

MODULE = "review"


class ReviewQueueView(StaffRequiredMixin, TemplateView):
    """What waits for my decision in my scope, oldest first, with due dates."""

    template_name = "operations/reviews/queue.html"
    module = MODULE
    role_permission = "operations.review.decide"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(reviews=list(sel.my_queue(self.request.user)[:500]), today=timezone.localdate(),
                       subnav="queue")
        return context


class ReviewListView(StaffRequiredMixin, TemplateView):
    template_name = "operations/reviews/list.html"
    module = MODULE
    role_permission = "operations.review.view"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        state = self.request.GET.get("state", "")
        reviews = sel.review_list(self.request.user)
        if state in ReviewState.values:
            reviews = reviews.filter(state=state)
        context.update(reviews=list(reviews[:500]), states=ReviewState.choices, state=state,
                       today=timezone.localdate(), subnav="all")
        return context


class ReviewDetailView(StaffRequiredMixin, TemplateView):
    template_name = "operations/reviews/detail.html"
    module = MODULE
    object_selector = sel.review_detail
    object_name = "review"
    permission = "operations.review.view"

    def forms(self, data=None):
        review = self.review
        user = self.request.user
        decide = resubmit = None
        if svc.may_decide(user, review) or (data is not None and data.get("action") == "decide"):
            decide = DecisionForm(data if data is not None and data.get("action") == "decide" else None,
                                  initial={"version": review.version})
        if review.state == ReviewState.RETURNED and user.pk in (review.submitter_id, review.subject_user_id):
            resubmit = ResubmitForm(data if data is not None and data.get("action") == "resubmit" else None,
                                    initial={"version": review.version})
        return decide, resubmit

    def get_context_data(self, decide=None, resubmit=None, **kwargs):
        context = super().get_context_data(**kwargs)
        review = self.review
        if decide is None and resubmit is None:
            decide, resubmit = self.forms()
        link = sel.subject_link(review)
        signed = svc.round_deciders(review).get(self.request.user.pk) if review.state == ReviewState.IN_REVIEW else None
        labels = {step.key: step.label for step in review.chain.steps}
        context.update(signed_step=labels.get(signed, ""), history=sel.review_history(review),
                       decide_form=decide, resubmit_form=resubmit,
                       subject_url=reverse(link[0], args=[link[1]]) if link else "",
                       steps=review.chain.steps, today=timezone.localdate(),
                       own=self.request.user.pk in (review.submitter_id, review.subject_user_id))
        return context

    def post(self, request, *args, **kwargs):
        action = request.POST.get("action")
        decide, resubmit = self.forms(request.POST)
        form = decide if action == "decide" else resubmit if action == "resubmit" else None
        if form is None or not form.is_valid():
            if form is None:
                messages.error(request, _("Nothing to do: choose a decision."))
            return self.render_to_response(self.get_context_data(decide=decide, resubmit=resubmit), status=400
                                           if form is None else 200)
        data = form.cleaned_data
        try:
            if action == "decide":
                svc.review_decide(actor=request.user, review=self.review, decision=data["decision"],
                                  comment=data["comment"], version=data["version"])
                done = _("Your decision has been recorded.")
            else:
                svc.review_resubmit(actor=request.user, review=self.review, version=data["version"],
                                    comment=data["comment"])
                done = _("The form has been sent in again.")
        except svc.AlreadyDecided as exc:
            messages.info(request, exc.messages[0])
            return redirect("operations:review_detail", pk=self.review.pk)
        except (ValidationError, PermissionDenied) as exc:
            add_service_errors(form, exc if isinstance(exc, ValidationError) else ValidationError(str(exc)))
            return self.render_to_response(self.get_context_data(decide=decide, resubmit=resubmit))
        messages.success(request, done)
        if action == "decide":
            return redirect("operations:review_queue")
        return redirect("operations:review_detail", pk=self.review.pk)
