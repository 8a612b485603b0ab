"""The role matrix: for every role and every action, exactly the allowed roles succeed.

Each row of ``ACTIONS`` says how to prepare an object, how to perform the action as ``actor``
and which personas may do it. Other apps add their rows (bids: submit, open with shares …;
invoicing: approve, release …) by appending ``Action`` entries; the test grid is their product
with ``PERSONAS``. A refused attempt must raise ``TransitionForbiddenError`` (HTTP 403) and leave
the object as it was; an allowed one must not raise.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone

from procurement.core.errors import TransitionForbiddenError
from procurement.core.roles import Role
from tests.factories import AuthorityFactory, OperatorFactory, UserFactory, person
from tests.tenders.factories import PRICE_QUALITY, tender_input

pytestmark = pytest.mark.django_db

# A persona is a role held in the organisation the action concerns (the tender's authority for
# authority roles, the bidder's own organisation for bidder roles), or an outsider.
AUTHORITY_PERSONAS = [
    Role.PROCUREMENT_OFFICER,
    Role.APPROVER,
    Role.OPENING_COMMITTEE,
    Role.EVALUATOR,
    Role.AP_CLERK,
    Role.AP_APPROVER,
]
BIDDER_PERSONAS = [Role.BIDDER_ADMIN, Role.BIDDER_USER]
OUTSIDERS = ["no_role", "other_authority_all_roles"]
PERSONAS = [*AUTHORITY_PERSONAS, *BIDDER_PERSONAS, *OUTSIDERS]


@dataclass
class World:
    authority: Any
    operator: Any
    officer: Any  # prepares objects and requested the approval (so an approver may approve)
    approver: Any
    committee: list[Any]
    objects: dict[str, Any] = field(default_factory=dict)


def make_actor(persona: str, world: World) -> Any:
    if persona in AUTHORITY_PERSONAS:
        return person(world.authority, persona)
    if persona in BIDDER_PERSONAS:
        return person(world.operator, persona)
    if persona == "no_role":
        return UserFactory()
    return person(AuthorityFactory(), *AUTHORITY_PERSONAS)


@dataclass(frozen=True)
class Action:
    name: str
    prepare: Callable[[World], Any]
    perform: Callable[[World, Any, Any], Any]
    allowed: frozenset[str]
    # Reads the object's state after the attempt, to prove a refusal changed nothing.
    snapshot: Callable[[Any], Any] = lambda obj: None


# --- tender preparation ------------------------------------------------------------------


def _draft(world: World):
    from tests.tenders.factories import draft_tender

    return draft_tender(authority=world.authority, officer=world.officer, committee=world.committee)


def _pending(world: World):
    from tenders.services import tender_submit

    tender = _draft(world)
    return tender_submit(tender_id=tender.pk, actor=world.officer)


def _approved(world: World):
    from tenders.services import tender_approve

    tender = _pending(world)
    return tender_approve(tender_id=tender.pk, actor=world.approver)


def _published(world: World):
    from tenders.services import tender_publish

    tender = _approved(world)
    return tender_publish(tender_id=tender.pk, actor=world.officer)


def _later_state(state: str, **fields: Any) -> Callable[[World], Any]:
    """A tender already past its deadline in ``state`` (built directly: the earlier steps are
    covered by their own rows)."""

    def prepare(world: World):
        from tenders.models import Tender

        now = timezone.now()
        tender = Tender.objects.create(
            authority=world.authority,
            state=state,
            reference=f"RM-{state}-{Tender.objects.count() + 1}",
            title="Matrix",
            cpv_main="45000000-7",
            nuts="DE300",
            contract_type="works",
            procedure="open",
            regime="eu",
            estimated_value=Decimal("6000000.00"),
            submission_deadline=now - timedelta(days=2),
            opening_at=now - timedelta(days=1),
            published_at=now - timedelta(days=40),
            submitted_by=world.officer,
            approved_by=world.approver,
            approved_at=now - timedelta(days=41),
            **fields,
        )
        tender.committee.set(world.committee)
        return tender

    return prepare


def _with_question(world: World):
    from tenders.services import question_ask

    tender = _published(world)
    asker = person(world.operator, Role.BIDDER_USER)
    return question_ask(tender_id=tender.pk, actor=asker, organisation=world.operator, text="?")


def _tender_state(obj: Any) -> Any:
    obj.refresh_from_db()
    return obj.state


def _svc(name: str) -> Callable[..., Any]:
    import tenders.services

    return getattr(tenders.services, name)


OFFICER = frozenset({Role.PROCUREMENT_OFFICER})
BIDDERS = frozenset(BIDDER_PERSONAS)


def _pdf():
    from tests.tenders.factories import pdf_upload

    return pdf_upload()


ACTIONS: list[Action] = [
    Action(
        "tender.create",
        prepare=lambda w: w.authority,
        perform=lambda w, authority, actor: _svc("tender_create")(
            actor=actor,
            authority=authority,
            data=tender_input(),
        ),
        allowed=OFFICER,
    ),
    Action(
        "tender.edit",
        prepare=_draft,
        perform=lambda w, t, actor: _svc("tender_update")(
            tender_id=t.pk,
            actor=actor,
            data=tender_input(title="Neu"),
        ),
        allowed=OFFICER,
        snapshot=lambda t: type(t).objects.get(pk=t.pk).title,
    ),
    Action(
        "tender.set_criteria",
        prepare=_draft,
        perform=lambda w, t, actor: _svc("tender_set_criteria")(
            tender_id=t.pk,
            actor=actor,
            criteria=PRICE_QUALITY,
        ),
        allowed=OFFICER,
    ),
    Action(
        "tender.set_committee",
        prepare=_draft,
        perform=lambda w, t, actor: _svc("tender_set_committee")(
            tender_id=t.pk, actor=actor, member_ids=[m.pk for m in w.committee], quorum=2
        ),
        allowed=OFFICER,
    ),
    Action(
        "tender.upload_document",
        prepare=_draft,
        perform=lambda w, t, actor: _svc("document_add")(
            tender_id=t.pk, actor=actor, title="Anlage", upload=_pdf(), name="anlage.pdf"
        ),
        allowed=OFFICER,
        snapshot=lambda t: t.documents.count(),
    ),
    Action(
        "tender.submit",
        prepare=_draft,
        perform=lambda w, t, actor: _svc("tender_submit")(tender_id=t.pk, actor=actor),
        allowed=OFFICER,
        snapshot=_tender_state,
    ),
    Action(
        "tender.return_to_draft",
        prepare=_pending,
        perform=lambda w, t, actor: _svc("tender_return_to_draft")(
            tender_id=t.pk, actor=actor, reason="Bitte Los 2 ergänzen"
        ),
        allowed=frozenset({Role.APPROVER}),
        snapshot=_tender_state,
    ),
    Action(
        "tender.approve",
        prepare=_pending,
        perform=lambda w, t, actor: _svc("tender_approve")(tender_id=t.pk, actor=actor),
        allowed=frozenset({Role.APPROVER}),
        snapshot=_tender_state,
    ),
    Action(
        "tender.publish",
        prepare=_approved,
        perform=lambda w, t, actor: _svc("tender_publish")(tender_id=t.pk, actor=actor),
        allowed=OFFICER,
        snapshot=_tender_state,
    ),
    Action(
        "tender.reopen",
        prepare=_approved,
        perform=lambda w, t, actor: _svc("tender_reopen")(
            tender_id=t.pk, actor=actor, reason="Frist anpassen"
        ),
        allowed=OFFICER,
        snapshot=_tender_state,
    ),
    Action(
        "tender.cancel",
        prepare=_published,
        perform=lambda w, t, actor: _svc("tender_cancel")(
            tender_id=t.pk, actor=actor, ground="not_economic", reason="Haushalt"
        ),
        allowed=OFFICER,
        snapshot=_tender_state,
    ),
    Action(
        "tender.change_document",
        prepare=_published,
        perform=lambda w, t, actor: _svc("document_version_add")(
            document_id=t.documents.get().pk,
            actor=actor,
            upload=_pdf(),
            name="neu.pdf",
            change_note="Korrektur",
        ),
        allowed=OFFICER,
        snapshot=lambda t: t.documents.get().versions.count(),
    ),
    Action(
        "tender.answer_question",
        prepare=_with_question,
        perform=lambda w, q, actor: _svc("question_answer")(
            question_id=q.pk, actor=actor, answer="Ja."
        ),
        allowed=OFFICER,
        snapshot=lambda q: type(q).objects.get(pk=q.pk).answer,
    ),
    Action(
        "tender.register_interest",
        prepare=_published,
        perform=lambda w, t, actor: _svc("interest_register")(
            tender_id=t.pk, actor=actor, organisation=w.operator
        ),
        allowed=BIDDERS,
        snapshot=lambda t: t.interest_registrations.count(),
    ),
    Action(
        "tender.ask_question",
        prepare=_published,
        perform=lambda w, t, actor: _svc("question_ask")(
            tender_id=t.pk, actor=actor, organisation=w.operator, text="Frage?"
        ),
        allowed=BIDDERS,
        snapshot=lambda t: t.questions.count(),
    ),
    Action(
        "tender.close",
        prepare=_later_state("published"),
        perform=lambda w, t, actor: _svc("tender_close")(tender_id=t.pk, actor=actor),
        allowed=OFFICER,
        snapshot=_tender_state,
    ),
    Action(
        "tender.open",
        prepare=_later_state("closed"),
        perform=lambda w, t, actor: _svc("tender_open")(tender_id=t.pk, actor=actor),
        allowed=frozenset({Role.OPENING_COMMITTEE}),
        snapshot=_tender_state,
    ),
    Action(
        "tender.evaluate",
        prepare=_later_state("opened", opened_at=timezone.now()),
        perform=lambda w, t, actor: _svc("tender_evaluate")(tender_id=t.pk, actor=actor),
        allowed=frozenset({Role.PROCUREMENT_OFFICER, Role.EVALUATOR}),
        snapshot=_tender_state,
    ),
    Action(
        "tender.standstill",
        prepare=_later_state("evaluated", opened_at=timezone.now(), evaluated_at=timezone.now()),
        perform=lambda w, t, actor: _svc("tender_standstill")(
            tender_id=t.pk, actor=actor, ends_at=timezone.now() + timedelta(days=10)
        ),
        allowed=OFFICER,
        snapshot=_tender_state,
    ),
    Action(
        "tender.award",
        prepare=_later_state(
            "standstill", evaluated_at=timezone.now(), standstill_ends_at=timezone.now()
        ),
        perform=lambda w, t, actor: _svc("tender_award")(tender_id=t.pk, actor=actor),
        allowed=OFFICER,
        snapshot=_tender_state,
    ),
    Action(
        "tender.conclude",
        prepare=_later_state("awarded", awarded_at=timezone.now()),
        perform=lambda w, t, actor: _svc("tender_conclude")(tender_id=t.pk, actor=actor),
        allowed=OFFICER,
        snapshot=_tender_state,
    ),
    Action(
        "tender.suspend",
        prepare=_later_state("standstill", standstill_ends_at=timezone.now()),
        perform=lambda w, t, actor: _svc("tender_suspend")(
            tender_id=t.pk, actor=actor, reason="Nachprüfungsantrag VK 1-2/26"
        ),
        allowed=OFFICER,
        snapshot=_tender_state,
    ),
    Action(
        "tender.resume",
        prepare=_later_state("suspended", suspended_from="standstill"),
        perform=lambda w, t, actor: _svc("tender_resume")(tender_id=t.pk, actor=actor),
        allowed=OFFICER,
        snapshot=_tender_state,
    ),
]


@pytest.fixture
def world(db) -> World:
    authority = AuthorityFactory()
    return World(
        authority=authority,
        operator=OperatorFactory(),
        officer=person(authority, Role.PROCUREMENT_OFFICER),
        approver=person(authority, Role.APPROVER),
        committee=[person(authority, Role.OPENING_COMMITTEE) for _ in range(2)],
    )


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("action", ACTIONS, ids=lambda a: a.name)
def test_role_matrix(world: World, action: Action, persona: str) -> None:
    obj = action.prepare(world)
    actor = make_actor(persona, world)
    before = action.snapshot(obj)
    if persona in action.allowed:
        action.perform(world, obj, actor)
    else:
        with pytest.raises(TransitionForbiddenError):
            action.perform(world, obj, actor)
        assert action.snapshot(obj) == before, f"{persona} changed something on {action.name}"


def test_matrix_covers_every_persona_and_allows_someone_each_time() -> None:
    for action in ACTIONS:
        assert action.allowed, action.name
        assert action.allowed <= set(PERSONAS), action.name
