import os

from celery import Celery
from celery.signals import worker_process_init

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "procurement.settings")

app = Celery("zuschlag")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@worker_process_init.connect
def _warm_engine_in_child(**_: object) -> None:
    # Saxon must be created after the fork (it crashes in a forked child otherwise), so the
    # prefork master never touches it and each child warms its own processor here.
    from xrechnung.validate import warm_up

    warm_up()
