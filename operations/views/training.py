"""Training (教育訓練) pages: the back-office module (courses, sessions with roster, attendance and
completion, certificates, imports, requirements, who is not yet trained) and the volunteer's side (my
training, certificates to download, the public course page, enrolment)."""
from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View
from django.views.generic import FormView, TemplateView
from django_filters.views import FilterView
from volunteer_site.params import parse_ids

from ..exports import CONTENT_TYPES
from ..filters.training import CertificateFilter, CourseFilter
from ..forms.training import (
    CertificateForm,
    CertificateImportForm,
    CompleteForm,
    CourseForm,
    EnrolForm,
    GapForm,
    RequirementForm,
    SessionForm,
)
from ..models import (
    Course,
    Enrolment,
    EnrolmentStatus,
    Membership,
    TrainingCertificate,
    TrainingSession,
    UnitCategory,
    Volunteer,
)
from ..pdf import CJKFontMissing, training_certificate_pdf, training_sheet_pdf
from ..roles import UNIT_MANAGERS
from ..selectors import training as sel
from ..selectors.people import volunteer_detail
from ..selectors.recruitment import campaign_detail, position_detail
from ..selectors.volunteer_zone import volunteer_for_user
from ..services import training as svc
from ..tables.training import CertificateTable, CourseTable, GapTable
from .attendance import qr_svg_response
from .base import (
    ImportJobStartMixin,
    ImportJobStatusMixin,
    SingleTableMixin,
    StaffRequiredMixin,
    add_service_errors,
    client_ip,
    saved_by_service,
    scoped_or_404,
)
from .exports import ExportMixin, table_export_response
from .volunteer_zone import VolunteerRequiredMixin

MODULE = "training"


class TrainingNavMixin:
    subnav = "courses"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        context.update(training_subnav=self.subnav, can_manage_courses=user.has_perm("operations.course.change"),
                       can_record_certificates=user.has_perm("operations.trainingcertificate.change"))
        return context


def _pdf_response(certificate) -> HttpResponse:
    try:
        pdf = training_certificate_pdf(certificate=certificate)
    except CJKFontMissing as exc:
        return HttpResponse(str(exc), status=503, content_type="text/plain; charset=utf-8")
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="certificate-{certificate.pk}.pdf"'
    response["Cache-Control"] = "no-store"
    return response


# --- Courses -----------------------------------------------------------------------------------------

class CourseListView(TrainingNavMixin, StaffRequiredMixin, ExportMixin, SingleTableMixin, FilterView):
    """The catalogue: courses organised in the user's part of the tree and those offered from above."""

    template_name = "operations/training/course_list.html"
    module = MODULE
    role_permission = "operations.course.view"
    filterset_class = CourseFilter
    table_class = CourseTable
    paginate_by = 25
    export_name = "courses"
    export_title = gettext_lazy("Courses")

    def get_queryset(self):
        return sel.course_list(self.request.user)


class CourseCreateView(TrainingNavMixin, StaffRequiredMixin, FormView):
    template_name = "operations/training/course_form.html"
    module = MODULE
    role_permission = "operations.course.change"
    form_class = CourseForm

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs["organisers"] = sel.managed_nodes(self.request.user)
        return kwargs

    def form_valid(self, form):
        return saved_by_service(
            self, form, lambda: svc.course_create(actor=self.request.user, organiser=form.cleaned_data["organiser"],
                                                  **form.service_data()),
            success=_("The course has been saved."),
            redirect_to=lambda course: reverse("operations:course_detail", args=[course.pk]))


class CourseEditView(TrainingNavMixin, StaffRequiredMixin, FormView):
    template_name = "operations/training/course_form.html"
    module = MODULE
    form_class = CourseForm
    object_selector = sel.managed_course_detail
    object_name = "course"
    permission = "operations.course.change"

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs.update(instance=Course.objects.get(pk=self.course.pk), editing=True)
        return kwargs

    def form_valid(self, form):
        return saved_by_service(
            self, form, lambda: svc.course_update(actor=self.request.user, course=self.course, **form.service_data()),
            success=_("The course has been saved."),
            redirect_to=reverse("operations:course_detail", args=[self.course.pk]))


class CourseDetailView(TrainingNavMixin, StaffRequiredMixin, TemplateView):
    template_name = "operations/training/course_detail.html"
    module = MODULE
    object_selector = sel.course_detail
    object_name = "course"
    permission = "operations.course.view"

    def has_permission(self, user, obj) -> bool:
        return user.has_perm(self.permission)  # offered down the tree: reading it needs the verb somewhere

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        context.update(sessions=sel.sessions_of_course(user, self.course),
                       can_change=user.has_perm("operations.course.change", self.course),
                       can_hold=user.has_perm("operations.trainingsession.change"))
        return context


# --- Sessions ----------------------------------------------------------------------------------------

class SessionCreateView(TrainingNavMixin, StaffRequiredMixin, FormView):
    template_name = "operations/training/session_form.html"
    module = MODULE
    role_permission = "operations.trainingsession.change"
    form_class = SessionForm
    object_selector = sel.course_detail
    object_name = "course"

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs["hosts"] = sel.managed_nodes(self.request.user)
        return kwargs

    def form_valid(self, form):
        return saved_by_service(
            self, form, lambda: svc.session_create(actor=self.request.user, course=self.course,
                                                   host=form.cleaned_data["host"], **form.service_data()),
            success=_("The session has been saved."), refusals=(ValidationError, PermissionDenied),
            redirect_to=lambda session: reverse("operations:session_detail", args=[session.pk]))


class SessionEditView(TrainingNavMixin, StaffRequiredMixin, FormView):
    template_name = "operations/training/session_form.html"
    module = MODULE
    form_class = SessionForm
    object_selector = sel.session_detail
    object_name = "session"
    permission = "operations.trainingsession.change"

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs.update(instance=TrainingSession.objects.get(pk=self.session.pk), editing=True)
        return kwargs

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["course"] = self.session.course
        return context

    def form_valid(self, form):
        return saved_by_service(
            self, form, lambda: svc.session_update(actor=self.request.user, session=self.session,
                                                   **form.service_data()),
            success=_("The session has been saved."),
            redirect_to=reverse("operations:session_detail", args=[self.session.pk]))


class SessionDetailView(TrainingNavMixin, StaffRequiredMixin, TemplateView):
    """The roster: enrolled and waiting people, attendance ticks and completion (certificates)."""

    template_name = "operations/training/session_detail.html"
    module = MODULE
    object_selector = sel.session_detail
    object_name = "session"
    permission = "operations.trainingsession.view"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        roster = sel.session_roster(self.session)
        context.update(
            course=self.session.course, roster=roster,
            enrolled=[e for e in roster if e.status == EnrolmentStatus.ENROLLED],
            waiting=[e for e in roster if e.status == EnrolmentStatus.WAITLISTED],
            can_change=self.request.user.has_perm("operations.trainingsession.change", self.session),
            complete_form=kwargs.get("complete_form") or CompleteForm(session=self.session),
        )
        return context


class SessionSheetPdfView(StaffRequiredMixin, View):
    """The printable sign-in sheet of the session (text PDF, Chinese font embedded)."""

    object_selector = sel.session_detail
    object_name = "session"
    permission = "operations.trainingsession.view"

    def get(self, request, pk):
        roster = [e for e in sel.session_roster(self.session) if e.status == EnrolmentStatus.ENROLLED]
        try:
            pdf = training_sheet_pdf(session=self.session, roster=roster, printed_by=str(request.user))
        except CJKFontMissing as exc:
            return HttpResponse(str(exc), status=503, content_type="text/plain; charset=utf-8")
        response = HttpResponse(pdf, content_type="application/pdf")
        response["Content-Disposition"] = f'inline; filename="training-sheet-{self.session.date:%Y%m%d}-{pk}.pdf"'
        response["Cache-Control"] = "no-store"
        return response


class SessionQrSvgView(StaffRequiredMixin, View):
    """The session's QR code (SVG, made on our server): volunteers scan it in the room to be marked present."""

    object_selector = sel.session_detail
    object_name = "session"
    permission = "operations.trainingsession.view"

    def get(self, request, pk):
        token = svc.session_qr_token(session=self.session)
        return qr_svg_response(request.build_absolute_uri(reverse("volunteer:training_checkin", args=[token])))


class SessionAttendanceView(StaffRequiredMixin, View):
    """POST: the ticked list (present = ticked enrolments; the others of the list absent)."""

    object_selector = sel.session_detail
    object_name = "session"
    permission = "operations.trainingsession.change"

    def get(self, request, pk):
        return redirect("operations:session_detail", pk=pk)

    def post(self, request, pk):
        listed = set(parse_ids(request.POST.getlist("listed")))
        present = set(parse_ids(request.POST.getlist("present"))) & listed
        try:
            changed = svc.attendance_record(actor=request.user, session=self.session, present=present,
                                            absent=listed - present)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("Attendance saved (%(n)s changed).") % {"n": changed})
        return redirect("operations:session_detail", pk=pk)


class SessionCompleteView(StaffRequiredMixin, View):
    """POST: issue certificates to everybody present who has none yet."""

    object_selector = sel.session_detail
    object_name = "session"
    permission = "operations.trainingsession.change"

    def get(self, request, pk):
        return redirect("operations:session_detail", pk=pk)

    def post(self, request, pk):
        form = CompleteForm(request.POST, session=self.session)
        if not form.is_valid():
            messages.error(request, _("Give the completion date."))
            return redirect("operations:session_detail", pk=pk)
        try:
            issued = svc.session_complete(actor=request.user, session=self.session,
                                          completed_on=form.cleaned_data["completed_on"])
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("%(n)s certificates issued.") % {"n": len(issued)})
        return redirect("operations:session_detail", pk=pk)


class SessionEnrolView(TrainingNavMixin, StaffRequiredMixin, FormView):
    """Staff enrol people in bulk: current members of the host's teams, in the user's scope."""

    template_name = "operations/training/session_enrol.html"
    module = MODULE
    form_class = EnrolForm
    object_selector = sel.session_detail
    object_name = "session"
    permission = "operations.trainingsession.change"

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        host = self.session.host
        members = Membership.objects.current().filter(team__path__startswith=host.path).values("volunteer")
        already = Enrolment.objects.filter(session=self.session).exclude(
            status=EnrolmentStatus.CANCELLED).values("volunteer")
        kwargs["volunteers"] = Volunteer.objects.visible_to(self.request.user, roles=UNIT_MANAGERS).filter(
            pk__in=members).exclude(pk__in=already).order_by("name", "pk")[:500]
        return kwargs

    def get_form(self, form_class=None):
        form = super().get_form(form_class)
        field = form.fields["volunteers"]
        field.queryset = Volunteer.objects.filter(pk__in=[v.pk for v in field.queryset]).order_by("name", "pk")
        return form

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["course"] = self.session.course
        return context

    def form_valid(self, form):
        try:
            counts = svc.enrolments_create_many(actor=self.request.user, session=self.session,
                                                volunteers=list(form.cleaned_data["volunteers"]))
        except (ValidationError, PermissionDenied) as exc:
            form.add_error(None, str(exc) if isinstance(exc, PermissionDenied) else exc)
            return self.form_invalid(form)
        messages.success(self.request, _("%(enrolled)s enrolled, %(waiting)s on the waitlist.") % {
            "enrolled": counts[EnrolmentStatus.ENROLLED], "waiting": counts[EnrolmentStatus.WAITLISTED]})
        return redirect("operations:session_detail", pk=self.session.pk)


def _enrolment_detail(user, pk):
    return Enrolment.objects.visible_to(user).select_related("session", "volunteer").get(pk=pk)


class EnrolmentCancelView(StaffRequiredMixin, View):
    object_selector = _enrolment_detail
    object_name = "enrolment"
    permission = "operations.trainingsession.change"

    def get_permission_object(self):
        return self.enrolment.session

    def get(self, request, pk):
        return redirect("operations:session_detail", pk=self.enrolment.session_id)

    def post(self, request, pk):
        try:
            svc.enrolment_cancel(enrolment=self.enrolment, actor=request.user)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("The enrolment has been cancelled."))
        return redirect("operations:session_detail", pk=self.enrolment.session_id)


# --- Certificates ------------------------------------------------------------------------------------

class CertificateListView(TrainingNavMixin, StaffRequiredMixin, ExportMixin, SingleTableMixin, FilterView):
    template_name = "operations/training/certificate_list.html"
    module = MODULE
    subnav = "certificates"
    role_permission = "operations.trainingcertificate.view"
    filterset_class = CertificateFilter
    table_class = CertificateTable
    paginate_by = 25
    export_name = "training-certificates"
    export_title = gettext_lazy("Training certificates")

    def get_queryset(self):
        return sel.certificate_list(self.request.user)


class VolunteerTrainingView(TrainingNavMixin, StaffRequiredMixin, TemplateView):
    """A volunteer's training record in the back-office: certificates, sessions, trained categories."""

    template_name = "operations/training/volunteer_training.html"
    module = MODULE
    subnav = "certificates"
    object_selector = volunteer_detail
    object_name = "volunteer"
    permission = "operations.volunteer.view"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(record=sel.training_record(self.volunteer),
                       can_add=self.request.user.has_perm("operations.trainingcertificate.change"))
        return context


class CertificateCreateView(TrainingNavMixin, StaffRequiredMixin, FormView):
    template_name = "operations/training/certificate_form.html"
    module = MODULE
    subnav = "certificates"
    form_class = CertificateForm
    role_permission = "operations.trainingcertificate.change"
    object_selector = volunteer_detail
    object_name = "volunteer"

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs["courses"] = sel.course_list(self.request.user)
        return kwargs

    def form_valid(self, form):
        try:
            svc.certificate_create(actor=self.request.user, volunteer=self.volunteer, **form.cleaned_data)
        except (ValidationError, PermissionDenied) as exc:
            add_service_errors(form, ValidationError(str(exc)) if isinstance(exc, PermissionDenied) else exc)
            return self.form_invalid(form)
        messages.success(self.request, _("The certificate has been recorded."))
        return redirect("operations:volunteer_training", pk=self.volunteer.pk)


def _certificate_detail(user, pk):
    return sel.certificate_list(user).select_related("organiser").get(pk=pk)


class CertificatePdfView(StaffRequiredMixin, View):
    object_selector = _certificate_detail
    object_name = "certificate"
    permission = "operations.trainingcertificate.view"

    def get(self, request, pk):
        return _pdf_response(self.certificate)


class CertificateImportView(TrainingNavMixin, ImportJobStartMixin, StaffRequiredMixin, FormView):
    """Certificates earned elsewhere, from a file: every row checked, all or nothing."""

    template_name = "operations/training/certificate_import.html"
    module = MODULE
    subnav = "import"
    form_class = CertificateImportForm
    role_permission = "operations.trainingcertificate.change"
    start_job = staticmethod(svc.certificates_import_start)
    status_url_name = "operations:certificate_import_status"

    def get_context_data(self, **kwargs):
        return super().get_context_data(imports=sel.certificate_imports(self.request.user), **kwargs)



class CertificateImportStatusView(TrainingNavMixin, ImportJobStatusMixin, StaffRequiredMixin, TemplateView):
    """Progress of one's own certificate import (polled as JSON), then its result or every row's problems."""

    template_name = "operations/training/certificate_import_status.html"
    module = MODULE
    subnav = "import"
    object_selector = sel.certificate_import_detail
    role_permission = "operations.trainingcertificate.change"


class CertificateTemplateView(StaffRequiredMixin, View):
    role_permission = "operations.trainingcertificate.change"

    def get(self, request, fmt):
        if fmt not in CONTENT_TYPES:
            raise Http404
        body, content_type = svc.certificate_template(fmt)
        response = HttpResponse(body, content_type=content_type)
        response["Content-Disposition"] = f'attachment; filename="training-certificates-template.{fmt}"'
        return response


# --- Who is not yet trained for what ------------------------------------------------------------------

class GapListView(TrainingNavMixin, StaffRequiredMixin, TemplateView):
    """Per unit: current members lacking basic, a category's special training or a course; exportable."""

    template_name = "operations/training/gap_list.html"
    module = MODULE
    subnav = "gaps"
    role_permission = "operations.trainingcertificate.view"

    def get_form(self):
        units = sel.training_units(self.request.user)
        data = self.request.GET if "unit" in self.request.GET else None
        return GapForm(data, units=units, courses=sel.course_list(self.request.user),
                       initial={"category": UnitCategory.SOCIAL_WELFARE})

    def rows(self, form):
        data = form.cleaned_data
        return sel.untrained_members(self.request.user, unit=data["unit"], category=data["category"],
                                     course=data.get("course"))

    def get(self, request, *args, fmt=None, **kwargs):
        form = self.get_form()
        valid = form.is_bound and form.is_valid()
        if fmt is not None:
            if fmt not in CONTENT_TYPES:
                raise Http404
            if not valid:
                messages.error(request, _("Choose a unit first; nothing was exported."))
                return redirect("operations:training_gaps")
            table = GapTable(self.rows(form), with_course=bool(form.cleaned_data.get("course")))
            values = table.as_values()
            headers = [str(h) for h in next(values)]
            return table_export_response(user=request.user, what="training-gaps", headers=headers, rows=values,
                                         count=self.rows(form).count(), fmt=fmt, ip_address=client_ip(request),
                                         title=str(_("Not yet trained")))
        table = None
        if valid:
            table = GapTable(self.rows(form), with_course=bool(form.cleaned_data.get("course")))
            from .base import BoundedRequestConfig

            BoundedRequestConfig(request, paginate={"per_page": 50}).configure(table)
        return self.render_to_response(self.get_context_data(form=form, table=table,
                                                             querystring=request.GET.urlencode()))


# --- What a campaign or a position requires -----------------------------------------------------------

class _RequirementView(TrainingNavMixin, StaffRequiredMixin, FormView):
    """What a campaign or a position requires: the subclass's `object_name` ("campaign" or "position")
    names the object, the service's keyword and the detail page to go back to."""

    template_name = "operations/training/requirement_form.html"
    module = "recruitment"
    form_class = RequirementForm

    def target(self) -> dict:
        return {self.object_name: getattr(self, self.object_name)}

    def back_url(self):
        return reverse(f"operations:{self.object_name}_detail", args=[getattr(self, self.object_name).pk])

    def get_initial(self):
        requirement = sel.requirement_of(**self.target())
        if requirement is None:
            return {}
        return {"category": requirement.category, "courses": list(requirement.courses.all())}

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs["courses"] = sel.course_list(self.request.user).filter(is_active=True)
        return kwargs

    def form_valid(self, form):
        return saved_by_service(
            self, form, lambda: svc.requirement_set(actor=self.request.user, category=form.cleaned_data["category"],
                                                    courses=form.cleaned_data["courses"], **self.target()),
            success=_("The training requirement has been saved."), redirect_to=self.back_url())


class CampaignRequirementView(_RequirementView):
    object_selector = campaign_detail
    object_name = "campaign"
    permission = "operations.campaign.change"


class PositionRequirementView(_RequirementView):
    object_selector = position_detail
    object_name = "position"
    permission = "operations.position.change"


# --- The volunteer's side -----------------------------------------------------------------------------

class MyTrainingView(VolunteerRequiredMixin, TemplateView):
    template_name = "operations/training/my_training.html"
    zone_nav = "training"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(record=sel.training_record(self.volunteer),
                       sessions=sel.open_sessions()[:20], mine=sel.my_enrolments(self.volunteer))
        return context


class MyCertificatePdfView(VolunteerRequiredMixin, View):
    def get(self, request, pk):
        try:
            certificate = sel.certificate_of_volunteer(self.volunteer, pk)
        except TrainingCertificate.DoesNotExist as exc:
            raise Http404 from exc
        return _pdf_response(certificate)


class PublicSessionListView(TemplateView):
    """The public course page: open sessions anybody may read; enrolling needs the volunteer's log-in."""

    template_name = "operations/training/public_sessions.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        volunteer = volunteer_for_user(self.request.user) if self.request.user.is_authenticated else None
        context.update(sessions=sel.open_sessions()[:100],
                       mine=sel.my_enrolments(volunteer) if volunteer else {}, volunteer=volunteer)
        return context


class PublicSessionDetailView(TemplateView):
    template_name = "operations/training/public_session.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        session = scoped_or_404(sel.public_session, kwargs["pk"])
        volunteer = volunteer_for_user(self.request.user) if self.request.user.is_authenticated else None
        context.update(session=session, course=session.course, volunteer=volunteer,
                       mine=sel.my_enrolments(volunteer).get(session.pk) if volunteer else None,
                       closed=svc.enrolment_window_errors(session))
        return context


class EnrolView(VolunteerRequiredMixin, View):
    """POST: enrol in a public session (a seat, or the waitlist when full); a repeat changes nothing."""

    def get(self, request, pk):
        return redirect("volunteer:training_session", pk=pk)

    def post(self, request, pk):
        session = scoped_or_404(sel.public_session, pk)
        try:
            enrolment = svc.enrolment_create(volunteer=self.volunteer, session=session, actor=request.user)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
            return redirect("volunteer:training_session", pk=pk)
        if enrolment.status == EnrolmentStatus.WAITLISTED:
            messages.success(request, _("The session is full: you are on its waitlist."))
        else:
            messages.success(request, _("You are enrolled."))
        return redirect("volunteer:training")


class TrainingCheckinView(VolunteerRequiredMixin, View):
    """What the session's QR code opens: GET asks to confirm, POST marks the volunteer present."""

    template_name = "operations/training/checkin.html"

    def get(self, request, token):
        return render(request, self.template_name, {"volunteer": self.volunteer, "zone_nav": "training"})

    def post(self, request, token):
        try:
            enrolment = svc.enrolment_self_check_in(volunteer=self.volunteer, token=token)
        except ValidationError as exc:
            return render(request, self.template_name, {"volunteer": self.volunteer, "zone_nav": "training",
                                                        "error": " ".join(exc.messages)}, status=400)
        return render(request, self.template_name, {"volunteer": self.volunteer, "zone_nav": "training",
                                                    "done": enrolment})


class MyEnrolmentCancelView(VolunteerRequiredMixin, View):
    def get(self, request, pk):
        return redirect("volunteer:training")

    def post(self, request, pk):
        enrolment = Enrolment.objects.filter(pk=pk, volunteer=self.volunteer).first()
        if enrolment is None:
            raise Http404
        try:
            svc.enrolment_cancel(enrolment=enrolment, actor=request.user, by_volunteer=self.volunteer)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("Your enrolment has been cancelled."))
        return redirect("volunteer:training")

