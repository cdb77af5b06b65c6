"""The pure forms engine: definitions, rules, answer parsers, the engine, scoring, shipped forms."""

from .answers import Accepted, Rejection
from .context import FormContext, UnitFacts
from .definition import (
    ChoiceOption,
    DefinitionIssue,
    Field,
    FieldType,
    FormDefinition,
    FormDefinitionError,
)
from .engine import Step, advance, show, start
from .loading import load_form_xlsx, load_form_yaml
from .prompt import Button, Prompt, PromptKind, Question, ReviewLine
from .rules import Rule, RuleError, parse_rule
from .scoring import CategoryScore, ItemResult, Outcome, ScoreResult, score
from .shipped import SHIPPED_FORMS, shipped_form
from .state import (
    Back,
    Cancel,
    Choice,
    Document,
    Done,
    Earlier,
    Edit,
    FormState,
    Location,
    Phase,
    Photo,
    Review,
    Skip,
    Submit,
    Text,
    Unsupported,
    UserInput,
)
from .text import LocalText

__all__ = [
    "Accepted", "Back", "Button", "Cancel", "CategoryScore", "Choice", "ChoiceOption",
    "DefinitionIssue", "Document", "Done", "Earlier", "Edit", "Field", "FieldType", "FormContext",
    "FormDefinition", "FormDefinitionError", "FormState", "ItemResult", "LocalText", "Location",
    "Outcome", "Phase", "Photo", "Prompt", "PromptKind", "Question", "Rejection", "Review",
    "ReviewLine", "Rule", "RuleError", "SHIPPED_FORMS", "ScoreResult", "Skip", "Step", "Submit",
    "Text", "UnitFacts", "Unsupported", "UserInput", "advance", "load_form_xlsx",
    "load_form_yaml", "parse_rule", "score", "shipped_form", "show", "start",
]
