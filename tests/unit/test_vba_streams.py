"""The VBA project streams: MS-OVBA 2.4.3 data encryption against values Excel wrote, the dir
stream's records, module source parsing, and the errors for modules a project cannot hold."""

from __future__ import annotations

import io
import struct

import olefile
import pytest

from xl_milestones.template.vba.compression import decompress
from xl_milestones.template.vba.project import (
    Module,
    ModuleKind,
    VBAProjectError,
    build_vba_project,
    decrypt,
    decrypt_parts,
    dir_stream,
    document_module,
    encrypt,
    parse_module,
)

# CMG, DPB and GC of a project saved by Excel (xlwings' quickstart workbook), with its ID.
EXCEL_ID = "{5CF9CDAB-B77B-4FE4-BD7E-D29900070E1B}"
EXCEL_VALUES = [
    ("8D8FA61394EA98EA98EA98EA98", bytes(4)),  # CMG: no protection
    ("8D8FA61394EF95EF95EF", b"\x00"),  # DPB: no password
    ("8D8FA61394EF95EF9510", b"\xff"),  # GC: visible
]


@pytest.mark.parametrize(("blob", "data"), EXCEL_VALUES)
def test_decrypts_what_excel_wrote(blob: str, data: bytes) -> None:
    assert decrypt(bytes.fromhex(blob)) == data


@pytest.mark.parametrize(("blob", "data"), EXCEL_VALUES)
def test_encrypts_as_excel_does(blob: str, data: bytes) -> None:
    # with Excel's seed and filler bytes, the same project ID gives Excel's bytes exactly
    seed, ignored, _ = decrypt_parts(bytes.fromhex(blob))
    assert encrypt(data, EXCEL_ID, seed, ignored) == bytes.fromhex(blob)


@pytest.mark.parametrize("seed", range(0, 256, 5))
def test_encryption_round_trips_for_every_filler_length(seed: int) -> None:
    assert decrypt(encrypt(b"\x01\x02\x03\x04", EXCEL_ID, seed, b"xyz")) == b"\x01\x02\x03\x04"


def _records(stream: bytes) -> list[tuple[int, bytes]]:
    out = []
    i = 0
    while i < len(stream):
        record_id, size = struct.unpack_from("<HI", stream, i)
        if record_id == 0x0009:  # PROJECTVERSION: a reserved 4, then 6 bytes
            size = 6
        out.append((record_id, stream[i + 6 : i + 6 + size]))
        i += 6 + size
    assert i == len(stream)
    return out


def test_dir_stream_records() -> None:
    modules = [document_module("ThisWorkbook"), parse_module('Attribute VB_Name = "M"\n', "M.bas")]
    records = _records(dir_stream(modules, "VBAProject"))
    values = dict(records)
    assert values[0x0001] == struct.pack("<I", 1)  # Win32
    assert values[0x0002] == values[0x0014] == struct.pack("<I", 0x409)
    assert values[0x0003] == struct.pack("<H", 1252)
    assert values[0x0004] == b"VBAProject"
    libids = [data[4:-6].decode("cp1252") for rid, data in records if rid == 0x000D]
    assert [lib.split("#")[-1] for lib in libids] == [
        "OLE Automation",
        "Microsoft Office 16.0 Object Library",
    ]
    assert values[0x000F] == struct.pack("<H", 2)
    assert [d for r, d in records if r == 0x0019] == [b"ThisWorkbook", b"M"]
    assert [d for r, d in records if r == 0x0031] == [bytes(4), bytes(4)]  # source only
    assert [r for r, _ in records if r in (0x0021, 0x0022)] == [0x0022, 0x0021]
    assert records[-1] == (0x0010, b"")


def test_class_export_header_is_dropped_and_attributes_kept() -> None:
    text = (
        "VERSION 1.0 CLASS\nBEGIN\n  MultiUse = -1  'True\nEND\n"
        'Attribute VB_Name = "Thing"\nAttribute VB_Exposed = False\nOption Explicit'
    )
    module = parse_module(text, "Thing.cls")
    assert module == Module(
        "Thing",
        ModuleKind.CLASS,
        'Attribute VB_Name = "Thing"\r\nAttribute VB_Exposed = False\r\nOption Explicit\r\n',
    )


def test_a_cls_with_vb_base_is_a_document_module() -> None:
    text = (
        'Attribute VB_Name = "shX"\nAttribute VB_Base = "0{00020820-0000-0000-C000-000000000046}"'
    )
    assert parse_module(text, "shX.cls").kind is ModuleKind.DOCUMENT


@pytest.mark.parametrize(
    ("text", "filename", "message"),
    [
        ("Sub A()\nEnd Sub", "A.bas", "first line must be Attribute VB_Name"),
        ('Attribute VB_Name = "1A"', "A.bas", "not a VBA name"),
        ('Attribute VB_Name = "A"\n\' caf\u00e9 \u20ac \u0101', "A.bas", "line 2"),
        ('Attribute VB_Name = "A"', "A.txt", ".bas or .cls"),
    ],
)
def test_bad_module_files_are_named(text: str, filename: str, message: str) -> None:
    with pytest.raises(VBAProjectError, match=message):
        parse_module(text, filename)


@pytest.mark.parametrize(
    ("names", "message"),
    [(["A", "a"], "two modules"), (["dir"], "named 'dir'"), (["VBAProject"], "the project")],
)
def test_modules_a_project_cannot_hold(names: list[str], message: str) -> None:
    modules = [parse_module(f'Attribute VB_Name = "{n}"', f"{n}.bas") for n in names]
    with pytest.raises(VBAProjectError, match=message):
        build_vba_project(modules)


def test_module_source_must_declare_its_name() -> None:
    with pytest.raises(VBAProjectError, match="must start with"):
        build_vba_project([Module("A", ModuleKind.PROCEDURAL, 'Attribute VB_Name = "B"\r\n')])


def test_project_storage_layout_and_reproducibility() -> None:
    modules = [
        document_module("ThisWorkbook"),
        parse_module('Attribute VB_Name = "M"\nSub X()\nEnd Sub', "M.bas"),
    ]
    data = build_vba_project(modules)
    assert data == build_vba_project(modules)
    ole = olefile.OleFileIO(io.BytesIO(data))
    assert sorted("/".join(p) for p in ole.listdir()) == [
        "PROJECT",
        "PROJECTwm",
        "VBA/M",
        "VBA/ThisWorkbook",
        "VBA/_VBA_PROJECT",
        "VBA/dir",
    ]
    assert decompress(ole.openstream("VBA/M").read()).decode("cp1252") == modules[1].source
    assert ole.openstream("PROJECTwm").read() == (
        b"ThisWorkbook\0" + "ThisWorkbook".encode("utf-16-le") + b"\0\0M\0M\0\0\0\0\0"
    )
    project = ole.openstream("PROJECT").read().decode("cp1252")
    assert "Document=ThisWorkbook/&H00000000\r\nModule=M\r\n" in project
    for key, value in (("CMG", bytes(4)), ("DPB", b"\0"), ("GC", b"\xff")):
        line = next(x for x in project.split("\r\n") if x.startswith(key + "="))
        assert decrypt(bytes.fromhex(line.split('"')[1])) == value
