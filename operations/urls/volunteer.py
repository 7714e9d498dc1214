"""The volunteer zone and account pages (志工專區), mounted at /volunteer/."""
from . import accounts, certificates, records, training, volunteer_zone

app_name = "volunteer"

urlpatterns: list = [
    *accounts.urlpatterns,
    *volunteer_zone.urlpatterns,
    *training.volunteer_urlpatterns,
    *records.volunteer_urlpatterns,
    *certificates.volunteer_urlpatterns,
]
