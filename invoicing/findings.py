"""Engine findings in plain words for people (clerks, suppliers) in German, English and French."""

from __future__ import annotations

import re
from typing import Any

LANGUAGES = ("de", "en", "fr")
GERMAN_SPEAKING = {"DE", "AT", "CH", "LI"}
FRENCH_SPEAKING = {"FR", "MC", "BE", "LU"}

# The business terms a supplier most often gets wrong, named as in EN 16931 (de/en/fr).
TERMS: dict[str, tuple[str, str, str]] = {
    "BT-1": ("Rechnungsnummer", "Invoice number", "Numéro de facture"),
    "BT-2": ("Rechnungsdatum", "Invoice issue date", "Date de facture"),
    "BT-3": ("Rechnungsart", "Invoice type code", "Type de facture"),
    "BT-5": ("Währung", "Invoice currency", "Devise de la facture"),
    "BT-9": ("Fälligkeitsdatum", "Payment due date", "Date d'échéance"),
    "BT-10": (
        "Käuferreferenz (Leitweg-ID)",
        "Buyer reference (Leitweg-ID)",
        "Référence acheteur (code service)",
    ),
    "BT-12": ("Vertragsnummer", "Contract reference", "Référence du contrat"),
    "BT-13": ("Bestellnummer", "Purchase order reference", "Numéro d'engagement / de commande"),
    "BT-20": ("Zahlungsbedingungen", "Payment terms", "Conditions de paiement"),
    "BT-24": ("Spezifikationskennung", "Specification identifier", "Identifiant de spécification"),
    "BT-27": ("Name des Verkäufers", "Seller name", "Nom du vendeur"),
    "BT-29": ("Kennung des Verkäufers", "Seller identifier", "Identifiant du vendeur"),
    "BT-30": (
        "Registernummer des Verkäufers (SIRET)",
        "Seller legal registration (SIRET)",
        "Immatriculation du vendeur (SIRET)",
    ),
    "BT-31": ("USt-IdNr. des Verkäufers", "Seller VAT identifier", "Numéro de TVA du vendeur"),
    "BT-34": (
        "Elektronische Adresse des Verkäufers",
        "Seller electronic address",
        "Adresse électronique du vendeur",
    ),
    "BT-44": ("Name des Käufers", "Buyer name", "Nom de l'acheteur"),
    "BT-48": ("USt-IdNr. des Käufers", "Buyer VAT identifier", "Numéro de TVA de l'acheteur"),
    "BT-49": (
        "Elektronische Adresse des Käufers",
        "Buyer electronic address",
        "Adresse électronique de l'acheteur",
    ),
    "BT-81": ("Zahlungsart", "Payment means", "Moyen de paiement"),
    "BT-84": ("IBAN des Zahlungsempfängers", "Payment account (IBAN)", "Compte de paiement (IBAN)"),
    "BT-106": ("Summe der Positionen", "Sum of line net amounts", "Somme des montants nets"),
    "BT-109": ("Gesamtbetrag ohne USt.", "Total without VAT", "Total hors TVA"),
    "BT-110": ("Umsatzsteuerbetrag", "Total VAT amount", "Montant total de TVA"),
    "BT-112": ("Gesamtbetrag mit USt.", "Total with VAT", "Total TTC"),
    "BT-115": ("Zahlbetrag", "Amount due for payment", "Montant à payer"),
    "BT-116": ("Steuerbemessungsgrundlage", "VAT category taxable amount", "Base d'imposition"),
    "BT-117": (
        "Steuerbetrag der Kategorie",
        "VAT category tax amount",
        "Montant de TVA de la catégorie",
    ),
    "BT-118": ("Umsatzsteuerkategorie", "VAT category code", "Catégorie de TVA"),
    "BT-120": ("Befreiungsgrund", "VAT exemption reason", "Motif d'exonération"),
    "BT-126": ("Positionsnummer", "Invoice line identifier", "Numéro de ligne"),
    "BT-129": ("Menge", "Invoiced quantity", "Quantité facturée"),
    "BT-131": ("Nettobetrag der Position", "Invoice line net amount", "Montant net de la ligne"),
    "BT-146": ("Nettopreis", "Item net price", "Prix net"),
    "BT-151": ("USt-Kategorie der Position", "Line VAT category", "Catégorie de TVA de la ligne"),
    "BG-4": ("Verkäufer", "Seller", "Vendeur"),
    "BG-7": ("Käufer", "Buyer", "Acheteur"),
    "BG-16": ("Zahlungsanweisungen", "Payment instructions", "Instructions de paiement"),
    "BG-23": ("Umsatzsteueraufschlüsselung", "VAT breakdown", "Ventilation de la TVA"),
    "BG-25": ("Rechnungsposition", "Invoice line", "Ligne de facture"),
}

SEVERITY = {
    "fatal": ("Fehler", "Error", "Erreur"),
    "error": ("Fehler", "Error", "Erreur"),
    "warning": ("Warnung", "Warning", "Avertissement"),
    "information": ("Hinweis", "Information", "Information"),
}

SENTENCE = {
    "de": "{severity} bei „{term}“ (Regel {rule}): {message}",
    "en": "{severity} in “{term}” (rule {rule}): {message}",
    "fr": "{severity} concernant « {term} » (règle {rule}) : {message}",
}
NO_TERM = {
    "de": "der Rechnung insgesamt",
    "en": "the invoice as a whole",
    "fr": "la facture dans son ensemble",
}

_TERM_RE = re.compile(r"\b(B[TG]-\d+)\b")


def language_for_country(country: str | None) -> str:
    code = (country or "").upper()
    if code in FRENCH_SPEAKING:
        return "fr"
    if code in GERMAN_SPEAKING:
        return "de"
    return "en"


def normalise(finding: dict[str, Any]) -> dict[str, Any]:
    """One shape for a finding whatever the engine calls its keys."""
    rule = finding.get("rule_id") or finding.get("id") or finding.get("rule") or ""
    message = finding.get("message") or finding.get("text") or ""
    location = finding.get("location") or finding.get("xpath") or ""
    terms = finding.get("business_terms") or finding.get("terms") or finding.get("bt") or []
    if isinstance(terms, str):
        terms = [terms]
    if not terms:
        terms = sorted(set(_TERM_RE.findall(message)))
    return {
        "rule": str(rule),
        "severity": str(finding.get("severity") or "error").lower(),
        "message": str(message).strip(),
        "location": str(location),
        "terms": list(terms),
    }


def term_label(term: str, language: str) -> str:
    names = TERMS.get(term)
    if names is None:
        return term
    return f"{names[LANGUAGES.index(language)]} ({term})"


def plain(finding: dict[str, Any], language: str) -> str:
    f = normalise(finding)
    index = LANGUAGES.index(language)
    severity = SEVERITY.get(f["severity"], SEVERITY["error"])[index]
    term = ", ".join(term_label(t, language) for t in f["terms"]) or NO_TERM[language]
    return SENTENCE[language].format(
        severity=severity, term=term, rule=f["rule"] or "—", message=f["message"]
    )


def blocking(findings: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [f for f in findings if normalise(f)["severity"] in {"fatal", "error"}]
