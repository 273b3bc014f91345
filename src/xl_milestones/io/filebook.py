"""The ``Book`` the command line uses: a workbook file, read with the fast reader and written by
rewriting only the parts a refresh owns, in place (keeping a backup) or to another file.
"""

from __future__ import annotations

import os
import zipfile
from pathlib import Path

from xl_milestones.book import BookUpdate
from xl_milestones.core.model import RawWorkbook
from xl_milestones.core.schema import MILESTONES
from xl_milestones.errors import OutputError, UsageError, WorkbookError, example_name
from xl_milestones.io.atomic import (
    backup_path,
    check_not_open,
    check_writable,
    replace_file,
    same_file,
    verify_workbook,
)
from xl_milestones.io.safety import check_package
from xl_milestones.io.xlsxparts import package_extension

_KINDS = {
    ".xlsx": "a workbook without macros (.xlsx)",
    ".xlsm": "a macro-enabled workbook (.xlsm)",
    ".xltx": "a template (.xltx)",
    ".xltm": "a macro-enabled template (.xltm)",
}


class FileBook:
    """A workbook file. ``output`` is where ``write`` puts the result; None means in place.

    With ``output`` the input file is never written to (an output that is the input itself
    is refused). In place, the previous file is kept beside it as ``<name>.bak``, and with
    ``backup`` an existing ``output`` is kept so too; a lock file of Excel or LibreOffice, or a
    read-only file, makes ``write`` refuse.
    """

    def __init__(
        self,
        path: str | os.PathLike[str],
        output: str | os.PathLike[str] | None = None,
        *,
        backup: bool = False,
    ):
        self.path = Path(path)
        self.output = Path(output) if output is not None else None
        self.backup = backup
        self._raw: RawWorkbook | None = None
        self._stamp: tuple[int, int] | None = None

    @property
    def name(self) -> str:
        return self.path.name

    @property
    def target(self) -> Path:
        return self.output if self.output is not None else self.path

    @property
    def in_place(self) -> bool:
        return self.output is None

    def check_output(self) -> None:
        """Refuse an ``output`` that is the workbook itself (its path another way, a link to
        it): with an output the input is never written to. Refuse too an ``output`` whose
        extension does not match the workbook's kind (a macro-enabled workbook named .xlsx, a
        plain one named .xlsm, a .txt): Excel refuses to open a file whose name does not match
        its content. A file that is not a readable package is left for the reader to report."""
        if self.output is None:
            return
        if same_file(self.output, self.path):
            raise UsageError(
                f"--output {self.output} is the workbook {self.path} itself, which --output "
                f"never changes: leave --output out to refresh it in place (the previous file "
                f"is kept as {backup_path(Path(os.path.realpath(self.path))).name}), or give "
                "another file"
            )
        if not zipfile.is_zipfile(self.path):
            return
        check_package(self.path)
        try:
            with zipfile.ZipFile(self.path) as zf:
                kind = package_extension(zf)
        except (zipfile.BadZipFile, OSError, KeyError, ValueError, SyntaxError):
            return
        suffix = self.output.suffix.lower()
        # The input's own extension is allowed too: the copy is then named as the input is.
        if kind is None or suffix == kind or suffix == self.path.suffix.lower() in _KINDS:
            return
        what = _KINDS.get(kind, f"a {kind} workbook")
        raise UsageError(
            f"{self.output}: {self.path.name} is {what}, so the refreshed copy must end in "
            f"{kind} (Excel refuses a file whose name does not match its content): "
            f"give e.g. {example_name(self.output, kind, self.path.stem + '_refreshed')}"
        )

    def read(self) -> RawWorkbook:
        from xl_milestones.io.reader import read_workbook

        self.check_output()
        raw = read_workbook(self.path)
        self._raw = raw
        self._stamp = self._stat()
        return raw

    def write(self, update: BookUpdate) -> None:
        """Write ``update`` into the target file; OutputError when it cannot be written."""
        from xl_milestones.io.writer import apply_update, read_date1904

        self.check_output()
        check_not_open(self.target, in_place=self.in_place)
        check_writable(self.target, in_place=self.in_place)
        if self._stamp is not None and self._stat() != self._stamp:
            raise OutputError(
                f"{self.path} changed while it was being refreshed (saved from Excel?): "
                "nothing was written; run the refresh again"
            )
        check_package(self.path)  # the writer reads the source again: same bounds as the reader
        raw = self._raw
        if raw is not None:
            date1904 = raw.date1904
        else:
            try:
                date1904 = read_date1904(self.path)
            except OSError as exc:
                raise WorkbookError(f"{self.path}: cannot be read ({exc.strerror})") from None
        hint = raw.tables.get(MILESTONES.key) if raw is not None else None
        grow = {
            t.sheet_name: (t.excel_table, t.rows[-1])
            for t in (raw.tables.values() if raw is not None else ())
            if t.excel_table is not None and t.rows_below_table
        }

        milestones_read = False

        def build(tmp: Path) -> None:
            nonlocal milestones_read
            milestones_read = apply_update(
                self.path,
                tmp,
                update,
                date1904=date1904,
                milestones=hint,
                grow=grow,
                in_place=self.in_place,
            )

        def verify(tmp: Path) -> None:
            verify_workbook(tmp, milestones_read=milestones_read)

        replace_file(self.target, build, in_place=self.in_place, verify=verify, backup=self.backup)
        if self.in_place:
            # The file is now the refreshed one; a later write looks its layout up afresh.
            self._raw = None
            self._stamp = self._stat()

    def _stat(self) -> tuple[int, int] | None:
        try:
            st = self.path.stat()
        except OSError:
            return None
        return st.st_mtime_ns, st.st_size
