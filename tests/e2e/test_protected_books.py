"""Refreshing workbooks their users protected, marked or shared, through the real command line:
sheet protection, the workbook's structure lock, read-only recommended, mark as final,
sensitivity labels, a signed VBA project, external links, connections and Power Query parts
are kept byte for byte; what Excel itself would forbid (adding a sheet to a structure-locked
workbook, writing a legacy shared workbook outside its change history) is refused with one
line, exit code 2 and the file untouched."""

from __future__ import annotations

import re
import zipfile
from collections.abc import Callable
from pathlib import Path

import openpyxl
import pytest
from tests.tools import ooxml_validate, run_cli
from tests.writerbooks import sheet_parts, zip_parts

from xl_milestones.core.schema import CHANGES, DASHBOARD, PAYMENT_SCHEDULE, REFRESH_LOG, VALIDATION
from xl_milestones.template.build import SAMPLE_FILE, build_sample

Edit = Callable[[bytes], bytes]


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path: Path = tmp_path_factory.mktemp("sample") / SAMPLE_FILE
    build_sample(path)
    return path


def edited(src: Path, dst: Path, edits: dict[str, Edit], added: dict[str, bytes]) -> Path:
    """``src`` with some parts edited and some added, every other entry as it was."""
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = zin.read(info)
            zout.writestr(info, edits[info.filename](data) if info.filename in edits else data)
        for name, data in added.items():
            zout.writestr(name, data)
    return dst


def appended(close: bytes, new: bytes) -> Edit:
    """An edit that puts ``new`` right before the element closing ``close``."""
    return lambda data: data.replace(close, new + close, 1)


def refused(capsys: pytest.CaptureFixture[str], book: Path, *words: str) -> None:
    """Both refreshes (in place and to --output) refuse ``book`` in one line naming it."""
    before = book.read_bytes()
    out = book.with_name("out.xlsm")
    for args in (("refresh", str(book)), ("refresh", str(book), "--output", str(out))):
        code, stdout, err = run_cli(capsys, *args)
        assert (code, stdout) == (2, ""), err
        assert err.startswith(f"xl-milestones: error: {book}: "), err
        assert all(w in err for w in words), err
        assert len(err.strip().splitlines()) == 1 and "Traceback" not in err
        assert book.read_bytes() == before and not out.exists()
        assert not book.with_name(book.name + ".bak").exists()


def after_sheet_data(new: bytes) -> Edit:
    """An edit that puts ``new`` right after a worksheet's cells, as Excel places
    ``<sheetProtection>``."""
    return lambda data: re.sub(rb"(</sheetData>|<sheetData/>)", lambda m: m.group(1) + new, data)


PROTECTIONS = {
    # Excel's own: a SHA-512 hash of the password, and the legacy 16-bit hash; and none.
    "Milestones": b'<sheetProtection algorithmName="SHA-512" hashValue="Zq1GJ8Fvq0gNdmqQmz2Uf3Q'
    b'x5fzkbeRZ0tS8+QJUTkbxY3pWvHSsVYqUW3r4vn5E2D0q7K2e5QxqZCwQm1aWMw==" saltValue="QGJvSVd'
    b'i1ZbqzxW1nTJ7Ng==" spinCount="100000" sheet="1" objects="1" scenarios="1"/>',
    PAYMENT_SCHEDULE.name: b'<sheetProtection password="CC3D" sheet="1" objects="1" '
    b'scenarios="1" formatRows="0"/>',
    DASHBOARD.name: b'<sheetProtection sheet="1" objects="1" scenarios="1"/>',
    VALIDATION.name: b'<sheetProtection sheet="1" autoFilter="0"/>',
}


def test_sheet_protection_is_kept_in_its_place_through_two_refreshes(
    sample: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    parts = sheet_parts(sample)
    edits = {parts[s]: after_sheet_data(p) for s, p in PROTECTIONS.items()}
    book = edited(sample, tmp_path / "book.xlsm", edits, {})
    for _ in range(2):
        code, _out, err = run_cli(capsys, "refresh", str(book))
        assert code == 0, err
        after = zip_parts(book)
        for sheet, protection in PROTECTIONS.items():
            found = re.findall(rb"<sheetProtection[^>]*>", after[parts[sheet]])
            assert found == [protection], sheet
    assert ooxml_validate(book) == []  # each in its place in the worksheet's element order


LOCK = b'<workbookProtection lockStructure="1"/>'


def _locked(sample: Path, tmp_path: Path, *deleted: str) -> Path:
    """The sample without the sheets ``deleted``, its structure then locked."""
    wb = openpyxl.load_workbook(sample, keep_vba=True)
    for name in deleted:
        del wb[name]
    plain = tmp_path / "plain.xlsm"
    wb.save(plain)
    return edited(
        plain, tmp_path / "locked.xlsm", {"xl/workbook.xml": appended(b"<bookViews", LOCK)}, {}
    )


def test_a_structure_locked_workbook_lacking_output_sheets_is_refused_naming_them(
    sample: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    book = _locked(sample, tmp_path, CHANGES.name, REFRESH_LOG.name, DASHBOARD.name)
    refused(capsys, book, "structure is protected", "Changes, Refresh Log, Dashboard", "unprotect")


def test_a_structure_locked_workbook_with_every_sheet_is_refreshed_and_stays_locked(
    sample: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    book = _locked(sample, tmp_path)
    code, _out, err = run_cli(capsys, "refresh", str(book))
    assert code == 0, err
    assert re.findall(rb"<workbookProtection[^>]*>", zip_parts(book)["xl/workbook.xml"]) == [LOCK]


_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/"
_CT = "application/vnd.openxmlformats-officedocument.spreadsheetml."
_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"


def _rel(rid: str, kind: str, target: str) -> bytes:
    return f'<Relationship Id="{rid}" Type="{kind}" Target="{target}"/>'.encode()


def _override(part: str, ctype: str) -> bytes:
    return f'<Override PartName="/{part}" ContentType="{ctype}"/>'.encode()


def test_a_legacy_shared_workbook_is_refused_and_still_validated(
    sample: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    headers = (
        f'<headers xmlns="{_MAIN}" xmlns:r="{_REL[:-1]}" guid="{{8E3A1C55-0C5B-4A3E-9D0A-'
        '1B2C3D4E5F60}" shared="1" diskRevisions="1" revisionId="1" version="2"><header guid="'
        '{8E3A1C55-0C5B-4A3E-9D0A-1B2C3D4E5F60}" dateTime="2026-06-29T10:00:00" maxSheetId="21"'
        ' userName="Ann" r:id="rId1"><sheetIdMap count="1"><sheetId val="1"/></sheetIdMap>'
        "</header></headers>"
    ).encode()
    log = f'<revisions xmlns="{_MAIN}"/>'.encode()
    rels = (
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        + _rel("rId1", _REL + "revisionLog", "revisionLog1.xml").decode()
        + "</Relationships>"
    ).encode()
    book = edited(
        sample,
        tmp_path / "shared.xlsm",
        {
            "xl/_rels/workbook.xml.rels": appended(
                b"</Relationships>",
                _rel("rId90", _REL + "revisionHeaders", "revisions/revisionHeaders.xml"),
            ),
            "[Content_Types].xml": appended(
                b"</Types>",
                _override("xl/revisions/revisionHeaders.xml", _CT + "revisionHeaders+xml")
                + _override("xl/revisions/revisionLog1.xml", _CT + "revisionLog+xml"),
            ),
        },
        {
            "xl/revisions/revisionHeaders.xml": headers,
            "xl/revisions/revisionLog1.xml": log,
            "xl/revisions/_rels/revisionHeaders.xml.rels": rels,
        },
    )
    refused(capsys, book, "shared", "stop sharing it")
    code, _out, err = run_cli(capsys, "validate", str(book))
    assert code == 0, err


CUSTOM = (
    b'<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/custom-properties"'
    b' xmlns:vt="http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes">'
    b'<property fmtid="{D5CDD505-2E9C-101B-9397-08002B2CF9AE}" pid="2" name="_MarkAsFinal">'
    b"<vt:bool>true</vt:bool></property>"
    b'<property fmtid="{D5CDD505-2E9C-101B-9397-08002B2CF9AE}" pid="3" '
    b'name="MSIP_Label_f42aa342-8706-4288-bd11-ebb85995028c_Enabled"><vt:lpwstr>true</vt:lpwstr>'
    b"</property></Properties>"
)
LABELS = (
    b'<clbl:labelList xmlns:clbl="http://schemas.microsoft.com/office/2020/mipLabelMetadata">'
    b'<clbl:label id="{f42aa342-8706-4288-bd11-ebb85995028c}" enabled="1" method="Standard" '
    b'siteId="{72f988bf-86f1-41af-91ab-2d7cd011db47}" removed="0"/></clbl:labelList>'
)
EXTERNAL_LINK = (
    f'<externalLink xmlns="{_MAIN}" xmlns:r="{_REL[:-1]}"><externalBook r:id="rId1">'
    '<sheetNames><sheetName val="Rates"/></sheetNames></externalBook></externalLink>'
).encode()
CONNECTIONS = (
    f'<connections xmlns="{_MAIN}"><connection id="1" name="Query - Rates" type="5" '
    'refreshedVersion="8"><dbPr connection="Provider=Microsoft.Mashup.OleDb.1;Data Source='
    '$Workbook$;Location=Rates" command="SELECT * FROM [Rates]"/></connection></connections>'
).encode()
MASHUP = (
    '<?xml version="1.0" encoding="utf-16"?><DataMashup '
    'xmlns="http://schemas.microsoft.com/DataMashup">AAAAAEQCAABQSwMEFAACAAgA</DataMashup>'
).encode("utf-16")


def test_marks_labels_signatures_links_and_queries_are_kept_byte_for_byte(
    sample: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    office = "http://schemas.microsoft.com/office/"
    book = edited(
        sample,
        tmp_path / "marked.xlsm",
        {
            "_rels/.rels": appended(
                b"</Relationships>",
                _rel("rId90", _REL + "custom-properties", "docProps/custom.xml")
                + _rel(
                    "rId91",
                    office + "2020/02/relationships/classificationlabels",
                    "docMetadata/LabelInfo.xml",
                ),
            ),
            "xl/_rels/workbook.xml.rels": appended(
                b"</Relationships>",
                _rel("rId90", _REL + "externalLink", "externalLinks/externalLink1.xml")
                + _rel("rId91", _REL + "connections", "connections.xml")
                + _rel("rId92", _REL + "customXml", "../customXml/item1.xml"),
            ),
            "xl/workbook.xml": lambda d: appended(
                b"<workbookPr", b'<fileSharing readOnlyRecommended="1" userName="Ann"/>'
            )(
                appended(
                    b"<definedNames",
                    b'<externalReferences><externalReference r:id="rId90"/></externalReferences>',
                )(d)
            ),
            "[Content_Types].xml": appended(
                b"</Types>",
                _override(
                    "docProps/custom.xml",
                    "application/vnd.openxmlformats-officedocument.custom-properties+xml",
                )
                + _override(
                    "docMetadata/LabelInfo.xml",
                    "application/vnd.ms-office.classificationlabels+xml",
                )
                + _override("xl/externalLinks/externalLink1.xml", _CT + "externalLink+xml")
                + _override("xl/connections.xml", _CT + "connections+xml")
                + _override(
                    "xl/vbaProjectSignature.bin", "application/vnd.ms-office.vbaProjectSignature"
                ),
            ),
        },
        {
            "docProps/custom.xml": CUSTOM,
            "docMetadata/LabelInfo.xml": LABELS,
            "xl/externalLinks/externalLink1.xml": EXTERNAL_LINK,
            "xl/externalLinks/_rels/externalLink1.xml.rels": (
                '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/'
                'relationships"><Relationship Id="rId1" Type="' + _REL + 'externalLinkPath" '
                'Target="rates.xlsx" TargetMode="External"/></Relationships>'
            ).encode(),
            "xl/connections.xml": CONNECTIONS,
            "customXml/item1.xml": MASHUP,
            "xl/_rels/vbaProject.bin.rels": (
                '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/'
                'relationships">'
                + _rel(
                    "rId1",
                    office + "2006/relationships/vbaProjectSignature",
                    "vbaProjectSignature.bin",
                ).decode()
                + "</Relationships>"
            ).encode(),
            "xl/vbaProjectSignature.bin": b"\x01signature" * 64,
        },
    )
    before = zip_parts(book)
    out = tmp_path / "copy.xlsm"
    for args in (
        ("refresh", str(book)),
        ("refresh", str(book)),
        ("refresh", str(book), "--output", str(out)),
    ):
        code, _out, err = run_cli(capsys, *args)
        assert code == 0, err
    for path in (book, out):
        after = zip_parts(path)
        assert list(after) == list(before)
        kept = {
            n for n in before if not n.startswith(("xl/worksheets/", "xl/tables/", "xl/charts/"))
        }
        kept -= {"xl/styles.xml"}
        assert {n for n in kept if after[n] != before[n]} == set()
    assert re.search(rb"<fileSharing readOnlyRecommended", zip_parts(book)["xl/workbook.xml"])


@pytest.mark.parametrize(
    "sharing",
    [
        b'<fileSharing userName="Ann" reservationPassword="CC3D"/>',
        b'<fileSharing userName="Ann" algorithmName="SHA-512" hashValue="Zq1GJ8Fvq0gNdmqQ"'
        b' saltValue="QGJvSVdi1ZbqzxW1nTJ7Ng==" spinCount="100000"/>',
    ],
)
def test_a_password_to_modify_keeps_the_workbook_from_a_refresh_in_place(
    sample: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], sharing: bytes
) -> None:
    # Excel opens such a workbook read-only without the password; a refresh in place changed
    # it all the same. A refreshed copy (--output) is a new file, password and all.
    book = edited(
        sample,
        tmp_path / "guarded.xlsm",
        {"xl/workbook.xml": lambda data: data.replace(b"<workbookPr", sharing + b"<workbookPr", 1)},
        {},
    )
    before = book.read_bytes()
    code, stdout, err = run_cli(capsys, "refresh", str(book))
    assert (code, stdout) == (2, "")
    assert err == (
        f"xl-milestones: error: {book}: the workbook has a password to modify (Excel opens it "
        "read-only without it), so it is not refreshed in place: give --output for a refreshed "
        "copy, or remove the password (File > Save As > Tools > General Options) and refresh "
        "again\n"
    )
    assert book.read_bytes() == before and not book.with_name(book.name + ".bak").exists()
    out = tmp_path / "copy.xlsm"
    assert run_cli(capsys, "refresh", str(book), "--output", str(out))[0] == 0
    assert sharing in zip_parts(out)["xl/workbook.xml"]
