"""The PDF and the PPTX as a meeting sees them: rendered to PNG, counted, and checked for empty pages.

The PDF goes through pdftoppm (poppler-utils); the PPTX through LibreOffice Impress
(`soffice --headless --convert-to pdf`, Debian's libreoffice-impress) and then pdftoppm. Both are
installed by scripts/ensure-chromium.sh. Without LibreOffice the PPTX test skips, except with CI=true,
where it fails.

"Mostly empty" is measured on a 6 × 6 grid over the whole page at 30 dpi: a cell carries ink when
at least 1% of its pixels are darker than near-white (value < 231), and a page passes when at least
60% of its 36 cells do and at least 5% of all its pixels are ink. Calibration (2026-11-30, demo
snapshot): the old exports' half-empty pages scored 31%, 33%, 36%, 44% and 50% of cells (PDF cover
and lagging page; PPTX cover, 典型 and lagging slides; 3.0–4.7% ink); every page of this pack scores
72% or more (PDF progress page and PPTX map slide are the lowest) and at least 7% ink.
"""

from __future__ import annotations

import io
import os
import shutil
import subprocess

import pytest

from dashboard.exports import pdf as pdf_export
from dashboard.exports import render

GRID = 6
CELL_INK = 0.01  # share of a cell's pixels for the cell to count as used
MIN_CELLS = 0.60  # share of used cells for a page not to be "mostly empty"
MIN_INK = 0.05  # share of ink pixels over the whole page
INK_BELOW = 231  # grey value: anything darker than this near-white is ink (the 230 grid lines count)
IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}

needs_browser = pytest.mark.skipif(not os.path.exists(render.browser_path()),
                                   reason="Chromium not installed (scripts/ensure-chromium.sh)")
needs_poppler = pytest.mark.skipif(not shutil.which("pdftoppm"), reason="poppler-utils not installed")


def soffice() -> str:
    found = shutil.which("soffice") or shutil.which("libreoffice")
    if not found:
        reason = "LibreOffice not installed (apt-get install libreoffice-impress; scripts/ensure-chromium.sh)"
        if IN_CI:
            pytest.fail(f"{reason} (CI=true: a missing renderer fails instead of skipping)", pytrace=False)
        pytest.skip(reason)
    return found


def pages_png(pdf: bytes, folder, dpi: int = 30) -> list:
    (folder / "doc.pdf").write_bytes(pdf)
    subprocess.run(["pdftoppm", "-r", str(dpi), "-png", str(folder / "doc.pdf"), str(folder / "page")], check=True,
                   timeout=120)
    return sorted(folder.glob("page-*.png"))


def fill(path) -> tuple[float, float]:
    """(share of grid cells with ink, share of ink pixels) of one rendered page."""
    import numpy as np
    from PIL import Image

    ink = np.asarray(Image.open(path).convert("L")) < INK_BELOW
    h, w = ink.shape
    cells = [ink[r * h // GRID:(r + 1) * h // GRID, c * w // GRID:(c + 1) * w // GRID].mean() >= CELL_INK
             for r in range(GRID) for c in range(GRID)]
    return sum(cells) / len(cells), float(ink.mean())


def assert_full(paths) -> None:
    scores = {p.name: fill(p) for p in paths}
    empty = {name: (round(c, 2), round(i, 3)) for name, (c, i) in scores.items() if c < MIN_CELLS or i < MIN_INK}
    assert not empty, f"mostly empty pages (cells, ink): {empty}"


def test_ren001_fill_measure_flags_a_half_empty_page(tmp_path):
    from PIL import Image, ImageDraw

    half = Image.new("RGB", (360, 203), "white")
    ImageDraw.Draw(half).rectangle([10, 10, 350, 90], fill="#0b3d6e")  # content in the top half only
    half.save(tmp_path / "half.png")
    full = Image.new("RGB", (360, 203), "white")
    for y in range(8, 200, 14):
        ImageDraw.Draw(full).line([10, y, 350, y], fill="#222222", width=2)  # lines of text down the page
    full.save(tmp_path / "full.png")
    assert fill(tmp_path / "half.png")[0] < MIN_CELLS
    assert fill(tmp_path / "full.png")[0] >= MIN_CELLS and fill(tmp_path / "full.png")[1] >= MIN_INK


@needs_browser
@needs_poppler
def test_ren002_pdf_one_full_page_per_topic(doc, pdf_bytes, tmp_path):
    from pypdf import PdfReader

    expected = pdf_export.pages(doc, {})
    titles = [p["title"] for p in expected]
    # cover, map, ranking, lagging, progress, composition, the unit table on two pages, 典型, 工作落实, 跟进事项
    assert len(expected) == 11, titles
    assert titles[1].startswith("各单位分布") and titles[3].startswith("落后单位") and titles[5].startswith("构成")
    paths = pages_png(pdf_bytes, tmp_path)
    assert len(paths) == len(expected)
    assert_full(paths)
    reader = PdfReader(io.BytesIO(pdf_bytes))
    for n, page in enumerate(reader.pages, start=1):
        text = "".join(page.extract_text().split())
        assert f"第{n}页/共{len(expected)}页" in text
        assert doc["title"].replace(" ", "") in text  # the title band (or the cover) names the snapshot
        assert "数据截至2017年5月31日" in text


@needs_browser
@needs_poppler
def test_ren003_pptx_slides_render_full(pptx_bytes, tmp_path):
    from pptx import Presentation

    office = soffice()
    (tmp_path / "deck.pptx").write_bytes(pptx_bytes)
    profile = tmp_path / "lo-profile"  # its own profile: runs in parallel do not share a lock
    subprocess.run([office, f"-env:UserInstallation=file://{profile}", "--headless", "--convert-to", "pdf",
                    "--outdir", str(tmp_path), str(tmp_path / "deck.pptx")], check=True, timeout=180,
                   capture_output=True)
    slides = len(Presentation(io.BytesIO(pptx_bytes)).slides)
    # cover with KPIs, 与去年同期比较, map, ranking, lagging, progress, composition, the unit table on three
    # slides, 典型, 跟进事项
    assert slides == 12
    paths = pages_png((tmp_path / "deck.pdf").read_bytes(), tmp_path)
    assert len(paths) == slides
    assert_full(paths)


def test_ren004_many_lagging_units_get_more_pages(doc):
    import copy

    crowded = copy.deepcopy(doc)
    unit = crowded["lagging"][0]
    crowded["lagging"] = [{**unit, "code": f"{unit['code']}-{i}", "name": f"{unit['name']}{i}"} for i in range(12)]
    titles = [p["title"] for p in pdf_export.pages(crowded, {})]
    lagging = [t for t in titles if t.startswith("落后单位")]
    assert lagging == ["落后单位及原因（12 个，按严重程度排序） 1/2", "落后单位及原因（12 个，按严重程度排序） 2/2"]
    few = copy.deepcopy(doc)
    few["lagging"] = few["lagging"][:2]
    assert "pace" in pdf_export.figures(few) and "pace" not in pdf_export.figures(crowded)


def test_ren005_followup_pages_follow_the_snapshot(doc):
    """The 工作落实 table and the follow-up page come from the frozen panel; an older snapshot without it has neither."""
    import copy

    from dashboard.exports import content

    table = content.followup_table(doc)
    assert [row[0][0] for row in table] == [u["name"] for u in doc["units"]]
    pingyi = next(row for row in table if row[0][0] == "平邑县")
    assert pingyi[2] == ("2/3，缺 1", True) and pingyi[3][1]  # short of instructors, no work log for 14 days
    attention = dict(content.followup_attention(doc))
    assert "平邑县 缺 1 人" in attention["专职指导员缺编"]
    titles = [p["title"] for p in pdf_export.pages(doc, {})]
    assert titles[-2].startswith("各单位工作落实") and titles[-1] == "需要跟进的事项"
    old = copy.deepcopy(doc)
    old.pop("followup")
    assert len(pdf_export.pages(old, {})) == len(titles) - 2


@needs_browser
@needs_poppler
def test_ren006_pdf_without_lagging_units_or_cases_is_still_full(doc, tmp_path):
    """No lagging unit: the lagging page pairs the rules with the 进度差 ranking; no 典型: no empty page for them."""
    import copy

    from dashboard.exports import export

    calm = copy.deepcopy(doc)
    calm["lagging"], calm["highlights"] = [], []
    for unit in calm["units"]:
        unit["lagging"] = False
    titles = [p["title"] for p in pdf_export.pages(calm, {})]
    assert "落后单位及原因（暂无）" in titles and not any(t.startswith("典型案例") for t in titles)
    paths = pages_png(export(calm, "pdf"), tmp_path)
    assert len(paths) == len(titles)
    assert_full(paths)
