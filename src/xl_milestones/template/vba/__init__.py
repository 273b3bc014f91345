"""Writes the workbook's VBA project (vbaProject.bin) from text sources, following [MS-OVBA].

``compression`` is MS-OVBA 2.4.1, ``cfb`` the compound-file container, ``project`` the streams
of the project, ``sources`` the modules this workbook carries.
"""

from xl_milestones.template.vba.project import (
    Module,
    ModuleKind,
    VBAProjectError,
    build_vba_project,
)

__all__ = ["Module", "ModuleKind", "VBAProjectError", "build_vba_project"]
