"""The back-office, mounted at /backoffice/."""
from . import (
    accounts,
    attendance,
    audit,
    dashboard,
    files,
    insurance,
    organisations,
    people,
    plans,
    recruitment,
    signups,
    staff,
    system,
    teams,
    training,
    unit_applications,
)

app_name = "operations"

urlpatterns: list = [
    *dashboard.urlpatterns,
    *staff.urlpatterns,
    *organisations.urlpatterns,
    *people.urlpatterns,
    *audit.urlpatterns,
    *files.urlpatterns,
    *teams.urlpatterns,
    *plans.urlpatterns,
    *unit_applications.urlpatterns,
    *recruitment.urlpatterns,
    *signups.urlpatterns,
    *attendance.urlpatterns,
    *insurance.urlpatterns,
    *training.urlpatterns,
    *system.urlpatterns,
    *accounts.backoffice_urlpatterns,
]
