"""The VBA project storage of [MS-OVBA]: modules in, the bytes of vbaProject.bin out.

Owns the `dir` stream (project information, references, module records), the PROJECT stream
with the data encryption of MS-OVBA 2.4.3 (CMG, DPB, GC), PROJECTwm, a `_VBA_PROJECT` stream
without performance cache, and module streams holding compressed source only, so that the host
compiles the source when it opens the file.
"""

from __future__ import annotations

import enum
import hashlib
import re
import struct
import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from xl_milestones.template.vba.cfb import write_compound_file
from xl_milestones.template.vba.compression import compress, decompress

CODE_PAGE = 1252
ENCODING = "cp1252"
LCID = 0x0409
SYSKIND_WIN32 = 1

WORKBOOK_BASE = "0{00020819-0000-0000-C000-000000000046}"
"""VB_Base of the ThisWorkbook document module (the Excel Workbook class)."""
WORKSHEET_BASE = "0{00020820-0000-0000-C000-000000000046}"
"""VB_Base of a worksheet document module (the Excel Worksheet class)."""

STDOLE_LIBID = (
    r"*\G{00020430-0000-0000-C000-000000000046}#2.0#0#C:\Windows\System32\stdole2.tlb"
    "#OLE Automation"
)
OFFICE_LIBID = (
    r"*\G{2DF8D04C-5BFA-101B-BDE5-00AA0044DE52}#2.0#0"
    r"#C:\Program Files\Common Files\Microsoft Shared\OFFICE16\MSO.DLL"
    "#Microsoft Office 16.0 Object Library"
)
REFERENCES: tuple[tuple[str, str], ...] = (("stdole", STDOLE_LIBID), ("Office", OFFICE_LIBID))

_HOST_EXTENDER = "&H00000001={3832D640-CF90-11CF-8E43-00A0C911005A};VBE;&H00000000"
_IDENTIFIER = re.compile(r"[A-Za-z][A-Za-z0-9_]{0,30}")
_VB_NAME = re.compile(r'Attribute VB_Name = "([^"]*)"')
_VB_BASE = re.compile(r'Attribute VB_Base = "([^"]*)"')


class VBAProjectError(ValueError):
    """A module or project that cannot be written as a VBA project; the message says which."""


class ModuleKind(enum.Enum):
    """The three kinds of module a project without forms holds (MS-OVBA 2.3.4.2.3.2.8)."""

    PROCEDURAL = "Module"
    CLASS = "Class"
    DOCUMENT = "Document"


@dataclass(frozen=True)
class Module:
    """One VBA module: its name, kind and its source as stored, attribute lines first, CRLF."""

    name: str
    kind: ModuleKind
    source: str


def normalize_newlines(text: str) -> str:
    """CRLF line ends throughout, and a final one: the form VBA stores source in."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if text and not text.endswith("\n"):
        text += "\n"
    return text.replace("\n", "\r\n")


def strip_class_header(text: str) -> str:
    """Remove the `VERSION 1.0 CLASS` / `BEGIN` ... `END` block the VBA editor adds on export.

    That block belongs to the exported .cls file, not to the stored source; the attribute lines
    after it do belong to the source and are kept.
    """
    lines = text.split("\r\n")
    if not lines or not lines[0].strip().upper().startswith("VERSION "):
        return text
    if len(lines) < 2 or lines[1].strip().upper() != "BEGIN":
        return "\r\n".join(lines[1:])
    for i in range(2, len(lines)):
        if lines[i].strip().upper() == "END":
            return "\r\n".join(lines[i + 1 :])
    raise VBAProjectError("class module header has BEGIN without END")


def parse_module(text: str, filename: str) -> Module:
    """The module an exported .bas or .cls file holds; raise VBAProjectError naming the file."""
    lower = filename.lower()
    if not lower.endswith((".bas", ".cls")):
        raise VBAProjectError(f"{filename}: a VBA module file must end in .bas or .cls")
    source = normalize_newlines(text)
    if lower.endswith(".cls"):
        source = strip_class_header(source)
    first = source.split("\r\n", 1)[0]
    found = _VB_NAME.fullmatch(first)
    if not found:
        raise VBAProjectError(
            f'{filename}: the first line must be Attribute VB_Name = "<name>", found {first!r}'
        )
    name = found.group(1)
    if lower.endswith(".bas"):
        kind = ModuleKind.PROCEDURAL
    elif _VB_BASE.search(source):
        kind = ModuleKind.DOCUMENT
    else:
        kind = ModuleKind.CLASS
    module = Module(name, kind, source)
    _check_module(module, filename)
    return module


def document_module(name: str, base: str = WORKSHEET_BASE, body: str = "") -> Module:
    """A document module (a worksheet's or the workbook's code) with the attributes Excel writes."""
    lines = [
        f'Attribute VB_Name = "{name}"',
        f'Attribute VB_Base = "{base}"',
        "Attribute VB_GlobalNameSpace = False",
        "Attribute VB_Creatable = False",
        "Attribute VB_PredeclaredId = True",
        "Attribute VB_Exposed = True",
        "Attribute VB_TemplateDerived = False",
        "Attribute VB_Customizable = True",
    ]
    module = Module(name, ModuleKind.DOCUMENT, normalize_newlines("\n".join(lines) + "\n" + body))
    _check_module(module, name)
    return module


def _check_module(module: Module, where: str) -> None:
    if not _IDENTIFIER.fullmatch(module.name):
        raise VBAProjectError(
            f"{where}: module name {module.name!r} is not a VBA name "
            "(a letter, then letters, digits or _, at most 31 characters)"
        )
    try:
        module.source.encode(ENCODING)
    except UnicodeEncodeError as exc:
        line = module.source[: exc.start].count("\r\n") + 1
        raise VBAProjectError(
            f"{where}, line {line}: character {module.source[exc.start]!r} is not in code page "
            f"{CODE_PAGE}, which the VBA project stores its source in"
        ) from None


# ------------------------------------------------------------------------------ data encryption


def encrypt(data: bytes, project_id: str, seed: int, ignored: bytes = b"") -> bytes:
    """MS-OVBA 2.4.3.2 data encryption of *data*, keyed on the project's ID string.

    *seed* is one byte; *ignored* supplies the (seed & 6) // 2 arbitrary bytes the structure
    carries, so the result is reproducible (zero bytes when not given).
    """
    if not 0 <= seed <= 0xFF:
        raise ValueError("seed is one byte")
    version = 2
    proj_key = sum(project_id.encode(ENCODING)) & 0xFF
    out = bytearray([seed, seed ^ version, seed ^ proj_key])
    unencrypted_1 = proj_key
    encrypted_1 = out[2]
    encrypted_2 = out[1]
    ignored_length = (seed & 6) // 2
    filler = (ignored + bytes(ignored_length))[:ignored_length]
    for plain in filler + struct.pack("<I", len(data)) + data:
        byte = plain ^ ((encrypted_2 + unencrypted_1) & 0xFF)
        out.append(byte)
        encrypted_2, encrypted_1, unencrypted_1 = encrypted_1, byte, plain
    return bytes(out)


def decrypt(blob: bytes) -> bytes:
    """The data of an MS-OVBA 2.4.3 encrypted structure (2.4.3.3 decryption)."""
    return decrypt_parts(blob)[2]


def decrypt_parts(blob: bytes) -> tuple[int, bytes, bytes]:
    """(seed, ignored bytes, data) of an MS-OVBA 2.4.3 encrypted structure."""
    if len(blob) < 7:
        raise VBAProjectError("encrypted data is shorter than its fixed fields")
    seed, version_enc, proj_key_enc = blob[0], blob[1], blob[2]
    if seed ^ version_enc != 2:
        raise VBAProjectError("encrypted data has a version other than 2")
    proj_key = seed ^ proj_key_enc
    unencrypted_1, encrypted_1, encrypted_2 = proj_key, proj_key_enc, version_enc
    plain = bytearray()
    for byte in blob[3:]:
        value = byte ^ ((encrypted_2 + unencrypted_1) & 0xFF)
        plain.append(value)
        encrypted_2, encrypted_1, unencrypted_1 = encrypted_1, byte, value
    ignored_length = (seed & 6) // 2
    body = plain[ignored_length:]
    if len(body) < 4:
        raise VBAProjectError("encrypted data is shorter than its length field")
    length = struct.unpack_from("<I", body)[0]
    if len(body) - 4 != length:
        raise VBAProjectError("encrypted data length does not match its length field")
    return seed, bytes(plain[:ignored_length]), bytes(body[4:])


# ------------------------------------------------------------------------------------ streams


def _record(record_id: int, payload: bytes) -> bytes:
    return struct.pack("<HI", record_id, len(payload)) + payload


def _mbcs(text: str) -> bytes:
    return text.encode(ENCODING)


def _utf16(text: str) -> bytes:
    return text.encode("utf-16-le")


def dir_stream(modules: Sequence[Module], project_name: str) -> bytes:
    """The decompressed `dir` stream (MS-OVBA 2.3.4.2)."""
    out = bytearray()
    # PROJECTINFORMATION
    out += _record(0x0001, struct.pack("<I", SYSKIND_WIN32))  # PROJECTSYSKIND
    out += _record(0x0002, struct.pack("<I", LCID))  # PROJECTLCID
    out += _record(0x0014, struct.pack("<I", LCID))  # PROJECTLCIDINVOKE
    out += _record(0x0003, struct.pack("<H", CODE_PAGE))  # PROJECTCODEPAGE
    out += _record(0x0004, _mbcs(project_name))  # PROJECTNAME
    out += _record(0x0005, b"") + _record(0x0040, b"")  # PROJECTDOCSTRING (+ Unicode)
    out += _record(0x0006, b"") + _record(0x003D, b"")  # PROJECTHELPFILEPATH (1 and 2)
    out += _record(0x0007, struct.pack("<I", 0))  # PROJECTHELPCONTEXT
    out += _record(0x0008, struct.pack("<I", 0))  # PROJECTLIBFLAGS
    # PROJECTVERSION: its "size" field is a reserved 4 followed by 6 bytes of version
    out += struct.pack("<HIIH", 0x0009, 4, 1, 0)
    out += _record(0x000C, b"") + _record(0x003C, b"")  # PROJECTCONSTANTS (+ Unicode)
    # PROJECTREFERENCES
    for name, libid in REFERENCES:
        out += _record(0x0016, _mbcs(name)) + _record(0x003E, _utf16(name))  # REFERENCENAME
        encoded = _mbcs(libid)
        registered = struct.pack("<I", len(encoded)) + encoded + struct.pack("<IH", 0, 0)
        out += _record(0x000D, registered)  # REFERENCEREGISTERED
    # PROJECTMODULES
    out += _record(0x000F, struct.pack("<H", len(modules)))
    out += _record(0x0013, struct.pack("<H", 0xFFFF))  # PROJECTCOOKIE
    for module in modules:
        out += _record(0x0019, _mbcs(module.name))  # MODULENAME
        out += _record(0x0047, _utf16(module.name))  # MODULENAMEUNICODE
        out += _record(0x001A, _mbcs(module.name))  # MODULESTREAMNAME
        out += _record(0x0032, _utf16(module.name))
        out += _record(0x001C, b"") + _record(0x0048, b"")  # MODULEDOCSTRING (+ Unicode)
        out += _record(0x0031, struct.pack("<I", 0))  # MODULEOFFSET: source only
        out += _record(0x001E, struct.pack("<I", 0))  # MODULEHELPCONTEXT
        out += _record(0x002C, struct.pack("<H", 0xFFFF))  # MODULECOOKIE
        type_id = 0x0021 if module.kind is ModuleKind.PROCEDURAL else 0x0022
        out += _record(type_id, b"")  # MODULETYPE
        out += _record(0x002B, b"")  # module terminator
    out += _record(0x0010, b"")  # dir terminator
    return bytes(out)


def _hex(data: bytes) -> str:
    return data.hex().upper()


def project_stream(modules: Sequence[Module], project_name: str, project_id: str) -> bytes:
    """The PROJECT stream (MS-OVBA 2.3.1): project properties as text in the code page."""
    lines = [f'ID="{project_id}"']
    for module in modules:
        if module.kind is ModuleKind.DOCUMENT:
            lines.append(f"Document={module.name}/&H00000000")
        else:
            lines.append(f"{module.kind.value}={module.name}")
    lines += [f'Name="{project_name}"', 'HelpContextID="0"', 'VersionCompatible32="393222000"']
    for key, data in (("CMG", bytes(4)), ("DPB", b"\x00"), ("GC", b"\xff")):
        # reproducible "random" seed and filler, different for each field as Office's are
        digest = hashlib.sha256(f"{project_id}/{key}".encode()).digest()
        lines.append(f'{key}="{_hex(encrypt(data, project_id, digest[0], digest[1:4]))}"')
    lines += ["", "[Host Extender Info]", _HOST_EXTENDER, "", "[Workspace]"]
    lines += [f"{module.name}=0, 0, 0, 0, C" for module in modules]
    return ("\r\n".join(lines) + "\r\n").encode(ENCODING)


def project_wm_stream(modules: Sequence[Module]) -> bytes:
    """PROJECTwm (MS-OVBA 2.3.3): each module name in the code page and in UTF-16."""
    out = bytearray()
    for module in modules:
        out += _mbcs(module.name) + b"\0" + _utf16(module.name) + b"\0\0"
    return bytes(out + b"\0\0")


VBA_PROJECT_STREAM = bytes.fromhex("CC61FFFF000100")
"""_VBA_PROJECT (MS-OVBA 2.3.4.1): version 0xFFFF and no performance cache."""


def default_project_id(project_name: str) -> str:
    """A stable project GUID, so that building twice gives the same bytes."""
    value = uuid.uuid5(uuid.NAMESPACE_URL, f"https://xl-milestones/vba/{project_name}")
    return "{" + str(value).upper() + "}"


def build_vba_project(
    modules: Sequence[Module], *, project_name: str = "VBAProject", project_id: str | None = None
) -> bytes:
    """The bytes of a vbaProject.bin holding *modules*, in the order given."""
    if not _IDENTIFIER.fullmatch(project_name):
        raise VBAProjectError(f"project name {project_name!r} is not a VBA name")
    seen: dict[str, str] = {}
    for module in modules:
        _check_module(module, module.name)
        folded = module.name.upper()
        if folded in seen:
            raise VBAProjectError(f"two modules named {seen[folded]!r} and {module.name!r}")
        if folded == "DIR":
            raise VBAProjectError("a module cannot be named 'dir': the VBA storage has that stream")
        if folded == project_name.upper():
            raise VBAProjectError(f"module {module.name!r} has the name of the project")
        seen[folded] = module.name
        declared = _VB_NAME.match(module.source)
        if not declared or declared.group(1) != module.name:
            raise VBAProjectError(
                f'module {module.name!r}: its source must start with Attribute VB_Name = "'
                f'{module.name}"'
            )
    pid = project_id or default_project_id(project_name)
    streams: dict[str, bytes] = {
        "_VBA_PROJECT": VBA_PROJECT_STREAM,
        "dir": compress(dir_stream(modules, project_name)),
    }
    for module in modules:
        text = module.source.encode(ENCODING)
        packed = compress(text)
        # The specification pads an incompressible last chunk; source text never is, but a
        # module that came back longer would carry NULs into Excel, so check.
        if decompress(packed) != text:
            raise VBAProjectError(f"module {module.name!r} does not compress without padding")
        streams[module.name] = packed
    tree: dict[str, bytes | dict[str, bytes]] = {
        "PROJECT": project_stream(modules, project_name, pid),
        "PROJECTwm": project_wm_stream(modules),
        "VBA": streams,
    }
    return write_compound_file(tree)
