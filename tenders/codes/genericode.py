"""Reads the code column of an OASIS genericode 1.0 code list (the format of the eForms SDK lists).

The Publications Office distributes CPV and NUTS as genericode files in the eForms SDK
(``codelists/cpv.gc``, ``codelists/nuts.gc``); this reader lets ``tenders.codes.build`` turn such
a file into the compact data files this package ships, without any network access.
"""

from pathlib import Path

from lxml import etree

GC_NS = "http://docs.oasis-open.org/codelist/ns/genericode/1.0/"
# The full CPV genericode with 24 language columns is about 30 MB; refuse anything far larger.
MAX_BYTES = 200 * 1024 * 1024


def read_codes(path: Path) -> tuple[str, list[str]]:
    """Return ``(version, codes)`` from the ``code`` column of a genericode file, in file order."""
    if path.stat().st_size > MAX_BYTES:
        raise ValueError(f"{path} is larger than {MAX_BYTES} bytes; not a code list")
    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=True)
    root = etree.parse(str(path), parser).getroot()
    ns = {"gc": GC_NS}
    version = root.findtext("Identification/Version") or ""
    codes: list[str] = []
    for row in root.iterfind("SimpleCodeList/Row"):
        for value in row.iterfind("Value"):
            if value.get("ColumnRef") == "code":
                text = (value.findtext("SimpleValue") or "").strip()
                if text:
                    codes.append(text)
    if (
        not codes
        and root.find("gc:SimpleCodeList", ns) is None
        and root.find("SimpleCodeList") is None
    ):
        raise ValueError(f"{path} has no SimpleCodeList: not a genericode code list")
    return version, codes
