"""Publication data for tenders, awards and contracts: eForms notices and OCDS releases.

Pure builders (no Django, no database): ``data`` holds the input dataclasses, ``eforms`` and
``ocds`` turn them into XML and JSON. See docs/publication.md.
"""
