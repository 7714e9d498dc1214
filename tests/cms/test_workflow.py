"""前台管理: editors submit for moderation and cannot publish; moderators approve (the page goes live)
or reject with a comment (the editor is told by e-mail). Model level and over HTTP."""
import pytest
from django.contrib.auth.models import Group
from django.core import mail
from django.urls import reverse
from wagtail.models import WorkflowState
from wagtail.test.utils.form_data import inline_formset, nested_form_data, rich_text, streamfield

from cms.models import StandardPage
from tests.factories import UserFactory


@pytest.fixture
def people(home_pages):
    editor = UserFactory(username="web-editor", email="editor@example.org", is_staff=True)
    editor.groups.add(Group.objects.get(name="Editors"))
    moderator = UserFactory(username="web-moderator", email="moderator@example.org", is_staff=True)
    moderator.groups.add(Group.objects.get(name="Moderators"))
    page = home_pages.home.add_child(instance=StandardPage(title="志工服務守則", slug="rules", live=False))
    return editor, moderator, page


def _submit(page, user):
    revision = page.save_revision(user=user)
    return page.get_workflow().start(page, user), revision


@pytest.mark.django_db
def test_permissions_editor_cannot_publish_moderator_can(people):
    editor, moderator, page = people
    assert page.permissions_for_user(editor).can_edit()
    assert not page.permissions_for_user(editor).can_publish()
    assert page.permissions_for_user(moderator).can_publish()
    assert page.get_workflow().name == "Moderators approval"


@pytest.mark.django_db
def test_model_level_approval_publishes(people):
    editor, moderator, page = people
    state, _ = _submit(page, editor)
    assert state.status == WorkflowState.STATUS_IN_PROGRESS
    page.refresh_from_db()
    assert not page.live
    task_state = state.current_task_state
    task_state.task.specific.on_action(task_state, moderator, "approve", comment="內容正確")
    page.refresh_from_db()
    state.refresh_from_db()
    assert page.live
    assert state.status == WorkflowState.STATUS_APPROVED


@pytest.mark.django_db
def test_model_level_rejection_with_comment_notifies_the_editor(people):
    editor, moderator, page = people
    state, _ = _submit(page, editor)
    mail.outbox.clear()
    task_state = state.current_task_state
    task_state.task.specific.on_action(task_state, moderator, "reject", comment="請補上聯絡電話")
    page.refresh_from_db()
    state.refresh_from_db()
    assert not page.live
    assert state.status == WorkflowState.STATUS_NEEDS_CHANGES
    to_editor = [m for m in mail.outbox if "editor@example.org" in m.to]
    assert to_editor, [m.to for m in mail.outbox]
    assert "請補上聯絡電話" in to_editor[0].body or "請補上聯絡電話" in str(to_editor[0].alternatives)


def _edit_data(page, action: str) -> dict:
    return nested_form_data({
        "title": page.title, "slug": page.slug, "intro": rich_text("<p>新的說明</p>"),
        "body": streamfield([("paragraph", rich_text("<p>志工應準時報到。</p>"))]),
        "comments": inline_formset([]), action: "1",
    })


@pytest.mark.django_db
def test_http_editor_publish_button_does_not_publish_and_submit_starts_moderation(people, client):
    editor, moderator, page = people
    client.force_login(editor)
    edit_url = reverse("wagtailadmin_pages:edit", args=[page.pk])
    response = client.post(edit_url, _edit_data(page, "action-publish"))
    assert response.status_code in (200, 302)
    page.refresh_from_db()
    assert not page.live
    response = client.post(edit_url, _edit_data(page, "action-submit"))
    assert response.status_code == 302
    state = WorkflowState.objects.get(base_content_type__isnull=False, object_id=str(page.pk))
    assert state.status == WorkflowState.STATUS_IN_PROGRESS
    page.refresh_from_db()
    assert not page.live

    client.force_login(moderator)
    task_state = state.current_task_state
    approve_url = reverse("wagtailadmin_pages:workflow_action", args=[page.pk, "approve", task_state.pk])
    response = client.post(approve_url, {"comment": "核准"})
    assert response.status_code in (200, 302)
    page.refresh_from_db()
    assert page.live
    assert "新的說明" in page.specific.intro


@pytest.mark.django_db
def test_http_rejection_keeps_the_page_offline(people, client):
    editor, moderator, page = people
    client.force_login(editor)
    client.post(reverse("wagtailadmin_pages:edit", args=[page.pk]), _edit_data(page, "action-submit"))
    state = WorkflowState.objects.get(object_id=str(page.pk))
    mail.outbox.clear()
    client.force_login(moderator)
    reject_url = reverse("wagtailadmin_pages:workflow_action", args=[page.pk, "reject", state.current_task_state.pk])
    response = client.post(reject_url, {"comment": "標題請更具體"})
    assert response.status_code in (200, 302)
    page.refresh_from_db()
    state.refresh_from_db()
    assert not page.live
    assert state.status == WorkflowState.STATUS_NEEDS_CHANGES
    assert any("editor@example.org" in m.to for m in mail.outbox)


@pytest.mark.django_db
def test_admin_speaks_chinese_and_editor_may_schedule(people, client):
    editor, _, page = people
    client.force_login(editor)
    response = client.get(reverse("wagtailadmin_pages:edit", args=[page.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    assert "儲存草稿" in html or "提交" in html
    assert 'name="go_live_at"' in html  # scheduled publishing
