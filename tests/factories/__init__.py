"""factory_boy factories for the operations domain. Organisation nodes, grants, volunteers and
memberships are built through the application's own services, so that the tree, the audit trail and
the validation rules are exactly what production code produces."""
from .operations import (
    AuditEventFactory,
    CampaignFactory,
    CompetentAuthorityFactory,
    LanguageFactory,
    MembershipFactory,
    OrgNodeFactory,
    PositionFactory,
    PurposeAuthorityFactory,
    RoleGrantFactory,
    ServicePlanFactory,
    ShiftFactory,
    SignupFactory,
    SkillFactory,
    SubTeamFactory,
    TeamFactory,
    UnitFactory,
    UserFactory,
    VolunteerFactory,
    unique_national_id,
)

__all__ = [
    "AuditEventFactory", "CampaignFactory", "CompetentAuthorityFactory", "LanguageFactory", "MembershipFactory",
    "OrgNodeFactory", "PositionFactory", "PurposeAuthorityFactory", "RoleGrantFactory", "ServicePlanFactory",
    "ShiftFactory", "SignupFactory", "SkillFactory", "SubTeamFactory", "TeamFactory", "UnitFactory",
    "UserFactory", "VolunteerFactory", "unique_national_id",
]


def minimal_pdf() -> bytes:
    """A real one-page PDF (uploads are parsed, not only sniffed)."""
    import io

    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()
