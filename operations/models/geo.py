from django.db import models
from django.utils.translation import gettext_lazy as _


class City(models.TextChoices):
    """Taiwan's cities and counties (the six WMG cities first)."""

    TAIPEI = "taipei", _("Taipei City")
    NEW_TAIPEI = "new_taipei", _("New Taipei City")
    TAOYUAN = "taoyuan", _("Taoyuan City")
    HSINCHU_CITY = "hsinchu_city", _("Hsinchu City")
    HSINCHU_COUNTY = "hsinchu_county", _("Hsinchu County")
    YILAN = "yilan", _("Yilan County")
    KEELUNG = "keelung", _("Keelung City")
    TAICHUNG = "taichung", _("Taichung City")
    TAINAN = "tainan", _("Tainan City")
    KAOHSIUNG = "kaohsiung", _("Kaohsiung City")
    MIAOLI = "miaoli", _("Miaoli County")
    CHANGHUA = "changhua", _("Changhua County")
    NANTOU = "nantou", _("Nantou County")
    YUNLIN = "yunlin", _("Yunlin County")
    CHIAYI_CITY = "chiayi_city", _("Chiayi City")
    CHIAYI_COUNTY = "chiayi_county", _("Chiayi County")
    PINGTUNG = "pingtung", _("Pingtung County")
    HUALIEN = "hualien", _("Hualien County")
    TAITUNG = "taitung", _("Taitung County")
    PENGHU = "penghu", _("Penghu County")
    KINMEN = "kinmen", _("Kinmen County")
    LIENCHIANG = "lienchiang", _("Lienchiang County")
