"""Invoicing test data: organisations like the demo ones, invoices built with our own writer,
and contracts through bids.Contract (failing loudly while that model is missing)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.apps import apps

from procurement.core.models import Organisation
from procurement.core.roles import Role
from tests.factories import person


def german_authority(**extra) -> Organisation:
    data = dict(
        kind=Organisation.Kind.AUTHORITY,
        authority_type=Organisation.AuthorityType.SUB_CENTRAL,
        name="Stadt Musterstadt",
        country="DE",
        vat_id="DE811569869",
        leitweg_id="04011000-1234512345-06",
        street="Rathausplatz 1",
        postcode="10115",
        city="Berlin",
        nuts="DE300",
        email="rechnung@musterstadt.example",
        iban="DE02120300000000202051",
        bic="BYLADEM1001",
    )
    data.update(extra)
    return Organisation.objects.create(**data)


def french_authority(**extra) -> Organisation:
    data = dict(
        kind=Organisation.Kind.AUTHORITY,
        authority_type=Organisation.AuthorityType.SUB_CENTRAL,
        name="Ville de Strasbourg",
        country="FR",
        vat_id="FR20216704825",
        siren="216704825",
        siret="21670482500019",
        service_code="ACHATS-VOIRIE",
        street="1 Parc de l'Étoile",
        postcode="67000",
        city="Strasbourg",
        nuts="FRF11",
        email="achats@strasbourg.example",
        iban="FR7630001007941234567890185",
        bic="BDFEFRPPCCT",
    )
    data.update(extra)
    return Organisation.objects.create(**data)


def german_supplier(**extra) -> Organisation:
    data = dict(
        kind=Organisation.Kind.OPERATOR,
        name="Musterbau GmbH",
        country="DE",
        vat_id="DE136695976",
        street="Industriestraße 5",
        postcode="50667",
        city="Köln",
        email="rechnung@musterbau.example",
        iban="DE89370400440532013000",
        bic="COBADEFFXXX",
    )
    data.update(extra)
    return Organisation.objects.create(**data)


def french_supplier(**extra) -> Organisation:
    data = dict(
        kind=Organisation.Kind.OPERATOR,
        name="Ingénierie Rhénane SAS",
        country="FR",
        vat_id="FR44732829320",
        siren="732829320",
        siret="73282932000074",
        street="12 rue du Rhin",
        postcode="67100",
        city="Strasbourg",
        email="factures@rhenane.example",
        iban="FR1420041010050500013M02606",
        bic="PSSTFRPPPAR",
    )
    data.update(extra)
    return Organisation.objects.create(**data)


def ap_staff(buyer: Organisation) -> dict:
    return {
        "clerk": person(buyer, Role.AP_CLERK),
        "approver": person(buyer, Role.AP_APPROVER),
        "approver2": person(buyer, Role.AP_APPROVER),
    }


def invoice_xml(
    *,
    seller: Organisation,
    buyer: Organisation,
    number: str = "RE-1",
    issue_date: date = date(2026, 11, 20),
    amount: Decimal = Decimal("1000.00"),
    fmt: str = "xrechnung-ubl",
    currency: str = "EUR",
    contract_reference: str = "",
    order_reference: str = "",
    type_code: str = "380",
    preceding_number: str = "",
    vat_rate: Decimal = Decimal("19"),
) -> bytes:
    from invoicing import engine
    from invoicing.services.supplier import LineInput, invoice_model_build

    model = invoice_model_build(
        seller=seller,
        buyer=buyer,
        number=number,
        issue_date=issue_date,
        currency=currency,
        lines=[
            LineInput(
                description="Leistung",
                quantity=Decimal("1"),
                unit_code="C62",
                unit_price=amount,
                vat_rate=vat_rate,
            )
        ],
        contract_reference=contract_reference,
        order_reference=order_reference,
        contact_phone="+49 221 123456",
        type_code=type_code,
        preceding_number=preceding_number,
        fmt=fmt,
    )
    data, _ = engine.generate(model, fmt=fmt)
    return data


def contract_model():
    try:
        return apps.get_model("bids", "Contract")
    except LookupError as exc:
        raise AssertionError(
            "bids.Contract does not exist yet: the matching / supplier tests need the contract "
            "model agreed in TEAM.md. This test must fail until the bids app provides it."
        ) from exc


def make_contract(
    *,
    authority: Organisation,
    supplier: Organisation,
    reference: str = "VG-2026-17",
    value_net: Decimal = Decimal("50000.00"),
    currency: str = "EUR",
    order_reference: str = "",
    buyer_reference: str | None = None,
    lines=(),
    vat_rate: Decimal | None = Decimal("19"),
):
    """A concluded contract via the bids app's own models (tender first, as it requires)."""
    Contract = contract_model()
    from tests.invoicing.contracts import concluded_contract

    return concluded_contract(
        Contract,
        authority=authority,
        supplier=supplier,
        reference=reference,
        value_net=value_net,
        currency=currency,
        order_reference=order_reference,
        buyer_reference=(
            buyer_reference
            if buyer_reference is not None
            else authority.leitweg_id or authority.service_code
        ),
        lines=lines,
        vat_rate=vat_rate,
    )
