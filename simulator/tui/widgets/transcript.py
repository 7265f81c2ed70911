"""The transcript: one block per turn, the client's reply streaming into Markdown."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical, VerticalScroll
from textual.widgets import Label, Markdown, Static


class TurnView(Vertical):
    """One turn of talk: who spoke, and what they said.

    Trainee words are shown as plain text (never parsed as markup or Markdown:
    a trainee typing ``[b]`` or ``#`` must see exactly that); client words go
    into a :class:`Markdown` widget so a reply can stream in.
    """

    def __init__(self, speaker: str, text: str, *, name_label: str, index: int | None = None):
        classes = "turn -trainee" if speaker == "trainee" else "turn -client"
        super().__init__(classes=classes)
        self.speaker = speaker
        self.text = text
        self.index = index
        self._name_label = name_label

    def compose(self) -> ComposeResult:
        yield Label(self._name_label, classes="speaker")
        if self.speaker == "trainee":
            yield Static(Text(self.text), classes="words")
        else:
            yield Markdown(self.text, classes="words")

    @property
    def markdown(self) -> Markdown:
        """The Markdown widget of a client turn."""
        return self.query_one(Markdown)


class Transcript(VerticalScroll):
    """The scrolling conversation.

    Anchored to the bottom: new words keep the view at the end only while the
    reader is there; scrolling up releases the anchor (Textual restores it when
    the reader scrolls back to the end).
    """

    can_focus = False

    def __init__(self, client_name: str, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.client_name = client_name

    def on_mount(self) -> None:
        self.anchor()

    async def add_turn(self, speaker: str, text: str, index: int | None = None) -> TurnView:
        """Append a finished (or, for the client, about-to-stream) turn."""
        label = "You" if speaker == "trainee" else self.client_name
        view = TurnView(speaker, text, name_label=label, index=index)
        await self.mount(view)
        return view

    @property
    def turn_views(self) -> list[TurnView]:
        """The turn blocks, oldest first."""
        return list(self.query(TurnView))
