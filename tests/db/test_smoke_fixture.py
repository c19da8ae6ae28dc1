from sqlalchemy import func, select

from db.engine import read_session
from db.models import Campaign, Unit, UnitCampaign


def test_pre001_preset_loads(preset_engine):
    with read_session(preset_engine) as s:
        assert s.scalar(select(func.count(Unit.id))) == 23
        assert s.scalar(select(func.count(Campaign.id))) == 1
        assert s.scalar(select(func.count()).select_from(UnitCampaign)) == 23
