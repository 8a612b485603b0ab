"""HTML forms of the officer and bidder pages. They parse input into the services' dataclasses;
the legal checks (CPV, weights, time limits …) live in the services and come back as errors."""

import re
from decimal import Decimal
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from procurement.core.models import User
from procurement.core.roles import Role
from tenders.models import (
    CancellationGround,
    ContractType,
    CriterionKind,
    EntityActivity,
    Lot,
    Procedure,
    ReviewBody,
    Tender,
)
from tenders.services import CriterionInput, LotInput, TenderInput

DATETIME_WIDGET = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
CODE_SPLIT = re.compile(r"[\s,;]+")


def _dt_field(label: str, required: bool = False) -> forms.DateTimeField:
    # Entered and shown in the site time zone (Europe/Berlin); stored in UTC.
    return forms.DateTimeField(
        label=label,
        required=required,
        widget=DATETIME_WIDGET,
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
    )


class TenderForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=300)
    description = forms.CharField(label=_("Description"), required=False, widget=forms.Textarea)
    contract_type = forms.ChoiceField(label=_("Contract type"), choices=ContractType.choices)
    procedure = forms.ChoiceField(label=_("Procedure"), choices=Procedure.choices)
    is_concession = forms.BooleanField(label=_("Concession"), required=False)
    entity_activity = forms.ChoiceField(
        label=_("Sector activity (utilities only)"),
        choices=[("", "—"), *EntityActivity.choices],
        required=False,
    )
    estimated_value = forms.DecimalField(
        label=_("Estimated value (EUR, net)"), max_digits=18, decimal_places=2, min_value=0
    )
    cpv_main = forms.CharField(label=_("Main CPV code"), max_length=12)
    cpv_additional = forms.CharField(
        label=_("Additional CPV codes"),
        required=False,
        help_text=_("Separated by spaces or commas"),
    )
    nuts = forms.CharField(label=_("Place of performance (NUTS)"), max_length=5)
    duration_months = forms.IntegerField(
        label=_("Duration (months)"), required=False, min_value=1, max_value=1200
    )
    electronic_submission = forms.BooleanField(
        label=_("Offers are submitted electronically"), required=False, initial=True
    )
    urgency_reason = forms.CharField(
        label=_("Documented urgency (only if it shortens the time limits)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    contact_email = forms.EmailField(label=_("Contact e-mail"), required=False)
    contact_phone = forms.CharField(label=_("Contact telephone"), required=False, max_length=40)
    review_body = forms.ModelChoiceField(
        label=_("Review body (Vergabekammer)"), queryset=ReviewBody.objects.all(), required=False
    )
    prior_information_sent_on = forms.DateField(
        label=_("Prior information notice sent on (VgV §38)"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    participation_deadline = _dt_field(_("Deadline for requests to participate"))
    questions_deadline = _dt_field(_("Deadline for questions"))
    submission_deadline = _dt_field(_("Deadline for offers"), required=True)
    opening_at = _dt_field(_("Opening of offers"))

    @classmethod
    def for_tender(cls, tender: Tender) -> "TenderForm":
        initial = {name: getattr(tender, name) for name in TenderInput.__dataclass_fields__}
        initial["cpv_additional"] = " ".join(tender.cpv_additional or [])
        initial["review_body"] = tender.review_body_id
        return cls(initial=initial)

    def to_input(self) -> TenderInput:
        data = self.cleaned_data
        return TenderInput(
            title=data["title"],
            description=data["description"],
            contract_type=data["contract_type"],
            procedure=data["procedure"],
            is_concession=data["is_concession"],
            entity_activity=data["entity_activity"],
            estimated_value=data["estimated_value"],
            cpv_main=data["cpv_main"],
            cpv_additional=[c for c in CODE_SPLIT.split(data["cpv_additional"]) if c],
            nuts=data["nuts"],
            duration_months=data["duration_months"],
            prior_information_sent_on=data["prior_information_sent_on"],
            electronic_submission=data["electronic_submission"],
            urgency_reason=data["urgency_reason"],
            participation_deadline=data["participation_deadline"],
            questions_deadline=data["questions_deadline"],
            submission_deadline=data["submission_deadline"],
            opening_at=data["opening_at"],
            contact_email=data["contact_email"],
            contact_phone=data["contact_phone"],
            review_body_id=data["review_body"].pk if data["review_body"] else None,
        )


class LotForm(forms.Form):
    number = forms.IntegerField(label=_("Lot number"), min_value=1, max_value=999)
    title = forms.CharField(label=_("Title"), max_length=300)
    description = forms.CharField(label=_("Description"), required=False, widget=forms.Textarea)
    cpv_main = forms.CharField(label=_("Main CPV code"), max_length=12)
    estimated_value = forms.DecimalField(
        label=_("Estimated value (EUR, net)"), max_digits=18, decimal_places=2, min_value=0
    )

    @classmethod
    def for_lot(cls, lot: Lot) -> "LotForm":
        return cls(initial={n: getattr(lot, n) for n in LotInput.__dataclass_fields__})

    def to_input(self) -> LotInput:
        return LotInput(**self.cleaned_data)


class CriterionForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=CriterionKind.choices)
    name = forms.CharField(label=_("Criterion"), max_length=200)
    weight = forms.DecimalField(
        label=_("Weight (%)"), max_digits=5, decimal_places=2, min_value=Decimal("0.01")
    )


class BaseCriteriaFormSet(forms.BaseFormSet):
    def to_inputs(self) -> list[CriterionInput]:
        return [
            CriterionInput(
                kind=f.cleaned_data["kind"],
                name=f.cleaned_data["name"],
                weight=f.cleaned_data["weight"],
            )
            for f in self.forms
            if f.cleaned_data and not f.cleaned_data.get("DELETE")
        ]


CriteriaFormSet = forms.formset_factory(
    CriterionForm, formset=BaseCriteriaFormSet, extra=2, max_num=20, can_delete=True
)


class CommitteeForm(forms.Form):
    members = forms.ModelMultipleChoiceField(
        label=_("Opening committee"),
        queryset=User.objects.none(),
        widget=forms.CheckboxSelectMultiple,
    )
    quorum = forms.IntegerField(
        label=_("Members needed to open (k)"), min_value=1, max_value=50, initial=2
    )

    def __init__(self, *args: Any, tender: Tender, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["members"].queryset = User.objects.filter(
            memberships__organisation=tender.authority,
            memberships__role=Role.OPENING_COMMITTEE,
            memberships__active=True,
        ).order_by("last_name", "username")


class DocumentForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    file = forms.FileField(label=_("File"))
    lot = forms.ModelChoiceField(label=_("Lot"), queryset=Lot.objects.none(), required=False)
    change_note = forms.CharField(
        label=_("What changed (sent to interested bidders)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    substantial = forms.BooleanField(label=_("Substantial change"), required=False)
    new_submission_deadline = _dt_field(_("New deadline for offers"))

    def __init__(self, *args: Any, tender: Tender, new_version: bool = False, **kw: Any) -> None:
        super().__init__(*args, **kw)
        self.fields["lot"].queryset = tender.lots.all()
        if new_version:
            del self.fields["title"]
            del self.fields["lot"]


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 3}))


class CancelForm(forms.Form):
    ground = forms.ChoiceField(
        label=_("Ground (VgV §63 Abs. 1)"), choices=CancellationGround.choices
    )
    reason = forms.CharField(
        label=_("Reason (bidders are told)"), widget=forms.Textarea(attrs={"rows": 3})
    )


class AnswerForm(forms.Form):
    public_text = forms.CharField(
        label=_("Question as published (remove anything that identifies the asker)"),
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    answer = forms.CharField(label=_("Answer"), widget=forms.Textarea(attrs={"rows": 5}))


class QuestionForm(forms.Form):
    text = forms.CharField(
        label=_("Your question"), max_length=5000, widget=forms.Textarea(attrs={"rows": 5})
    )
