"""The WMG venue map and recruitment figures: the cities that have venues drawn as a schematic SVG map that
we serve ourselves (north up; no openly licensed boundary data set is installable from a package registry —
the one on npm, @svg-maps/taiwan, may be redistributed only by its own project), each city coloured by its
recruitment percentage with the figure written on it. All figures come from `operations.selectors`; nothing
here counts anything itself, and the JSON of the figures is `operations.selectors.public.public_figures_json`
(one shape for the blocks, the page's API and the public endpoint). Which cities appear is data: the
cities of the campaign's venues."""
from __future__ import annotations

from dataclasses import dataclass, field

from django.utils.translation import gettext_lazy as _

from operations.selectors.public import host_cities
from operations.selectors.recruitment import city_order, recruitment_status, venues_by_city

CO_HOSTING = ("taoyuan", "hsinchu_city", "hsinchu_county", "yilan")


def wmg_cities() -> tuple[str, ...]:
    """The host cities (the city table's `hosting` flag, 系統管理 › 代碼表), then the co-hosting ones."""
    hosting = host_cities()
    return hosting + tuple(code for code in CO_HOSTING if code not in hosting)

# Schematic outlines of northern and central Taiwan (north up, 600-unit-wide view box), a label anchor and,
# for a city too small to hold its name, a label placed beside it. Drawing order matters: Taipei sits
# inside New Taipei and Keelung on its coast, so they are drawn after it.
SHAPES = {
    "taoyuan": ("120,110 230,130 262,200 300,268 250,320 170,300 110,222 90,160", (178, 215)),
    "hsinchu_county": ("85,272 110,222 170,300 250,320 300,268 340,340 300,440 190,460 120,392 100,340",
                       (215, 375)),
    "hsinchu_city": ("30,282 82,268 98,338 58,360 22,326", (8, 392)),
    "yilan": ("450,230 500,150 545,210 565,310 525,430 420,452 340,340 380,280", (470, 320)),
    "miaoli": ("58,360 98,338 120,392 190,460 300,440 330,520 220,560 90,520 40,430", (185, 500)),
    "taichung": ("40,430 90,520 220,560 330,520 420,452 440,560 360,640 200,660 60,600 20,520", (235, 600)),
    "new_taipei": ("250,60 380,28 470,80 500,150 450,230 380,280 300,268 262,200 230,130", (430, 100)),
    "keelung": ("468,70 505,58 528,88 500,112 472,100", (592, 40)),
    "taipei": ("305,122 368,108 402,150 384,202 332,214 298,172", (350, 152)),
}
DRAWING_ORDER = list(SHAPES)
# Cities too small to hold their name: the label sits beside the shape, aligned to the map's edge.
LABEL_ANCHOR = {"hsinchu_city": "start", "keelung": "end"}
# Percentage bands: the colour repeats the figure that is written on the map and in the legend.
BANDS = [(0, 19), (20, 39), (40, 59), (60, 79), (80, 100)]


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

    @property
    def drawn(self) -> bool:
        return bool(self.points)

    @property
    def band(self) -> int:
        percent = self.progress.percent if self.progress is not None else 0
        return next(i for i, (low, high) in enumerate(BANDS) if low <= percent <= high)

    @property
    def label_outside(self) -> bool:
        return self.code in LABEL_ANCHOR

    @property
    def label_anchor(self) -> str:
        return LABEL_ANCHOR.get(self.code, "middle")


def build_map(*, campaign_code: str) -> tuple[list[MapCity], object]:
    """The cities with venues in the campaign (one query) and their recruitment figures (cached selector),
    in drawing order; a city without a schematic shape is listed but not drawn."""
    venues = list(venues_by_city(campaign_code=campaign_code))
    codes = sorted({v.city for v in venues if v.city}, key=city_order) or list(wmg_cities())
    status = recruitment_status(campaign_code=campaign_code, cities=codes)
    hosting = host_cities()
    cities = {}
    for row in status.cities:
        points, (x, y) = SHAPES.get(row.city, ("", (0, 0)))
        cities[row.city] = MapCity(row.city, row.label, row.city in hosting, points, x, y, progress=row.progress)
    for venue in venues:
        if venue.city in cities:
            cities[venue.city].venues.append(venue)
    order = {code: i for i, code in enumerate(DRAWING_ORDER)}
    return sorted(cities.values(), key=lambda c: order.get(c.code, len(order))), status


def map_height(cities) -> int:
    """The view box's height: 480 for the six WMG cities, taller when a central city has venues."""
    bottom = 480
    for city in cities:
        for pair in city.points.split():
            bottom = max(bottom, int(pair.split(",")[1]) + 20)
    return bottom
