"""Open data of a tender published through the real services: the stable URLs serve exactly what
was stored at publication, and the OCDS release package validates against the OCDS schema."""

import json

import pytest
from django.urls import reverse
from jsonschema import Draft4Validator, FormatChecker
from lxml import etree
from referencing import Registry, Resource
from referencing.exceptions import NoSuchResource
from referencing.jsonschema import DRAFT4

from tenders.models import TenderPublication
from tests.tenders.factories import published_tender

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def package_validator(shared_dir):
    folder = shared_dir / "ocds-schema"
    if not (folder / "release-package-schema.json").is_file():
        raise RuntimeError(f"OCDS schema missing at {folder}: the shared material is incomplete")
    resources = []
    for name in ("release-package-schema.json", "release-schema.json"):
        schema = json.loads((folder / name).read_text(encoding="utf-8"))
        resources.append(
            (schema["id"], Resource.from_contents(schema, default_specification=DRAFT4))
        )

    def refuse(uri: str):
        raise NoSuchResource(ref=uri)  # offline: every schema comes from the shared folder

    registry = Registry(retrieve=refuse).with_resources(resources)
    package_schema = json.loads((folder / "release-package-schema.json").read_text())
    return Draft4Validator(package_schema, registry=registry, format_checker=FormatChecker())


@pytest.fixture
def eu_tender(authority, officer, approver):
    return published_tender(authority=authority, officer=officer, approver=approver)


def test_ocds_url_serves_a_valid_release_package_of_the_stored_release(
    client, eu_tender, package_validator
):
    stored = TenderPublication.objects.get(tender=eu_tender, kind="ocds")
    response = client.get(reverse("opendata-ocds", args=[eu_tender.ocid]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    package = response.json()
    errors = sorted(package_validator.iter_errors(package), key=lambda e: list(e.path))
    assert errors == [], [f"{list(e.path)}: {e.message}" for e in errors]
    assert package["releases"] == [json.loads(stored.content)]
    assert package["releases"][0]["ocid"] == eu_tender.ocid


def test_eforms_url_serves_the_stored_notice_byte_for_byte(client, eu_tender):
    stored = TenderPublication.objects.get(tender=eu_tender, kind="eforms")
    response = client.get(reverse("opendata-eforms", args=[eu_tender.reference]))
    assert response.status_code == 200
    assert response.content == stored.content.encode("utf-8")
    assert response["ETag"] == f'"{stored.sha256}"'
    parser = etree.XMLParser(resolve_entities=False, no_network=True)
    root = etree.fromstring(response.content, parser)
    assert etree.QName(root).localname == "ContractNotice"


def test_api_detail_embeds_the_stored_release_and_links_both_files(client, eu_tender):
    stored = TenderPublication.objects.get(tender=eu_tender, kind="ocds")
    data = client.get(reverse("api-tender-detail", args=[eu_tender.reference])).json()
    assert data["ocds_release"] == json.loads(stored.content)
    assert data["open_data"]["ocds_url"].endswith(reverse("opendata-ocds", args=[eu_tender.ocid]))
    assert data["open_data"]["eforms_url"].endswith(
        reverse("opendata-eforms", args=[eu_tender.reference])
    )


def test_portal_detail_of_a_really_published_tender_links_open_data_and_documents(
    client, eu_tender
):
    html = client.get(reverse("portal-detail", args=[eu_tender.reference])).content.decode()
    assert reverse("opendata-ocds", args=[eu_tender.ocid]) in html
    assert reverse("opendata-eforms", args=[eu_tender.reference]) in html
    version = eu_tender.documents.get().versions.get()
    assert reverse("portal-document", args=[version.public_id]) in html
