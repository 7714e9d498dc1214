from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import PasswordChangeForm
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect
from django.urls import reverse, reverse_lazy
from django.utils.translation import gettext as _
from django.views.generic import FormView, TemplateView
from volunteer_site.params import clean_text, parse_id

from ..forms import GrantForm, ProfileForm, StaffLoginForm
from ..models import AuditEvent, OrgNode, RoleGrant
from ..scoping import has_any_role
from ..selectors import dashboard_counts, node_children, org_tree_for
from ..selectors.audit import object_history
from ..services.people import grant_create, grant_revoke, grantable_roles, user_update_profile
from .base import BoundedRequestConfig, StaffRequiredMixin, scoped_or_404


class StaffLoginView(auth_views.LoginView):
    template_name = "operations/login.html"
    authentication_form = StaffLoginForm
    redirect_authenticated_user = True


class StaffLogoutView(auth_views.LogoutView):
    pass


class DashboardView(StaffRequiredMixin, TemplateView):
    template_name = "operations/dashboard.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        context["counts"] = dashboard_counts(user)
        context["grants"] = RoleGrant.objects.filter(user=user).select_related("node").order_by("node__path")
        if user.has_perm("operations.auditevent.view"):
            context["recent_audit"] = AuditEvent.objects.visible_to(user).select_related("node")[:8]
        return context


class ProfileView(StaffRequiredMixin, FormView):
    template_name = "operations/profile.html"
    form_class = ProfileForm
    module = "profile"
    success_url = reverse_lazy("operations:profile")

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs["instance"] = self.request.user
        return kwargs

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.setdefault("password_form", PasswordChangeForm(self.request.user))
        return context

    def form_valid(self, form):
        try:
            user_update_profile(user=self.request.user, **{f: form.cleaned_data[f] for f in form.Meta.fields})
        except ValidationError as exc:
            form.add_error(None, exc)
            return self.form_invalid(form)
        messages.success(self.request, _("Your profile has been saved."))
        return super().form_valid(form)


class PasswordChangeView(StaffRequiredMixin, FormView):
    template_name = "operations/profile.html"
    form_class = PasswordChangeForm
    module = "profile"
    success_url = reverse_lazy("operations:profile")

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs["user"] = self.request.user
        return kwargs

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["password_form"] = context.pop("form")
        context["form"] = ProfileForm(instance=self.request.user)
        return context

    def form_valid(self, form):
        form.save()
        update_session_auth_hash(self.request, form.user)
        messages.success(self.request, _("Your password has been changed."))
        return super().form_valid(form)


class OrgTreeView(StaffRequiredMixin, TemplateView):
    template_name = "operations/org_tree.html"
    module = "units"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        search = clean_text(self.request.GET.get("q"), max_length=100)
        nodes = org_tree_for(self.request.user, search=search)
        base_depth = min((n.depth for n in nodes), default=1)
        for node in nodes:
            node.indent = node.depth - base_depth
        deepest = max((n.depth for n in nodes), default=0)
        context.update(
            nodes=nodes, search=search, truncated=any(n.numchild and n.depth == deepest for n in nodes)
        )
        return context


class OrgNodeDetailView(StaffRequiredMixin, TemplateView):
    template_name = "operations/org_node.html"
    module = "units"

    def get_node(self):
        return scoped_or_404(OrgNode.objects.visible_to(self.request.user).get, pk=self.kwargs["pk"])

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        node = kwargs.get("node") or self.get_node()
        can_grant = user.has_perm("operations.orgnode.manage_grants", node)
        ancestors = list(node.get_ancestors())
        context.update(
            node=node,
            ancestors=ancestors,
            visible_ancestor_ids=set(
                OrgNode.objects.visible_to(user).filter(pk__in=[a.pk for a in ancestors]).values_list("pk", flat=True)
            ),
            children=node_children(user, node),
            grants=RoleGrant.objects.filter(node=node).select_related("user") if can_grant else None,
            can_grant=can_grant,
            grant_form=kwargs.get("grant_form") or GrantForm(roles=grantable_roles(user, node)),
            history=object_history(node, limit=10),
        )
        return context

    def post(self, request, *args, **kwargs):
        node = self.get_node()
        if not request.user.has_perm("operations.orgnode.manage_grants", node):
            raise PermissionDenied
        if "revoke" in request.POST:
            grant = RoleGrant.objects.filter(node=node, pk=parse_id(request.POST.get("revoke"))).first()
            if grant is None:
                raise Http404
            try:
                grant_revoke(actor=request.user, grant=grant)
                messages.success(request, _("The role has been revoked."))
            except (ValidationError, PermissionDenied) as exc:
                messages.error(request, " ".join(getattr(exc, "messages", [str(exc)])))
            return redirect(reverse("operations:org_node", args=[node.pk]))
        form = GrantForm(request.POST, roles=grantable_roles(request.user, node))
        if form.is_valid():
            try:
                grant_create(
                    actor=request.user, user=form.cleaned_data["user"], node=node, role=form.cleaned_data["role"]
                )
            except ValidationError as exc:
                form.add_error(None, exc)
            except PermissionDenied as exc:
                form.add_error(None, str(exc) or _("You do not have permission to do this here."))
            else:
                messages.success(request, _("The role has been granted."))
                return redirect(reverse("operations:org_node", args=[node.pk]))
        context = self.get_context_data(node=node, grant_form=form)
        return self.render_to_response(context, status=400)


class AuditListView(StaffRequiredMixin, TemplateView):
    template_name = "operations/audit_list.html"
    module = "system"

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and not has_any_role(request.user, ("system_admin", "authority_officer")):
            if not request.user.is_superuser:
                raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        from ..tables import AuditEventTable

        context = super().get_context_data(**kwargs)
        qs = AuditEvent.objects.visible_to(self.request.user).select_related("node")
        action = clean_text(self.request.GET.get("action"), max_length=50)
        if action:
            qs = qs.filter(action=action)
        table = AuditEventTable(qs)
        BoundedRequestConfig(self.request, paginate={"per_page": 50}).configure(table)
        context.update(table=table, action=action)
        return context
