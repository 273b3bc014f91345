"""Reading an .xlsx/.xlsm file into raw rows by header name, each value with its Excel row.

Cell values come from python-calamine (fast); hidden rows, error values, Excel tables and the
1904 flag come from the package XML (``xlsxparts``). Files that are not readable workbooks are
refused with a one-line ``WorkbookError`` saying what to do; bad data inside sheets is left to
the validator, except what only the reader can see (merged cells, hidden rows).
"""

from __future__ import annotations

import errno
import os
import zipfile
import zlib
from pathlib import Path
from typing import TYPE_CHECKING, cast

from xl_milestones.core.issues import Issue
from xl_milestones.core.model import RawTable, RawWorkbook
from xl_milestones.core.schema import (
    MILESTONES,
    REFRESH_LOG,
    Sheet,
)
from xl_milestones.errors import WorkbookError
from xl_milestones.io.safety import check_package
from xl_milestones.io.xlsxparts import (
    SheetPart,
    read_package,
    scan_sheet,
)
from xl_milestones.tables import (
    SheetScan,
    previous_refresh,
    read_table,
    require_tables,
    schema_sheets,
)

if TYPE_CHECKING:  # python-calamine (compiled) is imported only where a file is read: the live
    # adapter uses this module's table logic in xlwings Lite, where Pyodide has no calamine.
    from python_calamine import CalamineSheet, CalamineWorkbook

    from xl_milestones.io.extent import SheetExtent

_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06")
_SAVE_AS = "open it in Excel (or LibreOffice) and save it as .xlsx or .xlsm"

# What reading a damaged package part raises (reported as a damaged file).
_DAMAGED = (zipfile.BadZipFile, KeyError, ValueError, OSError, SyntaxError)


def read_workbook(path: str | os.PathLike[str]) -> RawWorkbook:
    """Every schema input sheet of the workbook at ``path``, as raw rows by field name.

    Raises WorkbookError when the file is not a readable .xlsx/.xlsm, a required sheet is
    missing, or a sheet has no header row or lacks a required column.
    """
    file = Path(path)
    _check_file(file)
    try:
        with zipfile.ZipFile(file) as zf:
            package = read_package(zf)
            by_name = {p.name: p for p in package.sheets}
            missing: list[Issue] = []
            parts = {
                key: (by_name[name], sheet)
                for key, (name, sheet) in schema_sheets(file, list(by_name), missing).items()
            }
    except _DAMAGED as exc:
        raise _damaged(file, exc) from None
    raw = RawWorkbook(path=str(file), tables={}, date1904=package.date1904, issues=missing)
    loader = _Loader(file, {key: part for key, (part, _s) in parts.items()})
    try:
        # Errors come out in the order a one-pass reader meets them: a damaged sheet part
        # first, then a file calamine cannot open, then each sheet in workbook order.
        scans: dict[str, SheetScan] = {}
        for key in parts:
            scans[key] = loader.scan(key)
        log: RawTable | None = None
        for key, (part, sheet) in parts.items():
            if key == REFRESH_LOG.key:
                # Ours, not the user's: a log that cannot be read means no earlier refresh.
                try:
                    log = _sheet_table(file, loader, key, part, sheet, scans[key])[0]
                except WorkbookError:
                    log = None
                continue
            table, issues = _sheet_table(file, loader, key, part, sheet, scans[key])
            raw.issues.extend(issues)
            if table is not None:
                raw.tables[key] = table
        raw.previous = previous_refresh(raw.tables.get(MILESTONES.key), log, raw.issues)
    finally:
        loader.close()
    require_tables(file, raw.tables)
    return raw


def _sheet_table(
    file: Path, loader: _Loader, key: str, part: SheetPart, sheet: Sheet, scan: SheetScan
) -> tuple[RawTable | None, list[Issue]]:
    """The table of one loaded sheet and the issues met reading it."""
    if not loader.has_part(key):
        raise WorkbookError(
            f"{file}: sheet '{part.name}' has no worksheet part ({part.path}), so the workbook "
            "is damaged: open it in Excel, let Excel repair it, and save it again"
        )
    loaded = loader.sheet(key)
    if isinstance(loaded, _OpenError):
        raise WorkbookError(
            f"{file}: the workbook cannot be read ({type(loaded.error).__name__}: "
            f"{loaded.error}): open it in Excel and save it again as .xlsx"
        ) from None
    try:
        if isinstance(loaded, BaseException):
            raise loaded
        rows = cast(list[list[object]], loaded.to_python(skip_empty_area=True))
        start = loaded.start or (0, 0)
        merged = loaded.merged_cell_ranges or []
    except (KeyboardInterrupt, SystemExit):
        raise
    except BaseException as exc:  # calamine's errors, panics included
        raise WorkbookError(
            f"{file}: sheet '{part.name}' cannot be read ({exc}): "
            "open the workbook in Excel and save it again"
        ) from None
    del loaded
    issues: list[Issue] = []
    table = read_table(file, sheet, part.name, part.tables, rows, start, scan, merged, issues)
    return table, issues


def _damaged(file: Path, exc: BaseException) -> WorkbookError:
    return WorkbookError(
        f"{file}: the workbook is damaged and cannot be read ({exc}): "
        "open it in Excel, repair it and save it again"
    )


# ------------------------------------------------------------------------------------ loading


class _OpenError:
    """calamine could not open the file at all (reported once, before any sheet)."""

    __slots__ = ("error",)

    def __init__(self, error: BaseException) -> None:
        self.error = error


class _Loader:
    """Each sheet's scan and calamine sheet, loaded one at a time when asked for, so that one
    sheet's grid of values is in memory at a time."""

    def __init__(self, file: Path, parts: dict[str, SheetPart]) -> None:
        self._file = file
        self._parts = parts
        self._zf: zipfile.ZipFile | None = None
        self._book: CalamineWorkbook | _OpenError | None = None
        self._extents: dict[str, SheetExtent] = {}

    def scan(self, key: str) -> SheetScan:
        """Hidden rows and error cells of the sheet, and how far its cells reach, from one
        pass over its XML; a damaged part raises WorkbookError."""
        from xl_milestones.io.extent import SheetExtent

        extent = self._extents[key] = SheetExtent()
        try:
            if self._zf is None:
                self._zf = zipfile.ZipFile(self._file)
            scan = scan_sheet(self._zf, self._parts[key].path, also=extent.feed)
        except _DAMAGED as exc:
            raise _damaged(self._file, exc) from None
        extent.finish()
        return scan

    def has_part(self, key: str) -> bool:
        """Whether the sheet's XML part is in the file (after ``scan``)."""
        assert self._zf is not None
        try:
            self._zf.getinfo(self._parts[key].path)
        except KeyError:
            return False
        return True

    def sheet(self, key: str) -> CalamineSheet | BaseException | _OpenError:
        """The loaded sheet, calamine's exception, or an _OpenError for the whole file."""
        from python_calamine import CalamineWorkbook

        if self._book is None:
            try:
                self._book = CalamineWorkbook.from_path(str(self._file))
            except (KeyboardInterrupt, SystemExit):
                raise
            except BaseException as exc:  # calamine's errors, panics included
                self._book = _OpenError(exc)
        if isinstance(self._book, _OpenError):
            return self._book
        try:
            # calamine makes one dense block of a sheet: a far cell must not reach it.
            self._extents[key].check()
            return self._book.get_sheet_by_name(self._parts[key].name)
        except (KeyboardInterrupt, SystemExit):
            raise
        except BaseException as exc:  # calamine's errors, panics included
            return exc

    def close(self) -> None:
        if self._zf is not None:
            self._zf.close()
        if self._book is not None and not isinstance(self._book, _OpenError):
            self._book.close()


# ---------------------------------------------------------------------------- the file itself


def _check_file(file: Path) -> None:
    try:
        file.stat()
    except FileNotFoundError:
        raise WorkbookError(f"{file}: no such file: check the path and the file name") from None
    except OSError as exc:  # a folder on the way may not be entered
        raise _cannot_open(file, exc) from None
    if file.is_dir():
        raise WorkbookError(
            f"{file}: is a folder, not a workbook: give the path of a .xlsx or .xlsm file"
        )
    try:
        with file.open("rb") as fh:
            head = fh.read(8)
    except OSError as exc:
        raise _cannot_open(file, exc) from None
    if not head:
        raise WorkbookError(
            f"{file}: the file is empty (0 bytes), not a workbook (a copy, download or save "
            "that stopped leaves one): copy or save the workbook again, or delete this file"
        )
    if head == _OLE_MAGIC:
        _refuse_ole(file)
    if not head.startswith(_ZIP_MAGIC):
        _refuse_not_zip(file)
    try:
        with zipfile.ZipFile(file) as zf:
            names = set(zf.namelist())
            mimetype = b""
            if "mimetype" in names:
                with zf.open("mimetype") as fh:
                    mimetype = fh.read(100)
    except (
        zipfile.BadZipFile,
        zlib.error,
        OSError,
        EOFError,
        RuntimeError,
        NotImplementedError,
    ) as exc:
        # A workbook cut short (a copy or download that stopped) has no zip directory: the
        # package check names that, where zipfile's words are "File is not a zip file".
        check_package(file)
        raise WorkbookError(
            f"{file}: the file is damaged or not a workbook ({exc}): "
            "give a .xlsx or .xlsm file saved by Excel"
        ) from None
    if "xl/workbook.bin" in names:
        raise WorkbookError(f"{file}: a binary workbook (.xlsb) cannot be read: {_SAVE_AS}")
    if mimetype.startswith(b"application/vnd.oasis.opendocument"):
        raise WorkbookError(f"{file}: an OpenDocument file (.ods) cannot be read: {_SAVE_AS}")
    if not any(n.startswith("xl/") and n.endswith(".xml") for n in names):
        raise WorkbookError(
            f"{file}: a zip file but not an Excel workbook: give a .xlsx or .xlsm file"
        )
    # Zip bombs and DTDs are refused before any XML parser sees the file; what kind of file it
    # is comes first, from the zip's directory and the OpenDocument mimetype entry alone.
    check_package(file)


def _cannot_open(file: Path, exc: OSError) -> WorkbookError:
    """Why ``file`` cannot be opened, and what to do: a symbolic link that leads round in a
    loop (no permission would help), else the permissions to check."""
    if exc.errno == errno.ELOOP:
        return WorkbookError(
            f"{file}: a symbolic link that leads round in a loop, to no file: "
            "point it at the workbook, or delete it"
        )
    return WorkbookError(f"{file}: cannot be opened ({exc.strerror}): check its permissions")


def lock_file_reason(file: Path) -> str:
    """Why Excel's lock file ``~$name`` is not read: what it is, and what to give instead."""
    return (
        f"{file}: Excel's lock file, not a workbook (Excel makes it beside a workbook while the "
        "workbook is open and deletes it on closing): give the workbook itself, whose name "
        "does not start with ~$"
    )


def _refuse_not_zip(file: Path) -> None:
    """Refuse a file that is not a zip package: Excel's lock file, a text file (a CSV) or
    anything else, each with what to give instead."""
    if file.name.startswith("~$"):
        raise WorkbookError(lock_file_reason(file))
    kind = "a text file" if _looks_like_text(file) else "not a workbook"
    raise WorkbookError(
        f"{file}: {kind}, not an Excel workbook: "
        "give a .xlsx or .xlsm file (a CSV must be opened in Excel and saved as .xlsx)"
    )


def _refuse_ole(file: Path) -> None:
    # Stream names sit in the compound file's directory as UTF-16LE; looking for them is enough
    # to tell an encrypted Office file from an old binary workbook without an OLE library.
    data = file.read_bytes()
    if (
        "EncryptionInfo".encode("utf-16-le") in data
        or "EncryptedPackage".encode("utf-16-le") in data
    ):
        raise WorkbookError(
            f"{file}: the workbook is password-protected (encrypted): "
            "open it in Excel, remove the password (File > Info > Protect Workbook) and save it"
        )
    if "Workbook".encode("utf-16-le") in data or "Book".encode("utf-16-le") in data:
        raise WorkbookError(
            f"{file}: an old Excel 97-2003 workbook (.xls) cannot be read: {_SAVE_AS}"
        )
    raise WorkbookError(
        f"{file}: an OLE compound file (an old Office document), not a workbook: "
        "give a .xlsx or .xlsm file"
    )


def _looks_like_text(file: Path) -> bool:
    with file.open("rb") as fh:
        head = fh.read(4096)
    try:
        head.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return b"\x00" not in head
