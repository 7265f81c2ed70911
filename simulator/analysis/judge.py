"""The LLM judge: the analyzer interface (and rubric dimensions) graded by a chat model.

Hygiene, after ARCHITECTURE.md:

- structured output through function calling
  (``with_structured_output(Model, method="function_calling")``: the one method
  that works against llama.cpp's server as well as hosted APIs);
- every code and grade the model returns is checked against those offered;
  anything else is dropped, and when nothing valid remains the turn (or
  dimension) is marked unscored with the reason instead of being guessed;
- the prompt and the raw reply are kept with every label (``TurnLabel.audit``)
  and every dimension score, so an instructor can audit them;
- transcript text enters prompts only as delimited, escaped data inside
  ``<context>`` / ``<turn>`` / ``<transcript>`` tags, never as instructions.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, Field, create_model

from simulator.analysis.base import Behaviour, TurnLabel, Utterance
from simulator.analysis.codes import CLIENT_CODES, THERAPIST_CODES
from simulator.analysis.judge_prompt_parts import (
    BEHAVIOURS,
    CODE_DEFINITIONS,
    behaviour_from_codes,
    escape_data,
    transcript_rows,
)
from simulator.clients.base import ClientEngineError
from simulator.clients.llm import ChatMessage, EndpointConfig, call_with_retries, chat_model
from simulator.prompts import render

if TYPE_CHECKING:
    from simulator.config import EngineSettings
    from simulator.content.models import Dimension

TURN_TOOL = "label_turn"
#: The most codes one turn gets. Servers that turn the schema into a grammar (llama.cpp)
#: use the bounds to stop a small model from listing the whole vocabulary.
MAX_CODES = 4
DIMENSION_TOOL = "score_dimension"


def _turn_schema(speaker: str) -> type[BaseModel]:
    """The function the judge calls for one turn. Fields are plain strings on purpose:
    the offered values are shown to the model as ``enum`` hints but validated here, so
    one stray value drops that value instead of failing the whole reply."""
    codes = THERAPIST_CODES if speaker == "therapist" else CLIENT_CODES
    fields: dict[str, Any] = {
        "codes": (list[str], Field(
            description="Codes that apply, most salient first.",
            json_schema_extra={"items": {"type": "string", "enum": list(codes)},
                               "minItems": 1, "maxItems": MAX_CODES},
        )),
        "rationale": (str, Field(default="", description="One sentence: why these codes.",
                                 json_schema_extra={"maxLength": 300})),
    }
    if speaker == "therapist":
        fields["behaviour"] = (str | None, Field(
            default=None, description="Main behaviour.",
            json_schema_extra={"enum": list(BEHAVIOURS)}))
        fields["reflection"] = (str | None, Field(
            default=None, description="For a reflection: simple or complex.",
            json_schema_extra={"enum": ["simple", "complex"]}))
        fields["question"] = (str | None, Field(
            default=None, description="For a question: open or closed.",
            json_schema_extra={"enum": ["open", "closed"]}))
    model: type[BaseModel] = create_model(TURN_TOOL, __doc__="Label one turn.", **fields)
    return model


class DimensionGrade(BaseModel):
    """Score the trainee on one rubric dimension."""

    score: int | None = Field(
        description="Whole number 1-5, or null if there is no basis.",
        json_schema_extra={"minimum": 1, "maximum": 5})
    rationale: str = Field(default="", description="One to three sentences citing turn numbers.",
                           json_schema_extra={"maxLength": 600})


DimensionGrade.__name__ = DIMENSION_TOOL

_SCHEMAS: dict[str, type[BaseModel]] = {s: _turn_schema(s) for s in ("therapist", "client")}


def _raw_reply(raw: Any) -> str:
    """The model's reply as it arrived: the tool-call arguments (valid or not), else the text."""
    if raw is None:
        return ""
    parts: list[str] = []
    for call in getattr(raw, "tool_calls", None) or []:
        parts.append(json.dumps(call.get("args", {}), ensure_ascii=False))
    for call in getattr(raw, "invalid_tool_calls", None) or []:
        parts.append(str(call.get("args") or ""))
    if parts:
        return "\n".join(parts)
    content = getattr(raw, "content", "")
    return content if isinstance(content, str) else json.dumps(content)


def _invalid_call_error(raw: Any) -> str | None:
    calls = getattr(raw, "invalid_tool_calls", None) or []
    if not calls:
        return None
    error = str(calls[0].get("error") or "invalid arguments")
    return error.split("For troubleshooting")[0].strip().replace("\n\n", " ")


class LLMJudge:
    """An :class:`~simulator.analysis.base.Analyzer` backed by a chat model."""

    name = "judge"

    def __init__(self, config: EndpointConfig, *, workers: int = 4) -> None:
        self.config = config
        self.model = config.model
        self.workers = workers
        chat = chat_model(config, streaming=False)
        self._runnables = {
            speaker: chat.with_structured_output(schema, method="function_calling",
                                                 include_raw=True)
            for speaker, schema in {**_SCHEMAS, "dimension": DimensionGrade}.items()
        }

    # ------------------------------------------------------------------ plumbing

    def _ask(self, kind: str, messages: list[ChatMessage]) -> tuple[Any, str, str | None]:
        """Send ``messages``; return (parsed, raw reply, failure reason or None)."""
        from simulator.clients.llm import to_langchain

        runnable = self._runnables[kind]
        try:
            result = call_with_retries(lambda: runnable.invoke(to_langchain(messages)),
                                       self.config)
        except ClientEngineError as exc:
            return None, "", f"the judge could not be reached: {exc}"
        raw = _raw_reply(result.get("raw"))
        if result.get("parsing_error") is not None:
            return None, raw, f"the judge's reply did not fit the schema: {result['parsing_error']}"
        if result.get("parsed") is None:
            detail = _invalid_call_error(result.get("raw"))
            if detail:
                return None, raw, f"the judge's reply could not be parsed: {detail}"
            return None, raw, "the judge did not return a usable function call"
        return result["parsed"], raw, None

    # ------------------------------------------------------------------ turns

    def turn_messages(
        self, turn: Utterance, context: Sequence[Utterance] = ()
    ) -> list[ChatMessage]:
        """The prompt for labelling ``turn``: instructions, then the turn as delimited data."""
        speaker = "client" if turn.speaker == "client" else "therapist"
        offered = THERAPIST_CODES if speaker == "therapist" else CLIENT_CODES
        system = render(
            "judge_turn.j2",
            speaker=speaker,
            speaker_name="therapist" if speaker == "therapist" else "client",
            codes=[{"name": c, "definition": CODE_DEFINITIONS[c]} for c in offered],
            behaviours=BEHAVIOURS,
            fallback="other" if speaker == "therapist" else "neutral",
            tool=TURN_TOOL,
        )
        user = render(
            "judge_turn_user.j2",
            context=transcript_rows(context),
            speaker=speaker,
            speaker_name="therapist" if speaker == "therapist" else "client",
            text=escape_data(turn.text),
        )
        return [ChatMessage("system", system), ChatMessage("user", user)]

    def label(self, turn: Utterance, context: Sequence[Utterance] = ()) -> TurnLabel:
        """Label ``turn``; returns an unscored label (never a guess) when the judge fails."""
        speaker = "client" if turn.speaker == "client" else "therapist"
        messages = self.turn_messages(turn, context)
        parsed, raw, failure = self._ask(speaker, messages)
        audit: dict[str, Any] = {
            "model": self.model,
            "prompt": [m.as_dict() for m in messages],
            "reply": raw,
        }
        if failure is not None:
            return TurnLabel(codes=(), unscored_reason=failure, audit=audit)
        offered = THERAPIST_CODES if speaker == "therapist" else CLIENT_CODES
        codes: list[str] = []
        dropped: list[str] = []
        for code in parsed.codes:
            if code in offered and code not in codes:
                codes.append(code)
            elif code not in offered:
                dropped.append(str(code))
        audit["rationale"] = parsed.rationale
        audit["dropped"] = dropped
        if not codes:
            why = f"none of the codes it returned were offered ({', '.join(dropped)})" if dropped \
                else "it returned no codes"
            return TurnLabel(codes=(), unscored_reason=f"the judge's labels were unusable: {why}",
                             audit=audit)
        if speaker == "client":
            return TurnLabel(codes=tuple(codes), audit=audit)
        return self._therapist_label(parsed, codes, dropped, audit)

    @staticmethod
    def _therapist_label(parsed: Any, codes: list[str], dropped: list[str],
                         audit: dict[str, Any]) -> TurnLabel:
        behaviour: Behaviour | None = parsed.behaviour if parsed.behaviour in BEHAVIOURS else None
        if parsed.behaviour is not None and behaviour is None:
            dropped.append(f"behaviour={parsed.behaviour}")
        if behaviour is None:
            behaviour = behaviour_from_codes(codes)
        reflection = parsed.reflection if parsed.reflection in ("simple", "complex") else None
        question = parsed.question if parsed.question in ("open", "closed") else None
        # The codes are the finer-grained answer: where they name the kind, they decide it.
        if "reflection_complex" in codes or "reflection_simple" in codes:
            reflection = "complex" if "reflection_complex" in codes else "simple"
        if "question_open" in codes or "question_closed" in codes:
            question = "open" if "question_open" in codes else "closed"
        return TurnLabel(
            codes=tuple(codes),
            behaviour=behaviour,
            reflection=reflection if behaviour == "reflection" else None,
            question=question if behaviour == "question" else None,
            audit=audit,
        )

    def label_many(
        self, items: Sequence[tuple[Utterance, Sequence[Utterance]]]
    ) -> list[TurnLabel]:
        """Label many turns, a few requests at a time; order is kept."""
        with ThreadPoolExecutor(max_workers=max(1, self.workers)) as pool:
            return list(pool.map(lambda item: self.label(item[0], item[1]), items))

    # ------------------------------------------------------------------ dimensions

    def dimension_messages(self, dimension: Dimension,
                           transcript: Sequence[Any]) -> list[ChatMessage]:
        """The prompt for scoring ``dimension`` over ``transcript`` (delimited data)."""
        system = render(
            "judge_dimension.j2",
            name=dimension.name,
            description=dimension.description.strip(),
            criteria=(dimension.judge_criteria or "").strip(),
            levels=[{"score": lv.score, "label": lv.label, "description": lv.description.strip()}
                    for lv in dimension.levels],
            min_score=1,
            max_score=5,
            tool=DIMENSION_TOOL,
        )
        user = render("judge_dimension_user.j2", name=dimension.name,
                      transcript=transcript_rows(transcript, numbered=True))
        return [ChatMessage("system", system), ChatMessage("user", user)]

    def judge_dimension(self, dimension: Dimension, transcript: Sequence[Any]) -> dict[str, Any]:
        """Score ``dimension`` (1-5) over a whole ``transcript``.

        Args:
            dimension: The rubric dimension; its ``judge_criteria`` and level anchors
                go into the prompt.
            transcript: Turns as mappings or objects with ``speaker`` and ``text``.

        Returns:
            ``{"score": 1-5 | None, "level": str | None, "unscored_reason": str | None,
            "rationale", "prompt", "reply", "model"}``.
        """
        messages = self.dimension_messages(dimension, transcript)
        parsed, raw, failure = self._ask("dimension", messages)
        out: dict[str, Any] = {
            "score": None, "level": None, "unscored_reason": failure,
            "rationale": getattr(parsed, "rationale", ""),
            "prompt": [m.as_dict() for m in messages], "reply": raw, "model": self.model,
        }
        if failure is not None:
            return out
        score = parsed.score
        if score is None:
            out["unscored_reason"] = "the judge found no basis for a score"
        elif not 1 <= score <= 5:
            out["unscored_reason"] = (
                f"the judge returned {score}, which is not an offered score (1-5)"
            )
        else:
            out["score"] = score
            out["level"] = dimension.level(score).label
        return out


def create_judge(settings: EngineSettings | None = None) -> LLMJudge:
    """Create the judge from engine settings (flags, environment, config file).

    The judge uses the configured OpenAI-compatible endpoint, model and
    ``max_tokens`` at temperature 0. Raises :class:`ClientEngineError` if no endpoint is configured.
    """
    from dataclasses import replace

    from simulator.clients.openai_engine import endpoint_config
    from simulator.config import load_settings

    settings = settings or load_settings()
    config = replace(endpoint_config(settings, purpose="The LLM judge"), temperature=0.0)
    return LLMJudge(config)


def judge_dimension(dimension: Dimension, transcript: Sequence[Mapping[str, Any] | Any], *,
                    judge: LLMJudge | None = None) -> dict[str, Any]:
    """Score one rubric dimension with ``judge`` (default: :func:`create_judge`)."""
    return (judge or create_judge()).judge_dimension(dimension, transcript)
