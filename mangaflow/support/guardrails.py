"""Guardrails of the support agent: denied topics and PII redaction.

**Denied topics** are per-tenant lists of phrases (case-insensitive, whole words; a trailing
``*`` matches any word ending, ``diagnos*``). The user's message is checked before the model
runs and the answer before it is shown; a topic either refuses (medical, legal and financial
advice by default) or escalates to a human (self-harm by default: a ticket is opened and
escalated, and the reply points to immediate help).

**PII redaction** applies to everything stored (transcripts, tool arguments and results,
ticket text), never to what the user sees live: e-mail addresses, IBANs (mod-97 checked),
card numbers (Luhn checked, 13-19 digits), SSN-like numbers (``123-45-6789``) and phone
numbers (found by ``phonenumbers``, Google's libphonenumber rules, for the tenant's region,
so dates and order numbers are left alone).

**Injection phrases** ("ignore previous instructions", ...) mark text that tries to steer the
agent; passages carrying them are never shown to the model.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from typing import Literal

import phonenumbers
from pydantic import BaseModel, ConfigDict, Field, field_validator

TopicAction = Literal["refuse", "escalate"]


class DeniedTopic(BaseModel):
    """A topic the agent does not discuss: the phrases that reveal it and what to do."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(pattern=r"^[a-z][a-z0-9_]{1,39}$", description="e.g. medical_advice")
    phrases: tuple[str, ...] = Field(min_length=1, max_length=200)
    action: TopicAction = "refuse"
    reply: str = Field(default="", max_length=1000, description="shown instead of an answer")

    @field_validator("phrases")
    @classmethod
    def _clean(cls, phrases: tuple[str, ...]) -> tuple[str, ...]:
        out = tuple(" ".join(p.lower().split()) for p in phrases)
        bad = [p for p in out if not 2 <= len(p) <= 80 or "*" in p[:-1]]
        if bad:
            raise ValueError(f"phrases must be 2-80 characters with '*' only at the end: {bad[:3]}")
        return out


def _refusal(what: str) -> str:
    return (f"I can't give {what}. Please ask a qualified professional; I'm happy to help "
            "with questions about our products and your account.")  # fmt: skip


DEFAULT_TOPICS: tuple[DeniedTopic, ...] = (
    DeniedTopic(name="medical_advice", reply=_refusal("medical advice"), phrases=(
        "medical advice", "diagnose", "diagnosis", "prescription", "prescribe*", "dosage",
        "dose of", "symptom*", "side effect*", "is it safe to take")),
    DeniedTopic(name="legal_advice", reply=_refusal("legal advice"), phrases=(
        "legal advice", "sue", "suing", "lawsuit", "attorney", "lawyer", "is it legal",
        "press charges")),
    DeniedTopic(name="financial_advice", reply=_refusal("financial or investment advice"),
                phrases=("financial advice", "invest", "investing", "investment advice",
                         "stock tip*", "which stocks", "crypto*", "should i buy shares")),
    DeniedTopic(name="self_harm", action="escalate", phrases=(
        "kill myself", "suicide", "suicidal", "self-harm", "self harm", "hurt myself",
        "end my life", "want to die"), reply=(
        "I'm really sorry you're feeling this way. I've asked a person from our team to "
        "reach out to you. If you are in danger, please call your local emergency number "
        "or a crisis line right now.")),
)  # fmt: skip


@dataclass(frozen=True)
class TopicHit:
    """The denied topic a text touches, and the phrase that showed it."""

    topic: str
    action: TopicAction
    phrase: str
    reply: str


@cache
def _phrase_pattern(phrase: str) -> re.Pattern[str]:
    words = phrase.removesuffix("*").split()
    body = r"\s+".join(re.escape(w) for w in words)
    tail = r"\w*" if phrase.endswith("*") else r"(?!\w)"
    return re.compile(rf"(?<!\w){body}{tail}", re.IGNORECASE)


def check_topics(text: str, topics: tuple[DeniedTopic, ...] | list[DeniedTopic]) -> TopicHit | None:
    """The first denied topic ``text`` touches (escalating topics first), or ``None``."""
    ordered = sorted(topics, key=lambda t: t.action != "escalate")
    for topic in ordered:
        for phrase in topic.phrases:
            if _phrase_pattern(phrase).search(text):
                reply = topic.reply or _refusal(topic.name.replace("_", " "))
                return TopicHit(topic.name, topic.action, phrase, reply)
    return None


# ---------------------------------------------------------------------------- PII redaction
_EMAIL = re.compile(
    r"(?<![\w.+-])[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}"
)
# Printed IBANs come compact or in groups of four; a trailing group may be 1-4 characters.
_IBAN = re.compile(
    r"(?<![A-Za-z0-9])[A-Z]{2}\d{2}(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,4})?(?![a-z0-9])"
    r"|(?<![A-Za-z0-9])[A-Z]{2}\d{2}[A-Z0-9]{11,30}(?![A-Za-z0-9])"
)
_CARD = re.compile(r"(?<![\d-])\d(?:[ -]?\d){12,18}(?![\d-])")
_SSN = re.compile(r"(?<![\d-])\d{3}[- ]\d{2}[- ]\d{4}(?![\d-])")


def luhn_ok(digits: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch)
        if i % 2:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


def iban_ok(candidate: str) -> bool:
    iban = candidate.replace(" ", "").upper()
    if not 15 <= len(iban) <= 34:
        return False
    moved = iban[4:] + iban[:4]
    number = "".join(str(int(ch, 36)) for ch in moved)
    return int(number) % 97 == 1


@dataclass(frozen=True)
class PiiMatch:
    kind: Literal["email", "iban", "card", "ssn", "phone"]
    start: int
    end: int


def find_pii(text: str, region: str = "US") -> list[PiiMatch]:
    """Every PII span in ``text``, left to right, without overlaps."""
    found: list[PiiMatch] = []

    def free(start: int, end: int) -> bool:
        return all(end <= m.start or start >= m.end for m in found)

    for m in _EMAIL.finditer(text):
        found.append(PiiMatch("email", m.start(), m.end()))
    for m in _IBAN.finditer(text):
        if free(m.start(), m.end()) and iban_ok(m.group()):
            found.append(PiiMatch("iban", m.start(), m.end()))
    for m in _CARD.finditer(text):
        digits = re.sub(r"\D", "", m.group())
        if free(m.start(), m.end()) and 13 <= len(digits) <= 19 and luhn_ok(digits):
            found.append(PiiMatch("card", m.start(), m.end()))
    for m in _SSN.finditer(text):
        if free(m.start(), m.end()):
            found.append(PiiMatch("ssn", m.start(), m.end()))
    for pm in phonenumbers.PhoneNumberMatcher(text, region):
        if free(pm.start, pm.end):
            found.append(PiiMatch("phone", pm.start, pm.end))
    return sorted(found, key=lambda m: m.start)


def redact_pii(text: str, region: str = "US") -> str:
    """``text`` with every PII span replaced by ``[REDACTED <KIND>]``."""
    out, last = [], 0
    for m in find_pii(text, region):
        out += [text[last : m.start], f"[REDACTED {m.kind.upper()}]"]
        last = m.end
    return "".join([*out, text[last:]])


# ------------------------------------------------------------------------ prompt injection
_INJECTION = re.compile(
    r"\b(?:ignore|disregard|forget|override)\s+(?:all\s+|any\s+|the\s+|your\s+)*"
    r"(?:previous|prior|above|earlier|system|original)?\s*(?:instructions|prompts?|rules)\b"
    r"|\b(?:reveal|print|show)\s+(?:me\s+)?(?:your|the)\s+(?:system\s+)?(?:prompt|instructions)\b"
    r"|\byou\s+are\s+now\s+(?:a|an|in)\b|\bnew\s+instructions\s*:|\bdeveloper\s+mode\b"
    r"|<\s*/?\s*(?:system|assistant|tool)\s*>",
    re.IGNORECASE,
)


def injection_phrases(text: str) -> list[str]:
    """The phrases in ``text`` that try to give the agent instructions (empty: none)."""
    return [m.group() for m in _INJECTION.finditer(text)]
