"""Steps other apps add to a tender's publication, registered from their ``AppConfig.ready()``.

``tenders`` must not import the apps built on it (bids → tenders), yet publishing a tender is
where bids makes the opening key. The hook runs inside the publishing transaction, so a failing
step rolls the publication back.
"""

from collections.abc import Callable
from typing import Any

PublicationStep = Callable[..., Any]
_publication_steps: list[PublicationStep] = []


def register_publication_step(step: PublicationStep) -> None:
    """Call ``step(tender=, actor=)`` each time a tender is published (once per step)."""
    if step not in _publication_steps:
        _publication_steps.append(step)


def run_publication_steps(*, tender: Any, actor: Any) -> None:
    for step in _publication_steps:
        step(tender=tender, actor=actor)
