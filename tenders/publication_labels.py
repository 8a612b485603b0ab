"""Readable names for the places the notice builders point at.

The builders (``tenders.publication.data``) name what they refuse by a data path such as
``buyer.address.nuts`` or ``lots[1].title[fr]``: exact, but not what an officer sees on a form.
``field_label`` turns a path into the words of the reader's language ("Contracting authority >
Address > NUTS code", "Lot 2 > Title (French)", with a typographic angle); a segment it does not
know stays as written, so a new builder check still produces a message, only a less polished one.
"""

import re

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

SEPARATOR = " \N{SINGLE RIGHT-POINTING ANGLE QUOTATION MARK} "

_SEGMENTS = {
    "accelerated_justification": gettext_lazy("Reason for the accelerated procedure"),
    "address": gettext_lazy("Address"),
    "award_criteria": gettext_lazy("Award criteria"),
    "awards": gettext_lazy("Awards"),
    "buyer": gettext_lazy("Contracting authority"),
    "city": gettext_lazy("City"),
    "contract": gettext_lazy("Contract"),
    "country": gettext_lazy("Country"),
    "cpv_additional": gettext_lazy("Additional CPV code"),
    "cpv_main": gettext_lazy("Main CPV code"),
    "currency": gettext_lazy("Currency"),
    "deadlines": gettext_lazy("Deadlines"),
    "description": gettext_lazy("Description"),
    "dispatched_at": gettext_lazy("Dispatch time"),
    "documents_url": gettext_lazy("Address of the procurement documents"),
    "duration_months": gettext_lazy("Duration in months"),
    "email": gettext_lazy("E-mail"),
    "end_date": gettext_lazy("End date"),
    "entity_activity": gettext_lazy("Activity of the sector entity"),
    "estimated_value": gettext_lazy("Estimated value"),
    "highest_value": gettext_lazy("Highest offer"),
    "key": pgettext_lazy("identifier", "Key"),
    "legal_basis": gettext_lazy("Legal basis"),
    "lot_key": gettext_lazy("Lot"),
    "lots": gettext_lazy("Lots"),
    "lowest_value": gettext_lazy("Lowest offer"),
    "max_lots_per_tenderer": gettext_lazy("Maximum lots per bidder"),
    "max_renewals": gettext_lazy("Maximum renewals"),
    "name": gettext_lazy("Name"),
    "no_award_reason": gettext_lazy("Reason for not awarding"),
    "notice": gettext_lazy("Notice"),
    "notice_languages": gettext_lazy("Notice languages"),
    "nuts": gettext_lazy("NUTS code"),
    "opening": gettext_lazy("Opening of offers"),
    "phone": gettext_lazy("Telephone"),
    "place_of_performance": gettext_lazy("Place of performance"),
    "procedure_type": gettext_lazy("Procedure"),
    "questions": gettext_lazy("Questions deadline"),
    "reference": gettext_lazy("Reference number"),
    "registration_id": gettext_lazy("Registration number"),
    "review_body": gettext_lazy("Review body"),
    "signed_on": gettext_lazy("Signature date"),
    "submission": gettext_lazy("Deadline for offers"),
    "submission_languages": gettext_lazy("Languages of offers"),
    "submission_url": gettext_lazy("Address for submitting offers"),
    "tender_validity_days": gettext_lazy("Offer validity in days"),
    "tenders_received": gettext_lazy("Offers received"),
    "tenders_received_electronically": gettext_lazy("Offers received electronically"),
    "tenders_received_sme": gettext_lazy("Offers received from SMEs"),
    "title": gettext_lazy("Title"),
    "value": gettext_lazy("Value"),
    "version": gettext_lazy("Version"),
    "website": gettext_lazy("Website"),
    "weight": gettext_lazy("Weight"),
    "winner": gettext_lazy("Successful bidder"),
    "winning_value": gettext_lazy("Value of the successful offer"),
}
# One item of a list: "Lot 2", "Award 1", "Additional CPV code 3", "Award criterion 1".
_ITEMS = {
    "lots": gettext_lazy("Lot %(number)s"),
    "awards": gettext_lazy("Award %(number)s"),
    "award_criteria": gettext_lazy("Award criterion %(number)s"),
    "cpv_additional": gettext_lazy("Additional CPV code %(number)s"),
}
_LANGUAGES = {
    "de": pgettext_lazy("language of a text", "German"),
    "en": pgettext_lazy("language of a text", "English"),
    "fr": pgettext_lazy("language of a text", "French"),
}
_SEGMENT = re.compile(r"^(?P<name>[a-z_]+)(?P<subscripts>(\[[^\]]*\])*)$")
_SUBSCRIPT = re.compile(r"\[([^\]]*)\]")


def known_segments() -> frozenset[str]:
    return frozenset(_SEGMENTS)


def field_label(path: str) -> str:
    """``buyer.address.nuts`` → "Contracting authority > Address > NUTS code"."""
    if not path:
        return ""
    return SEPARATOR.join(_segment_label(part) for part in path.split("."))


def _segment_label(part: str) -> str:
    match = _SEGMENT.match(part)
    if match is None:
        return part
    name = match["name"]
    label = str(_SEGMENTS.get(name, name))
    for subscript in _SUBSCRIPT.findall(match["subscripts"]):
        if subscript.isdigit():
            template = _ITEMS.get(name)
            number = int(subscript) + 1  # the builders count from 0, people from 1
            label = str(template) % {"number": number} if template else f"{label} {number}"
        else:
            language = _LANGUAGES.get(subscript)
            label = _("%(field)s (%(language)s)") % {
                "field": label,
                "language": language if language is not None else subscript,
            }
    return label
