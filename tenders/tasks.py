from celery import shared_task

from tenders.notifications import notification_send_emails


@shared_task
def notification_email_task(notification_ids: list[int]) -> int:
    return notification_send_emails(notification_ids=notification_ids)
