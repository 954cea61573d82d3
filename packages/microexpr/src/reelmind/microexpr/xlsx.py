"""A minimal .xlsx reader and writer (the annotation sheets of CASME II, SAMM, MMEW, 4DME) with the
standard library only: the first worksheet's cells as rows of strings / numbers."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path
from xml.etree import ElementTree as ET
from xml.sax.saxutils import escape

from reelmind.core.errors import DataFileError

_NS = {"m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main",
       "r": "http://schemas.openxmlformats.org/officeDocument/2006/relationships",
       "p": "http://schemas.openxmlformats.org/package/2006/relationships"}


def _col(ref: str) -> int:
    n = 0
    for ch in re.match(r"[A-Z]+", ref).group(0):
        n = n * 26 + ord(ch) - 64
    return n - 1


def _text(el) -> str:
    return "".join(t.text or "" for t in el.iter(f"{{{_NS['m']}}}t"))


def read_rows(path: str | Path) -> list[list]:
    """Rows of the first worksheet (cells as str, int or float; empty cells as '')."""
    path = Path(path)
    try:
        z = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, FileNotFoundError, IsADirectoryError) as exc:
        raise DataFileError(f"{path}: not a readable .xlsx file ({type(exc).__name__})", "save the sheet as .xlsx or .csv") from None
    with z:
        names = set(z.namelist())
        shared = []
        if "xl/sharedStrings.xml" in names:
            shared = [_text(si) for si in ET.fromstring(z.read("xl/sharedStrings.xml")).findall("m:si", _NS)]
        wb = ET.fromstring(z.read("xl/workbook.xml"))
        first = wb.find("m:sheets/m:sheet", _NS)
        target = "xl/worksheets/sheet1.xml"
        if first is not None and "xl/_rels/workbook.xml.rels" in names:
            rid = first.get(f"{{{_NS['r']}}}id")
            for rel in ET.fromstring(z.read("xl/_rels/workbook.xml.rels")).findall("p:Relationship", _NS):
                if rel.get("Id") == rid:
                    t = rel.get("Target").lstrip("/")
                    target = t if t.startswith("xl/") else "xl/" + t
        if target not in names:
            raise DataFileError(f"{path}: the workbook has no worksheet {target}")
        rows: list[list] = []
        for row in ET.fromstring(z.read(target)).iter(f"{{{_NS['m']}}}row"):
            r = int(row.get("r", len(rows) + 1)) - 1
            while len(rows) < r:
                rows.append([])
            cells: list = []
            for c in row.findall("m:c", _NS):
                j = _col(c.get("r")) if c.get("r") else len(cells)
                kind, v = c.get("t", "n"), c.find("m:v", _NS)
                if kind == "s" and v is not None:
                    val = shared[int(v.text)]
                elif kind == "inlineStr":
                    val = _text(c)
                elif v is None or v.text is None:
                    val = ""
                elif kind in ("str", "e"):
                    val = v.text
                elif kind == "b":
                    val = int(v.text)
                else:
                    f = float(v.text)
                    val = int(f) if f.is_integer() else f
                while len(cells) < j:
                    cells.append("")
                cells.append(val)
            rows.append(cells)
        return rows


def write_rows(path: str | Path, rows: list[list], sheet: str = "Sheet1") -> Path:
    """Write rows (str / int / float cells) as a one-sheet .xlsx."""
    def cell(j: int, i: int, v) -> str:
        ref = ""
        n = j + 1
        while n:
            n, rem = divmod(n - 1, 26)
            ref = chr(65 + rem) + ref
        ref += str(i + 1)
        if isinstance(v, (int, float)) and not isinstance(v, bool):
            return f'<c r="{ref}"><v>{v}</v></c>'
        return f'<c r="{ref}" t="inlineStr"><is><t>{escape(str(v))}</t></is></c>'

    body = "".join(f'<row r="{i + 1}">' + "".join(cell(j, i, v) for j, v in enumerate(r)) + "</row>" for i, r in enumerate(rows))
    m = _NS["m"]
    files = {
        "[Content_Types].xml": '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
        '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>',
        "_rels/.rels": f'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="{_NS["p"]}"><Relationship Id="rId1" '
        'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>',
        "xl/workbook.xml": f'<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="{m}" xmlns:r="{_NS["r"]}"><sheets>'
        f'<sheet name="{escape(sheet)}" sheetId="1" r:id="rId1"/></sheets></workbook>',
        "xl/_rels/workbook.xml.rels": f'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="{_NS["p"]}"><Relationship Id="rId1" '
        'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>',
        "xl/worksheets/sheet1.xml": f'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="{m}"><sheetData>{body}</sheetData></worksheet>',
    }
    path = Path(path)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, text in files.items():
            z.writestr(name, text)
    return path
