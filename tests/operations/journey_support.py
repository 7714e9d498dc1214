"""Shared set-up of the volunteer-journey tests: an open WMG-like campaign with future shifts at two
venues in two cities, and volunteers with accounts."""
from __future__ import annotations

import datetime
import threading
from types import SimpleNamespace

from django.db import connections
from django.utils import timezone

from operations.models import City, Sex, SignupMode, User, VolunteerType
from tests.factories import (
    CampaignFactory,
    LanguageFactory,
    PositionFactory,
    PurposeAuthorityFactory,
    ShiftFactory,
    TeamFactory,
    UnitFactory,
    VolunteerFactory,
)
from tests.factories.operations import DEFAULT_PASSWORD, CompetentAuthorityFactory


def future(days: int) -> datetime.date:
    return timezone.localdate() + datetime.timedelta(days=days)


def build_event(*, mode=SignupMode.INSTANT, headcount=2) -> SimpleNamespace:
    e = SimpleNamespace()
    root = CompetentAuthorityFactory(code="j-root", name="社會局", name_en="DOSW")
    wmg = PurposeAuthorityFactory(parent=root, code="j-wmg", name="世壯運", name_en="WMG")
    e.dome = UnitFactory(parent=wmg, code="j-dome", name="臺北大巨蛋", name_en="Taipei Dome", city=City.TAIPEI,
                         is_venue=True)
    e.ntp = UnitFactory(parent=wmg, code="j-ntp", name="新莊體育館", name_en="Xinzhuang Gym", city=City.NEW_TAIPEI,
                        district="新莊區", is_venue=True)
    e.dome_comp = TeamFactory(parent=e.dome, code="j-dome-comp", name="競賽組", name_en="Competition")
    e.dome_lang = TeamFactory(parent=e.dome, code="j-dome-lang", name="外語組", name_en="Language")
    e.ntp_comp = TeamFactory(parent=e.ntp, code="j-ntp-comp", name="競賽組", name_en="Competition")
    e.english = LanguageFactory(code="en", name="英語", name_en="English")
    e.campaign = CampaignFactory(unit=wmg, code="wmg-test", title="世壯運志工招募", title_en="WMG volunteers",
                                 volunteer_type=VolunteerType.VENUE, signup_mode=mode, min_age=16,
                                 starts_on=future(10), ends_on=future(20), cancel_deadline_hours=48)
    e.dome_position = PositionFactory(campaign=e.campaign, venue=e.dome, team=e.dome_comp,
                                      title="臺北大巨蛋｜競賽組", title_en="Taipei Dome · Competition")
    e.lang_position = PositionFactory(campaign=e.campaign, venue=e.dome, team=e.dome_lang,
                                      title="臺北大巨蛋｜外語組", title_en="Taipei Dome · Language")
    e.lang_position.required_languages.add(e.english)
    e.ntp_position = PositionFactory(campaign=e.campaign, venue=e.ntp, team=e.ntp_comp,
                                     title="新莊體育館｜競賽組", title_en="Xinzhuang Gym · Competition")
    t = datetime.time
    e.morning = ShiftFactory(position=e.dome_position, date=future(10), start_time=t(8), end_time=t(12),
                             name="早班", headcount=headcount)
    e.overlapping = ShiftFactory(position=e.ntp_position, date=future(10), start_time=t(10), end_time=t(14),
                                 name="午班", headcount=headcount)
    e.afternoon = ShiftFactory(position=e.dome_position, date=future(10), start_time=t(13), end_time=t(17),
                               name="午班", headcount=headcount)
    e.language_shift = ShiftFactory(position=e.lang_position, date=future(11), start_time=t(8), end_time=t(12),
                                    name="早班", headcount=headcount)
    return e


def volunteer_with_account(*, email: str, birth_date=datetime.date(1990, 3, 14), name="林美華", **kwargs):
    user = User.objects.create_user(username=email, email=email, password=DEFAULT_PASSWORD,
                                    email_confirmed_at=timezone.now())
    volunteer = VolunteerFactory(name=name, birth_date=birth_date, email=email, sex=Sex.FEMALE, **kwargs)
    volunteer.user = user
    volunteer.save(update_fields=["user"])
    return volunteer


def run_on_commit_at_once(monkeypatch):
    """Tests run inside one transaction that is rolled back, so on_commit callbacks (the e-mails, the
    roster task) would never run: run them at once instead."""
    from django.db import transaction

    monkeypatch.setattr(transaction, "on_commit", lambda func, using=None, robust=False: func())
    # With CELERY_BROKER_URL set (CI), tasks would wait in Redis for a worker these tests do not start
    # (test_journey_celery.py runs a real one): run them inline here.
    from volunteer_site.celery import app

    monkeypatch.setitem(app.conf, "task_always_eager", True)


def race(jobs):
    """Run every job in its own thread, all released at once; return the exceptions raised."""
    barrier = threading.Barrier(len(jobs))
    errors = []

    def run(job):
        try:
            barrier.wait()
            job()
        except Exception as exc:  # noqa: BLE001 - collected and asserted on
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(job,)) for job in jobs]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return errors
