"""Work reports (工作报告): the dashboard's figures for one node and period, written as sentences,
tables and charts, rendered to PDF (WeasyPrint + Noto CJK), .xlsx (openpyxl) and .docx (python-docx).

Numbers come from ``selectors.dashboard_figures`` only, so a report equals the dashboard for the
same node and period. Charts are drawn on the server: SVG for the PDF, PNG (Pillow) for Word.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from html import escape
from typing import Any

from linli.grants.money import wan
from linli.insights import selectors as s
from linli.places.models import Place

CJK_FONT_FILES = (
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc",
)
FONT_FAMILY = "Noto Sans CJK SC"


def pct(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.1f}%"


@dataclass
class Table:
    title: str
    header: list[str]
    rows: list[list[Any]]


@dataclass
class Bars:
    title: str
    labels: list[str]
    values: list[float]


@dataclass
class ReportContent:
    title: str
    node: str
    period: str
    sentences: list[str]
    tables: list[Table] = field(default_factory=list)
    charts: list[Bars] = field(default_factory=list)
    figures: dict[str, Any] = field(default_factory=dict)


def figures_dict(board: s.Dashboard) -> dict[str, Any]:
    """The report's numbers by name (stored on the report; tests compare them with the dashboard)."""
    t, m = board.totals, board.modules
    return {
        "received": t.received,
        "valid": t.valid,
        "resolved": t.resolved,
        "rated": t.rated,
        "satisfied": t.satisfied,
        "unsatisfied": t.unsatisfied,
        "response_rate": t.response_rate,
        "resolution_rate": t.resolution_rate,
        "satisfaction_rate": t.satisfaction_rate,
        "on_time_rate": t.on_time_rate,
        "grassroots_share": t.grassroots_share,
        "in_compound": t.in_compound,
        "compound_share": t.compound_share,
        "grassroots": t.grassroots,
        "in_street": t.in_street,
        "street_share": t.street_share,
        "overdue_now": board.overdue_now,
        "visits": m.visits,
        "people_served": m.people_served,
        "visit_coverage": m.visit_coverage,
        "activities": m.activities,
        "volunteer_hours": m.volunteer_hours,
        "wishes_collected": m.wishes_collected,
        "wishes_fulfilled": m.wishes_fulfilled,
        "mediation_closed": m.mediation_closed,
        "mediation_success": m.mediation_success,
        "mediation_success_rate": m.mediation_success_rate,
        "wishes_rated": m.wishes_rated,
        "wishes_satisfied": m.wishes_satisfied,
        "wish_satisfaction_rate": m.wish_satisfaction_rate,
        "meetings_held": m.meetings_held,
        "heart_to_heart_meetings": m.heart_to_heart_meetings,
        "joint_meetings": m.joint_meetings,
        "compounds": m.compounds,
        "compounds_with_party_org": m.compounds_with_party_org,
        "party_org_coverage": m.party_org_coverage,
        "party_groups": m.party_groups,
        "center_households": m.center_households,
        "volunteer_teams": m.volunteer_teams,
        "stations": m.stations,
        "social_organisations": m.social_organisations,
        "partner_units": m.partner_units,
        "reported_members": m.reported_members,
        "reported_services": m.reported_services,
        "reported_hours": m.reported_hours,
        "visits_and_meetings": m.visits_and_meetings,
        "joint_decisions_done": m.joint_decisions_done,
        "post_claims": m.post_claims,
        "post_categories": m.post_categories,
        "post_claims_by_category": {c.key: c.claims for c in m.post_claims_by_category},
        "orders_resolved": m.orders_resolved,
        "orders_resolved_by_members": m.orders_resolved_by_members,
        "problems_listed": m.problems_listed,
        "problems_signed_off": m.problems_signed_off,
        "funds_granted_fen": m.funds_granted_fen,
        "party_members": m.party_members,
        "retired_party_members": m.retired_party_members,
        "secretaries_in_committee": m.secretaries_in_committee,
        "recognitions": m.recognitions,
        "secretaries_recognised": m.secretaries_recognised,
    }


def build_content(node: Place, period: s.Period, title: str) -> ReportContent:
    board = s.dashboard_figures(node, period)
    t, m = board.totals, board.modules
    span = f"{period.since:%Y年%-m月%-d日}至{period.until:%Y年%-m月%-d日}"
    sentences = [
        f"截至报告生成时,{node.name}共有小区{m.compounds}个,其中{m.compounds_with_party_org}个建有小区党组织"
        f"(小区党组织覆盖率{pct(m.party_org_coverage)});建成党小组{m.party_groups}个、党员中心户{m.center_households}户。",
        f"截至报告生成时,辖区党支部有党员{m.party_members}名,其中离退休党员{m.retired_party_members}名;"
        f"{m.secretaries_in_committee}名小区党支部书记进入社区“两委”。",
        f"{span},{node.name}共受理群众诉求{t.received}件,其中有效诉求{t.valid}件;"
        f"响应率{pct(t.response_rate)},解决率{pct(t.resolution_rate)},满意率{pct(t.satisfaction_rate)}。",
        f"解决问题{t.resolved}个,按时办结率{pct(t.on_time_rate)};"
        f"在小区内解决{t.in_compound}个,小区解决占比{pct(t.compound_share)};"
        f"在社区及以下解决{t.grassroots}个,基层解决占比{pct(t.grassroots_share)};"
        f"在街道内解决{t.in_street}个,街道内解决占比{pct(t.street_share)}。"
        f"截至报告生成时,仍有超期未办结诉求{board.overdue_now}件。",
        f"开展入户走访{m.visits}批次、服务群众{m.people_served}人次,走访覆盖{m.households_visited}户"
        f"(覆盖率{pct(m.visit_coverage)});开展志愿服务活动{m.activities}场,志愿服务时长{m.volunteer_hours:g}小时。",
        f"收集微心愿{m.wishes_collected}个,实现{m.wishes_fulfilled}个,心愿人满意度{pct(m.wish_satisfaction_rate)};"
        f"调解矛盾纠纷结案{m.mediation_closed}件,调解成功{m.mediation_success}件,调解成功率{pct(m.mediation_success_rate)}。",
        f"召开议事协商会议{m.meetings_held}次,其中恳谈会{m.heart_to_heart_meetings}次、联席会议{m.joint_meetings}次;"
        f"累计开展党群家访、议事协商等活动{m.visits_and_meetings}次。",
        f"联席会议推动解决难题{m.joint_decisions_done}个;认领服务岗位{m.post_claims}个(涉及{m.post_categories}类岗位);"
        f"从接单大厅接单解决群众诉求{m.orders_resolved}件,其中党员接单解决{m.orders_resolved_by_members}件;"
        f"建立居民问题清单{m.problems_listed}个,责任销号{m.problems_signed_off}个;"
        f"整合党建经费{wan(m.funds_granted_fen)}万元;获“两优一先”表彰{m.recognitions}项,"
        f"其中小区党支部书记{m.secretaries_recognised}名。",
        f"现有志愿服务队{m.volunteer_teams}支、红色驿站(微岗亭){m.stations}个,社会组织{m.social_organisations}个、"
        f"共建单位{m.partner_units}家;在职党员到社区报到{m.reported_members}名,期内报到服务{m.reported_services}人次、"
        f"{m.reported_hours:g}小时。",
    ]
    if board.hotspots:
        spots = "、".join(f"{h.place.name}的{h.category}问题({h.received}件)" for h in board.hotspots[:3])
        sentences.append(f"诉求较集中的点位有:{spots},建议列入“未诉先办”重点。")
    if board.ranking:
        best = board.ranking[0]
        sentences.append(
            f"期内诉求不少于{board.min_requests}件的下级单位中,{best.place.name}满意率最高({pct(best.figures.satisfaction_rate)})。"
        )
    tables = [
        Table(
            "主要指标",
            ["指标", "数值"],
            [
                ["受理诉求(件)", t.received],
                ["有效诉求(件)", t.valid],
                ["响应率", pct(t.response_rate)],
                ["解决率", pct(t.resolution_rate)],
                ["满意率", pct(t.satisfaction_rate)],
                ["按时办结率", pct(t.on_time_rate)],
                ["小区解决占比", pct(t.compound_share)],
                ["基层解决占比", pct(t.grassroots_share)],
                ["街道内解决占比", pct(t.street_share)],
                ["未诉先办(主动发现)占比", pct(board.proactive_share)],
                ["解决问题(个)", t.resolved],
                ["不满意(件)", t.unsatisfied],
                ["当前超期(件)", board.overdue_now],
                ["走访(批次)", m.visits],
                ["服务群众(人次)", m.people_served],
                ["走访覆盖率", pct(m.visit_coverage)],
                ["志愿服务活动(场)", m.activities],
                ["志愿服务时长(小时)", f"{m.volunteer_hours:g}"],
                ["收集微心愿(个)", m.wishes_collected],
                ["实现微心愿(个)", m.wishes_fulfilled],
                ["微心愿满意度", pct(m.wish_satisfaction_rate)],
                ["调解成功率", pct(m.mediation_success_rate)],
                ["议事协商会议(次)", m.meetings_held],
                ["恳谈会(次)", m.heart_to_heart_meetings],
                ["联席会议(次)", m.joint_meetings],
                ["小区(个)", m.compounds],
                ["建有党组织的小区(个)", m.compounds_with_party_org],
                ["小区党组织覆盖率", pct(m.party_org_coverage)],
                ["党小组(个)", m.party_groups],
                ["党员中心户(户)", m.center_households],
                ["志愿服务队(支)", m.volunteer_teams],
                ["红色驿站(个)", m.stations],
                ["社会组织(个)", m.social_organisations],
                ["共建单位(家)", m.partner_units],
                ["报到在职党员(名)", m.reported_members],
                ["在职党员报到服务(人次)", m.reported_services],
                ["在职党员报到服务时长(小时)", f"{m.reported_hours:g}"],
                ["党员(名)", m.party_members],
                ["离退休党员(名)", m.retired_party_members],
                ["进入社区“两委”的小区党支部书记(名)", m.secretaries_in_committee],
                ["党群家访、议事协商等活动(次)", m.visits_and_meetings],
                ["联席会议推动解决难题(个)", m.joint_decisions_done],
                ["认领服务岗位(个)", m.post_claims],
                ["认领岗位类别(类)", m.post_categories],
                ["接单解决诉求(件)", m.orders_resolved],
                ["党员接单解决诉求(件)", m.orders_resolved_by_members],
                ["建立居民问题清单(个)", m.problems_listed],
                ["问题清单责任销号(个)", m.problems_signed_off],
                ["整合党建经费(万元)", wan(m.funds_granted_fen)],
                ["“两优一先”表彰(项)", m.recognitions],
                ["获表彰的小区党支部书记(名)", m.secretaries_recognised],
            ],
        ),
        Table(
            "服务岗位认领(按类别)",
            ["岗位类别", "认领(个)"],
            [[c.label, c.claims] for c in m.post_claims_by_category],
        ),
        Table(
            "下级单位",
            [
                "单位",
                "受理",
                "响应率",
                "解决率",
                "满意率",
                "按时办结率",
                "小区解决占比",
                "基层解决占比",
                "街道内解决占比",
            ],
            [
                [
                    b.place.name,
                    b.figures.received,
                    pct(b.figures.response_rate),
                    pct(b.figures.resolution_rate),
                    pct(b.figures.satisfaction_rate),
                    pct(b.figures.on_time_rate),
                    pct(b.figures.compound_share),
                    pct(b.figures.grassroots_share),
                    pct(b.figures.street_share),
                ]
                for b in board.children
            ],
        ),
        Table("诉求分类", ["分类", "受理(件)"], [[c.label, c.received] for c in board.categories]),
        Table("诉求来源", ["来源", "受理(件)"], [[c.label, c.received] for c in board.sources]),
    ]
    charts = [
        Bars("诉求趋势(受理件数)", [p.label for p in board.trend], [float(p.received) for p in board.trend]),
        Bars("诉求分类(受理件数)", [c.label for c in board.categories], [float(c.received) for c in board.categories]),
    ]
    return ReportContent(
        title=f"{node.name}{title}",
        node=node.name,
        period=period.label,
        sentences=sentences,
        tables=tables,
        charts=charts,
        figures=figures_dict(board),
    )


# --- charts ------------------------------------------------------------------------------------


def bars_svg(chart: Bars, width: int = 640, height: int = 220) -> str:
    """A bar chart as SVG (text in the CJK font WeasyPrint embeds)."""
    n = max(1, len(chart.values))
    top = max(chart.values or [0]) or 1
    left, bottom, plot_h = 40, 50, height - 70
    step = (width - left - 10) / n
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" font-family="{FONT_FAMILY}" font-size="10">',
        f'<line x1="{left}" y1="{height - bottom}" x2="{width - 10}" y2="{height - bottom}" stroke="#888"/>',
    ]
    for i, (label, value) in enumerate(zip(chart.labels, chart.values, strict=False)):
        h = plot_h * value / top
        x = left + i * step + step * 0.15
        y = height - bottom - h
        parts.append(f'<rect x="{x:.1f}" y="{y:.1f}" width="{step * 0.7:.1f}" height="{h:.1f}" fill="#b8322a"/>')
        parts.append(f'<text x="{x + step * 0.35:.1f}" y="{y - 3:.1f}" text-anchor="middle">{value:g}</text>')
        parts.append(
            f'<text x="{x + step * 0.35:.1f}" y="{height - bottom + 14}" text-anchor="end" '
            f'transform="rotate(-35 {x + step * 0.35:.1f} {height - bottom + 14})">{escape(label)}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)


def bars_png(chart: Bars, width: int = 1200, height: int = 420) -> bytes:
    from PIL import Image, ImageDraw, ImageFont

    img = Image.new("RGB", (width, height), "white")
    draw = ImageDraw.Draw(img)
    font: Any = None
    for path in CJK_FONT_FILES:
        try:
            font = ImageFont.truetype(path, 18)
            break
        except OSError:
            continue
    font = font or ImageFont.load_default()
    n = max(1, len(chart.values))
    top = max(chart.values or [0]) or 1
    left, bottom, plot_h = 60, 90, height - 130
    step = (width - left - 20) / n
    draw.line([(left, height - bottom), (width - 20, height - bottom)], fill="#888", width=2)
    for i, (label, value) in enumerate(zip(chart.labels, chart.values, strict=False)):
        h = plot_h * value / top
        x = left + i * step + step * 0.15
        y = height - bottom - h
        draw.rectangle([x, y, x + step * 0.7, height - bottom], fill="#b8322a")
        draw.text((x, y - 24), f"{value:g}", fill="#222", font=font)
        draw.text((x, height - bottom + 8), label[:6], fill="#222", font=font)
    out = io.BytesIO()
    img.save(out, "PNG")
    return out.getvalue()


# --- renderers ---------------------------------------------------------------------------------


def render_html(content: ReportContent) -> str:
    body = [f"<h1>{escape(content.title)}</h1>", f'<p class="period">统计区间:{escape(content.period)}</p>']
    body += [f"<p>{escape(x)}</p>" for x in content.sentences]
    for chart in content.charts:
        body.append(f"<h2>{escape(chart.title)}</h2><div class='chart'>{bars_svg(chart)}</div>")
    for table in content.tables:
        body.append(f"<h2>{escape(table.title)}</h2><table><thead><tr>")
        body += [f"<th>{escape(h)}</th>" for h in table.header]
        body.append("</tr></thead><tbody>")
        for row in table.rows:
            body.append("<tr>" + "".join(f"<td>{escape(str(c))}</td>" for c in row) + "</tr>")
        body.append("</tbody></table>")
    css = (
        f"@page {{ size: A4; margin: 18mm 16mm; @bottom-center {{ content: counter(page); font-size: 9pt; }} }}"
        f"body {{ font-family: '{FONT_FAMILY}', 'Noto Serif CJK SC', sans-serif; font-size: 11pt; line-height: 1.7; }}"
        "h1 { font-size: 18pt; text-align: center; } h2 { font-size: 13pt; margin-top: 14pt; }"
        ".period { text-align: center; color: #555; } p { text-indent: 2em; }"
        "table { border-collapse: collapse; width: 100%; font-size: 10pt; }"
        "th, td { border: 1px solid #999; padding: 3pt 5pt; text-align: left; }"
    )
    head = f"<head><meta charset='utf-8'><style>{css}</style></head>"
    return f"<!doctype html><html lang='zh-CN'>{head}<body>{''.join(body)}</body></html>"


def render_pdf(content: ReportContent) -> bytes:
    from weasyprint import HTML

    return HTML(string=render_html(content)).write_pdf()


def render_xlsx(content: ReportContent) -> bytes:
    from openpyxl import Workbook
    from openpyxl.chart import BarChart, Reference
    from openpyxl.styles import Font

    wb = Workbook()
    ws = wb.active
    ws.title = "报告"
    ws.append([content.title])
    ws["A1"].font = Font(bold=True, size=14)
    ws.append([f"统计区间:{content.period}"])
    for sentence in content.sentences:
        ws.append([sentence])
    ws.column_dimensions["A"].width = 24
    for table in content.tables:
        sheet = wb.create_sheet(table.title[:31])
        sheet.append(table.header)
        for row in table.rows:
            sheet.append(list(row))
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        sheet.column_dimensions["A"].width = 22
    for i, chart in enumerate(content.charts):
        sheet = wb.create_sheet(f"图{i + 1}")
        sheet.append(["项目", "数值"])
        for label, value in zip(chart.labels, chart.values, strict=False):
            sheet.append([label, value])
        if chart.values:
            bar = BarChart()
            bar.title = chart.title
            bar.add_data(Reference(sheet, min_col=2, min_row=1, max_row=len(chart.values) + 1), titles_from_data=True)
            bar.set_categories(Reference(sheet, min_col=1, min_row=2, max_row=len(chart.values) + 1))
            sheet.add_chart(bar, "D2")
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def render_docx(content: ReportContent) -> bytes:
    from docx import Document
    from docx.oxml.ns import qn
    from docx.shared import Cm

    doc = Document()
    style = doc.styles["Normal"]
    style.font.name = FONT_FAMILY
    style.element.rPr.rFonts.set(qn("w:eastAsia"), FONT_FAMILY)  # CJK text needs the East Asian font slot
    doc.add_heading(content.title, level=0)
    doc.add_paragraph(f"统计区间:{content.period}")
    for sentence in content.sentences:
        doc.add_paragraph(sentence)
    for chart in content.charts:
        doc.add_heading(chart.title, level=2)
        doc.add_picture(io.BytesIO(bars_png(chart)), width=Cm(16))
    for table in content.tables:
        doc.add_heading(table.title, level=2)
        grid = doc.add_table(rows=1, cols=len(table.header))
        grid.style = "Table Grid"
        for cell, text in zip(grid.rows[0].cells, table.header, strict=False):
            cell.text = str(text)
        for row in table.rows:
            cells = grid.add_row().cells
            for cell, value in zip(cells, row, strict=False):
                cell.text = str(value)
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()
