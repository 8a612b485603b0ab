import os

from celery import Celery
from celery.signals import task_postrun, task_prerun, worker_process_init

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "procurement.settings")

app = Celery("zuschlag")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@worker_process_init.connect
def _warm_engine_in_child(**_: object) -> None:
    # Saxon must be created after the fork (it crashes in a forked child otherwise), so the
    # prefork master never touches it and each child warms its own processor here.
    import gc

    from xrechnung.validate import warm_up

    warm_up()
    # Django, the compiled rules and the warm-up's objects live as long as the child: out of
    # the cyclic collector's way, as in procurement/wsgi.py.
    gc.freeze()


@task_prerun.connect
@task_postrun.connect
def _database_connections_as_in_a_request(sender: object = None, **_: object) -> None:
    # What Django does around a request (settings.CELERY_DB_REUSE_MAX keeps celery's fixup from
    # closing the connection after every task): drop a connection that is older than
    # CONN_MAX_AGE or broken, and health-check a reused one before its first query. Eager
    # tasks run inside the caller's transaction: its connection is not ours to touch.
    if getattr(getattr(sender, "request", None), "is_eager", False):
        return
    from django.db import close_old_connections

    close_old_connections()


if os.environ.get("ZUSCHLAG_TEST_WORKER_CLEAR_CONTENT_TYPES") == "1":

    @task_prerun.connect
    def _forget_content_types(**_: object) -> None:
        # Test-only (tests/integration sets the variable): pytest-django's flush between
        # transactional tests recreates the content types with new ids, so ids this long-lived
        # worker cached for an earlier test would be stale. Production never flushes them.
        from django.contrib.contenttypes.models import ContentType

        ContentType.objects.clear_cache()
