from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test.utils import isolate_apps

from tests.workflows.testapp.models import Ticket
from workflows.diagrams import lifecycles, to_dot, to_mermaid


def ticket_lifecycle():
    return next(lc for lc in lifecycles() if lc.label == "workflows_testapp.Ticket.state")


def test_lifecycle_is_read_from_the_transitions():
    lifecycle = ticket_lifecycle()
    assert lifecycle.states == ["draft", "submitted", "approved", "expired", "cancelled"]
    assert lifecycle.initial == "draft"
    assert set(lifecycle.edges) == {
        ("draft", "submitted", "submit"),
        ("submitted", "approved", "approve"),
        ("submitted", "expired", "expire"),
        ("draft", "cancelled", "cancel"),
        ("submitted", "cancelled", "cancel"),
        ("approved", "cancelled", "cancel"),
    }
    assert lifecycle.finals == ["expired", "cancelled"]


@isolate_apps("tests.workflows.testapp")
def test_any_state_source_and_error_state():
    from django.db import models
    from django_fsm import FSMField, transition

    class Door(models.Model):  # noqa: DJ008
        state = FSMField(
            default="closed", choices=[("closed", "c"), ("open", "o"), ("broken", "b")]
        )

        class Meta:
            app_label = "workflows_testapp"

        @transition(field=state, source="closed", target="open", on_error="broken")
        def open(self):
            pass

        @transition(field=state, source="*", target="closed")
        def slam(self):
            pass

    lifecycle = next(lc for lc in lifecycles([Door]) if lc.label.endswith("Door.state"))
    assert ("open", "closed", "slam") in lifecycle.edges
    assert ("broken", "closed", "slam") in lifecycle.edges
    assert ("closed", "closed", "slam") not in lifecycle.edges
    assert lifecycle.error_edges == [("closed", "broken", "open fails")]
    assert 'label="open fails", style=dashed' in to_dot(lifecycle)


def test_mermaid_and_dot_render_every_edge():
    lifecycle = ticket_lifecycle()
    mermaid = to_mermaid(lifecycle)
    assert mermaid.splitlines()[3] == "stateDiagram-v2"
    assert "    [*] --> draft" in mermaid
    assert "    submitted --> expired: expire" in mermaid
    assert "    cancelled --> [*]" in mermaid
    dot = to_dot(lifecycle)
    assert dot.startswith('digraph "workflows_testapp.Ticket.state" {')
    assert '"submitted" -> "approved" [label="approve"];' in dot


def test_export_command_writes_one_file_per_lifecycle(tmp_path: Path):
    call_command("export_lifecycles", "--format", "mermaid", "--out", str(tmp_path))
    written = tmp_path / "workflows_testapp.Ticket.state.mmd"
    assert written.read_text() == to_mermaid(ticket_lifecycle())
    index = (tmp_path / "index.md").read_text()
    assert "```mermaid" in index
    assert "## workflows_testapp.Ticket.state" in index

    call_command("export_lifecycles", "--format", "dot", "--out", str(tmp_path))
    assert (tmp_path / "workflows_testapp.Ticket.state.dot").read_text().startswith("digraph")


def test_check_mode_notices_stale_diagrams(tmp_path: Path):
    call_command("export_lifecycles", "--out", str(tmp_path))
    call_command("export_lifecycles", "--out", str(tmp_path), "--check")
    (tmp_path / "workflows_testapp.Ticket.state.mmd").write_text("stale")
    with pytest.raises(CommandError, match="out of date"):
        call_command("export_lifecycles", "--out", str(tmp_path), "--check")


def test_diagrams_of_vanished_lifecycles_are_removed_and_flagged(tmp_path: Path):
    gone = tmp_path / "oldapp.Removed.state.mmd"
    gone.write_text("stateDiagram-v2\n")
    (tmp_path / "notes.txt").write_text("kept")
    with pytest.raises(CommandError, match="no such lifecycle any more"):
        call_command("export_lifecycles", "--out", str(tmp_path), "--check")
    call_command("export_lifecycles", "--out", str(tmp_path))
    assert not gone.exists()
    assert (tmp_path / "notes.txt").read_text() == "kept"
    assert (tmp_path / "workflows_testapp.Ticket.state.mmd").is_file()


def test_the_model_really_has_these_transitions():
    # guards the fixture itself: the diagram must follow the code, not a copy of it
    names = {t.name for t in Ticket._meta.get_field("state").get_all_transitions(Ticket)}
    assert names == {"submit", "approve", "expire", "cancel"}
