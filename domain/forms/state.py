"""The durable state of one person filling one form, and the inputs that move it.

The state is plain data that round-trips through JSON, so the storage layer can write it in
the same transaction as the update that changed it. JSON shape::

    {
      "form_id": "demonstration", "version": "1",
      "phase": "asking" | "review" | "submitted" | "cancelled",
      "current": "room_area" | null,          # the field being asked
      "answers": {"room_area": 120, ...},     # JSON-native values, see answers.py
      "history": ["five_goods", ...],         # fields answered in order, for Back
      "pending": [...],                       # photos / options gathered before Done
      "editing": false,                       # came from review; return there after answering
      "album": {"media_group_id": "...", "field": "..."} | null,
      "prefilled": ["monthly_activity"],      # answered from the caller's facts
      "confirm": "2025-08-11" | null,         # an answer to ``current`` awaiting 是/否 (确认)
      # resubmitting a returned form (重新提交): only present then
      "earlier": {"room_area": 80, ...},      # the answers of the attempt that was returned
      "returned": {"room_area": "面积不足"},  # items the committee returned, with its reason
      "revisit": ["room_area"]                # returned items not yet gone through
    }
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


class Phase(StrEnum):
    ASKING = "asking"
    REVIEW = "review"
    SUBMITTED = "submitted"
    CANCELLED = "cancelled"


@dataclass(frozen=True)
class Album:
    """The last album (Telegram media group) seen, and the field it started on."""

    media_group_id: str
    field: str


@dataclass(frozen=True)
class FormState:
    form_id: str
    version: str
    phase: Phase
    current: str | None = None
    answers: dict[str, Any] = field(default_factory=dict)
    history: tuple[str, ...] = ()
    pending: tuple[Any, ...] = ()
    editing: bool = False
    album: Album | None = None
    prefilled: tuple[str, ...] = ()
    confirm: Any = None  # an answer to ``current`` that the person is asked to confirm first
    earlier: dict[str, Any] | None = None  # resubmitting: the returned attempt's answers
    returned: dict[str, str | None] = field(default_factory=dict)  # item → the committee's reason
    revisit: tuple[str, ...] = ()  # returned items still to go through, first

    @property
    def resubmitting(self) -> bool:
        return self.earlier is not None

    @property
    def closed(self) -> bool:
        return self.phase in (Phase.SUBMITTED, Phase.CANCELLED)

    def to_json(self) -> dict[str, Any]:
        data = {
            "form_id": self.form_id,
            "version": self.version,
            "phase": self.phase.value,
            "current": self.current,
            "answers": _copy(self.answers),
            "history": list(self.history),
            "pending": _copy(list(self.pending)),
            "editing": self.editing,
            "album": (
                {"media_group_id": self.album.media_group_id, "field": self.album.field}
                if self.album
                else None
            ),
            "prefilled": list(self.prefilled),
        }
        if self.confirm is not None:  # absent otherwise, so states stored before it compare equal
            data["confirm"] = _copy(self.confirm)
        if self.earlier is not None:
            data.update(earlier=_copy(self.earlier), returned=dict(self.returned), revisit=list(self.revisit))
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> FormState:
        """Rebuild a state; raise ValueError when ``data`` is not a state."""
        try:
            album = data.get("album")
            answers = data.get("answers") or {}
            if not isinstance(answers, dict):
                raise ValueError("answers must be a mapping")
            return cls(
                form_id=str(data["form_id"]),
                version=str(data["version"]),
                phase=Phase(data["phase"]),
                current=data.get("current"),
                answers=_copy(answers),
                history=tuple(str(name) for name in data.get("history") or ()),
                pending=tuple(_copy(list(data.get("pending") or ()))),
                editing=bool(data.get("editing", False)),
                album=Album(str(album["media_group_id"]), str(album["field"])) if album else None,
                prefilled=tuple(str(name) for name in data.get("prefilled") or ()),
                confirm=_copy(data.get("confirm")),
                earlier=_copy(data["earlier"]) if isinstance(data.get("earlier"), dict) else None,
                returned={str(k): (None if v is None else str(v)) for k, v in (data.get("returned") or {}).items()},
                revisit=tuple(str(name) for name in data.get("revisit") or ()),
            )
        except (KeyError, TypeError, AttributeError) as exc:
            raise ValueError(f"not a form state: {exc}") from exc


def _copy(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(key): _copy(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_copy(item) for item in value]
    return value


@dataclass(frozen=True)
class Earlier:
    """A returned attempt to start from (退回后重新填报): its answers, and the items the committee
    returned with its reasons (asked first)."""

    answers: dict[str, Any]
    returned: dict[str, str | None] = field(default_factory=dict)


# --- inputs ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Text:
    text: str


@dataclass(frozen=True)
class Choice:
    """A pressed button naming an option value (for yes/no: "yes" or "no")."""

    value: str


@dataclass(frozen=True)
class Photo:
    file_id: str
    media_group_id: str | None = None
    size: int | None = None  # bytes, as Telegram states them (kept with evidence)
    caption: str | None = None

    def ref(self) -> dict[str, Any]:
        """The photo as an answer keeps it: the file id, its album, and its size and caption when known."""
        ref: dict[str, Any] = {"file_id": self.file_id, "media_group_id": self.media_group_id}
        return ref | {k: v for k, v in (("size", self.size), ("caption", self.caption)) if v is not None}


@dataclass(frozen=True)
class Document:
    file_id: str
    file_name: str | None = None
    size: int | None = None
    caption: str | None = None

    def ref(self) -> dict[str, Any]:
        ref: dict[str, Any] = {"file_id": self.file_id, "file_name": self.file_name}
        return ref | {k: v for k, v in (("size", self.size), ("caption", self.caption)) if v is not None}


@dataclass(frozen=True)
class Location:
    lat: float
    lon: float


@dataclass(frozen=True)
class Unsupported:
    """A message the engine cannot take (sticker, voice, video, …)."""

    kind: str


@dataclass(frozen=True)
class Back:
    pass


@dataclass(frozen=True)
class Skip:
    pass


@dataclass(frozen=True)
class Cancel:
    pass


@dataclass(frozen=True)
class Done:
    """Finish a multi-photo or multi-choice answer (or keep the answer already given)."""


@dataclass(frozen=True)
class Review:
    pass


@dataclass(frozen=True)
class Edit:
    field: str


@dataclass(frozen=True)
class Submit:
    pass


UserInput = (
    Text | Choice | Photo | Document | Location | Unsupported
    | Back | Skip | Cancel | Done | Review | Edit | Submit
)
