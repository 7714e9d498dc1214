"""The volunteer zone (志工專區): my shifts and calendar feed, profile, preferences, my data, deletion
request, signing up for shifts chosen on the recruitment page, guardian consent, group roster."""
from __future__ import annotations

import datetime
import json

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse, reverse_lazy
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import FormView, TemplateView
from volunteer_site.params import parse_ids

from ..forms.rosters import RosterUploadForm
from ..forms.volunteer_zone import ConsentForm, DeletionForm, PreferencesForm, ProfileForm
from ..models import GuardianConsent, RosterImport, Shift, Signup, SignupStatus, Volunteer
from ..selectors.browse import recruitment_page_url
from ..selectors.insurance import volunteer_covers
from ..selectors.volunteer_zone import (
    calendar_signups,
    consent_campaign,
    my_data,
    my_data_rows,
    my_signups,
    split_signups,
    volunteer_for_user,
)
from ..services.accounts import (
    user_set_notification_preferences,
    volunteer_calendar_token,
    volunteer_from_calendar_token,
    volunteer_renew_calendar_link,
    volunteer_update_profile,
)
from ..services.rosters import ROSTER_COLUMNS, roster_import_start, roster_template
from ..services.signups import (
    SignupOutcome,
    guardian_consent_upload,
    signup_cancel,
    signup_confirmation,
    signup_create_many,
)
from ..services.submissions import submission_key_new, submission_once
from .base import add_service_errors

MAX_SHIFTS_PER_REQUEST = 50


def calendar_token(volunteer: Volunteer) -> str:
    return volunteer_calendar_token(volunteer)


class VolunteerRequiredMixin(LoginRequiredMixin):
    """A logged-in user with a volunteer record; staff accounts without one get a short explanation."""

    login_url = reverse_lazy("volunteer:login")

    def dispatch(self, request, *args, **kwargs):
        # Special: the volunteer zone's own base (no back-office role needed); the "scope" here is the
        # volunteer's own record, and a staff account without one gets a page that explains, not a bare 403.
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        self.volunteer = volunteer_for_user(request.user)
        if self.volunteer is None:
            return render(request, "operations/volunteer/no_volunteer.html", status=403)
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["volunteer"] = self.volunteer
        context["zone_nav"] = self.zone_nav
        return context

    zone_nav = ""


class ZoneHomeView(VolunteerRequiredMixin, TemplateView):
    template_name = "operations/volunteer/home.html"
    zone_nav = "home"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        upcoming, _past = split_signups(my_signups(self.volunteer))
        context["upcoming"] = upcoming[:5]
        context["waitlisted"] = [s for s in upcoming if s.status == SignupStatus.WAITLISTED]
        context["calendar_url"] = self.request.build_absolute_uri(
            reverse("volunteer:calendar", args=[calendar_token(self.volunteer)]))
        context["recruitment_url"] = recruitment_page_url()
        context["insurance_covers"] = volunteer_covers(self.volunteer)
        return context


class ProfileView(VolunteerRequiredMixin, FormView):
    template_name = "operations/volunteer/profile.html"
    form_class = ProfileForm
    zone_nav = "profile"

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs["instance"] = Volunteer.objects.get(pk=self.volunteer.pk)
        return kwargs

    def form_valid(self, form):
        data = {name: form.cleaned_data[name] for name in form.changed_data if not form.fields[name].disabled}
        try:
            volunteer_update_profile(volunteer=self.volunteer, actor=self.request.user, data=data)
        except ValidationError as exc:
            if hasattr(exc, "error_dict"):
                for field, errors in exc.message_dict.items():
                    form.add_error(field if field in form.fields else None, errors)
            else:
                form.add_error(None, exc.messages)
            return self.form_invalid(form)
        messages.success(self.request, _("Your profile is saved."))
        return redirect("volunteer:profile")


class MyShiftsView(VolunteerRequiredMixin, TemplateView):
    template_name = "operations/volunteer/shifts.html"
    zone_nav = "shifts"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        upcoming, past = split_signups(my_signups(self.volunteer))
        context.update(upcoming=upcoming, past=past, calendar_url=self.request.build_absolute_uri(
            reverse("volunteer:calendar", args=[calendar_token(self.volunteer)])))
        return context


class CancelSignupView(VolunteerRequiredMixin, View):
    """GET asks for confirmation; POST cancels (a freed seat goes to the waitlist in the same transaction).
    The form carries a one-time key: a repeated POST answers like the first. Success redirects to My shifts
    with a message; a refusal shows this page again with the reason (409)."""

    def get_signup(self, pk) -> Signup:
        return get_object_or_404(
            Signup.objects.select_related("shift__position__campaign", "shift__position__venue"),
            pk=pk, volunteer=self.volunteer,
        )

    def page(self, request, signup, *, error: str = "", status: int = 200):
        return render(request, "operations/volunteer/cancel_confirm.html",
                      {"signup": signup, "volunteer": self.volunteer, "zone_nav": "shifts", "error": error,
                       "submission_key": submission_key_new()}, status=status)

    def get(self, request, pk):
        return self.page(request, self.get_signup(pk))

    def post(self, request, pk):
        signup = self.get_signup(pk)

        def cancel() -> dict:
            try:
                signup_cancel(signup=signup, actor=request.user)
            except ValidationError as exc:
                return {"ok": False, "message": " ".join(exc.messages)}
            return {"ok": True, "message": _("Your sign-up is cancelled.")}

        result, _repeated = submission_once(user=request.user, key=request.POST.get("submission_key", ""),
                                            purpose="cancel", run=cancel)
        if result is None:
            return self.page(request, signup, status=409, error=_(
                "Your first request is still being processed. Look at My shifts in a moment."))
        if not result["ok"]:
            return self.page(request, signup, error=result["message"], status=409)
        messages.success(request, result["message"])
        return redirect("volunteer:shifts")


class CalendarRenewView(VolunteerRequiredMixin, View):
    """GET explains and asks for confirmation; POST makes a new calendar-feed link (the old one stops
    working at once, for example after it was shared by mistake)."""

    def get(self, request):
        return render(request, "operations/volunteer/calendar_renew.html",
                      {"volunteer": self.volunteer, "zone_nav": "home"})

    def post(self, request):
        volunteer_renew_calendar_link(volunteer=self.volunteer, actor=request.user,
                                      ip_address=request.META.get("REMOTE_ADDR") or None)
        messages.success(request, _("Your calendar link has been renewed. The old link no longer works; "
                                    "subscribe again with the new one."))
        return redirect("volunteer:home")


def _ics_escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,").replace("\n", "\\n")


class CalendarFeedView(View):
    """A personal iCalendar feed of accepted shifts; the URL carries a signed token so calendar apps
    can subscribe without a session."""

    def get(self, request, token):
        volunteer = volunteer_from_calendar_token(token)
        if volunteer is None:  # a bad token, or a link renewed since
            raise Http404
        stamp = timezone.now().strftime("%Y%m%dT%H%M%SZ")
        lines = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//Taipei City Volunteer Platform//EN",
                 "CALSCALE:GREGORIAN", "X-WR-TIMEZONE:Asia/Taipei"]
        for signup in calendar_signups(volunteer):
            shift = signup.shift
            start = timezone.make_aware(datetime.datetime.combine(shift.date, shift.start_time))
            end = timezone.make_aware(datetime.datetime.combine(shift.date, shift.end_time))
            venue = shift.position.venue
            lines += [
                "BEGIN:VEVENT",
                f"UID:signup-{signup.pk}@volunteer.gov.taipei",
                f"DTSTAMP:{stamp}",
                f"DTSTART:{start.astimezone(datetime.UTC):%Y%m%dT%H%M%SZ}",
                f"DTEND:{end.astimezone(datetime.UTC):%Y%m%dT%H%M%SZ}",
                f"SUMMARY:{_ics_escape(shift.position.title + (' ' + shift.name if shift.name else ''))}",
                f"LOCATION:{_ics_escape((venue.name + ' ' + venue.address).strip() if venue else '')}",
                f"DESCRIPTION:{_ics_escape(shift.position.campaign.title)}",
                "END:VEVENT",
            ]
        lines.append("END:VCALENDAR")
        response = HttpResponse("\r\n".join(lines) + "\r\n", content_type="text/calendar; charset=utf-8")
        response["Content-Disposition"] = 'inline; filename="my-shifts.ics"'
        response["Cache-Control"] = "no-store"
        return response


class PreferencesView(VolunteerRequiredMixin, FormView):
    template_name = "operations/volunteer/preferences.html"
    form_class = PreferencesForm
    zone_nav = "preferences"

    def get_initial(self):
        user = self.request.user
        return {"notify_by_email": user.notify_by_email, "notify_reminders": user.notify_reminders,
                "preferred_language": user.preferred_language}

    def form_valid(self, form):
        user_set_notification_preferences(user=self.request.user, **form.cleaned_data)
        messages.success(self.request, _("Your preferences are saved."))
        return redirect("volunteer:preferences")


class MyDataView(VolunteerRequiredMixin, View):
    def get(self, request, fmt):
        data = my_data(self.volunteer)
        stamp = timezone.localdate().isoformat()
        if fmt == "json":
            response = HttpResponse(json.dumps(data, ensure_ascii=False, indent=2),
                                    content_type="application/json; charset=utf-8")
        elif fmt == "ods":
            import tablib

            from ..exports import CONTENT_TYPES, safe_cell

            book = tablib.Databook()
            for title, headers, rows in my_data_rows(data):
                sheet = tablib.Dataset(headers=headers, title=title)
                for row in rows:
                    sheet.append([safe_cell("" if v is None else v) for v in row])
                book.add_sheet(sheet)
            response = HttpResponse(book.export("ods"), content_type=CONTENT_TYPES["ods"])
        else:
            raise Http404
        response["Content-Disposition"] = f'attachment; filename="my-data-{stamp}.{fmt}"'
        response["Cache-Control"] = "no-store"
        return response


class MyDataPageView(VolunteerRequiredMixin, TemplateView):
    """Everything held about me on screen (PDPA Art.3: read), the downloads, and my personal-data requests."""

    template_name = "operations/volunteer/my_data.html"
    zone_nav = "data"

    def get_context_data(self, **kwargs):
        from ..selectors.privacy import my_requests
        from ..selectors.volunteer_zone import my_data_sections

        context = super().get_context_data(**kwargs)
        context.update(sections=my_data_sections(my_data(self.volunteer)), requests=my_requests(self.volunteer))
        return context


class PrivacyRequestCreateView(VolunteerRequiredMixin, FormView):
    """Ask to stop processing (PDPA Art.11 par.2–4) or to correct data (Art.11 par.1): a tracked request."""

    zone_nav = "data"
    template_name = "operations/volunteer/privacy_request_form.html"

    def get_form_class(self):
        from ..forms.privacy import CorrectionForm, StopProcessingForm
        from ..models import PrivacyRequestKind

        forms = {PrivacyRequestKind.STOP_PROCESSING: StopProcessingForm, PrivacyRequestKind.CORRECTION: CorrectionForm}
        if self.kwargs["kind"] not in forms:
            raise Http404
        return forms[self.kwargs["kind"]]

    def get_context_data(self, **kwargs):
        from ..models import PrivacyRequestKind

        context = super().get_context_data(**kwargs)
        context["kind"] = self.kwargs["kind"]
        context["kind_label"] = PrivacyRequestKind(self.kwargs["kind"]).label
        return context

    def form_valid(self, form):
        from ..services.privacy import privacy_request_submit

        try:
            request = privacy_request_submit(user=self.request.user, kind=self.kwargs["kind"],
                                             details=form.cleaned_data["details"],
                                             ip_address=self.request.META.get("REMOTE_ADDR") or None)
        except ValidationError as exc:
            add_service_errors(form, exc)
            return self.form_invalid(form)
        messages.success(self.request, _("We received your request. The Department of Social Welfare answers it by "
                                         "%(due)s; you will be told by e-mail.") % {"due": request.due_on.isoformat()})
        return redirect("volunteer:privacy_request", pk=request.pk)


class MyPrivacyRequestView(VolunteerRequiredMixin, TemplateView):
    """One of my requests (somebody else's answers 404)."""

    template_name = "operations/volunteer/privacy_request.html"
    zone_nav = "data"

    def get_context_data(self, **kwargs):
        from ..selectors.privacy import my_request

        context = super().get_context_data(**kwargs)
        try:
            context["privacy_request"] = my_request(self.volunteer, kwargs["pk"])
        except ObjectDoesNotExist as exc:
            raise Http404 from exc
        return context


class DeletionView(VolunteerRequiredMixin, FormView):
    template_name = "operations/volunteer/delete_account.html"
    form_class = DeletionForm
    zone_nav = "data"

    def form_valid(self, form):
        from django.contrib.auth import logout

        from ..models import PrivacyRequestKind
        from ..services.privacy import privacy_request_submit

        try:
            privacy_request_submit(user=self.request.user, kind=PrivacyRequestKind.DELETION,
                                   details=form.cleaned_data["reason"],
                                   ip_address=self.request.META.get("REMOTE_ADDR") or None)
        except ValidationError as exc:
            add_service_errors(form, exc)
            return self.form_invalid(form)
        logout(self.request)
        messages.success(self.request, _("We received your request. Your account is closed and your data will be "
                                         "deleted within 30 days, except records the law requires us to keep."))
        return redirect("volunteer:login")


def _local_path(value: str) -> str:
    """`value` when it is a path on this site (never another host), else an empty string."""
    if value.startswith("/") and not value.startswith("//") and "\\" not in value and len(value) <= 2000:
        return value
    return ""


#: what the confirmation page shows of a shift besides its campaign: where it is and which team
SHIFT_PLACES = ("position__campaign", "position__venue", "position__team")


def _selected_shifts(request, *, related: tuple[str, ...] = SHIFT_PLACES) -> list[Shift]:
    ids = parse_ids(request.POST.getlist("shift") or request.GET.getlist("shift"), limit=MAX_SHIFTS_PER_REQUEST)
    return list(Shift.objects.filter(pk__in=ids).select_related(*related).order_by("date", "start_time"))


class SignupView(VolunteerRequiredMixin, View):
    """Shifts chosen on the recruitment page: GET shows them with any reason that blocks each one;
    POST with confirm=1 signs up for all of them (each accepted, waitlisted, applied or refused)."""

    def get(self, request):
        shifts = _selected_shifts(request)
        back = _local_path(request.GET.get("back", "")) or recruitment_page_url()
        if not shifts:
            messages.info(request, _("Choose one or more shifts first."))
            return redirect(back)
        return render(request, "operations/volunteer/signup_confirm.html", {
            **signup_confirmation(volunteer=self.volunteer, shifts=shifts),
            "volunteer": self.volunteer, "zone_nav": "shifts", "back": back, "submission_key": submission_key_new(),
        })

    def post(self, request):
        # the result names each shift and its position; the rule book reads the campaign
        shifts = _selected_shifts(request, related=("position__campaign",))
        if not shifts:
            messages.info(request, _("Choose one or more shifts first."))
            return redirect("volunteer:shifts")
        first: list = []

        def sign_up() -> list[dict]:
            first.extend(signup_create_many(volunteer=self.volunteer, shifts=shifts, actor=request.user, fresh=True))
            return [o.as_dict() for o in first]

        stored, repeated = submission_once(user=request.user, key=request.POST.get("submission_key", ""),
                                           purpose="signup", run=sign_up)
        if stored is None:
            messages.info(request, _("Your first request is still being processed. Look at My shifts in a moment."))
            return redirect("volunteer:shifts")
        outcomes = first if not repeated else _stored_outcomes(stored)
        return render(request, "operations/volunteer/signup_result.html",
                      {"outcomes": outcomes, "volunteer": self.volunteer, "zone_nav": "shifts", "repeated": repeated})


def _stored_outcomes(stored: list[dict]) -> list[SignupOutcome]:
    """The outcomes of the first POST with a key, for showing them again."""
    shifts = Shift.objects.in_bulk([o["shift"] for o in stored])
    signups = Signup.objects.in_bulk([o["signup"] for o in stored if o["signup"]])
    return [SignupOutcome(shifts[o["shift"]], signup=signups.get(o["signup"]), errors=o["errors"], note=o["note"],
                          status=o["status"]) for o in stored if o["shift"] in shifts]


class ConsentView(VolunteerRequiredMixin, FormView):
    template_name = "operations/volunteer/consent.html"
    form_class = ConsentForm
    zone_nav = "shifts"

    def dispatch(self, request, *args, **kwargs):
        # Special: the campaign is read before the volunteer check so that an unknown one is a 404 for all
        # (campaigns are public; the consent itself is the volunteer's own).
        try:
            self.campaign = consent_campaign(kwargs["campaign_id"])
        except ObjectDoesNotExist as exc:
            raise Http404 from exc
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["campaign"] = self.campaign
        context["next"] = self.request.GET.get("next", "")
        context["consent"] = GuardianConsent.objects.filter(volunteer=self.volunteer, campaign=self.campaign) \
            .exclude(file="").first()
        return context

    def form_valid(self, form):
        try:
            guardian_consent_upload(volunteer=self.volunteer, campaign=self.campaign, file=form.cleaned_data["file"],
                                    guardian_name=form.cleaned_data["guardian_name"], actor=self.request.user)
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
            return self.form_invalid(form)
        messages.success(self.request, _("The guardian's consent form is uploaded. You can sign up now."))
        return redirect(_local_path(self.request.POST.get("next", "")) or "volunteer:shifts")


class RosterUploadView(VolunteerRequiredMixin, FormView):
    """團體報名: choose shifts on the recruitment page, download the template, upload the filled roster."""

    template_name = "operations/volunteer/roster.html"
    form_class = RosterUploadForm
    zone_nav = "roster"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["shifts"] = _selected_shifts(self.request)
        context["columns"] = ROSTER_COLUMNS
        context["min_rows"] = settings.VOLUNTEER_ACCOUNTS["ROSTER_MIN_ROWS"]
        context["imports"] = RosterImport.objects.filter(created_by=self.request.user, team__isnull=True)[:10]
        return context

    def form_valid(self, form):
        shifts = _selected_shifts(self.request)
        if not shifts:
            form.add_error(None, _("Choose the shifts of the group on the recruitment page first."))
            return self.form_invalid(form)
        try:
            job = roster_import_start(user=self.request.user, shifts=shifts, file=form.cleaned_data["file"],
                                      language=get_language())
        except ValidationError as exc:
            form.add_error("file", exc.messages)
            return self.form_invalid(form)
        return redirect("volunteer:roster_status", pk=job.pk)


class RosterTemplateView(View):
    def get(self, request, fmt):
        if fmt not in ("xlsx", "ods", "csv"):
            raise Http404
        content, content_type = roster_template(fmt)
        response = HttpResponse(content, content_type=content_type)
        response["Content-Disposition"] = f'attachment; filename="group-roster-template.{fmt}"'
        return response


class RosterStatusView(VolunteerRequiredMixin, TemplateView):
    template_name = "operations/volunteer/roster_status.html"
    zone_nav = "roster"

    def get(self, request, *args, **kwargs):
        job = get_object_or_404(RosterImport, pk=kwargs["pk"], created_by=request.user, team__isnull=True)
        if request.GET.get("format") == "json":
            return JsonResponse({"status": job.status, "percent": job.percent, "processed": job.processed_rows,
                                 "total": job.total_rows, "finished": job.finished_at is not None})
        self.job = job
        return super().get(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["job"] = self.job
        return context

