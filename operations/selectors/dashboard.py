from __future__ import annotations

from ..models import Campaign, CampaignStatus, OrgKind, OrgNode, Volunteer


def dashboard_counts(user) -> dict[str, int]:
    nodes = OrgNode.objects.visible_to(user).filter(is_active=True)
    return {
        "units": nodes.filter(kind=OrgKind.UNIT).count(),
        "teams": nodes.filter(kind__in=[OrgKind.TEAM, OrgKind.SUBTEAM]).count(),
        "volunteers": Volunteer.objects.visible_to(user).count(),
        "open_campaigns": Campaign.objects.visible_to(user).filter(status=CampaignStatus.OPEN).count(),
    }
