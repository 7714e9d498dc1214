"""Load the demo data: the operations half (organisation tree, WMG venues, shifts, volunteers, demo
staff; `operations.demo`), then the public site's pages in both languages (`cms.demo`), then print the
demo accounts. A project-level command, so that operations never imports cms. Safe to run again: what
exists is reused, nothing is duplicated."""
from __future__ import annotations

import datetime

from django.core.management.base import BaseCommand
from django.utils import timezone

from cms.demo import load_demo_pages
from operations.demo import load_operations_demo, print_demo_accounts, real_event_start


class Command(BaseCommand):
    help = "Load the demo data (idempotent)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--event-start", type=datetime.date.fromisoformat, default=None,
            help="First day of the WMG event (default: four weeks from today so that newcomers can sign up).",
        )
        parser.add_argument("--real-dates", action="store_true", help="Use the real event dates, 2025-05-17 to 05-30.")
        parser.add_argument("--volunteers", type=int, default=360, help="Number of demo volunteers (default 360).")
        parser.add_argument("--quiet", action="store_true", help="Do not print the demo accounts.")

    def handle(self, *args, **options):
        if options["real_dates"]:
            start = real_event_start()
        else:
            start = options["event_start"] or timezone.localdate() + datetime.timedelta(days=28)
        result = load_operations_demo(start=start, volunteers=options["volunteers"])
        load_demo_pages(stdout=self.stdout)
        if not options["quiet"]:
            print_demo_accounts(result, self.stdout.write, self.style.SUCCESS)
