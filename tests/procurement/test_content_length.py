"""A Content-Length that is no length is a clear 400 on every path, not a server error."""

import io
import json

import pytest
from django.test import Client
from django.test.client import RequestFactory

pytestmark = pytest.mark.django_db


def _post(path: str, declared: str, **headers: str):
    environ = RequestFactory()._base_environ(
        PATH_INFO=path,
        REQUEST_METHOD="POST",
        CONTENT_TYPE="application/x-www-form-urlencoded",
        CONTENT_LENGTH=declared,
        **headers,
    )
    body = b"username=a&password=b"
    environ["wsgi.input"] = io.BytesIO(body)
    # raise_request_exception=False: a server error must show as a 500, not as a test error.
    return Client(raise_request_exception=False).handler(environ)


@pytest.mark.parametrize("path", ["/accounts/login/", "/i18n/setlang/"])
@pytest.mark.parametrize("declared", ["abc", "-1", "+21", "2 1"])
def test_form_post_with_a_wrong_length_is_400_with_a_message(path, declared):
    response = _post(path, declared, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
    assert "The Content-Length header must be" in response.content.decode()


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("de", "Der Content-Length-Header muss"),
        ("fr", "L&#x27;en-tête Content-Length doit"),
    ],
)
def test_the_refusal_speaks_the_reader_language(language, expected):
    response = _post("/accounts/login/", "abc", HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 400
    assert expected in response.content.decode()


def test_api_paths_get_json():
    response = _post("/api/invoices/", "zwölf", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
    body = json.loads(response.content)
    assert body["code"] == "invalid_content_length"
    assert "zwölf" in body["detail"]


def test_a_right_length_passes():
    response = _post("/accounts/login/", str(len(b"username=a&password=b")))
    assert response.status_code == 200  # the login form again: wrong password
