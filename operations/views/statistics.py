"""Statistics (各項統計分析, module 10): one page per question with a chart written on the server, the data
table under it and the same data as CSV, XLSX or ODS. Thin: parse the filters, call one selector, render."""
from __future__ import annotations

import hashlib
from decimal import Decimal

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View
from django.views.generic import TemplateView

from ..charts import Series, bar_chart, line_chart
from ..exports import CONTENT_TYPES, spreadsheet_response
from ..filters.statistics import NationalExportForm, RecruitmentForm, StatisticsForm
from ..scoping import scope_paths
from ..selectors import national_export as national
from ..selectors import statistics as selectors
from ..services import national_export as national_services
from .base import StaffRequiredMixin, client_ip
from .exports import table_export_response

VIEW = "operations.orgnode.view_statistics"
DEFAULT_CAMPAIGN = "wmg-2025"  # the event the recruitment pages open on, when the user sees it


class Question:
    def __init__(self, slug, title, compute, *, recruitment=False, grouping=False):
        self.slug, self.title, self.compute = slug, title, compute
        self.recruitment, self.grouping = recruitment, grouping

    @property
    def url_name(self) -> str:
        return f"statistics_{self.slug.replace('-', '_')}"


def _campaign_figure(compute, with_by):
    def run(scope, data):
        campaign = data.get("campaign")
        return compute(scope, campaign, data.get("by") or "city") if with_by else compute(scope, campaign)
    return run


QUESTIONS = [
    Question("sex-age", gettext_lazy("Volunteers by sex and age band"),
             lambda scope, data: selectors.volunteers_by_sex_age(scope)),
    Question("categories", gettext_lazy("Volunteers by service category"),
             lambda scope, data: selectors.volunteers_by_category(scope)),
    Question("hours", gettext_lazy("Service hours by month and category"),
             lambda scope, data: selectors.hours_by_month(scope)),
    Question("joining", gettext_lazy("New and leaving volunteers"),
             lambda scope, data: selectors.new_and_leaving(scope)),
    Question("training", gettext_lazy("Training completion"),
             lambda scope, data: selectors.training_completion(scope)),
    Question("insurance", gettext_lazy("Insurance coverage"),
             lambda scope, data: selectors.insurance_coverage(scope)),
    Question("recruitment", gettext_lazy("Recruitment fill rates over time"),
             _campaign_figure(selectors.recruitment_over_time, True), recruitment=True, grouping=True),
    Question("event", gettext_lazy("Event headline figures"),
             _campaign_figure(selectors.wmg_headline, False), recruitment=True),
]
BY_SLUG = {q.slug: q for q in QUESTIONS}


class StatisticsNavMixin:
    module = "statistics"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["questions"] = [(q, reverse(f"operations:{q.url_name}")) for q in QUESTIONS]
        context["can_export_national"] = self.request.user.has_perm("operations.volunteer.export_national")
        return context


class StatisticsHomeView(StatisticsNavMixin, StaffRequiredMixin, TemplateView):
    template_name = "operations/statistics/home.html"
    role_permission = VIEW


def render_chart(figure: selectors.Figure) -> str:
    series = [Series(str(name), [float(v) for v in values]) for name, values in figure.series]
    if not figure.categories or not series:
        return ""
    if figure.kind == "line":
        return line_chart(title=figure.title, desc=figure.desc, categories=figure.categories, series=series,
                          max_value=figure.max_value)
    return bar_chart(title=figure.title, desc=figure.desc, categories=figure.categories, series=series,
                     stacked=figure.kind == "stacked")


def _cell(value):
    return float(value) if isinstance(value, Decimal) else value


def figure_cache_seconds() -> int:
    return int(getattr(settings, "STATISTICS_CACHE_SECONDS", 300))


def figure_cache_key(question: str, user, data: dict) -> str:
    """The figure's cache key: the question, the page's language, the user's part of the tree (the scope is
    all a figure depends on besides the filters) and the filters."""
    parts = [question, translation.get_language() or "", repr(scope_paths(user))]
    for name in ("node", "campaign"):
        value = data.get(name)
        parts.append(str(value.pk) if value is not None else "")
    parts += [data["start"].isoformat(), data["end"].isoformat(), data.get("category") or "", data.get("by") or ""]
    return "statistics:figure:" + hashlib.sha256("|".join(parts).encode()).hexdigest()


class StatisticsView(StatisticsNavMixin, StaffRequiredMixin, TemplateView):
    """One question (`question`, a slug of QUESTIONS, given to as_view)."""

    template_name = "operations/statistics/figure.html"
    role_permission = VIEW
    question = ""

    def get_form(self):
        """The filters, always bound (an empty query string means the defaults: this year to date, the
        whole scope; the event's campaign, else the latest, on the recruitment pages)."""
        if not hasattr(self, "_form"):
            user = self.request.user
            question = BY_SLUG[self.question]
            data = self.request.GET.copy()
            if question.recruitment:
                campaigns = selectors.campaign_choices(user)
                if not data.get("campaign"):
                    default = selectors.default_campaign(user, DEFAULT_CAMPAIGN)
                    if default is not None:
                        data["campaign"] = str(default.pk)
                form = RecruitmentForm(data, nodes=selectors.node_choices(user), campaigns=campaigns,
                                       with_grouping=question.grouping)
            else:
                form = StatisticsForm(data, nodes=selectors.node_choices(user))
            self._form = form
        return self._form

    def get_figure(self):
        """The figure of the valid filters, or None (the form shows its errors)."""
        if not hasattr(self, "_figure"):
            self._figure = self._compute()
        return self._figure

    def _compute(self):
        form = self.get_form()
        if not form.is_valid():
            return None
        data = form.cleaned_data
        scope = selectors.StatsScope(user=self.request.user, start=data["start"], end=data["end"],
                                     node=data.get("node"), category=data.get("category") or "")
        key = figure_cache_key(self.question, self.request.user, data)
        figure = cache.get(key)
        if figure is None:
            figure = BY_SLUG[self.question].compute(scope, data)
            figure.computed_at = timezone.localtime()
            cache.set(key, figure, figure_cache_seconds())
        return figure

    def get(self, request, *args, **kwargs):
        fmt = kwargs.get("fmt")
        if fmt is None:
            return super().get(request, *args, **kwargs)
        if fmt not in CONTENT_TYPES:
            return HttpResponse(_("Unknown export format."), status=400, content_type="text/plain; charset=utf-8")
        figure = self.get_figure()
        if figure is None:
            return HttpResponse(_("The filters are not valid; nothing was exported."), status=400,
                                content_type="text/plain; charset=utf-8")
        rows = [[_cell(v) for v in row] for row in figure.rows]
        return table_export_response(user=request.user, what=f"statistics-{self.question}", headers=figure.headers,
                                     rows=rows, count=len(rows), fmt=fmt, ip_address=client_ip(request),
                                     title=figure.title)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        question = BY_SLUG[self.question]
        figure = self.get_figure()
        query = self.request.GET.copy()
        context.update(question=question, form=self.get_form(), figure=figure,
                       chart=mark_safe(render_chart(figure)) if figure is not None else "",  # noqa: S308 escaped by charts
                       export_url=reverse(f"operations:{question.url_name}_export", args=["FMT"])[:-3],
                       querystring=query.urlencode(), cache_minutes=max(1, figure_cache_seconds() // 60))
        return context


# --- Export for the national system (衛生福利部志願服務資訊整合系統) ------------------------------------------

NATIONAL = "operations.volunteer.export_national"
NATIONAL_FORMATS = ("csv", "ods")


class NationalExportView(StatisticsNavMixin, StaffRequiredMixin, TemplateView):
    """Choose a unit and a period; see how many rows each layout has and which rows the national system
    would refuse (the dry run); download each layout as CSV or ODS."""

    template_name = "operations/statistics/national_export.html"
    role_permission = NATIONAL

    def get_form(self):
        if not hasattr(self, "_form"):
            units = national.export_units(self.request.user)
            self._form = NationalExportForm(self.request.GET or None, units=units)
        return self._form

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        form = self.get_form()
        context["form"] = form
        if form.is_bound and form.is_valid():
            data = form.cleaned_data
            unit, start, end = data["unit"], data["start"], data["end"]
            total, problems = national.dry_run(unit, start, end)
            query = self.request.GET.copy()
            context.update(
                unit=unit, start=start, end=end, problem_count=total, problems=problems,
                records=[(key, label, national.row_count(key, unit, start, end),
                          [(fmt.upper(), reverse("operations:national_export_download", args=[fmt])
                            + "?" + _with(query, record=key)) for fmt in NATIONAL_FORMATS])
                         for key, label in national.RECORD_TYPES.items()],
                layouts=[(national.RECORD_TYPES[key], columns) for key, columns in national.LAYOUTS.items()])
        return context


def _with(query, **values) -> str:
    query = query.copy()
    for key, value in values.items():
        query[key] = value
    return query.urlencode()


class NationalExportDownloadView(StaffRequiredMixin, View):
    role_permission = NATIONAL

    def get(self, request, *args, **kwargs):
        record, fmt = request.GET.get("record", ""), kwargs["fmt"]
        if record not in national.LAYOUTS:
            return HttpResponse(_("Unknown kind of records."), status=400, content_type="text/plain; charset=utf-8")
        if fmt not in NATIONAL_FORMATS:
            return HttpResponse(_("Unknown export format."), status=400, content_type="text/plain; charset=utf-8")
        form = NationalExportForm(request.GET, units=national.export_units(request.user))
        if not form.is_valid():
            return HttpResponse(_("Choose a unit and a valid period; nothing was exported."), status=400,
                                content_type="text/plain; charset=utf-8")
        unit, start, end = form.cleaned_data["unit"], form.cleaned_data["start"], form.cleaned_data["end"]
        if not request.user.has_perm(NATIONAL, unit):
            raise PermissionDenied
        headers, rows = national.export_rows(record, unit, start, end)
        count = national.row_count(record, unit, start, end)
        national_services.national_export_record(actor=request.user, unit=unit, record=record, fmt=fmt,
                                                 row_count=count, start=start, end=end,
                                                 ip_address=client_ip(request))
        return spreadsheet_response(filename=f"national-{record}-{unit.code}-{start:%Y%m%d}-{end:%Y%m%d}",
                                    headers=headers, rows=rows, fmt=fmt, title=str(national.RECORD_TYPES[record]))
