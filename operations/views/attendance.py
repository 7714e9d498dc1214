"""Attendance views (差勤): the day's shifts, a shift's day sheet (tick names, QR code, PDF), leader
mode, staff corrections, the per-venue live view, service records, and the volunteer's check-in
confirmation and personal QR code."""
from __future__ import annotations

import io

import segno
from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View
from django.views.generic import TemplateView
from django_filters.views import FilterView
from volunteer_site.params import parse_id, parse_ids

from ..filters.attendance import AttendanceShiftFilter, ServiceRecordFilter
from ..forms.attendance import CorrectionForm
from ..models import AttendanceMethod, Signup
from ..pdf import CJKFontMissing, day_sheet_pdf
from ..selectors import attendance as att_sel
from ..selectors.recruitment import shift_detail
from ..services.attendance import (
    attendance_correct,
    attendance_mark_no_show,
    attendance_record,
    attendance_self_check,
    attendance_sheet_submit,
    shift_from_token,
    shift_qr_renew,
    shift_qr_token,
    volunteer_from_token,
    volunteer_qr_token,
)
from ..tables.attendance import AttendanceShiftTable, ServiceRecordTable
from .base import SingleTableMixin, StaffRequiredMixin, add_service_errors, scoped_or_404
from .exports import ExportMixin


def qr_svg_response(url: str) -> HttpResponse:
    buffer = io.BytesIO()
    segno.make(url, error="m").save(buffer, kind="svg", scale=8, border=2, title=url[:60])
    response = HttpResponse(buffer.getvalue(), content_type="image/svg+xml")
    response["Cache-Control"] = "no-store"
    return response


class AttendanceShiftListView(StaffRequiredMixin, ExportMixin, SingleTableMixin, FilterView):
    paginate_by = 25
    module = "attendance"
    filterset_class = AttendanceShiftFilter
    table_class = AttendanceShiftTable
    export_name = "attendance"
    template_name = "operations/attendance/shift_list.html"

    def get_queryset(self):
        return att_sel.attendance_shift_list(self.request.user)

    def get_filterset_kwargs(self, filterset_class):
        kwargs = super().get_filterset_kwargs(filterset_class)
        kwargs["venue_queryset"] = att_sel.venue_choices(self.request.user)
        if not kwargs["data"]:
            kwargs["data"] = {"date": timezone.localdate().isoformat()}
        return kwargs

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["venues"] = att_sel.venue_choices(self.request.user)
        return context


class ShiftAttendanceMixin(StaffRequiredMixin):
    module = "attendance"

    object_selector = shift_detail
    object_name = "shift"
    permission = "operations.shift.take_attendance"


class DaySheetView(ShiftAttendanceMixin, TemplateView):
    """The day sheet on screen: tick who is here or did not come; check out; correct; print; the QR code."""

    template_name = "operations/attendance/day_sheet.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(
            shift=self.shift, roster=att_sel.shift_roster(self.shift),
            qr_url=self.request.build_absolute_uri(
                reverse("operations:checkin", args=[shift_qr_token(shift=self.shift)])),
            can_correct=self.request.user.has_perm("operations.attendance.correct", self.shift),
            can_renew=self.request.user.has_perm("operations.shift.change", self.shift),
        )
        return context

    def post(self, request, *args, **kwargs):
        def picked(name):
            ids = parse_ids(request.POST.getlist(name))
            return list(Signup.objects.filter(shift=self.shift, pk__in=ids).select_related("volunteer"))

        action = request.POST.get("action", "sheet")
        try:
            if action == "sheet":
                present, no_show = picked("present"), picked("no_show")
                if not present and not no_show:
                    raise ValidationError(_("Tick at least one name."))
                result = attendance_sheet_submit(actor=request.user, shift=self.shift, present=present, no_show=no_show)
                messages.success(request, _("Saved: %(present)s checked in, %(no_show)s no-shows.") % result)
            elif action in ("in", "out"):
                signup = picked("signup")
                if not signup:
                    raise Http404
                attendance_record(actor=request.user, signup=signup[0], action=action, method=AttendanceMethod.SHEET)
                messages.success(request, (_("%(name)s checked in.") if action == "in" else _("%(name)s checked out."))
                                 % {"name": signup[0].volunteer.name})
            elif action == "renew_qr":
                shift_qr_renew(actor=request.user, shift=self.shift)
                messages.success(request, _("A new QR code has been made; print it again. Old copies no longer work."))
            else:
                return HttpResponse(_("Unknown action."), status=400, content_type="text/plain; charset=utf-8")
        except ValidationError as exc:
            for message in exc.messages:
                messages.error(request, message)
        return redirect("operations:attendance_shift", pk=self.shift.pk)


class ShiftQrSvgView(ShiftAttendanceMixin, View):
    def get(self, request, *args, **kwargs):
        url = request.build_absolute_uri(reverse("operations:checkin", args=[shift_qr_token(shift=self.shift)]))
        return qr_svg_response(url)


class ShiftQrPosterView(ShiftAttendanceMixin, TemplateView):
    """A page to print and post at the venue: the QR code with the shift's details."""

    template_name = "operations/attendance/qr_poster.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["shift"] = self.shift
        return context


class DaySheetPdfView(ShiftAttendanceMixin, View):
    def get(self, request, *args, **kwargs):
        try:
            pdf = day_sheet_pdf(shift=self.shift, roster=att_sel.shift_roster(self.shift), printed_by=str(request.user))
        except CJKFontMissing as exc:
            return HttpResponse(str(exc), status=503, content_type="text/plain; charset=utf-8")
        response = HttpResponse(pdf, content_type="application/pdf")
        response["Content-Disposition"] = f'inline; filename="day-sheet-{self.shift.date:%Y%m%d}-{self.shift.pk}.pdf"'
        response["Cache-Control"] = "no-store"
        return response


class AttendanceCorrectView(StaffRequiredMixin, TemplateView):
    module = "attendance"
    template_name = "operations/attendance/correct.html"

    object_selector = shift_detail
    object_name = "shift"
    permission = "operations.attendance.correct"

    def load_objects(self):
        super().load_objects()
        self.signup = scoped_or_404(att_sel.signup_for_attendance, self.request.user, self.shift, self.kwargs["signup"])

    def get_form(self, data=None):
        att = getattr(self.signup, "attendance", None)
        record = getattr(att, "service_record", None) if att else None
        initial = {
            "check_in_at": timezone.localtime(att.check_in_at) if att and att.check_in_at else None,
            "check_out_at": timezone.localtime(att.check_out_at) if att and att.check_out_at else None,
            "people_served": record.people_served if record else 0,
        }
        return CorrectionForm(data, initial=initial)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(shift=self.shift, signup=self.signup, form=kwargs.get("form") or self.get_form())
        return context

    def post(self, request, *args, **kwargs):
        if request.POST.get("action") == "no_show":
            try:
                attendance_mark_no_show(actor=request.user, signup=self.signup)
            except ValidationError as exc:
                for message in exc.messages:
                    messages.error(request, message)
            else:
                messages.success(request, _("%(name)s has been marked as a no-show.") % {"name": self.signup.volunteer.name})
            return redirect("operations:attendance_shift", pk=self.shift.pk)
        form = self.get_form(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                attendance_correct(actor=request.user, signup=self.signup, check_in_at=data["check_in_at"],
                                   check_out_at=data["check_out_at"], reason=data["reason"] or "",
                                   people_served=data["people_served"])
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, _("The times of %(name)s have been saved (recorded in the audit log).")
                                 % {"name": self.signup.volunteer.name})
                return redirect("operations:attendance_shift", pk=self.shift.pk)
        return self.render_to_response(self.get_context_data(form=form), status=400)


class LeaderScanView(StaffRequiredMixin, TemplateView):
    """Leader mode: the leader's phone opens the link in a volunteer's personal QR code and sees that
    volunteer's shifts of today in the leader's scope, each with a check-in or check-out button."""

    module = "attendance"
    template_name = "operations/attendance/leader_scan.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        try:
            volunteer = volunteer_from_token(token=kwargs["token"])
        except ValidationError as exc:
            context["error"] = " ".join(exc.messages)
            return context
        signups = list(att_sel.todays_shifts_for_volunteer(user=self.request.user, volunteer=volunteer))
        attendances = {a.signup_id: a for a in volunteer.attendances.filter(signup__in=signups)}
        for signup in signups:
            signup.att = attendances.get(signup.pk)
        context.update(volunteer=volunteer, signups=signups)
        return context

    def render_to_response(self, context, **kwargs):
        if context.get("error"):
            kwargs["status"] = 400
        return super().render_to_response(context, **kwargs)

    def post(self, request, *args, **kwargs):
        try:
            volunteer = volunteer_from_token(token=kwargs["token"])
        except ValidationError as exc:
            for message in exc.messages:
                messages.error(request, message)
            return redirect("operations:attendance_list")
        signup = att_sel.todays_shifts_for_volunteer(user=request.user, volunteer=volunteer).filter(
            pk=parse_id(request.POST.get("signup"))).first()
        if signup is None:
            raise Http404
        action = request.POST.get("action")
        try:
            attendance_record(actor=request.user, signup=signup, action=action, method=AttendanceMethod.LEADER)
        except ValidationError as exc:
            for message in exc.messages:
                messages.error(request, message)
        else:
            messages.success(request, (_("%(name)s checked in.") if action == "in" else _("%(name)s checked out."))
                             % {"name": volunteer.name})
        return redirect(request.path)


class VenueLiveView(StaffRequiredMixin, TemplateView):
    """Event-day view of one venue: expected now, checked in, missing, free seats (refreshes itself)."""

    module = "attendance"
    template_name = "operations/attendance/venue_live.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        venue = att_sel.venue_choices(self.request.user).filter(pk=kwargs["pk"]).first()
        if venue is None:
            raise Http404
        rows = att_sel.venue_live(user=self.request.user, venue=venue)
        now_rows = [r for r in rows if r.is_now]
        context.update(
            venue=venue, rows=rows, now=timezone.localtime(),
            totals={
                "expected": sum(r.expected for r in now_rows), "checked_in": sum(r.checked_in for r in now_rows),
                "missing": sum(len(r.missing) for r in now_rows), "free": sum(r.free_seats for r in now_rows),
            },
        )
        return context

    def get(self, request, *args, **kwargs):
        response = super().get(request, *args, **kwargs)
        if request.GET.get("partial"):
            response.template_name = "operations/attendance/_venue_live_body.html"
        response["Cache-Control"] = "no-store"
        return response


class ServiceRecordListView(StaffRequiredMixin, ExportMixin, SingleTableMixin, FilterView):
    paginate_by = 25
    module = "attendance"
    filterset_class = ServiceRecordFilter
    table_class = ServiceRecordTable
    export_name = "service-records"
    export_title = gettext_lazy("Service records")
    template_name = "operations/attendance/record_list.html"

    def get_queryset(self):
        return att_sel.service_record_list(self.request.user)


# --- the volunteer's side --------------------------------------------------------------------------

class VolunteerRequiredMixin(LoginRequiredMixin):
    """A logged-in user with a volunteer profile (the volunteer zone's account)."""

    def dispatch(self, request, *args, **kwargs):
        # Special: the volunteer's side of check-in (no back-office role needed): a signed-in account that is
        # not a volunteer's is refused with a message that says which account to use.
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        if getattr(request.user, "volunteer", None) is None:
            raise PermissionDenied(_("Log in with your volunteer account to check in."))
        return super().dispatch(request, *args, **kwargs)

    def get_login_url(self):
        from django.urls import NoReverseMatch

        for name in ("volunteer:login", "operations:login"):
            try:
                return reverse(name)
            except NoReverseMatch:
                continue
        return super().get_login_url()


class CheckinConfirmView(VolunteerRequiredMixin, TemplateView):
    """What the venue QR code opens on the volunteer's phone: confirm check-in (or check-out)."""

    template_name = "operations/attendance/checkin.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        volunteer = self.request.user.volunteer
        try:
            shift = shift_from_token(token=kwargs["token"])
        except ValidationError as exc:
            context["error"] = " ".join(exc.messages)
            return context
        signup = Signup.objects.filter(volunteer=volunteer, shift=shift, status="accepted").first()
        att = getattr(signup, "attendance", None) if signup else None
        context.update(shift=shift, signup=signup, att=att, volunteer=volunteer,
                       next_action="out" if att and att.check_in_at and not att.check_out_at else "in",
                       done=bool(att and att.check_out_at))
        return context

    def render_to_response(self, context, **kwargs):
        if context.get("error"):
            kwargs["status"] = 400
        return super().render_to_response(context, **kwargs)

    def post(self, request, *args, **kwargs):
        action = request.POST.get("action")
        if action not in ("in", "out"):
            return HttpResponse(_("Unknown action."), status=400, content_type="text/plain; charset=utf-8")
        try:
            attendance = attendance_self_check(user=request.user, token=kwargs["token"], action=action)
        except ValidationError as exc:
            context = self.get_context_data(**kwargs)
            context["action_errors"] = exc.messages
            return self.render_to_response(context, status=400)
        when = timezone.localtime(attendance.check_in_at if action == "in" else attendance.check_out_at)
        messages.success(request, (_("Checked in at %(time)s. Thank you!") if action == "in"
                                   else _("Checked out at %(time)s. Thank you for your service!")) % {"time": f"{when:%H:%M}"})
        return redirect(request.path)


class MyQrView(VolunteerRequiredMixin, TemplateView):
    """The volunteer's personal QR code for leader mode (valid for 10 minutes; the page renews it)."""

    template_name = "operations/attendance/my_qr.html"


class MyQrSvgView(VolunteerRequiredMixin, View):
    def get(self, request, *args, **kwargs):
        token = volunteer_qr_token(volunteer=request.user.volunteer)
        return qr_svg_response(request.build_absolute_uri(reverse("operations:leader_scan", args=[token])))

