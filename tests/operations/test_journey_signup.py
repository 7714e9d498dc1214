"""Browsing recruitment without an account (filters, free seats, constant queries) and signing up for
one or many shifts: accepted, waitlisted, reviewed, every refusal reason, guardian consent, cancel with
waitlist promotion, calendar feed, notifications in the volunteer's language."""
from __future__ import annotations

import datetime

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from django.utils.translation import gettext as _

from cms.recruitment_pages import ensure_recruitment_page
from operations.models import CampaignStatus, GuardianConsent, Signup, SignupMode, SignupStatus
from operations.selectors.browse import BrowseFilters, browse_shifts
from operations.services.signups import signup_cancel, signup_create
from tests.factories import ShiftFactory, minimal_pdf

from .journey_support import build_event, future, run_on_commit_at_once, volunteer_with_account

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _on_commit(monkeypatch):
    run_on_commit_at_once(monkeypatch)


@pytest.fixture
def event(db):
    return build_event()


@pytest.fixture
def ming(event):
    return volunteer_with_account(email="ming@example.com")


def shift_ids(result):
    return [s.pk for g in result.groups for p in g.positions for s in p.shifts]


def test_filters(event):
    everything = shift_ids(browse_shifts(BrowseFilters()))
    assert len(everything) == 4
    assert set(shift_ids(browse_shifts(BrowseFilters(city="new_taipei")))) == {event.overlapping.pk}
    assert set(shift_ids(browse_shifts(BrowseFilters(venue=event.dome.pk)))) == {
        event.morning.pk, event.afternoon.pk, event.language_shift.pk}
    assert set(shift_ids(browse_shifts(BrowseFilters(group="外語組")))) == {event.language_shift.pk}
    assert set(shift_ids(browse_shifts(BrowseFilters(language="en")))) == {event.language_shift.pk}
    assert set(shift_ids(browse_shifts(BrowseFilters(date_from=future(11))))) == {event.language_shift.pk}
    assert shift_ids(browse_shifts(BrowseFilters(volunteer_type="language"))) == []
    for i in range(2):  # fill the shift through the service (the seat-invariant trigger checks the counter)
        signup_create(volunteer=volunteer_with_account(email=f"full{i}@example.com"), shift=event.morning)
    assert event.morning.pk not in shift_ids(browse_shifts(BrowseFilters(free_only=True)))


def test_closed_campaigns_and_past_shifts_are_not_listed(event):
    ShiftFactory(position=event.dome_position, date=timezone.localdate() - datetime.timedelta(days=1))
    assert len(shift_ids(browse_shifts(BrowseFilters()))) == 4
    event.campaign.status = CampaignStatus.CLOSED
    event.campaign.save()
    assert shift_ids(browse_shifts(BrowseFilters())) == []


def test_browse_page_without_account_in_both_languages_with_constant_queries(client, event,
                                                                             django_assert_max_num_queries):
    page = ensure_recruitment_page()
    response = client.get(page.url)
    assert response.status_code == 200
    html = response.content.decode()
    assert "臺北大巨蛋｜競賽組" in html and "2 / 2" in html
    english = client.get("/en" + page.url + "?city=taipei&free=1").content.decode()
    assert "Taipei Dome · Competition" in english and "Xinzhuang" not in english.split("<main", 1)[1].split(
        "</form>", 1)[1]
    with django_assert_max_num_queries(30) as small:
        client.get(page.url + "?page=1")  # rendered (a new address; a repeat is answered from the page cache)
    for day in range(12, 40):
        for hour in (6, 12, 18):
            ShiftFactory(position=event.dome_position, date=future(day), start_time=datetime.time(hour),
                         end_time=datetime.time(hour + 4), headcount=5)
    with django_assert_max_num_queries(len(small.captured_queries)) as big:
        response = client.get(page.url + "?page=2")
    assert response.context["result"].total == 4 + 28 * 3
    assert len(big.captured_queries) <= len(small.captured_queries)  # menus may come from the cache the second time


def test_one_sign_up_post_is_a_short_fixed_series_of_queries(client, event, ming, django_assert_max_num_queries):
    """The sign-up rush path: session, user, volunteer, shift; then in one transaction the volunteer lock,
    the shift, the day's sign-ups (one query for "already", "overlap" and "before"), the seat, the row and
    its audit entry; the footer and menus come from the cache. Here two more: the content type of the first
    audit entry of the process, and the notification task that runs inline in the tests. The outbox adds
    its row and, after the commit, its "sent" mark; the inline task its sent-log claim (3 with the
    savepoint of the test transaction). The "sent" mark commits without waiting for the disk: one
    `SET LOCAL synchronous_commit`, in the tests inside a savepoint of its own (2 more). The insurance gate
    adds one: the shift's gate and the volunteer's cover on its date, together. The training gate adds at
    most two: the shift's training requirement (read once, then from the cache) and, when there is one,
    the volunteer's certificates."""
    client.force_login(ming.user)
    client.get("/volunteer/")  # warm the menu and footer cache
    with django_assert_max_num_queries(20 + 2 + 3) as captured:
        response = client.post("/volunteer/signup/", {"shift": [event.morning.pk]})
    assert response.context["outcomes"][0].signup.status == SignupStatus.ACCEPTED
    sqls = [q["sql"] for q in captured.captured_queries]
    assert sum(sql.startswith('SELECT "operations_signup"') and "FOR UPDATE" in sql for sql in sqls) <= 1
    assert not any("cms_menu" in sql or "cms_footertext" in sql or "cms_contactsettings" in sql for sql in sqls)
    assert not any("operations_attendance" in sql for sql in sqls)


def test_sign_up_for_many_shifts_with_reasons(client, event, ming):
    client.force_login(ming.user)
    ids = [event.morning.pk, event.overlapping.pk, event.afternoon.pk]
    confirm = client.get("/volunteer/signup/", {"shift": ids})
    assert confirm.status_code == 200
    response = client.post("/volunteer/signup/", {"shift": ids})
    outcomes = {o.shift.pk: o for o in response.context["outcomes"]}
    assert outcomes[event.morning.pk].signup.status == SignupStatus.ACCEPTED
    assert outcomes[event.afternoon.pk].signup.status == SignupStatus.ACCEPTED
    assert not outcomes[event.overlapping.pk].ok
    overlap = _("This shift overlaps another of your shifts (%(shift)s).") % {"shift": str(event.morning)}
    assert overlap in outcomes[event.overlapping.pk].errors
    again = client.post("/volunteer/signup/", {"shift": [event.morning.pk]}).context["outcomes"][0]
    assert not again.ok and _("You have already signed up for this shift.") in again.errors
    assert len(mail.outbox) == 2 and all(m.to == ["ming@example.com"] for m in mail.outbox)


def test_full_shift_goes_to_waitlist_and_cancel_promotes(event):
    people = [volunteer_with_account(email=f"p{i}@example.com") for i in range(4)]
    statuses = [signup_create(volunteer=v, shift=event.morning).status for v in people]
    assert statuses == ["accepted", "accepted", "waitlisted", "waitlisted"]
    first = Signup.objects.get(volunteer=people[0], shift=event.morning)
    mail.outbox.clear()
    signup_cancel(signup=first, actor=people[0].user)
    assert Signup.objects.get(volunteer=people[2], shift=event.morning).status == SignupStatus.ACCEPTED
    assert Signup.objects.get(volunteer=people[3], shift=event.morning).status == SignupStatus.WAITLISTED
    event.morning.refresh_from_db()
    assert event.morning.accepted_count == 2
    assert {m.to[0] for m in mail.outbox} == {"p0@example.com", "p2@example.com"}


def test_waitlist_position_is_shown_in_the_zone(client, event):
    people = [volunteer_with_account(email=f"p{i}@example.com") for i in range(4)]
    for v in people:
        signup_create(volunteer=v, shift=event.morning)
    client.force_login(people[3].user)
    html = client.get("/volunteer/").content.decode()
    waitlisted = client.get("/volunteer/").context["waitlisted"]
    assert waitlisted[0].waitlist_position == 2
    assert "臺北大巨蛋｜競賽組" in html


def test_reviewed_campaign_applies(event, ming):
    event.campaign.signup_mode = SignupMode.REVIEWED
    event.campaign.save()
    assert signup_create(volunteer=ming, shift=event.morning).status == SignupStatus.APPLIED
    event.morning.refresh_from_db()
    assert event.morning.accepted_count == 0


def test_refusals_window_closed_and_min_age(client, event):
    young = volunteer_with_account(email="young@example.com", birth_date=future(10).replace(year=future(10).year - 15))
    client.force_login(young.user)
    outcome = client.post("/volunteer/signup/", {"shift": [event.morning.pk]}).context["outcomes"][0]
    assert not outcome.ok and "16" in " ".join(outcome.errors)
    event.campaign.signup_closes_at = timezone.now() - datetime.timedelta(hours=1)
    event.campaign.save()
    adult = volunteer_with_account(email="adult@example.com")
    client.force_login(adult.user)
    outcome = client.post("/volunteer/signup/", {"shift": [event.morning.pk]}).context["outcomes"][0]
    assert not outcome.ok and _("The sign-up window is closed.") in outcome.errors


def test_minor_uploads_guardian_consent_then_signs_up(client, event):
    day = event.morning.date
    minor = volunteer_with_account(email="teen@example.com", birth_date=day.replace(year=day.year - 17))
    client.force_login(minor.user)
    confirm = client.get("/volunteer/signup/", {"shift": [event.morning.pk]})
    assert event.campaign in confirm.context["consent_campaigns"]
    refused = client.post("/volunteer/signup/", {"shift": [event.morning.pk]}).context["outcomes"][0]
    assert not refused.ok
    bad = client.post(f"/volunteer/consent/{event.campaign.pk}/", {
        "guardian_name": "林爸爸", "file": SimpleUploadedFile("consent.pdf", b"not a pdf at all")})
    assert bad.status_code == 200 and "file" in bad.context["form"].errors
    empty = client.post(f"/volunteer/consent/{event.campaign.pk}/", {
        "guardian_name": "林爸爸", "file": SimpleUploadedFile("consent.pdf", b"")})
    assert empty.status_code == 200 and not GuardianConsent.objects.exists()
    ok = client.post(f"/volunteer/consent/{event.campaign.pk}/", {
        "guardian_name": "林爸爸", "file": SimpleUploadedFile("consent.pdf", minimal_pdf())})
    assert ok.status_code == 302 and GuardianConsent.objects.filter(volunteer=minor).exists()
    outcome = client.post("/volunteer/signup/", {"shift": [event.morning.pk]}).context["outcomes"][0]
    assert outcome.ok and outcome.signup.status == SignupStatus.ACCEPTED


def test_cancel_needs_confirmation_and_respects_the_deadline(client, event, ming):
    client.force_login(ming.user)
    signup = signup_create(volunteer=ming, shift=event.morning)
    page = client.get(f"/volunteer/shifts/{signup.pk}/cancel/")
    assert page.status_code == 200 and Signup.objects.get(pk=signup.pk).status == SignupStatus.ACCEPTED
    client.post(f"/volunteer/shifts/{signup.pk}/cancel/")
    assert Signup.objects.get(pk=signup.pk).status == SignupStatus.CANCELLED
    soon = ShiftFactory(position=event.dome_position, date=timezone.localdate() + datetime.timedelta(days=1),
                        start_time=datetime.time(8), end_time=datetime.time(9), headcount=3)
    late = signup_create(volunteer=ming, shift=soon)
    client.post(f"/volunteer/shifts/{late.pk}/cancel/", follow=True)
    assert Signup.objects.get(pk=late.pk).status == SignupStatus.ACCEPTED


def test_someone_elses_signup_is_404(client, event, ming):
    other = volunteer_with_account(email="other@example.com")
    signup = signup_create(volunteer=other, shift=event.morning)
    client.force_login(ming.user)
    assert client.get(f"/volunteer/shifts/{signup.pk}/cancel/").status_code == 404
    assert client.post(f"/volunteer/shifts/{signup.pk}/cancel/").status_code == 404


def test_calendar_feed(client, event, ming):
    signup_create(volunteer=ming, shift=event.morning)
    client.force_login(ming.user)
    url = client.get("/volunteer/shifts/").context["calendar_url"]
    client.logout()
    feed = client.get(url.split("testserver", 1)[1])
    body = feed.content.decode()
    assert feed["Content-Type"].startswith("text/calendar")
    assert body.count("BEGIN:VEVENT") == 1 and "DTSTART:" in body and "臺北大巨蛋" in body
    assert client.get("/volunteer/calendar/1~forged.ics").status_code == 404


def test_notification_in_the_volunteers_language_and_preferences(event, ming):
    ming.user.preferred_language = "en"
    ming.user.save()
    signup_create(volunteer=ming, shift=event.morning)
    assert "accepted" in mail.outbox[-1].subject.lower()
    ming.user.notify_by_email = False
    ming.user.save()
    mail.outbox.clear()
    signup_create(volunteer=ming, shift=event.afternoon)
    assert mail.outbox == []


def test_day_before_reminder(event, ming):
    from operations.tasks import send_shift_reminders

    signup_create(volunteer=ming, shift=event.morning)
    mail.outbox.clear()
    assert send_shift_reminders(day=event.morning.date.isoformat()) == 1
    assert len(mail.outbox) == 1 and "臺北大巨蛋" in mail.outbox[0].body
    ming.user.notify_reminders = False
    ming.user.save()
    assert send_shift_reminders(day=event.morning.date.isoformat()) == 0


def test_beat_schedule_has_the_reminder(settings):
    assert any(v["task"] == "operations.tasks.send_shift_reminders" for v in settings.CELERY_BEAT_SCHEDULE.values())
