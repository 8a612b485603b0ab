from celery import shared_task

from workflows.timers import deadlines_tick


@shared_task(name="workflows.tasks.deadlines_tick_task", ignore_result=False)
def deadlines_tick_task() -> dict[str, object]:
    return deadlines_tick().as_dict()
