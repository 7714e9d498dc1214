"""The volunteer zone and account pages (志工專區), mounted at /volunteer/."""
from . import accounts, volunteer_zone

app_name = "volunteer"

urlpatterns: list = [
    *accounts.urlpatterns,
    *volunteer_zone.urlpatterns,
]
