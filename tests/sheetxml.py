"""Test helper for the worksheet rewriter: the namespace and a small styles part that the
hand-written sheet XML of the rewriter tests refers to (0 plain, 1 a date format, 2 wrapped
text, 3 a number format)."""

from __future__ import annotations

NS = b'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
STYLES = (
    b'<?xml version="1.0" encoding="UTF-8"?><styleSheet ' + NS + b">"
    b'<numFmts count="1"><numFmt numFmtId="164" formatCode="d mmm yyyy"/></numFmts>'
    b'<cellXfs count="4"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
    b'<xf numFmtId="164" fontId="1" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    b'<xf numFmtId="0" fontId="2" fillId="0" borderId="0" xfId="0"><alignment wrapText="1"/></xf>'
    b'<xf numFmtId="4" fontId="0" fillId="0" borderId="0" xfId="0"/>'
    b"</cellXfs></styleSheet>"
)
