"""The template builder: every sheet, table, header, dropdown, format and block comes from the
schema; the VBA hook and the package post-processing; the sample data; `xl-milestones new`."""

from __future__ import annotations

import io
import re
import zipfile
from collections import Counter
from pathlib import Path

import openpyxl
import pytest
from openpyxl.workbook.workbook import Workbook as PyxlWorkbook

from xl_milestones.cli import main
from xl_milestones.core import schema as S
from xl_milestones.template import builder as B
from xl_milestones.template import styles
from xl_milestones.template.build import TEMPLATE_FILE
from xl_milestones.template.sample import AS_OF, sample_rows

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def template_bytes() -> bytes:
    return B.build_workbook_bytes()


@pytest.fixture(scope="module")
def sample_bytes() -> bytes:
    return B.build_workbook_bytes(sample=True)


@pytest.fixture(scope="module")
def template(template_bytes: bytes) -> PyxlWorkbook:
    return openpyxl.load_workbook(io.BytesIO(template_bytes))


@pytest.fixture(scope="module")
def sample(sample_bytes: bytes) -> PyxlWorkbook:
    return openpyxl.load_workbook(io.BytesIO(sample_bytes))


def _parts(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        return {n: z.read(n) for n in z.namelist()}


# ------------------------------------------------------------------------------ sheets, names


def test_sheet_order_has_every_schema_sheet_once(template: PyxlWorkbook) -> None:
    assert template.sheetnames == list(B.sheet_order())
    for sheet in S.ALL_SHEETS:
        assert template.sheetnames.count(sheet.name) == 1
    assert template.sheetnames[0] == B.START_SHEET
    assert template[B.LISTS_SHEET].sheet_state == "hidden"


def _start_lines(book: PyxlWorkbook) -> dict[str, str]:
    """The Start sheet's explanations, by the label on their left (column B)."""
    ws = book[B.START_SHEET]
    return {
        str(r[1].value): str(r[2].value) for r in ws.iter_rows(min_col=1, max_col=3) if r[2].value
    }


def test_start_sheet_says_what_the_buttons_do(template: PyxlWorkbook) -> None:
    lines = _start_lines(template)
    # Refresh rewrites every output sheet (the Lite refresh script is explained the same way).
    for sheet in S.OUTPUT_SHEETS:
        assert sheet.name in lines["Refresh"], sheet.name
    # The ribbon's Sign-off Pack passes no milestone (excel.macros.signoff_pack): its pack is
    # the default one, every milestone awaiting sign-off, ready ones first.
    pack = lines["Sign-off Pack"]
    assert "every milestone awaiting sign-off" in pack and "ready ones first" in pack
    assert "selected" not in pack
    # The header help ends in "Required." on a required column: the Start sheet says to look.
    assert "whether it is required" in lines["Input help"]


def test_start_sheet_says_the_payment_schedule_button_refreshes_first(
    template: PyxlWorkbook,
) -> None:
    # excel.macros.payment_schedule (the ribbon button and the Lite script) runs the whole
    # refresh, then shows the sheet, as the ribbon tip and the help text say: every result
    # column and output sheet is rewritten, not the Payment Schedule alone.
    lite = openpyxl.load_workbook(io.BytesIO(B.build_workbook_bytes(edition=B.LITE)))
    for book, label in ((template, "Payment Schedule"), (lite, "payment_schedule")):
        text = _start_lines(book)[label]
        assert text.startswith("Refreshes the workbook, then shows the Payment Schedule"), text


def _texts(book: PyxlWorkbook, sheet: str) -> str:
    return "\n".join(str(c.value) for row in book[sheet].iter_rows() for c in row if c.value)


def test_each_edition_says_how_it_refreshes_and_how_to_install(template: PyxlWorkbook) -> None:
    # The desktop edition refreshes with a ribbon button, Lite with a task pane script; the
    # package is installed from its folder, as README says (it is not on PyPI).
    lite = openpyxl.load_workbook(io.BytesIO(B.build_workbook_bytes(edition=B.LITE)))
    for book, action in (
        (template, "click Refresh on the Milestones tab"),
        (lite, "run refresh in the xlwings Lite task pane"),
    ):
        start, dashboard = _texts(book, B.START_SHEET), _texts(book, S.DASHBOARD.name)
        assert f"grey-headed ones when you {action}." in start
        assert f"fill in the input sheets, then {action}." in dashboard
    assert (
        "pip install -e <folder of the xl-milestones repository>"
        in _start_lines(template)["2. The package"]
    )


def test_code_names_are_unique_stable_vba_identifiers() -> None:
    names = B.code_names()
    assert set(names) == set(B.sheet_order())
    assert len(set(names.values())) == len(names)
    for code in names.values():
        assert re.fullmatch(r"sh[A-Za-z][A-Za-z0-9]{0,28}", code), code
    assert names["Sign-offs"] == "shSignOffs"
    assert names["xlwings.conf"] == "shXlwingsConf"
    assert names["FX Rates"] == "shFXRates"


def test_code_names_are_written(template_bytes: bytes) -> None:
    parts = _parts(template_bytes)
    assert b'codeName="ThisWorkbook"' in parts["xl/workbook.xml"]
    written = set()
    for name, data in parts.items():
        if name.startswith("xl/worksheets/sheet"):
            found = re.search(rb'codeName="([^"]+)"', data)
            assert found, name
            written.add(found.group(1).decode())
    assert written == set(B.code_names().values())


# ------------------------------------------------------------------------------ tables


@pytest.mark.parametrize(
    "sheet", [s for s in S.INPUT_SHEETS + S.OUTPUT_SHEETS if s.fields], ids=lambda s: s.key
)
def test_each_table_is_named_and_headed_from_the_schema(
    template: PyxlWorkbook, sheet: S.Sheet
) -> None:
    ws = template[sheet.name]
    assert list(ws.tables) == [sheet.table_name]
    table = ws.tables[sheet.table_name]
    headers = [c.value for c in ws[1][: len(sheet.fields)]]
    assert headers == [f.header for f in sheet.fields]
    assert table.ref.startswith("A1:")
    # The Payment Schedule keeps its Month, Contract ID and Currency in view.
    assert ws.freeze_panes in (("D2",) if sheet is S.PAYMENT_SCHEDULE else ("A2", "B2"))


def test_template_tables_offer_blank_rows(template: PyxlWorkbook) -> None:
    for sheet in S.INPUT_SHEETS:
        if sheet is S.SETTINGS:
            continue
        ws = template[sheet.name]
        ref = ws.tables[sheet.table_name].ref
        last_row = int(re.search(r"(\d+)$", ref).group(1))  # type: ignore[union-attr]
        assert last_row == 1 + B.TEMPLATE_BLANK_ROWS, sheet.name
        assert all(c.value is None for row in ws.iter_rows(min_row=2) for c in row)


def test_settings_lists_every_setting_with_its_default(template: PyxlWorkbook) -> None:
    ws = template[S.SETTINGS.name]
    rows = {r[0]: r[1] for r in ws.iter_rows(min_row=2, values_only=True)}
    assert list(rows) == [f.header for f in S.SETTING_FIELDS]
    for field in S.SETTING_FIELDS:
        want = field.default
        got = rows[field.header]
        if want is None:
            assert got is None, field.header
        else:
            assert str(got) == str(want) or float(got) == float(want), field.header  # type: ignore[arg-type]


def test_result_columns_are_shaded_and_headed_apart(template: PyxlWorkbook) -> None:
    ws = template[S.MILESTONES.name]
    for col, field in enumerate(S.MILESTONES.fields, start=1):
        header = ws.cell(1, col)
        fill = header.fill.fgColor.rgb[-6:]
        want = styles.RESULT_HEADER_FILL if field.result else styles.INPUT_HEADER_FILL
        assert fill == want.lstrip("#"), field.header
        assert header.font.i is field.result or (not field.result and not header.font.i)


def test_number_formats_follow_the_field_types(sample: PyxlWorkbook) -> None:
    for sheet in (S.CONTRACTS, S.MILESTONES, S.INVOICES):
        ws = sample[sheet.name]
        for col, field in enumerate(sheet.fields, start=1):
            want = styles.NUM_FORMATS.get(field.type)
            if want is None or field.type is S.FieldType.MONEY:  # money: by currency, below
                continue
            cells = next(iter(ws.iter_cols(min_col=col, max_col=col, min_row=2)))
            filled = [c for c in cells if c.value is not None]
            for cell in filled:
                assert cell.number_format == want, (sheet.name, field.header, cell.coordinate)


def test_sample_amounts_show_their_contracts_minor_units(sample: PyxlWorkbook) -> None:
    # The sample's JPY contract (C-008): its amounts on every input sheet show no decimals, as
    # a refresh shows its results (48,000,000 where 48,000,000.00 was printed); the others two.
    from xl_milestones.numformats import money_number_format

    rows = sample_rows()
    currency = {str(c["contract_id"]): str(c["currency"]) for c in rows[S.CONTRACTS.key]}
    contract_of = {str(m["milestone_id"]): str(m["contract_id"]) for m in rows[S.MILESTONES.key]}
    seen = set()
    for sheet in (S.CONTRACTS, S.MILESTONES, S.CHANGE_ORDERS, S.INVOICES, S.ISSUES):
        ws = sample[sheet.name]
        headers = [c.value for c in ws[1]]
        for r in range(2, ws.max_row + 1):
            row = dict(zip(headers, (c.value for c in ws[r]), strict=True))
            contract = row.get("Contract ID") or contract_of[str(row["Milestone ID"])]
            for field in sheet.fields:
                cell = ws.cell(r, headers.index(field.header) + 1)
                if field.type is S.FieldType.MONEY and cell.value is not None and not field.result:
                    want = money_number_format(currency[str(contract)])
                    assert cell.number_format == want, (sheet.name, cell.coordinate)
                    seen.add((sheet.name, want))
    assert {("Contracts", "#,##0"), ("Invoices", "#,##0"), ("Invoices", "#,##0.00")} <= seen


# ------------------------------------------------------------------------------ validation


def _validations(ws: object) -> dict[str, object]:
    out = {}
    for dv in ws.data_validations.dataValidation:  # type: ignore[attr-defined]
        for rng in str(dv.sqref).split():
            out[rng] = dv
    return out


def test_enum_dropdowns_come_from_the_lists_sheet(template: PyxlWorkbook) -> None:
    lists = template[B.LISTS_SHEET]
    for sheet in S.INPUT_SHEETS:
        if sheet is S.SETTINGS:
            continue
        dvs = _validations(template[sheet.name])
        for col, field in enumerate(sheet.fields, start=1):
            letter = openpyxl.utils.get_column_letter(col)
            dv = dvs.get(f"{letter}2:{letter}{B.LAST_ROW + 1}")
            if field.result:
                assert dv is None
                continue
            if field.enum:
                assert dv is not None and dv.type == "list", field.header
                name = dv.formula1
                defined = template.defined_names[name]
                ref = defined.attr_text.split("!")[1].replace("$", "")
                values = [c.value for row in lists[ref] for c in row]
                assert tuple(values) == field.enum
            elif field.type is S.FieldType.DATE:
                assert dv is not None and dv.type == "date"
            elif field.type is S.FieldType.INT:
                assert dv is not None and dv.type == "whole"
            elif field.type is S.FieldType.RATIO and field.exclusive_minimum:
                assert dv is not None and dv.type == "custom"  # a formula: see below
            elif field.type in (S.FieldType.MONEY, S.FieldType.RATIO, S.FieldType.NUMBER):
                assert dv is not None and dv.type == "decimal"
            elif field.type is S.FieldType.YESNO:
                assert dv is not None and dv.formula1 == '"yes,no"'


def _list_values(book: PyxlWorkbook, dv: object) -> list[object]:
    """The values a list validation offers, read from the Lists range its name refers to."""
    ref = book.defined_names[dv.formula1].attr_text.split("!")[1].replace("$", "")  # type: ignore[attr-defined]
    return [c.value for row in book[B.LISTS_SHEET][ref] for c in row]


def test_currency_columns_offer_the_codes_the_validator_knows(template: PyxlWorkbook) -> None:
    # A currency the validator refuses ('Euro', '£') is refused as it is typed.
    from xl_milestones.core.currencies import MINOR_UNITS

    codes = sorted(MINOR_UNITS)
    for sheet in (S.CONTRACTS, S.FX_RATES):
        letter = openpyxl.utils.get_column_letter(sheet.fields.index(sheet.field("currency")) + 1)
        dv = _validations(template[sheet.name])[f"{letter}2:{letter}{B.LAST_ROW + 1}"]
        assert dv.type == "list" and _list_values(template, dv) == codes, sheet.name  # type: ignore[attr-defined]
        assert "ISO 4217" in dv.error  # type: ignore[attr-defined]
    settings = template[S.SETTINGS.name]
    row = [c.value for c in settings["A"]].index("Reporting Currency") + 1
    dv = _validations(settings)[f"B{row}"]
    assert dv.type == "list" and _list_values(template, dv) == codes  # type: ignore[attr-defined]


def test_ratio_ranges_follow_the_schema(template: PyxlWorkbook) -> None:
    dvs = _validations(template[S.CONTRACTS.name])
    col = [f.name for f in S.CONTRACTS.fields].index("retention_rate") + 1
    letter = openpyxl.utils.get_column_letter(col)
    dv = dvs[f"{letter}2:{letter}{B.LAST_ROW + 1}"]
    assert (float(dv.formula1), float(dv.formula2)) == (0.0, 0.5)  # type: ignore[attr-defined]
    assert "10%" in dv.error  # type: ignore[attr-defined]


_COMPARE = {
    "between": lambda v, a, b: a <= v <= b,
    "greaterThan": lambda v, a, b: v > a,
    "greaterThanOrEqual": lambda v, a, b: v >= a,
    ">": lambda v, a, b: v > a,
    ">=": lambda v, a, b: v >= a,
    "<": lambda v, a, b: v < a,
    "<=": lambda v, a, b: v <= a,
}


def _dv_accepts(dv: object, cell: str, value: float) -> bool:
    """Whether Excel lets ``value`` be typed into ``cell`` under the data validation ``dv``:
    a decimal or whole-number check, or a custom formula that is a conjunction of
    comparisons of the cell (``AND(ISNUMBER(N2),N2>0,N2<=1)``)."""
    kind, f1, f2 = dv.type, dv.formula1, dv.formula2  # type: ignore[attr-defined]
    if kind == "custom":
        terms = re.fullmatch(r"=?AND\((.*)\)", f1).group(1).split(",")  # type: ignore[union-attr]
        assert terms[0] == f"ISNUMBER({cell})", f1
        for term in terms[1:]:
            op, limit = re.fullmatch(rf"{cell}(>=|<=|>|<)(-?[0-9.E+-]+)", term).groups()  # type: ignore[union-attr]
            if not _COMPARE[op](value, float(limit), None):
                return False
        return True
    assert kind in ("decimal", "whole"), kind
    op = dv.operator or "between"  # type: ignore[attr-defined]
    return bool(_COMPARE[op](value, float(f1), float(f2) if f2 is not None else None))


def _numeric_inputs() -> list[tuple[S.Sheet, S.Field]]:
    numeric = (S.FieldType.RATIO, S.FieldType.MONEY, S.FieldType.NUMBER, S.FieldType.INT)
    fields = [(s, f) for s in S.INPUT_SHEETS if s is not S.SETTINGS for f in s.fields]
    fields += [(S.SETTINGS, f) for f in S.SETTING_FIELDS]
    return [(s, f) for s, f in fields if f.type in numeric and not f.result]


@pytest.mark.parametrize(
    ("sheet", "field"), _numeric_inputs(), ids=lambda x: getattr(x, "name", "")
)
def test_number_checks_accept_what_the_validator_accepts(
    template: PyxlWorkbook, sheet: S.Sheet, field: S.Field
) -> None:
    # At the schema's bounds and just beyond them, a number the template lets a user type is
    # one the validator takes, and the other way round: an Advance Recovery Rate of 0% must be
    # refused as it is typed, not by the next refresh.
    from decimal import Decimal

    from xl_milestones.core.coerce import Problem, converter

    ws = template[sheet.name]
    if sheet is S.SETTINGS:
        row = [c.value for c in ws["A"]].index(field.header) + 1
        cell = ref = f"B{row}"
    else:
        letter = openpyxl.utils.get_column_letter(sheet.fields.index(field) + 1)
        cell, ref = f"{letter}2", f"{letter}2:{letter}{B.LAST_ROW + 1}"
    dv = _validations(ws)[ref]
    step = Decimal("0.001") if field.type is S.FieldType.RATIO else Decimal(1)
    lo = field.minimum if field.minimum is not None else Decimal(-1000)
    hi = field.maximum if field.maximum is not None else Decimal(10**9)
    convert = converter(field)
    for value in (lo - step, lo, lo + step, (lo + hi) / 2, hi - step, hi, hi + step):
        if field.type is S.FieldType.INT:
            value = value.to_integral_value()
        taken = not isinstance(convert(float(value)), Problem)
        assert _dv_accepts(dv, cell, float(value)) == taken, (field.header, value, taken)


def test_headers_carry_the_schema_descriptions(template: PyxlWorkbook) -> None:
    dvs = _validations(template[S.MILESTONES.name])
    for col, field in enumerate(S.MILESTONES.fields, start=1):
        dv = dvs[f"{openpyxl.utils.get_column_letter(col)}1"]
        assert dv.prompt.startswith(field.description[:200])  # type: ignore[attr-defined]
        if field.result:
            assert "Refresh" in dv.prompt  # type: ignore[attr-defined]


def test_conditional_formats_colour_every_status_and_rag(template: PyxlWorkbook) -> None:
    ws = template[S.MILESTONES.name]
    seen: Counter[str] = Counter()
    for rng in ws.conditional_formatting:
        for rule in rng.rules:
            for formula in rule.formula or ():
                seen[formula.strip('"')] += 1
    for value in (*S.STATUSES, *S.RAGS, "Overdue"):
        assert seen[value] >= 1, value
    assert any("FALSE" in f for f in seen), "blocked sign-off rule"


def test_signoff_queue_colours_overdue_rows(template: PyxlWorkbook) -> None:
    sheet = S.SIGNOFF_QUEUE
    ws = template[sheet.name]
    assert list(ws.tables) == [sheet.table_name]
    overdue = "J"  # Days Overdue, the tenth column
    assert [f.name for f in sheet.fields].index("days_overdue") == 9
    rules = [(str(rng.sqref), r) for rng in ws.conditional_formatting for r in rng.rules]
    assert len(rules) == 1
    where, rule = rules[0]
    assert where.startswith("A2:M")  # the whole row, every column
    assert rule.formula == [f"AND(ISNUMBER(${overdue}2),${overdue}2>0)"]
    assert rule.dxf.fill is not None


# ------------------------------------------------------------------------------ dashboard


def test_dashboard_blocks_sit_at_their_schema_positions(template: PyxlWorkbook) -> None:
    ws = template[S.DASHBOARD.name]
    for block in S.DASHBOARD_BLOCKS:
        first = openpyxl.utils.column_index_from_string(block.first_column)
        headers = [ws.cell(block.header_row, first + i).value for i in range(len(block.fields))]
        assert headers == [f.header for f in block.fields]
        assert ws.cell(block.header_row - 1, first).value == block.title
    kpi_col = openpyxl.utils.column_index_from_string(S.DASHBOARD_KPIS.first_column)
    n = len(S.DASHBOARD_METRICS)
    labels = [ws.cell(S.DASHBOARD_KPIS.header_row + 1 + i, kpi_col).value for i in range(n)]
    assert labels == [label for _, label in S.DASHBOARD_METRICS]


def test_charts_read_the_status_and_scurve_blocks(template_bytes: bytes) -> None:
    parts = _parts(template_bytes)
    charts = sorted(n for n in parts if n.startswith("xl/charts/chart"))
    assert len(charts) == 3
    xml = b"".join(parts[n] for n in charts).decode()
    st = S.DASHBOARD_STATUS
    first = st.header_row + 1
    last = first + len(S.STATUSES) - 1
    assert f"Dashboard!${st.first_column}${first}:${st.first_column}${last}" in xml
    assert "<c:barChart>" in xml


def test_two_s_curves_one_basis_each(template_bytes: bytes) -> None:
    # The value curve draws Planned, Forecast and Certified Value; the cash curve Due,
    # Invoiced and Paid; each titled with its basis, and no chart mixes the two.
    parts = _parts(template_bytes)
    lines = [d.decode() for n, d in sorted(parts.items()) if b"<c:lineChart>" in d]
    assert len(lines) == 2
    sc = S.DASHBOARD_SCURVE
    first = sc.header_row + 1
    last = first + B.SCURVE_TEMPLATE_ROWS - 1
    col = openpyxl.utils.column_index_from_string(sc.first_column)
    letters = {f.name: openpyxl.utils.get_column_letter(col + i) for i, f in enumerate(sc.fields)}
    for xml, (title, names) in zip(lines, S.DASHBOARD_SCURVE_CHARTS, strict=True):
        assert title in xml
        drawn = set(re.findall(rf"Dashboard!\$([A-Z]+)\${first}:", xml)) - {sc.first_column}
        assert drawn == {letters[n] for n in names}
        for n in names:
            assert f"Dashboard!${letters[n]}${first}:${letters[n]}${last}" in xml
    assert "excl. VAT" in S.DASHBOARD_SCURVE_CHARTS[0][0]
    assert "incl. VAT" in S.DASHBOARD_SCURVE_CHARTS[1][0]


def test_the_dashboard_prints_one_page_across(template: PyxlWorkbook) -> None:
    ws = template[S.DASHBOARD.name]
    assert ws.page_setup.orientation == "landscape"
    assert (ws.page_setup.fitToWidth or 1, ws.page_setup.fitToHeight) == (1, 0)


# ------------------------------------------------------------------------------ xlwings, print


def test_xlwings_conf_has_keys_from_a1_down(template: PyxlWorkbook) -> None:
    ws = template[B.XLWINGS_CONF_SHEET]
    keys = []
    for row in ws.iter_rows(min_col=1, max_col=2, values_only=True):
        if row[0] is None:
            break
        keys.append(row)
    conf = dict(keys)
    assert conf["UDF Modules"] == B.UDF_MODULE
    assert conf["Interpreter_Win"] is None and conf["Interpreter_Mac"] is None
    assert conf["Show Console"] is False and conf["Use UDF Server"] is False


def test_printed_sheets_are_landscape_and_wide_tables_span_pages(template: PyxlWorkbook) -> None:
    for sheet in (*S.INPUT_SHEETS, *S.OUTPUT_SHEETS):
        ws = template[sheet.name]
        assert ws.page_setup.orientation == "landscape", sheet.name
        assert ws.sheet_properties.pageSetUpPr.fitToPage, sheet.name
        if not sheet.fields:  # the Dashboard: one page
            continue
        assert ws.page_setup.fitToHeight == 0, sheet.name  # as many pages down as the rows need
        assert ws.print_title_rows in ("1:1", "$1:$1"), sheet.name
        letters = [openpyxl.utils.get_column_letter(i + 1) for i in range(len(sheet.fields))]
        width = sum(ws.column_dimensions[c].width for c in letters)
        pages = ws.page_setup.fitToWidth or 1
        # About 75% scale or more: a wide table goes over several pages, its ID column on each.
        assert width / pages <= B.PAGE_WIDTH_CHARS, sheet.name
        if pages > 1:
            # The columns that say what a row is about, on each page across.
            keys = "$A:$C" if sheet is S.PAYMENT_SCHEDULE else "$A:$A"
            assert ws.print_title_cols in (keys, keys.replace("$", "")), sheet.name
    assert template[S.MILESTONES.name].page_setup.fitToWidth >= 3
    assert template[S.PAYMENT_SCHEDULE.name].page_setup.fitToWidth >= 2


def test_payment_schedule_months_show_as_on_the_dashboard(template: PyxlWorkbook) -> None:
    ws = template[S.PAYMENT_SCHEDULE.name]
    assert ws.column_dimensions["A"].number_format == "mmm yyyy"


# ------------------------------------------------------------------------------ package, VBA


def test_workbook_part_is_macro_enabled_without_a_vba_project(template_bytes: bytes) -> None:
    types = _parts(template_bytes)["[Content_Types].xml"].decode()
    assert B.XLSM_MAIN in types and B.XLSX_MAIN not in types
    assert "xl/vbaProject.bin" not in _parts(template_bytes)


def test_vba_project_and_parts_hook(tmp_path: Path) -> None:
    seen: list[str] = []

    def hook(parts: dict[str, bytes]) -> None:
        seen.extend(parts)
        parts["customUI/customUI14.xml"] = b"<customUI/>"

    payload = b"\xd0\xcf\x11\xe0 fake vba project"
    path = tmp_path / "book.xlsm"
    B.build_workbook(path, vba_project=payload, parts_hook=hook)
    parts = _parts(path.read_bytes())
    assert parts["xl/vbaProject.bin"] == payload
    assert parts["customUI/customUI14.xml"] == b"<customUI/>"
    assert "[Content_Types].xml" in seen
    types = parts["[Content_Types].xml"].decode()
    assert B.XLSM_MAIN in types and "vbaProject" in types


def test_zip_entries_have_fixed_timestamps(template_bytes: bytes) -> None:
    with zipfile.ZipFile(io.BytesIO(template_bytes)) as z:
        assert {i.date_time for i in z.infolist()} == {B.ZIP_DATE}
        assert z.namelist()[0] == "[Content_Types].xml"
    core = _parts(template_bytes)["docProps/core.xml"].decode()
    assert "2026-01-01T00:00:00Z" in core


# ------------------------------------------------------------------------------ sample


def test_sample_has_what_the_demo_needs() -> None:
    rows = sample_rows()
    contracts = rows[S.CONTRACTS.key]
    milestones = rows[S.MILESTONES.key]
    assert len(contracts) >= 12
    assert len({c["currency"] for c in contracts}) >= 3
    assert len(milestones) >= 80
    assert {m["milestone_type"] for m in milestones} == set(S.MILESTONE_TYPES)
    decisions = Counter(s["decision"] for s in rows[S.SIGNOFFS.key])
    assert decisions["rejected"] == 1 and decisions["approved"] > 10
    changes = rows[S.CHANGE_ORDERS.key]
    assert any(c["value_change"] for c in changes) and any(c["extension_days"] for c in changes)
    invoices = rows[S.INVOICES.key]
    assert any(i["paid_amount"] and i["paid_amount"] < i["invoice_amount"] for i in invoices)
    assert sum(1 for i in rows[S.ISSUES.key] if i["category"] == "dispute") == 1
    assert rows[S.HOLIDAYS.key] and rows[S.FX_RATES.key] and rows[S.APPROVAL_RULES.key]
    settings = {r["setting"]: r["value"] for r in rows[S.SETTINGS.key]}
    assert settings[S.SETTING_FIELDS[0].header] == AS_OF
    ids = [m["milestone_id"] for m in milestones]
    assert len(ids) == len(set(ids))


def test_sample_leaves_result_columns_blank(sample: PyxlWorkbook) -> None:
    ws = sample[S.MILESTONES.name]
    for col, field in enumerate(S.MILESTONES.fields, start=1):
        if field.result:
            values = [c.value for c in next(ws.iter_cols(min_col=col, max_col=col, min_row=2))]
            assert all(v is None for v in values), field.header


def test_sample_columns_are_wide_enough(sample: PyxlWorkbook) -> None:
    # A column narrower than its longest shown value prints as ### (numbers) or cut text.
    rows = sample_rows()
    for sheet in S.INPUT_SHEETS:
        if sheet is S.SETTINGS:
            continue
        ws = sample[sheet.name]
        for col, field in enumerate(sheet.fields, start=1):
            width = ws.column_dimensions[openpyxl.utils.get_column_letter(col)].width
            for row in rows[sheet.key]:
                value = row.get(field.name)
                if value is None:
                    continue
                if field.type is S.FieldType.MONEY:
                    shown = f"{float(value):,.2f}"  # type: ignore[arg-type]
                elif field.type is S.FieldType.RATIO:
                    shown = f"{float(value):.2%}"  # type: ignore[arg-type]
                else:
                    # Long free text is cut at the widest column rather than stretch the sheet.
                    shown = str(value)[: int(styles.MAX_WIDTH)]
                assert len(shown) <= width, (sheet.name, field.header, shown, width)


def test_sample_is_deterministic() -> None:
    assert B.build_workbook_bytes(sample=True) == B.build_workbook_bytes(sample=True)


# ------------------------------------------------------------------------------ new


def test_new_writes_the_template(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "book.xlsm"
    assert main(["new", str(target)]) == 0
    # the committed template: the builder's workbook with the VBA project and the ribbon
    assert target.read_bytes() == (ROOT / "workbook" / TEMPLATE_FILE).read_bytes()
    assert "wrote" in capsys.readouterr().out
    assert [p.name for p in tmp_path.iterdir()] == ["book.xlsm"]


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("book.xls", "ending in .xlsm (the desktop edition, with the ribbon) or .xlsx"),
        ("book", "ending in .xlsm"),
        ("missing/book.xlsm", "does not exist"),
    ],
)
def test_new_refuses_bad_paths(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], name: str, message: str
) -> None:
    assert main(["new", str(tmp_path / name)]) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err
    assert not (tmp_path / name).exists()


def test_new_keeps_an_existing_file_unless_forced(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "book.xlsm"
    target.write_bytes(b"my work")
    assert main(["new", str(target)]) == 2
    assert "already exists" in capsys.readouterr().err
    assert target.read_bytes() == b"my work"
    assert main(["new", "--force", str(target)]) == 0
    assert target.read_bytes() == (ROOT / "workbook" / TEMPLATE_FILE).read_bytes()


def test_new_leaves_nothing_behind_when_the_build_fails(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(out: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("xl_milestones.template.build.build_template", broken)
    target = tmp_path / "book.xlsm"
    assert main(["new", str(target)]) == 2
    assert list(tmp_path.iterdir()) == []
