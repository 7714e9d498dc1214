from .applications import ApplicationStatus, UnitApplication
from .attendance import Attendance, AttendanceMethod, AttendanceOutcome, ServiceRecord, ShiftQrCode
from .audit import AuditAction, AuditEvent
from .geo import City
from .organisations import ALLOWED_CHILDREN, OrgKind, OrgNode, RegistrationType, UnitCategory
from .people import (
    ROLE_NODE_KINDS,
    ROLE_RANK,
    CadreRole,
    Language,
    Membership,
    Role,
    RoleGrant,
    Sex,
    Skill,
    User,
    Volunteer,
)
from .recruitment import (
    Campaign,
    CampaignStatus,
    FilingStatus,
    GuardianConsent,
    Position,
    ServicePlan,
    Shift,
    Signup,
    SignupMode,
    SignupStatus,
    VolunteerType,
)

__all__ = [
    "Attendance", "AttendanceMethod", "AttendanceOutcome", "ServiceRecord", "ShiftQrCode",
    "ALLOWED_CHILDREN", "ApplicationStatus", "AuditAction", "AuditEvent", "CadreRole", "Campaign", "CampaignStatus", "City",
    "FilingStatus", "GuardianConsent", "Language", "Membership", "OrgKind", "OrgNode", "Position", "ROLE_NODE_KINDS",
    "ROLE_RANK", "RegistrationType", "Role", "RoleGrant", "ServicePlan", "Sex", "Shift", "Signup",
    "SignupMode", "SignupStatus", "Skill", "UnitApplication", "UnitCategory", "User", "Volunteer", "VolunteerType",
]
from .rosters import ImportJob, ImportStatus, RosterImport, RosterStatus  # noqa: E402

__all__ += ["ImportJob", "ImportStatus", "RosterImport", "RosterStatus"]
from .outbox import EffectLog, OutboxMessage, OutboxStatus  # noqa: E402

__all__ += ["EffectLog", "OutboxMessage", "OutboxStatus"]
from .submissions import SubmissionKey  # noqa: E402

__all__ += ["SubmissionKey"]
from .insurance import CoverScope, InsuranceCover, InsurancePolicy, PolicyKind  # noqa: E402

__all__ += ["CoverScope", "InsuranceCover", "InsurancePolicy", "PolicyKind"]
from .training import (  # noqa: E402
    CertificateImport,
    CertificateSequence,
    CertificateSource,
    Course,
    CourseKind,
    Enrolment,
    EnrolmentStatus,
    TrainingCertificate,
    TrainingCountFrom,
    TrainingRequirement,
    TrainingSession,
)

__all__ += ["CertificateImport", "CertificateSequence", "CertificateSource", "Course", "CourseKind", "Enrolment", "EnrolmentStatus",
            "TrainingCertificate", "TrainingCountFrom", "TrainingRequirement", "TrainingSession"]
from .attendance import (  # noqa: E402
    MAX_HOURS_PER_DAY,
    ChangeKind,
    HourImport,
    HourSource,
    ServiceHoursMonth,
    ServiceRecordChange,
)

__all__ += ["MAX_HOURS_PER_DAY", "ChangeKind", "HourImport", "HourSource", "ServiceHoursMonth", "ServiceRecordChange"]
from .awards import (  # noqa: E402
    OPEN_NOMINATION,
    AwardLevel,
    AwardNomination,
    AwardReceipt,
    AwardScheme,
    CalendarStep,
    NominationStatus,
    Prerequisite,
)

__all__ += ["OPEN_NOMINATION", "AwardLevel", "AwardNomination", "AwardReceipt", "AwardScheme", "CalendarStep",
            "NominationStatus", "Prerequisite"]
from .reviews import (  # noqa: E402
    CHAINS,
    Decision,
    FormType,
    Review,
    ReviewAction,
    ReviewEvent,
    ReviewState,
)

__all__ += ["CHAINS", "Decision", "FormType", "Review", "ReviewAction", "ReviewEvent", "ReviewState"]
from .records import (  # noqa: E402
    BookStatus,
    IssueKind,
    NumberSequence,
    RecordBook,
    RecordBookBatch,
    RecordBookBatchEntry,
    ServiceId,
    ServiceIdStatus,
)

__all__ += ["BookStatus", "IssueKind", "NumberSequence", "RecordBook", "RecordBookBatch", "RecordBookBatchEntry",
            "ServiceId", "ServiceIdStatus"]
from .certificates import CertificateApplication, CertificateKind, CertificateStatus  # noqa: E402

__all__ += ["CertificateApplication", "CertificateKind", "CertificateStatus"]
from .privacy import PrivacyRequest, PrivacyRequestKind, PrivacyRequestStatus  # noqa: E402

__all__ += ["PrivacyRequest", "PrivacyRequestKind", "PrivacyRequestStatus"]
from .api_tokens import ApiToken  # noqa: E402

__all__ += ["ApiToken"]
from .reports import PeriodKind, PeriodReport, ReportStatus, period_bounds  # noqa: E402

__all__ += ["PeriodKind", "PeriodReport", "ReportStatus", "period_bounds"]
from .accounts import RecoveryCode  # noqa: E402

__all__ += ["RecoveryCode"]
from .codes import CityArea, District, ServiceCategory  # noqa: E402

__all__ += ["CityArea", "District", "ServiceCategory"]
from .kept import UnitHoursMonth, UnitMember  # noqa: E402

__all__ += ["UnitHoursMonth", "UnitMember"]
