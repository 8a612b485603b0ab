"""Every transition of every state machine of the project has a human, translated label: the
history table shows it instead of the method name."""

import pytest
from django.apps import apps
from django.contrib.contenttypes.models import ContentType
from django.utils.functional import Promise
from django.utils.translation import override
from django_fsm import FSMFieldMixin

from invoicing.models import Invoice
from workflows.models import AuditEvent
from workflows.templatetags.workflows import transition_label

PROJECT_APPS = ("tenders", "bids", "invoicing", "workflows")


def _project_transitions():
    for model in apps.get_models():
        if model._meta.app_label not in PROJECT_APPS:
            continue
        for field in model._meta.get_fields():
            if isinstance(field, FSMFieldMixin):
                for transition in field.get_all_transitions(model):
                    yield model, transition


def test_every_transition_of_every_fsm_model_has_a_translated_label():
    # given the project's state machines
    transitions = list(_project_transitions())
    names = {(model.__name__, t.name) for model, t in transitions}
    assert len(names) >= 37  # tenders, bids and invoicing: a broken walk must not pass empty
    # then each has a lazy label, translated in German and French
    missing, untranslated = [], []
    for model, transition in transitions:
        label = transition.custom.get("label")
        where = f"{model.__name__}.{transition.name}"
        if not isinstance(label, Promise):
            missing.append(where)
            continue
        with override("en"):
            english = str(label)
        for language in ("de", "fr"):
            with override(language):
                if str(label) == english:
                    untranslated.append(f"{where} ({language})")
    assert missing == [], "transitions without custom={'label': gettext_lazy(...)}"
    assert untranslated == []


@pytest.mark.parametrize(
    ("language", "step", "raw"),
    [
        ("de", "Prüfung begonnen", "begin_validation"),
        ("fr", "Contrôle commencé", "begin_validation"),
        ("de", "Als ungültig erkannt", "refuse"),
        ("fr", "Reconnue non conforme", "refuse"),
    ],
)
@pytest.mark.django_db
def test_trail_filter_shows_the_label_in_the_active_language(language, step, raw):
    # given an audit event of an invoice transition (unsaved: only its fields matter)
    event = AuditEvent(
        content_type=ContentType.objects.get_for_model(Invoice), transition=raw, action="x"
    )
    # then it is labelled in the active language
    with override(language):
        assert transition_label(event) == step


@pytest.mark.django_db
def test_trail_filter_falls_back_to_the_raw_name():
    # given events of a step without a label and of an action that is no transition
    invoice_type = ContentType.objects.get_for_model(Invoice)
    unknown = AuditEvent(content_type=invoice_type, transition="no_such_step", action="a.b.c")
    action = AuditEvent(content_type=invoice_type, transition="", action="invoicing.invoice.viewed")
    # then the raw name is shown
    assert transition_label(unknown) == "no_such_step"
    assert transition_label(action) == "invoicing.invoice.viewed"
