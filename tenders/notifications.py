"""In-app notifications (the inbox) plus e-mail, for interested bidders and for officers.

Rows are written inside the caller's transaction (a rolled-back change notifies nobody); the
e-mails go out after commit through a celery task, so a slow mail server never holds a lock.
"""

from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from procurement.core.models import Membership, User
from procurement.core.roles import BIDDER_ROLES, Role
from tenders.models import InterestRegistration, Notification, Tender


def _tender_url(tender: Tender, *, officer: bool) -> str:
    name, kwargs = (
        ("officer-tender-detail", {"pk": tender.pk})
        if officer
        else ("bidder-tender", {"pk": tender.pk})
    )
    try:
        return reverse(name, kwargs=kwargs)
    except NoReverseMatch:
        return ""


def _create(
    *,
    recipients: Iterable[User],
    tender: Tender,
    kind: str,
    subject: str,
    body: str,
    url: str,
) -> list[Notification]:
    rows = [
        Notification(
            recipient=user,
            tender=tender,
            kind=kind,
            subject=str(subject)[:200],
            body=str(body),
            url=url,
        )
        for user in {user.pk: user for user in recipients}.values()
    ]
    created = Notification.objects.bulk_create(rows)
    ids = [row.pk for row in created if row.pk is not None]
    if not ids:
        # Some databases do not return bulk-created keys; read back what this call wrote.
        ids = list(
            Notification.objects.filter(
                tender=tender, kind=kind, subject=str(subject)[:200], emailed_at__isnull=True
            ).values_list("pk", flat=True)
        )
    if ids:
        from tenders.tasks import notification_email_task

        transaction.on_commit(lambda: notification_email_task.delay(ids))
    return created


def _members(organisation_ids: Iterable[int], roles: Iterable[str]) -> list[User]:
    user_ids = Membership.objects.filter(
        organisation_id__in=list(organisation_ids),
        role__in=list(roles),
        active=True,
        user__is_active=True,
    ).values_list("user_id", flat=True)
    return list(User.objects.filter(pk__in=user_ids).order_by("pk"))


def notify_interested(*, tender: Tender, kind: str, subject: str, body: str) -> list[Notification]:
    """Everyone in every organisation that registered interest in ``tender``."""
    org_ids = InterestRegistration.objects.filter(tender=tender).values_list(
        "organisation_id", flat=True
    )
    return _create(
        recipients=_members(org_ids, BIDDER_ROLES),
        tender=tender,
        kind=kind,
        subject=subject,
        body=body,
        url=_tender_url(tender, officer=False),
    )


def notify_officers(*, tender: Tender, kind: str, subject: str, body: str) -> list[Notification]:
    return _create(
        recipients=_members([tender.authority_id], [Role.PROCUREMENT_OFFICER]),
        tender=tender,
        kind=kind,
        subject=subject,
        body=body,
        url=_tender_url(tender, officer=True),
    )


def notify_approvers(*, tender: Tender, requested_by: Any) -> list[Notification]:
    approvers = [
        user
        for user in _members([tender.authority_id], [Role.APPROVER])
        if user.pk != getattr(requested_by, "pk", None)
    ]
    return _create(
        recipients=approvers,
        tender=tender,
        kind=Notification.Kind.APPROVAL_REQUESTED,
        subject=f"{tender.reference}: approval requested / Freigabe erbeten",
        body=tender.title,
        url=_tender_url(tender, officer=True),
    )


def notification_send_emails(*, notification_ids: list[int]) -> int:
    """E-mail each notification not yet e-mailed to a recipient with an address; idempotent."""
    sent = 0
    for note in Notification.objects.filter(
        pk__in=notification_ids, emailed_at__isnull=True
    ).select_related("recipient"):
        if note.recipient.email:
            link = f"{settings.SITE_URL}{note.url}" if note.url else settings.SITE_URL
            send_mail(
                subject=note.subject,
                message=f"{note.body}\n\n{link}",
                from_email=None,
                recipient_list=[note.recipient.email],
            )
            sent += 1
        Notification.objects.filter(pk=note.pk, emailed_at__isnull=True).update(
            emailed_at=timezone.now()
        )
    return sent


def notification_mark_read(*, notification_id: int, actor: User) -> None:
    Notification.objects.filter(pk=notification_id, recipient=actor, read_at__isnull=True).update(
        read_at=timezone.now()
    )
