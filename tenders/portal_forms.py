"""The public search form, shared by the HTML portal, the Atom feed and the read-only API."""

import functools
import re
from collections.abc import Mapping
from datetime import date
from typing import Any

from django import forms
from django.utils.html import format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from tenders.portal_selectors import PortalQuery

# A CPV prefix is 2 to 8 digits of the code; a full code may carry its check digit ("45210000-2").
CPV_PREFIX_RE = re.compile(r"^\d{2,8}(-\d)?$")
MAX_QUERY_CHARS = 200


SELECT_FIELDS = ("contract_type", "procedure", "regime")


@functools.lru_cache(maxsize=64)
def _choices_in(field_name: str, language: str | None) -> tuple[tuple[str, str], ...]:
    from tenders.models import Tender

    field = Tender._meta.get_field(field_name)
    return (("", str(_("any"))), *((str(k), str(v)) for k, v in (field.choices or [])))


def select_choices(field_name: str) -> tuple[tuple[str, str], ...]:
    """The options of a filter select, translated once per language (the portal's hot path)."""
    return _choices_in(field_name, get_language())


@functools.lru_cache(maxsize=256)
def _options_html(field_name: str, selected: str, language: str | None) -> str:
    return format_html_join(
        "",
        '<option value="{}"{}>{}</option>',
        (
            (value, mark_safe(" selected") if value == selected else "", text)
            for value, text in _choices_in(field_name, language)
        ),
    )


def select_options_html(field_name: str, selected: str) -> str:
    """The <option>s of a filter select, built once per language and selection."""
    if selected not in dict(select_choices(field_name)):
        selected = ""  # anything else is refused by the form; it must not grow the cache
    return _options_html(field_name, selected, get_language())


def choice_label(field_name: str, value: str) -> str:
    """``get_<field>_display()`` without its cost: Django hashes every lazily translated label
    of the field on each call, which made the labels the dearest part of a result list."""
    return dict(select_choices(field_name)).get(value, value)


class PortalSearchForm(forms.Form):
    q = forms.CharField(
        label=_("Search"),
        required=False,
        max_length=MAX_QUERY_CHARS,
        strip=True,
        widget=forms.TextInput(
            attrs={"type": "search", "placeholder": _("title, description, reference, authority")}
        ),
    )
    cpv = forms.CharField(
        label=_("CPV code or prefix"),
        required=False,
        max_length=10,
        strip=True,
        widget=forms.TextInput(attrs={"placeholder": "4521", "inputmode": "numeric"}),
    )
    deadline_from = forms.DateField(
        label=_("Deadline from"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    deadline_to = forms.DateField(
        label=_("Deadline to"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    contract_type = forms.ChoiceField(label=_("Contract type"), required=False)
    procedure = forms.ChoiceField(label=_("Procedure"), required=False)
    regime = forms.ChoiceField(label=_("Rules"), required=False)
    open_only = forms.BooleanField(label=_("Only tenders open for bids"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in SELECT_FIELDS:
            self.fields[name].choices = select_choices(name)

    def clean_cpv(self) -> str:
        value = self.cleaned_data["cpv"].replace(" ", "")
        if value and not CPV_PREFIX_RE.match(value):
            raise forms.ValidationError(
                _("A CPV search takes 2 to 8 digits of a CPV code, e.g. 4521 or 45210000.")
            )
        return value.split("-", 1)[0]

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        start, end = data.get("deadline_from"), data.get("deadline_to")
        if start and end and start > end:
            raise forms.ValidationError(_("The deadline range ends before it starts."))
        return data

    def to_query(self) -> PortalQuery:
        """The validated filter; call only after ``is_valid()`` returned True."""
        data = self.cleaned_data
        return PortalQuery(
            text=data.get("q") or "",
            cpv_prefix=data.get("cpv") or "",
            deadline_from=data.get("deadline_from"),
            deadline_to=data.get("deadline_to"),
            contract_type=data.get("contract_type") or "",
            procedure=data.get("procedure") or "",
            regime=data.get("regime") or "",
            open_only=bool(data.get("open_only")),
        )


ISO_DATE_RE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def quick_portal_query(data: Mapping[str, str]) -> PortalQuery | None:
    """The query of PortalSearchForm(data) for the plain inputs a search page sends, without
    building the form (its fields are deep-copied and its choices normalised on every request);
    None for anything else, which then goes through the form: whatever is accepted here is what
    the form accepts and yields (tests/tenders/test_portal_speed.py), errors only come from it.
    """
    text = (data.get("q") or "").strip()
    if len(text) > MAX_QUERY_CHARS or "\x00" in text:
        return None
    cpv = (data.get("cpv") or "").strip()
    if len(cpv) > PortalSearchForm.base_fields["cpv"].max_length or "\x00" in cpv:
        return None
    cpv = cpv.replace(" ", "")
    if cpv and not CPV_PREFIX_RE.match(cpv):
        return None
    days: list[date | None] = []
    for name in ("deadline_from", "deadline_to"):
        value = (data.get(name) or "").strip()
        if not value:
            days.append(None)
            continue
        if not ISO_DATE_RE.fullmatch(value):
            return None
        try:
            days.append(date.fromisoformat(value))
        except ValueError:
            return None
    start, end = days
    if start and end and start > end:
        return None
    selected = {}
    for name in SELECT_FIELDS:
        value = data.get(name) or ""
        if value and value not in dict(select_choices(name)):
            return None
        selected[name] = value
    # CheckboxInput, then BooleanField: "false" (any case) is off, any other non-empty value on.
    open_only = data.get("open_only")
    if open_only is not None:
        open_only = {"true": True, "false": False}.get(open_only.lower(), open_only)
    return PortalQuery(
        text=text,
        cpv_prefix=cpv.split("-", 1)[0],
        deadline_from=start,
        deadline_to=end,
        open_only=bool(open_only),
        **selected,
    )
