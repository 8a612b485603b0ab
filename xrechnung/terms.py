"""EN 16931 business terms (BT-/BG-) a rule concerns, derived from the rules themselves.

First from the rule's own text and id ("[BR-52]-Each Additional supporting document (BG-24)
shall contain a Supporting document reference (BT-122)"). Rules whose text names no term
(syntax rules such as UBL-CR-*, CII-SR-*) get the terms that the rest of the same stylesheet
binds to the elements their test and context mention: a map learned once per stylesheet from
every rule that does name exactly one BT (for its test element) or one BG (for its context).
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from functools import lru_cache
from pathlib import Path

from lxml import etree

TERM = re.compile(r"\b(B[TG])[- ]?(\d{1,3})\b")
_QNAME = re.compile(r"\b(?:cbc|cac|ram|rsm|udt|qdt|ext|ubl|cn):[A-Za-z][\w.-]*")
_XSL = "{http://www.w3.org/1999/XSL/Transform}"
_SVRL = "{http://purl.oclc.org/dsdl/svrl}"


def terms_in_text(*texts: str) -> tuple[str, ...]:
    seen: dict[str, None] = {}
    for text in texts:
        for kind, num in TERM.findall(text or ""):
            seen[f"{kind}-{int(num)}"] = None
    return tuple(seen)


def _last_step(context: str) -> str:
    names = _QNAME.findall(context or "")
    return names[-1] if names else ""


def _alternatives(context: str) -> set[str]:
    """Last steps of each branch of a union context ("cac:InvoiceLine | cac:CreditNoteLine")."""
    return {step for step in (_last_step(part) for part in context.split("|")) if step}


def _attr_or_child(el: etree._Element, name: str) -> str:
    value = el.get(name)
    if value is not None:
        return value
    for child in el.iter(f"{_XSL}attribute"):
        if child.get("name") == name:
            return "".join(str(t) for t in child.itertext())
    return ""


@lru_cache(maxsize=32)
def learned_map(stylesheet: str) -> dict[str, str]:
    """qname (or ``context/qname``) -> the business term the stylesheet's rules bind to it."""
    votes: dict[str, Counter[str]] = defaultdict(Counter)
    try:
        tree = etree.parse(
            stylesheet,
            etree.XMLParser(
                resolve_entities=False, no_network=True, load_dtd=False, huge_tree=True
            ),
        )
    except (OSError, etree.XMLSyntaxError):
        return {}
    for assertion in tree.iter(f"{_SVRL}failed-assert", f"{_SVRL}successful-report"):
        text = " ".join(
            "".join(str(x) for x in t.itertext()) for t in assertion.iter(f"{_SVRL}text")
        )
        terms = terms_in_text(text)
        bts = [t for t in terms if t.startswith("BT")]
        bgs = [t for t in terms if t.startswith("BG")]
        test = _attr_or_child(assertion, "test")
        context = _context_of(assertion)
        ctx_step = _last_step(context)
        test_names = set(_QNAME.findall(test))
        if len(bts) == 1 and len(test_names) == 1:
            qname = next(iter(test_names))
            votes[qname][bts[0]] += 1
            if ctx_step:
                votes[f"{ctx_step}/{qname}"][bts[0]] += 1
        if len(bgs) == 1:
            for alternative in _alternatives(context):
                votes[alternative][bgs[0]] += 1
    result: dict[str, str] = {}
    for key, counter in votes.items():
        term, count = counter.most_common(1)[0]
        if count * 10 >= sum(counter.values()) * 6:  # a clear majority only
            result[key] = term
    return result


def _context_of(assertion: etree._Element) -> str:
    node = assertion.getparent()
    while node is not None:
        if node.tag == f"{_XSL}template":
            return node.get("match", "")
        fired = node.find(f"{_SVRL}fired-rule")
        if fired is not None:
            return _attr_or_child(fired, "context")
        node = node.getparent()
    return ""


def business_terms(
    *, rule_id: str, message: str, test: str, context: str, stylesheet: Path | None
) -> tuple[str, ...]:
    found = terms_in_text(message, rule_id)
    if found or stylesheet is None:
        return found
    mapping = learned_map(str(stylesheet))
    derived: dict[str, None] = {}
    ctx_step = _last_step(context)
    for qname in _QNAME.findall(test or ""):
        term = mapping.get(f"{ctx_step}/{qname}") or mapping.get(qname)
        if term:
            derived[term] = None
    for alternative in sorted(_alternatives(context)):
        if alternative in mapping:
            derived[mapping[alternative]] = None
    if not derived:
        for qname in reversed(_QNAME.findall(context or "")):
            if qname in mapping:
                derived[mapping[qname]] = None
                break
    return tuple(derived)
