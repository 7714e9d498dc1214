"""The editorial set-up (前台管理): editors submit pages for moderation and cannot publish; moderators
approve or reject with a comment; one workflow attached at the root page covers every language's tree.
Wagtail's own migrations create the Editors and Moderators groups and the "Moderators approval"
workflow; this makes sure they are in the state we rely on (idempotent, run by the demo loader)."""
from __future__ import annotations

from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from wagtail.models import GroupApprovalTask, GroupPagePermission, Page, Workflow, WorkflowPage, WorkflowTask

EDITOR_PAGE_PERMISSIONS = ("add_page", "change_page")
MODERATOR_PAGE_PERMISSIONS = ("add_page", "change_page", "publish_page", "lock_page", "unlock_page")
SNIPPET_MODELS = ("menu", "footertext")


def _perm(app_label: str, codename: str) -> Permission | None:
    return Permission.objects.filter(content_type__app_label=app_label, codename=codename).first()


@transaction.atomic
def ensure_editorial_setup() -> Workflow:
    root = Page.get_first_root_node()
    editors, _ = Group.objects.get_or_create(name="Editors")
    moderators, _ = Group.objects.get_or_create(name="Moderators")
    admin_access = _perm("wagtailadmin", "access_admin")
    for group, page_perms in ((editors, EDITOR_PAGE_PERMISSIONS), (moderators, MODERATOR_PAGE_PERMISSIONS)):
        if admin_access:
            group.permissions.add(admin_access)
        for codename in page_perms:
            permission = _perm("wagtailcore", codename)
            GroupPagePermission.objects.get_or_create(group=group, page=root, permission=permission)
        for app_label, model in (("wagtailimages", "image"), ("wagtaildocs", "document")):
            for verb in ("add", "change", "choose"):
                permission = _perm(app_label, f"{verb}_{model}")
                if permission:
                    group.permissions.add(permission)
        for model in SNIPPET_MODELS:
            for verb in ("add", "change", "view"):
                permission = _perm("cms", f"{verb}_{model}")
                if permission:
                    group.permissions.add(permission)
        for codename in ("change_contactsettings", "submit_translation"):
            permission = Permission.objects.filter(codename=codename).first()
            if permission:
                group.permissions.add(permission)
    # Editors must never publish: remove a publish permission that someone may have granted on any page.
    GroupPagePermission.objects.filter(group=editors, permission__codename="publish_page").delete()

    task = GroupApprovalTask.objects.filter(name="Moderators approval").first()
    if task is None:
        task = GroupApprovalTask.objects.create(name="Moderators approval")
    task.groups.add(moderators)
    workflow = Workflow.objects.filter(name="Moderators approval").first()
    if workflow is None:
        workflow = Workflow.objects.create(name="Moderators approval", active=True)
    if not workflow.active:
        workflow.active = True
        workflow.save(update_fields=["active"])
    if not WorkflowTask.objects.filter(workflow=workflow, task=task).exists():
        WorkflowTask.objects.create(workflow=workflow, task=task, sort_order=0)
    WorkflowPage.objects.update_or_create(page=root, defaults={"workflow": workflow})
    ContentType.objects.clear_cache()
    return workflow
