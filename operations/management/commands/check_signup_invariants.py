"""Check the seat invariants of every shift (counter = accepted sign-ups ≤ headcount; nobody waiting while a
seat is free for them); `--repair` fixes what it finds, with an audit record per shift. Exit status 1
when anything was found (before repair), so that cron or CI notices."""
from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from operations.services.seat_invariants import seat_invariants_check


class Command(BaseCommand):
    help = "Check (and with --repair fix) the seat invariants of all shifts."

    def add_arguments(self, parser):
        parser.add_argument("--repair", action="store_true", help="Fix the findings (audited).")
        parser.add_argument("--no-alert", action="store_true", help="Do not log at ERROR level or mail admins.")

    def handle(self, *args, repair=False, no_alert=False, **options):
        findings, repaired = seat_invariants_check(repair=repair, alert=not no_alert)
        for finding in findings:
            self.stdout.write(str(finding))
        for shift_id, changes in repaired.items():
            self.stdout.write(f"repaired shift {shift_id}: {changes or 'nothing to change'}")
        if not findings:
            self.stdout.write(self.style.SUCCESS("All shifts satisfy the seat invariants."))
            return
        if not repair:
            raise CommandError(f"{len(findings)} finding(s); run with --repair to fix them.")
        self.stdout.write(self.style.WARNING(f"{len(findings)} finding(s) repaired."))
