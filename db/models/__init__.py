"""SQLAlchemy 2.0 typed models, one module per feature, all on one metadata (db.models.base.Base).

Tables are created by the Alembic migrations in db/migrations. Importing this package imports every
model module, so the metadata is complete wherever a model is used (the migration check compares it).
Feature modules import only `db.models.base` (and never this package), so there is no cycle.
"""

from db.models import cases, followup, review, snapshots  # noqa: E402, F401, I001  (register their tables)
from db.models.accounts import ApiToken, AuditEvent, SessionRevocation, User
from db.models.base import Base
from db.models.reports import Campaign, CampaignThreshold, Report, ReportLine, ReportTotal, Unit, UnitCampaign

__all__ = ["ApiToken", "AuditEvent", "Base", "Campaign", "CampaignThreshold", "Report", "ReportLine", "ReportTotal",
           "SessionRevocation", "Unit", "UnitCampaign", "User"]
