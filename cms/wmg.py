"""The WMG venue map and recruitment figures: the six cities drawn as a stylised SVG map that we serve
ourselves, and the JSON shape shared by the page, its API representation and the public endpoint.
All figures come from `operations.selectors.recruitment`; nothing here counts anything itself."""
from __future__ import annotations

from dataclasses import dataclass, field

from django.utils.translation import gettext_lazy as _

HOSTING = ("taipei", "new_taipei")
CO_HOSTING = ("taoyuan", "hsinchu_city", "hsinchu_county", "yilan")
WMG_CITIES = HOSTING + CO_HOSTING

# Stylised outlines (north up, 600×480 view box) and label anchors. Drawing order matters: Taipei sits
# inside New Taipei, so it is drawn last.
SHAPES = {
    "taoyuan": ("120,110 230,130 262,200 300,268 250,320 170,300 110,222 90,160", (185, 215)),
    "hsinchu_county": ("85,272 110,222 170,300 250,320 300,268 340,340 300,440 190,460 120,392 100,340",
                       (215, 385)),
    "hsinchu_city": ("30,282 82,268 98,338 58,360 22,326", (60, 318)),
    "yilan": ("450,230 500,150 545,210 565,310 525,430 420,452 340,340 380,280", (470, 330)),
    "new_taipei": ("250,60 380,28 470,80 500,150 450,230 380,280 300,268 262,200 230,130", (430, 110)),
    "taipei": ("305,122 368,108 402,150 384,202 332,214 298,172", (350, 162)),
}


@dataclass
class MapCity:
    code: str
    label: str
    hosting: bool
    points: str
    label_x: int
    label_y: int
    venues: list = field(default_factory=list)
    progress: object = None

    @property
    def venue_count(self) -> int:
        return len(self.venues)

    @property
    def role_label(self):
        return _("Host city") if self.hosting else _("Co-host city")


def build_map(*, campaign_code: str) -> tuple[list[MapCity], object]:
    """The six cities with their venues (one query) and recruitment figures (cached selector)."""
    from operations.selectors.recruitment import recruitment_status, venues_by_city

    status = recruitment_status(campaign_code=campaign_code, cities=list(WMG_CITIES))
    by_code = {row.city: row for row in status.cities}
    cities = {}
    for code in WMG_CITIES:
        points, (x, y) = SHAPES[code]
        row = by_code[code]
        cities[code] = MapCity(code, row.label, code in HOSTING, points, x, y, progress=row.progress)
    for venue in venues_by_city(campaign_code=campaign_code):
        if venue.city in cities:
            cities[venue.city].venues.append(venue)
    drawing_order = ["taoyuan", "hsinchu_county", "hsinchu_city", "yilan", "new_taipei", "taipei"]
    return [cities[c] for c in drawing_order], status


def progress_json(progress) -> dict:
    return {"needed": progress.needed, "signed_up": progress.signed_up, "percent": progress.percent}


def status_json(status) -> dict:
    """Recruitment status as public JSON: counts only, never a person."""
    return {
        "cities": [
            {"city": row.city, "label": str(row.label), "venue_count": row.venue_count,
             "hosting": row.city in HOSTING, **progress_json(row.progress)}
            for row in status.cities
        ],
        "overall": progress_json(status.overall),
        "venue_count": status.venue_count,
    }
