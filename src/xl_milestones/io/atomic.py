"""Replacing a workbook file safely: build the new file beside the target, check that it opens
again, keep a backup of the file it replaces, then move it into place in one step.

Any failure removes the temporary file, leaves the target as it was and raises ``OutputError``.
"""

from __future__ import annotations

import errno
import io
import os
import shutil
import tempfile
import zipfile
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from xl_milestones.core.schema import MILESTONES, sheet_by_name
from xl_milestones.errors import OutputError, XlMilestonesError

BACKUP_SUFFIX = ".bak"


def backup_path(target: Path) -> Path:
    """Where the previous version of ``target`` is kept: ``book.xlsm`` -> ``book.xlsm.bak``.

    The extension is not .xlsm on purpose: a script that refreshes every ``*.xlsm`` of a folder
    does not pick the backups up.
    """
    return target.with_name(target.name + BACKUP_SUFFIX)


def same_file(a: str | os.PathLike[str], b: str | os.PathLike[str]) -> bool:
    """Whether ``a`` and ``b`` name one file: the same path once resolved (``./book.xlsm``, an
    absolute path, a symbolic link) or, when both exist, the same file (a hard link)."""
    if os.path.realpath(a) == os.path.realpath(b):
        return True
    try:
        return os.path.samefile(a, b)
    except OSError:  # one of the two does not exist (or cannot be seen)
        return False


def lock_path(target: Path) -> Path:
    """The owner file Excel keeps beside a workbook while it has it open: ``~$book.xlsm``."""
    return target.with_name("~$" + target.name)


def lock_paths(target: Path) -> tuple[tuple[str, Path], ...]:
    """The lock files of the programs that may have ``target`` open, with each program's name:
    Excel's ``~$book.xlsm`` and LibreOffice's ``.~lock.book.xlsm#``."""
    return (
        ("Excel", lock_path(target)),
        ("LibreOffice", target.with_name(f".~lock.{target.name}#")),
    )


def check_not_open(target: Path, *, in_place: bool) -> None:
    """Refuse to write a workbook that Excel or LibreOffice has open (its lock file is beside
    it)."""
    for program, lock in lock_paths(target):
        if not lock.exists():
            continue
        # A program that crashed leaves its lock file behind, with nothing left to close.
        stale = f" (if {program} does not have it open, delete {lock.name})"
        if in_place:
            raise OutputError(
                f"{target} is open in {program} (the lock file {lock.name} is beside it): "
                f"close it in {program} and run again, or write the result elsewhere with "
                f"--output{stale}"
            )
        raise OutputError(
            f"{target} is open in {program} (the lock file {lock.name} is beside it): "
            f"close it in {program}, or choose another file{stale}"
        )


def check_writable(target: Path, *, in_place: bool) -> None:
    """Refuse to replace an existing file that is read-only, or that the user may not write.

    Replacing works through the folder, which would let a read-only file (or another user's
    file in a shared folder) be swapped for a new one: the file's permissions are respected
    instead. A file with no write permission for anyone is read-only for root too."""
    try:
        mode = target.stat().st_mode
    except OSError:
        return  # no file yet (or it cannot be seen): the write itself reports the problem
    if os.access(target, os.W_OK) and mode & 0o222:
        return
    if _read_only_file_system(target):
        raise OutputError(_describe(OSError(errno.EROFS, "read-only file system"), target))
    elsewhere = (
        "or write the result elsewhere with --output" if in_place else "or choose another file"
    )
    raise OutputError(
        f"{target} is read-only (or you may not write to it): nothing was written; "
        f"make it writable (e.g. clear Read-only in its properties) and run again, {elsewhere}"
    )


def _read_only_file_system(path: Path) -> bool:
    try:
        return bool(os.statvfs(path).f_flag & os.ST_RDONLY)
    except (OSError, AttributeError):  # no statvfs on Windows
        return False


def verify_workbook(path: Path, *, milestones_read: bool = False) -> None:
    """Check that ``path`` is a workbook that opens again: a sound zip whose workbook part,
    relationships, styles and shared strings python-calamine reads, and whose Milestones sheet
    it reads too, unless ``milestones_read`` (the writer has had that sheet's new XML read
    back already, by ``check_sheet_reads``). Raises OutputError otherwise."""
    from python_calamine import CalamineWorkbook

    with _read_back():
        # Opening reads the central directory; calamine then inflates and parses the largest
        # part, unless the writer has read it back. A full CRC pass over every part would
        # double the time of a large refresh.
        with zipfile.ZipFile(path) as zf:
            zf.getinfo("[Content_Types].xml")
        book = CalamineWorkbook.from_path(str(path))
        try:
            names = [n for n in book.sheet_names if sheet_by_name(n) is MILESTONES]
            for name in names[: 0 if milestones_read else 1]:
                _load(book, name, name)
        finally:
            book.close()


# The smallest package python-calamine reads a worksheet from: the sheet, and the shared
# strings its cells may refer to.
_CHECK_TYPES = (
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" '
    'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" ContentType="application/'
    'vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/'
    'vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
    '<Override PartName="/xl/sharedStrings.xml" ContentType="application/'
    'vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>'
)
_REL = '<Relationship Id="{}" Type="{}/{}" Target="{}"/>'
_RELS = '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">{}'
_DOC = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_CHECK_BOOK = (
    '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
    f'xmlns:r="{_DOC}"><sheets><sheet name="Sheet" sheetId="1" r:id="rId1"/></sheets>'
    "</workbook>"
)
_EMPTY_STRINGS = (
    b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="0" '
    b'uniqueCount="0"/>'
)


def check_sheet_reads(sheet: Iterable[bytes], shared_strings: bytes | None, name: str) -> None:
    """Check that python-calamine reads the worksheet XML ``sheet`` (in pieces) of the sheet
    ``name`` with the workbook's ``shared_strings`` part, as the next refresh will read it;
    OutputError if not.

    The writer runs this while it writes the rest of the workbook (calamine parses without
    the GIL): the largest sheet is checked before the file exists, instead of after."""
    from python_calamine import CalamineWorkbook

    with _read_back(f"the {name} sheet of the new workbook"):
        buf = io.BytesIO()
        # Deflated at the fastest level: the sheet is held in memory at a fraction of its size.
        with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as zf:
            zf.writestr("[Content_Types].xml", _CHECK_TYPES)
            zf.writestr(
                "_rels/.rels",
                _RELS.format(_REL.format("rId1", _DOC, "officeDocument", "xl/workbook.xml"))
                + "</Relationships>",
            )
            zf.writestr("xl/workbook.xml", _CHECK_BOOK)
            zf.writestr(
                "xl/_rels/workbook.xml.rels",
                _RELS.format(
                    _REL.format("rId1", _DOC, "worksheet", "worksheets/sheet1.xml")
                    + _REL.format("rId2", _DOC, "sharedStrings", "sharedStrings.xml")
                )
                + "</Relationships>",
            )
            zf.writestr("xl/sharedStrings.xml", shared_strings or _EMPTY_STRINGS)
            with zf.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as part:
                for piece in sheet:
                    part.write(piece)
        buf.seek(0)
        book = CalamineWorkbook.from_filelike(buf)
        try:
            _load(book, "Sheet", name)
        finally:
            book.close()


def _load(book: Any, name: str, shown: str) -> None:
    # Loading the sheet inflates and parses all of its XML; turning it into Python values as
    # well would only add time.
    if book.get_sheet_by_name(name).height < 1:
        raise OutputError(f"the {shown} sheet of the new workbook reads back empty")


@contextmanager
def _read_back(what: str = "the new workbook") -> Iterator[None]:
    try:
        yield
    except (OutputError, KeyboardInterrupt, SystemExit):
        raise
    except BaseException as exc:  # calamine's errors vary between versions; a panic is neither
        raise OutputError(
            f"{what} could not be read back ({type(exc).__name__}: {exc}); "
            "nothing was changed: please report this with the workbook"
        ) from None


def _describe(exc: OSError, target: Path) -> str:
    folder = target.parent
    if exc.errno == errno.ENOSPC or exc.errno == getattr(errno, "EDQUOT", -1):
        return f"cannot write {target}: the disk is full; free some space and run again"
    if exc.errno in (errno.EACCES, errno.EPERM):
        return (
            f"cannot write {target}: permission denied; check that you may write to {folder} "
            "and that the file is not read-only or open in another program"
        )
    if exc.errno == errno.EROFS:
        return f"cannot write {target}: {folder} is on a read-only file system"
    if exc.errno == errno.ENOENT:
        if folder.is_dir():  # a folder that takes no new files, such as /proc
            return f"cannot write {target}: no file can be made in {folder}; choose another folder"
        return f"cannot write {target}: the folder {folder} does not exist; create it first"
    return f"cannot write {target}: {exc.strerror or exc}"


def _remove(path: Path | None) -> None:
    if path is None:
        return
    try:
        path.unlink()
    except FileNotFoundError:
        pass
    except OSError:
        pass  # best effort: the original error is the one to report


def _keep_backup(target: Path) -> None:
    """Save ``target`` as its backup without ever changing ``target`` itself."""
    backup = backup_path(target)
    fd, name = tempfile.mkstemp(prefix=f".{backup.name}.", suffix=".tmp", dir=target.parent)
    os.close(fd)
    tmp = Path(name)
    try:
        tmp.unlink()
        try:
            os.link(target, tmp)  # no copy: the backup is the very file being replaced
        except OSError:
            shutil.copy2(target, tmp)  # file systems without hard links (FAT, some shares)
        os.replace(tmp, backup)
    except BaseException:
        _remove(tmp)
        raise


def replace_file(
    target: Path,
    build: Callable[[Path], None],
    *,
    in_place: bool,
    verify: Callable[[Path], None] = verify_workbook,
    backup: bool = False,
) -> None:
    """Write ``target`` through ``build(temp_path)``, then swap it in.

    ``in_place`` means ``target`` is the workbook being refreshed, and the previous file is
    kept as ``backup_path(target)``; ``backup`` keeps it so for another target too (the demo's
    copy of the sample). A lock file of Excel or LibreOffice beside the target, or
    a read-only target, makes it refuse. A symbolic link is followed, so the link keeps
    pointing at the refreshed file.
    """
    target = Path(os.path.realpath(target))
    folder = target.parent
    if not folder.is_dir():
        raise OutputError(
            f"cannot write {target}: the folder {folder} does not exist; create it first"
        )
    if target.is_dir():
        raise OutputError(f"cannot write {target}: it is a folder; give a file name")
    check_not_open(target, in_place=in_place)
    check_writable(target, in_place=in_place)
    tmp: Path | None = None
    try:
        fd, name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=folder)
        os.close(fd)
        tmp = Path(name)
        build(tmp)
        verify(tmp)
        if target.exists():
            shutil.copymode(target, tmp)
        else:
            umask = os.umask(0)
            os.umask(umask)
            os.chmod(tmp, 0o666 & ~umask)  # mkstemp makes a private file; this is a document
        if (in_place or backup) and target.exists():
            _keep_backup(target)
        os.replace(tmp, target)
        tmp = None
    except XlMilestonesError:
        _remove(tmp)
        raise
    except OSError as exc:
        _remove(tmp)
        raise OutputError(_describe(exc, target)) from None
    except BaseException:
        _remove(tmp)
        raise
