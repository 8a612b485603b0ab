from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from invoicing.models import BulkJob, Invoice
from invoicing.services.supplier import FORMATS


class InboxFilterForm(forms.Form):
    state = forms.ChoiceField(
        required=False, label=_("State"), choices=[("", _("All states")), *Invoice.State.choices]
    )
    supplier = forms.CharField(required=False, label=_("Supplier (name, VAT id, SIRET)"))
    due_after = forms.DateField(
        required=False, label=_("Due from"), widget=forms.DateInput(attrs={"type": "date"})
    )
    due_before = forms.DateField(
        required=False, label=_("Due until"), widget=forms.DateInput(attrs={"type": "date"})
    )
    amount_min = forms.DecimalField(required=False, label=_("Amount from"), min_value=0)
    amount_max = forms.DecimalField(required=False, label=_("Amount to"), min_value=0)


class BulkForm(forms.Form):
    action = forms.ChoiceField(
        choices=[*BulkJob.Action.choices, ("release", _("Release for payment"))]
    )
    invoices = forms.CharField(widget=forms.HiddenInput, required=False)


class ReasonForm(forms.Form):
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), required=False)


class OverrideForm(forms.Form):
    field = forms.CharField(widget=forms.HiddenInput)
    reason = forms.CharField(min_length=5, widget=forms.TextInput())


class SupplierInvoiceForm(forms.Form):
    number = forms.CharField(max_length=60, label=_("Invoice number (BT-1)"))
    issue_date = forms.DateField(
        label=_("Issue date (BT-2)"), widget=forms.DateInput(attrs={"type": "date"})
    )
    fmt = forms.ChoiceField(choices=list(FORMATS.items()), label=_("Format"))
    contact_phone = forms.CharField(max_length=40, label=_("Contact phone (BT-42)"))


class SupplierLineForm(forms.Form):
    description = forms.CharField(max_length=200)
    quantity = forms.DecimalField(max_digits=18, decimal_places=4, min_value=Decimal("0"))
    unit_code = forms.CharField(max_length=3)
    unit_price = forms.DecimalField(max_digits=18, decimal_places=4, min_value=Decimal("0"))
    vat_category = forms.CharField(max_length=2)
    vat_rate = forms.DecimalField(max_digits=5, decimal_places=2, required=False)


SupplierLineFormSet = forms.formset_factory(SupplierLineForm, extra=0)
