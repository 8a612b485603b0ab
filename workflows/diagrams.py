"""Lifecycle diagrams generated from the django-fsm declarations, so they never drift from code."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.apps import apps
from django.db import models
from django_fsm import ANY_OTHER_STATE, ANY_STATE, FSMFieldMixin


@dataclass
class Lifecycle:
    """One FSM field of one model: its states, its start, and its edges (source, target, label)."""

    label: str  # app_label.Model.field
    states: list[str]
    initial: str | None
    edges: list[tuple[str, str, str]] = field(default_factory=list)
    error_edges: list[tuple[str, str, str]] = field(default_factory=list)

    @property
    def finals(self) -> list[str]:
        sources = {source for source, _, _ in self.edges + self.error_edges}
        return [state for state in self.states if state not in sources]


def _text(value: Any) -> str:
    if isinstance(value, models.Model):
        return str(value.pk)
    if hasattr(value, "value") and not isinstance(value, str | int):
        return str(value.value)
    return str(value)


def _targets(target: Any, source: str) -> list[str]:
    if target is None:
        return [source]  # a transition that validates without changing state
    allowed = getattr(target, "allowed_states", None)
    if allowed is not None:
        return [_text(state) for state in allowed]
    return [_text(target)]


def _lifecycle(model: type[models.Model], fsm_field: FSMFieldMixin) -> Lifecycle:
    states: list[str] = [_text(value) for value, _ in (fsm_field.flatchoices or [])]
    raw: list[tuple[Any, Any, Any, str]] = []
    try:
        transitions = list(fsm_field.get_all_transitions(model))
    except KeyError:
        transitions = []
    for transition in transitions:
        raw.append((transition.source, transition.target, transition.on_error, transition.name))
        for value in (transition.source, transition.target, transition.on_error):
            if value is None or value in (ANY_STATE, ANY_OTHER_STATE):
                continue
            for state in _targets(value, "") if value is transition.target else [_text(value)]:
                if state and state not in states:
                    states.append(state)
    default = fsm_field.get_default() if fsm_field.has_default() else None
    lifecycle = Lifecycle(
        label=f"{model._meta.app_label}.{model.__name__}.{fsm_field.name}",
        states=states,
        initial=_text(default) if default not in (None, "") else None,
    )
    labels: dict[tuple[str, str], list[str]] = {}
    error_labels: dict[tuple[str, str], list[str]] = {}
    for source, target, on_error, name in raw:
        if source in (ANY_STATE, ANY_OTHER_STATE):
            sources = list(states)
        else:
            sources = [_text(source)]
        for src in sources:
            for dst in _targets(target, src):
                if source in (ANY_STATE, ANY_OTHER_STATE) and dst == src:
                    continue
                labels.setdefault((src, dst), []).append(name)
            if on_error is not None:
                error_labels.setdefault((src, _text(on_error)), []).append(f"{name} fails")
    lifecycle.edges = [(s, t, " / ".join(sorted(set(n)))) for (s, t), n in labels.items()]
    lifecycle.error_edges = [
        (s, t, " / ".join(sorted(set(n)))) for (s, t), n in error_labels.items()
    ]
    lifecycle.edges.sort(key=lambda edge: (states.index(edge[0]), states.index(edge[1])))
    lifecycle.error_edges.sort()
    return lifecycle


def lifecycles(models_: Iterable[type[models.Model]] | None = None) -> list[Lifecycle]:
    """Every FSM lifecycle of every installed (concrete) model, ordered by label."""
    found = []
    for model in models_ if models_ is not None else apps.get_models():
        for model_field in model._meta.get_fields():
            if isinstance(model_field, FSMFieldMixin) and model_field.model is model:
                found.append(_lifecycle(model, model_field))
    return sorted(found, key=lambda lifecycle: lifecycle.label)


def _node(state: str) -> str:
    return re.sub(r"\W", "_", state) or "_empty"


def to_mermaid(lifecycle: Lifecycle) -> str:
    lines = ["---", f"title: {lifecycle.label}", "---", "stateDiagram-v2"]
    for state in lifecycle.states:
        if _node(state) != state:
            lines.append(f'    state "{state}" as {_node(state)}')
    if lifecycle.initial:
        lines.append(f"    [*] --> {_node(lifecycle.initial)}")
    for source, target, label in lifecycle.edges:
        lines.append(f"    {_node(source)} --> {_node(target)}: {label}")
    for source, target, label in lifecycle.error_edges:
        lines.append(f"    {_node(source)} --> {_node(target)}: {label}")
    for state in lifecycle.finals:
        lines.append(f"    {_node(state)} --> [*]")
    return "\n".join(lines) + "\n"


def to_dot(lifecycle: Lifecycle) -> str:
    def quote(text: str) -> str:
        return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'

    lines = [f"digraph {quote(lifecycle.label)} {{", "  rankdir=LR;", "  node [shape=box];"]
    lines.append(f"  label={quote(lifecycle.label)};")
    finals = set(lifecycle.finals)
    for state in lifecycle.states:
        shape = " [peripheries=2]" if state in finals else ""
        lines.append(f"  {quote(state)}{shape};")
    if lifecycle.initial:
        lines.append('  "__start" [shape=point, label=""];')
        lines.append(f'  "__start" -> {quote(lifecycle.initial)};')
    for source, target, label in lifecycle.edges:
        lines.append(f"  {quote(source)} -> {quote(target)} [label={quote(label)}];")
    for source, target, label in lifecycle.error_edges:
        lines.append(f"  {quote(source)} -> {quote(target)} [label={quote(label)}, style=dashed];")
    lines.append("}")
    return "\n".join(lines) + "\n"


RENDERERS = {"mermaid": (to_mermaid, "mmd"), "dot": (to_dot, "dot")}
