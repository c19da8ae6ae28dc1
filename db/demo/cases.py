"""Demo extension: typical cases with photos and locations, yearly case
targets, and the 6月10日 final summaries.

Deterministic: the cases are a fixed table, photos are drawn with Pillow from `random.Random`
seeded per case, timestamps are fixed. Files go through the same checks as a clerk's upload
(`db.cases.files.store`) into the upload directory (UPLOAD_DIR or instance/uploads/), under names
derived from their content ("demo-<sha256>"), so rebuilding the demo, or building it for several
test databases, reuses the same files instead of piling up new ones.

What the dashboard should show:
- 21 cases in 16 units, every level and every stage; 10 with a location inside their county, 4 市级典型.
- 蒙阴县 and the 临港经济开发区 have a target but no case (highlighted on /cases).
- Summaries: 18 of 23 units uploaded their 书面总结, 沂水县 two days late (6月12日); 蒙阴县, 平邑县,
  临港经济开发区, 中直省直驻临单位 and 市直机关 have not; 市直机关 sent pictures but no 书面总结.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import random
import zipfile
from xml.sax.saxutils import escape

from PIL import Image, ImageDraw
from sqlalchemy import delete as sql_delete
from sqlalchemy import select
from sqlalchemy.orm import Session

from db.cases import files, summaries
from db.cases import typical as cases
from db.models import Campaign
from db.models.cases import CasePhoto, CaseTarget, StoredFile, SummaryFile, TypicalCase

ACTOR = "demo"
CREATED = dt.datetime(2017, 3, 20, 9, 0)

# Yearly 典型培育目标 per unit (the others have none).
TARGETS = {
    "371302": 4, "371311": 3, "371312": 3, "371321": 2, "371322": 2, "371323": 3, "371324": 2, "371325": 2,
    "371326": 2, "371327": 2, "371328": 2, "371329": 2, "KF01": 2, "KF02": 2, "KF03": 1, "KF04": 1,
    "SZ01": 1, "SZ02": 1,
}

# (unit, level, stage, title, subject, summary, started, selected, (lon, lat) or None, photos, 市级典型)
CASES: tuple[tuple, ...] = (
    ("371302", "region", "selected", "商贸物流园区区域性工资集体协商", "兰山区商贸物流园区",
     "园区工会联合会代表 300 余家物流企业职工统一发出要约，按岗位测算工资增长幅度，签订区域性工资专项集体合同，"
     "覆盖职工 1.2 万人；建立季度协商例会制度，协商结果在园区公开栏公示。",
     dt.date(2017, 3, 6), dt.date(2017, 5, 18), (118.335, 35.090), 3, True),
    ("371302", "enterprise", "cultivating", "“四步协商法”提升协商实效", "临沂鲁南食品有限公司",
     "按“征集意见、测算依据、协商谈判、公示履约”四步开展协商，职工代表全程参与工资调整测算。",
     dt.date(2017, 4, 10), None, None, 1, False),
    ("371302", "industry", "follow_up", "板材行业工资集体协商跟踪服务", "兰山区板材行业",
     "2015 年选树的行业典型。本年度重点跟踪合同履行情况，行业最低工资标准较上年提高 8%。",
     dt.date(2015, 4, 1), dt.date(2015, 9, 20), (118.290, 35.150), 1, False),
    ("371311", "industry", "selected", "陶瓷行业工资集体协商", "罗庄区陶瓷行业协会",
     "行业工会与陶瓷行业协会就计件单价、高温津贴开展协商，形成行业工资指导线，覆盖 46 家企业。",
     dt.date(2017, 3, 12), dt.date(2017, 5, 25), (118.270, 34.960), 2, True),
    ("371311", "enterprise", "cultivating", "职工代表“点单式”提出要约", "临沂金盛化工有限公司",
     "职工代表通过意见箱和座谈会征集诉求，按“点单”方式形成要约内容。",
     dt.date(2017, 4, 20), None, None, 0, False),
    ("371312", "region", "cultivating", "工业园区区域性协商", "河东区工业园",
     "园区内中小企业较多，以区域性协商带动单独开展协商，已发出要约 60 份。",
     dt.date(2017, 3, 25), None, (118.450, 35.120), 1, False),
    ("371312", "enterprise", "selected", "协商与技能提升挂钩", "临沂河东轴承有限公司",
     "将技能等级与工资增长挂钩，协商确定技能津贴标准，职工参与技能培训率提高到 85%。",
     dt.date(2017, 3, 15), dt.date(2017, 5, 26), None, 1, False),
    ("371321", "enterprise", "selected", "电子企业工资协商“三公开”", "沂南县华强电子有限公司",
     "协商过程公开、测算数据公开、协商结果公开，职工满意度测评达 92%。",
     dt.date(2017, 3, 18), dt.date(2017, 5, 20), (118.470, 35.560), 2, False),
    ("371322", "industry", "follow_up", "木业行业工资集体协商跟踪服务", "郯城县木业行业",
     "2016 年选树的行业典型，今年继续开展协商，增设夜班津贴条款。",
     dt.date(2016, 3, 1), dt.date(2016, 8, 30), (118.360, 34.620), 1, False),
    ("371323", "enterprise", "selected", "食品企业工资协商与效益联动", "沂水县某食品集团",
     "建立工资与企业效益联动机制，约定利润增长时工资同步增长，全年职工平均工资增长 9%。",
     dt.date(2017, 3, 8), dt.date(2017, 5, 12), (118.630, 35.790), 3, True),
    ("371323", "region", "cultivating", "乡镇区域性工资集体协商", "沂水县许家湖镇",
     "以镇为单位组织小微企业开展区域性协商，正在培育中。",
     dt.date(2017, 4, 15), None, None, 0, False),
    ("371324", "industry", "cultivating", "蔬菜加工行业协商", "兰陵县蔬菜加工行业",
     "以季节性用工为重点，协商计件工资和用工保障，正在培育中。",
     dt.date(2017, 4, 5), None, None, 0, False),
    ("371325", "industry", "selected", "木业行业工资集体协商", "费县木业行业协会",
     "行业协商确定 12 个主要工种的劳动定额和工资标准，覆盖企业 80 余家。",
     dt.date(2017, 3, 10), dt.date(2017, 5, 22), (117.980, 35.270), 2, False),
    ("371326", "industry", "follow_up", "罐头食品行业协商跟踪服务", "平邑县罐头食品行业",
     "2016 年选树的行业典型，跟踪服务中发现部分企业履约不到位，已督促整改。",
     dt.date(2016, 3, 10), dt.date(2016, 9, 1), None, 0, False),
    ("371327", "region", "cultivating", "经济开发区区域性协商", "莒南县经济开发区",
     "开发区工会牵头组织区域性协商，已完成职工诉求征集。",
     dt.date(2017, 4, 1), None, (118.840, 35.170), 1, False),
    ("371329", "industry", "selected", "复合肥行业工资集体协商", "临沭县复合肥行业",
     "全国重要的复合肥生产基地，行业协商覆盖 30 家企业 8000 余名职工，协商成果写入行业自律公约。",
     dt.date(2017, 3, 5), dt.date(2017, 5, 15), (118.650, 34.920), 2, True),
    ("KF01", "enterprise", "selected", "高新技术企业协商引才留才", "临沂高新区某电子科技公司",
     "围绕研发人员薪酬结构开展协商，设立项目奖励和技术入股条款。",
     dt.date(2017, 3, 20), dt.date(2017, 5, 28), None, 1, False),
    ("KF02", "enterprise", "cultivating", "机械制造企业工资协商", "临沂经开区某机械有限公司",
     "正在培育，已完成第一轮协商。",
     dt.date(2017, 4, 12), None, None, 0, False),
    ("KF04", "industry", "cultivating", "旅游服务业工资集体协商", "蒙山旅游区旅游服务行业",
     "针对旅游旺季加班多的特点，协商加班工资和轮休办法。",
     dt.date(2017, 4, 18), None, None, 1, False),
    ("SZ01", "region", "selected", "商城市场片区区域性协商", "临沂商城西郊市场片区",
     "以市场片区为单位组织商户和从业人员开展区域性协商，覆盖商户 600 余家。",
     dt.date(2017, 3, 9), dt.date(2017, 5, 19), None, 2, False),
    ("SZ02", "enterprise", "follow_up", "煤矿企业工资集体协商跟踪服务", "临沂矿业集团某煤矿",
     "2014 年选树的企业典型，持续开展年度协商，井下一线职工工资增幅高于平均水平。",
     dt.date(2014, 3, 1), dt.date(2014, 10, 10), None, 1, False),
)

# Final summaries: unit -> (day in June 2017 of the 书面总结 or None, media files: photos, videos).
NOT_SUBMITTED = ("371326", "371328", "KF03", "SZ05", "SZ07")
LATE = {"371323": 12}  # uploaded 6月12日, after the 6月10日 deadline
MEDIA_ONLY = {"SZ07"}  # sent pictures but no 书面总结


def build(session: Session, campaign: Campaign, seed: int) -> None:
    directory = files.upload_dir()
    for code, target in TARGETS.items():
        cases.set_target(session, campaign.id, code, target)
    for index, (code, level, stage, title, subject, summary, started, selected, where, photos, city) in enumerate(
        CASES
    ):
        at = CREATED + dt.timedelta(days=index, hours=index % 5)
        fields = {"title": title, "subject": subject, "summary": summary, "level": level, "stage": stage,
                  "started_on": started, "selected_on": selected, "lon": where[0] if where else None,
                  "lat": where[1] if where else None}
        case = cases.create_case(session, campaign.id, code, fields, actor=ACTOR, now=at)
        rng = random.Random(f"{seed}-case-{index}")
        for k in range(photos):
            data = photo(rng)
            cases.add_case_photo(session, case.id, data, f"{subject}-{k + 1}.jpg", actor=ACTOR, directory=directory,
                                 now=at, stem=_stem(data))
        if city:
            cases.set_city_level(session, case.id, True, actor="demo-admin", now=at + dt.timedelta(days=30))
    for i, unit in enumerate(cases.units(session)):
        code = unit["code"]
        if code in NOT_SUBMITTED and code not in MEDIA_ONLY:
            continue
        day = LATE.get(code, 1 + i % 9)
        at = dt.datetime(2017, 6, day, 9 + i % 8, (7 * i) % 60)
        if code not in MEDIA_ONLY:
            data = summary_docx(unit["name"])
            summaries.add_summary_file(session, campaign.id, code, "written", data, f"{unit['name']}集中要约行动总结.docx",
                                   actor=ACTOR, directory=directory, now=at, stem=_stem(data))
        if i % 3 == 0 or code in MEDIA_ONLY:
            data = photo(random.Random(f"{seed}-summary-{code}"))
            summaries.add_summary_file(session, campaign.id, code, "media", data, f"{unit['name']}集中签约仪式.jpg",
                                   actor=ACTOR, directory=directory, now=at + dt.timedelta(minutes=5),
                                   stem=_stem(data))


def delete(session: Session, campaign_id: int) -> None:
    """The demo campaign's cases, photos links, targets, summaries and their file rows (files on disk
    are shared by content name between demo databases, so they stay)."""
    case_ids = select(TypicalCase.id).where(TypicalCase.campaign_id == campaign_id).scalar_subquery()
    file_ids = [
        *session.scalars(select(CasePhoto.file_id).where(CasePhoto.case_id.in_(case_ids))),
        *session.scalars(select(SummaryFile.file_id).where(SummaryFile.campaign_id == campaign_id)),
    ]
    session.execute(sql_delete(CasePhoto).where(CasePhoto.case_id.in_(case_ids)))
    session.execute(sql_delete(SummaryFile).where(SummaryFile.campaign_id == campaign_id))
    session.execute(sql_delete(TypicalCase).where(TypicalCase.campaign_id == campaign_id))
    session.execute(sql_delete(CaseTarget).where(CaseTarget.campaign_id == campaign_id))
    if file_ids:
        session.execute(sql_delete(StoredFile).where(StoredFile.id.in_(file_ids)))


def _stem(data: bytes) -> str:
    return "demo-" + hashlib.sha256(data).hexdigest()[:32]


def photo(rng: random.Random, size: tuple[int, int] = (720, 480)) -> bytes:
    """A plausible "photo" without text: sky, ground, buildings, a banner and a row of people."""
    w, h = size
    img = Image.new("RGB", size)
    draw = ImageDraw.Draw(img)
    sky = (rng.randint(120, 190), rng.randint(170, 215), rng.randint(215, 250))
    for y in range(h * 3 // 5):
        t = y / (h * 0.6)
        draw.line([(0, y), (w, y)], fill=tuple(int(c * (1 - 0.25 * t)) for c in sky))
    ground = (rng.randint(90, 140), rng.randint(100, 150), rng.randint(80, 110))
    draw.rectangle([0, h * 3 // 5, w, h], fill=ground)
    x = 0
    while x < w:
        bw, bh = rng.randint(60, 140), rng.randint(80, 220)
        grey = rng.randint(150, 225)
        draw.rectangle([x, h * 3 // 5 - bh, x + bw, h * 3 // 5], fill=(grey, grey - 10, grey - 20))
        for wy in range(h * 3 // 5 - bh + 12, h * 3 // 5 - 12, 22):
            for wx in range(x + 10, x + bw - 14, 20):
                draw.rectangle([wx, wy, wx + 8, wy + 10], fill=(90, 120, 160))
        x += bw + rng.randint(4, 30)
    banner_y = h * 3 // 5 - rng.randint(150, 200)
    draw.rectangle([w // 6, banner_y, w * 5 // 6, banner_y + 34], fill=(196, 30, 36))
    for k in range(rng.randint(8, 16)):
        px = int(w * (0.08 + 0.84 * k / 16)) + rng.randint(-6, 6)
        py = h * 3 // 5 + rng.randint(40, 90)
        shirt = rng.choice([(40, 60, 120), (200, 200, 205), (30, 30, 35), (150, 40, 40)])
        draw.ellipse([px - 9, py - 52, px + 9, py - 34], fill=(235, 200, 170))
        draw.rectangle([px - 12, py - 34, px + 12, py + 8], fill=shirt)
        draw.rectangle([px - 10, py + 8, px + 10, py + 40], fill=(35, 35, 45))
    out = io.BytesIO()
    img.save(out, "JPEG", quality=80)
    return out.getvalue()


_ZIP_TIME = (2017, 6, 1, 9, 0, 0)


def summary_docx(unit_name: str) -> bytes:
    """A minimal, valid Word document (docx) with a title and two paragraphs."""
    paragraphs = [
        f"{unit_name}2017年工资集体协商“集中要约”行动工作总结",
        "一、基本情况：按照市协调劳动关系三方的部署，我单位于3月启动集中要约行动。",
        "二、主要做法和成效：详见统计表及图片资料。",
    ]
    body = "".join(f"<w:p><w:r><w:t>{escape(p)}</w:t></w:r></w:p>" for p in paragraphs)
    parts = {
        "[Content_Types].xml": (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            '<Override PartName="/word/document.xml" '
            'ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/>'
            "</Types>"
        ),
        "_rels/.rels": (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            '<Relationship Id="rId1" Target="word/document.xml" '
            'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument"/>'
            "</Relationships>"
        ),
        "word/document.xml": (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
            '<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
            f"<w:body>{body}</w:body></w:document>"
        ),
    }
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, text in parts.items():
            zf.writestr(zipfile.ZipInfo(name, _ZIP_TIME), text.encode("utf-8"), zipfile.ZIP_DEFLATED)
    return out.getvalue()
