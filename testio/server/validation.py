"""Tool arguments checked against their JSON Schema, with messages a model can act on."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # jsonschema loads on the first tool call, not at server start-up
    from jsonschema import Draft202012Validator
    from jsonschema.exceptions import ValidationError

MAX_SHOWN = 60


def _shown(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= MAX_SHOWN else text[: MAX_SHOWN - 3] + "..."


def _kind(schema: dict[str, Any]) -> str:
    kind = schema.get("type")
    if kind == "integer":
        return "an integer"
    if kind == "array":
        return "a list"
    if kind == "boolean":
        return "true or false"
    if kind == "string":
        return "a string"
    return f"of type {kind}"


def describe(error: ValidationError, schema: dict[str, Any]) -> str:
    """One sentence naming the argument and the fix."""
    path = [str(p) for p in error.absolute_path]
    name = path[0] if path else None
    where = f"'{'/'.join(path)}'" if path else "the arguments"
    sub: dict[str, Any] = error.schema if isinstance(error.schema, dict) else {}  # pyright: ignore[reportUnknownMemberType]
    validator = error.validator
    hint = ""
    if name is not None:
        prop: dict[str, Any] = schema.get("properties", {}).get(name, {})
        if prop.get("description"):
            hint = f" ({prop['description']})"
    if validator == "required":
        missing = str(error.message).split("'")[1] if "'" in error.message else "?"
        prop = schema.get("properties", {}).get(missing, {})
        desc = f" ({prop['description']})" if prop.get("description") else ""
        return f"Missing required argument '{missing}'{desc}."
    if validator == "additionalProperties":
        allowed = ", ".join(schema.get("properties", {})) or "none"
        given: Any = error.instance
        extra = sorted(str(k) for k in given if k not in schema.get("properties", {}))
        return f"Unknown argument(s) {', '.join(map(repr, extra))}; accepted arguments: {allowed}."
    if validator == "type":
        if not path:
            return "The arguments must be a JSON object."
        return f"{where} must be {_kind(sub)}, not {_shown(error.instance)}{hint}."
    if validator == "enum":
        options = ", ".join(str(o) for o in sub.get("enum", []))
        return f"{where} must be one of: {options} (got {_shown(error.instance)})."
    if validator in ("minimum", "exclusiveMinimum"):
        return f"{where} must be at least {sub.get('minimum', sub.get('exclusiveMinimum'))} (got {_shown(error.instance)}){hint}."
    if validator in ("maximum", "exclusiveMaximum"):
        return f"{where} must be at most {sub.get('maximum', sub.get('exclusiveMaximum'))} (got {_shown(error.instance)}){hint}."
    if validator == "maxLength":
        return f"{where} is too long: at most {sub.get('maxLength')} characters."
    if validator == "minLength":
        return f"{where} must not be empty."
    if validator == "maxItems":
        return f"{where} has too many items: at most {sub.get('maxItems')}."
    if validator == "minItems":
        return f"{where} must have at least {sub.get('minItems')} item(s)."
    if validator == "uniqueItems":
        return f"{where} must not repeat items."
    if validator == "pattern":
        return f"{where} has the wrong form{hint}."
    return f"{where} is invalid{hint}."


class ArgumentChecker:
    """Validates one tool's arguments; returns the first problem as a sentence, or None.

    The validator is built on first use, so listing tools never imports jsonschema.
    """

    def __init__(self, schema: dict[str, Any]) -> None:
        self._schema = schema
        self._compiled: Draft202012Validator | None = None

    @property
    def _validator(self) -> Draft202012Validator:
        if self._compiled is None:
            from jsonschema import Draft202012Validator

            Draft202012Validator.check_schema(self._schema)
            self._compiled = Draft202012Validator(self._schema)
        return self._compiled

    def problem(self, arguments: Any) -> str | None:
        """The first problem with these arguments, as one sentence; None when they are fine."""
        found: list[ValidationError] = list(self._validator.iter_errors(arguments))  # pyright: ignore[reportUnknownMemberType]  # jsonschema's overloads are partly untyped
        errors = sorted(
            found,
            key=lambda e: (len(list(e.absolute_path)), str(e.validator)),
        )
        if not errors:
            return None
        return describe(errors[0], self._schema)
