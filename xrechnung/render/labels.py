"""Labels and number/date formats for the readable rendering, in German, English and French."""

from __future__ import annotations

from datetime import date
from decimal import ROUND_HALF_UP, Decimal

LANGUAGES = ("de", "en", "fr")

_LABELS: dict[str, tuple[str, str, str]] = {
    # key: (de, en, fr)
    "invoice": ("Rechnung", "Invoice", "Facture"),
    "credit_note": ("Gutschrift", "Credit note", "Avoir"),
    "corrected": ("Rechnungskorrektur", "Corrected invoice", "Facture rectificative"),
    "partial": ("Abschlagsrechnung", "Partial invoice", "Facture d'acompte"),
    "self_billed": ("Gutschrift (Selbstfakturierung)", "Self-billed invoice", "Autofacture"),
    "number": ("Rechnungsnummer", "Invoice number", "Numéro de facture"),
    "issue_date": ("Rechnungsdatum", "Issue date", "Date d'émission"),
    "due_date": ("Fällig am", "Due date", "Date d'échéance"),
    "type_code": ("Rechnungsart", "Invoice type", "Type de facture"),
    "currency": ("Währung", "Currency", "Devise"),
    "tax_currency": ("USt-Buchungswährung", "VAT accounting currency", "Devise de TVA"),
    "tax_point_date": ("Steuerlicher Leistungszeitpunkt", "Tax point date", "Date d'exigibilité"),
    "tax_point_basis": ("Umsatzsteuer fällig mit", "VAT due on", "TVA exigible à la"),
    "tax_point_3": ("Rechnungsdatum", "invoice date", "date de facture"),
    "tax_point_35": ("Lieferdatum", "delivery date", "date de livraison"),
    "tax_point_432": ("Zahlungsdatum", "payment date", "date de paiement"),
    "seller": ("Verkäufer", "Seller", "Vendeur"),
    "buyer": ("Käufer", "Buyer", "Acheteur"),
    "buyer_reference": (
        "Käuferreferenz (Leitweg-ID)",
        "Buyer reference",
        "Référence acheteur (code service)",
    ),
    "order_reference": (
        "Bestellnummer",
        "Purchase order reference",
        "Bon de commande (n° d'engagement)",
    ),
    "contract_reference": ("Vertragsnummer", "Contract reference", "Référence du contrat"),
    "project_reference": ("Projektnummer", "Project reference", "Référence du projet"),
    "sales_order_reference": (
        "Auftragsnummer",
        "Sales order reference",
        "Référence de commande vendeur",
    ),
    "accounting_reference": (
        "Buchungsreferenz",
        "Buyer accounting reference",
        "Référence comptable",
    ),
    "tender_reference": (
        "Vergabe-/Losnummer",
        "Tender or lot reference",
        "Référence du marché / lot",
    ),
    "invoiced_object": ("Abrechnungsobjekt", "Invoiced object", "Objet facturé"),
    "despatch_advice": ("Lieferschein", "Despatch advice", "Bon de livraison"),
    "receiving_advice": ("Wareneingangsbeleg", "Receiving advice", "Avis de réception"),
    "attachments": ("Anlagen", "Supporting documents", "Pièces justificatives"),
    "item_ids": ("Artikelnummern", "Item identifiers", "Références article"),
    "preceding_invoice": ("Vorausgegangene Rechnung", "Preceding invoice", "Facture antérieure"),
    "trading_name": ("Handelsname", "Trading name", "Nom commercial"),
    "vat_id": ("USt-IdNr.", "VAT identifier", "N° TVA intracommunautaire"),
    "tax_registration": ("Steuernummer", "Tax registration", "Numéro fiscal"),
    "legal_registration": ("Registernummer", "Legal registration", "Immatriculation"),
    "legal_form": ("Rechtliche Angaben", "Legal information", "Informations juridiques"),
    "electronic_address": ("Elektronische Adresse", "Electronic address", "Adresse électronique"),
    "identifier": ("Kennung", "Identifier", "Identifiant"),
    "contact": ("Kontakt", "Contact", "Contact"),
    "phone": ("Telefon", "Phone", "Téléphone"),
    "email": ("E-Mail", "E-mail", "Courriel"),
    "delivery": ("Lieferung", "Delivery", "Livraison"),
    "delivery_date": ("Lieferdatum", "Delivery date", "Date de livraison"),
    "deliver_to": ("Lieferanschrift", "Deliver to", "Adresse de livraison"),
    "period": ("Abrechnungszeitraum", "Invoicing period", "Période de facturation"),
    "lines": ("Rechnungspositionen", "Invoice lines", "Lignes de facture"),
    "pos": ("Pos.", "No.", "N°"),
    "item": ("Bezeichnung", "Item", "Désignation"),
    "quantity": ("Menge", "Quantity", "Quantité"),
    "unit": ("Einheit", "Unit", "Unité"),
    "unit_price": ("Einzelpreis (netto)", "Unit price (net)", "Prix unitaire HT"),
    "per": ("je", "per", "pour"),
    "vat": ("USt.", "VAT", "TVA"),
    "net_amount": ("Nettobetrag", "Net amount", "Montant HT"),
    "allowance": ("Nachlass", "Allowance", "Remise"),
    "charge": ("Zuschlag", "Charge", "Majoration"),
    "allowances_charges": (
        "Nachlässe und Zuschläge",
        "Allowances and charges",
        "Remises et majorations",
    ),
    "vat_breakdown": ("Umsatzsteueraufschlüsselung", "VAT breakdown", "Ventilation de la TVA"),
    "category": ("Kategorie", "Category", "Catégorie"),
    "rate": ("Satz", "Rate", "Taux"),
    "taxable_amount": ("Bemessungsgrundlage", "Taxable amount", "Base imposable"),
    "tax_amount": ("Steuerbetrag", "VAT amount", "Montant de TVA"),
    "exemption_reason": ("Befreiungsgrund", "Exemption reason", "Motif d'exonération"),
    "totals": ("Summen", "Totals", "Totaux"),
    "line_total": ("Summe Positionen (netto)", "Sum of line net amounts", "Total HT des lignes"),
    "allowance_total": ("Summe Nachlässe", "Sum of allowances", "Total des remises"),
    "charge_total": ("Summe Zuschläge", "Sum of charges", "Total des majorations"),
    "tax_exclusive": ("Gesamtbetrag netto", "Total without VAT", "Total HT"),
    "tax_total": ("Umsatzsteuer", "Total VAT", "Total TVA"),
    "tax_total_accounting": (
        "Umsatzsteuer in Buchungswährung",
        "VAT in accounting currency",
        "TVA en devise de comptabilisation",
    ),
    "tax_inclusive": ("Gesamtbetrag brutto", "Total with VAT", "Total TTC"),
    "prepaid": ("Bereits gezahlt", "Paid amount", "Montant payé"),
    "rounding": ("Rundungsbetrag", "Rounding amount", "Arrondi"),
    "payable": ("Zahlbetrag", "Amount due", "Net à payer"),
    "payment": ("Zahlung", "Payment", "Paiement"),
    "means": ("Zahlungsart", "Payment means", "Moyen de paiement"),
    "iban": ("IBAN", "IBAN", "IBAN"),
    "bic": ("BIC", "BIC", "BIC"),
    "account_name": ("Kontoinhaber", "Account name", "Titulaire du compte"),
    "remittance": ("Verwendungszweck", "Remittance information", "Référence de paiement"),
    "mandate": ("Mandatsreferenz", "Mandate reference", "Référence du mandat"),
    "debited_account": ("Belastetes Konto", "Debited account", "Compte débité"),
    "terms": ("Zahlungsbedingungen", "Payment terms", "Conditions de paiement"),
    "payee": ("Zahlungsempfänger", "Payee", "Bénéficiaire du paiement"),
    "tax_representative": ("Steuerlicher Vertreter", "Tax representative", "Représentant fiscal"),
    "skonto": ("Skonto", "Early payment discount", "Escompte"),
    "skonto_terms": (
        "{percent} % bei Zahlung innerhalb von {days} Tagen",
        "{percent} % if paid within {days} days",
        "{percent} % en cas de paiement sous {days} jours",
    ),
    "skonto_base": ("auf {amount}", "on {amount}", "sur {amount}"),
    "notes": ("Bemerkungen", "Notes", "Remarques"),
    "specification": ("Spezifikation", "Specification", "Spécification"),
    "page": ("Seite", "Page", "Page"),
}

_VAT_CATEGORIES: dict[str, tuple[str, str, str]] = {
    "S": ("Normalsatz / ermäßigt", "Standard rate", "Taux normal ou réduit"),
    "Z": ("Nullsatz", "Zero rated", "Taux zéro"),
    "E": ("Steuerbefreit", "Exempt from VAT", "Exonéré de TVA"),
    "AE": ("Umkehrung der Steuerschuldnerschaft", "Reverse charge", "Autoliquidation"),
    "K": (
        "Innergemeinschaftliche Lieferung",
        "Intra-community supply",
        "Livraison intracommunautaire",
    ),
    "G": ("Ausfuhr (steuerfrei)", "Export outside the EU", "Exportation hors UE"),
    "O": ("Nicht steuerbar", "Not subject to VAT", "Hors champ de la TVA"),
    "L": ("IGIC (Kanaren)", "IGIC (Canary Islands)", "IGIC (Canaries)"),
    "M": ("IPSI (Ceuta, Melilla)", "IPSI (Ceuta, Melilla)", "IPSI (Ceuta, Melilla)"),
    "B": ("Split Payment (IT)", "Split payment (IT)", "Paiement scindé (IT)"),
}

_PAYMENT_MEANS: dict[str, tuple[str, str, str]] = {
    "1": ("Nicht definiert", "Not defined", "Non défini"),
    "10": ("Barzahlung", "Cash", "Espèces"),
    "20": ("Scheck", "Cheque", "Chèque"),
    "30": ("Überweisung", "Credit transfer", "Virement"),
    "31": ("Lastschrift", "Debit transfer", "Prélèvement"),
    "42": ("Zahlung auf Bankkonto", "Payment to bank account", "Paiement sur compte bancaire"),
    "48": ("Kartenzahlung", "Bank card", "Carte bancaire"),
    "49": ("Lastschrift", "Direct debit", "Prélèvement"),
    "54": ("Kreditkarte", "Credit card", "Carte de crédit"),
    "55": ("Debitkarte", "Debit card", "Carte de débit"),
    "57": ("Dauerauftrag", "Standing agreement", "Accord permanent"),
    "58": ("SEPA-Überweisung", "SEPA credit transfer", "Virement SEPA"),
    "59": ("SEPA-Lastschrift", "SEPA direct debit", "Prélèvement SEPA"),
    "97": ("Verrechnung", "Clearing between partners", "Compensation"),
    "ZZZ": ("Vereinbart", "Mutually defined", "Défini d'un commun accord"),
}

_UNITS: dict[str, tuple[str, str, str]] = {
    "C62": ("Stück", "piece", "pièce"),
    "H87": ("Stück", "piece", "pièce"),
    "EA": ("Stück", "each", "unité"),
    "XPP": ("Stück", "piece", "pièce"),
    "HUR": ("Std.", "hour", "heure"),
    "MIN": ("Min.", "minute", "minute"),
    "DAY": ("Tag", "day", "jour"),
    "WEE": ("Woche", "week", "semaine"),
    "MON": ("Monat", "month", "mois"),
    "ANN": ("Jahr", "year", "an"),
    "KGM": ("kg", "kg", "kg"),
    "GRM": ("g", "g", "g"),
    "TNE": ("t", "t", "t"),
    "MTR": ("m", "m", "m"),
    "KMT": ("km", "km", "km"),
    "MTK": ("m²", "m²", "m²"),
    "MTQ": ("m³", "m³", "m³"),
    "LTR": ("l", "l", "l"),
    "KWH": ("kWh", "kWh", "kWh"),
    "LS": ("pauschal", "lump sum", "forfait"),
    "SET": ("Satz", "set", "lot"),
    "PR": ("Paar", "pair", "paire"),
    "ZZ": ("vereinbart", "mutually defined", "convenu"),
}

_SCHEMES: dict[str, str] = {
    "0160": "GTIN",
    "0002": "SIREN",
    "0009": "SIRET",
    "0088": "GLN",
    "0060": "DUNS",
    "0204": "Leitweg-ID",
    "0208": "BCE/KBO",
    "9930": "DE VAT",
    "9957": "FR VAT",
    "EM": "E-Mail",
}


def check_language(lang: str) -> str:
    if lang not in LANGUAGES:
        raise ValueError(f"Language {lang!r} is not supported; use one of {', '.join(LANGUAGES)}")
    return lang


def _pick(table: dict[str, tuple[str, str, str]], key: str, lang: str) -> str | None:
    entry = table.get(key)
    return None if entry is None else entry[LANGUAGES.index(lang)]


def label(key: str, lang: str) -> str:
    return _pick(_LABELS, key, lang) or key


def vat_category_name(code: str, lang: str) -> str:
    return _pick(_VAT_CATEGORIES, code, lang) or code


def payment_means_name(code: str, lang: str) -> str:
    name = _pick(_PAYMENT_MEANS, code, lang)
    return f"{name} ({code})" if name else code


def unit_name(code: str, lang: str) -> str:
    return _pick(_UNITS, code, lang) or code


def scheme_name(scheme: str | None) -> str | None:
    if scheme is None:
        return None
    return _SCHEMES.get(scheme, scheme)


def document_title(type_code: str, lang: str) -> str:
    key = {
        "381": "credit_note",
        "384": "corrected",
        "326": "partial",
        "389": "self_billed",
    }.get(type_code, "invoice")
    return label(key, lang)


def _group(integer: str, sep: str) -> str:
    parts: list[str] = []
    while len(integer) > 3:
        parts.insert(0, integer[-3:])
        integer = integer[:-3]
    parts.insert(0, integer)
    return sep.join(parts)


def format_number(value: Decimal, lang: str, *, places: int | None = 2) -> str:
    """Locale-style number: 1.234,56 (de), 1,234.56 (en), 1 234,56 (fr)."""
    if places is not None:
        value = value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    text = f"{value:f}"
    if places is None and "." in text:
        text = text.rstrip("0").rstrip(".")
    negative = text.startswith("-")
    text = text.lstrip("-")
    integer, _, fraction = text.partition(".")
    thousands, decimal_mark = {"de": (".", ","), "en": (",", "."), "fr": ("\u00a0", ",")}[lang]
    result = _group(integer, thousands) + (decimal_mark + fraction if fraction else "")
    return ("-" if negative else "") + result


def format_price(value: Decimal, lang: str) -> str:
    """A unit price: at least two decimals, more only when the price has them (4,555)."""
    exponent = value.normalize().as_tuple().exponent
    places = max(2, -exponent) if isinstance(exponent, int) else 2
    return format_number(value, lang, places=places)


def format_amount(value: Decimal, currency: str, lang: str) -> str:
    number = format_number(value, lang)
    return f"{currency} {number}" if lang == "en" else f"{number} {currency}"


def format_date(value: date | None, lang: str) -> str:
    if value is None:
        return ""
    return {
        "de": value.strftime("%d.%m.%Y"),
        "en": value.isoformat(),
        "fr": value.strftime("%d/%m/%Y"),
    }[lang]
