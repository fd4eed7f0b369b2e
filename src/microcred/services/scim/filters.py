"""SCIM filters (RFC 7644 §3.4.2.2) to the repository's filter tree: parsed by ``scim2-models``,
then each attribute path mapped to a named column. Only the attributes in `ATTRIBUTES` can be
filtered or sorted on; anything else is ``invalidFilter``, never passed along."""

from __future__ import annotations

from typing import Any

from scim2_models import SCIMException, ScimFilter
from scim2_models.path.expressions import (
    AttrPath,
    Comparison,
    FilterNode,
    LogicalExpr,
    LogicalOperator,
    Not,
    Present,
    ValuePath,
)

from microcred.ports import (
    FilterAll,
    FilterAny,
    FilterCompare,
    FilterCondition,
    FilterNot,
    FilterPresent,
    ScimKind,
)
from microcred.services.scim.documents import MODELS
from microcred.services.scim.errors import ScimProblem

MAX_FILTER = 2000
MAX_TERMS = 50
CORE = {
    "User": "urn:ietf:params:scim:schemas:core:2.0:user",
    "Group": "urn:ietf:params:scim:schemas:core:2.0:group",
}
#: (attribute, sub-attribute) in lower case → the repository's column, per kind
ATTRIBUTES: dict[str, dict[tuple[str, str | None], str]] = {
    "User": {
        ("id", None): "id",
        ("username", None): "name",
        ("externalid", None): "external_id",
        ("displayname", None): "display_name",
        ("active", None): "active",
        ("emails", None): "email",
        ("emails", "value"): "email",
    },
    "Group": {
        ("id", None): "id",
        ("displayname", None): "name",
        ("externalid", None): "external_id",
        ("members", None): "member",
        ("members", "value"): "member",
    },
}
#: attributes sortBy accepts
SORTABLE = {"id", "name", "external_id", "display_name"}


def _invalid(message: str) -> ScimProblem:
    return ScimProblem(message, scim_type="invalidFilter")


def column(kind: ScimKind, path: AttrPath) -> str:
    """The column ``path`` names; ``invalidFilter`` for any other attribute."""
    if path.uri is not None and path.uri.lower() != CORE[kind]:
        raise _invalid(f"{path} cannot be filtered on.")
    key = (path.attr.lower(), path.sub_attr.lower() if path.sub_attr else None)
    found = ATTRIBUTES[kind].get(key)
    if found is None:
        raise _invalid(f"{str(path)[:100]} cannot be filtered on.")
    return found


class _Translation:
    def __init__(self, kind: ScimKind) -> None:
        self.kind = kind
        self.terms = 0

    def node(self, node: FilterNode, inside: str | None = None) -> FilterCondition:
        self.terms += 1
        if self.terms > MAX_TERMS:
            raise _invalid(f"A filter has at most {MAX_TERMS} terms.")
        if isinstance(node, LogicalExpr):
            terms = tuple(self.node(t, inside) for t in node.terms)
            return FilterAll(terms) if node.op is LogicalOperator.and_ else FilterAny(terms)
        if isinstance(node, Not):
            return FilterNot(self.node(node.expr, inside))
        if isinstance(node, ValuePath):
            name = column(self.kind, node.attr_path)
            if name not in ("email", "member") or node.sub_attr:
                raise _invalid(f"{node.attr_path}[...] cannot be filtered on.")
            return self.node(node.val_filter, name)
        if isinstance(node, Present | Comparison):
            name = self._name(node.attr_path, inside)
            if isinstance(node, Present):
                return FilterPresent(name)
            return FilterCompare(name, node.op.value, self._value(name, node.op.value, node.value))
        raise _invalid("That filter is not supported.")

    def _name(self, path: AttrPath, inside: str | None) -> str:
        if inside is None:
            return column(self.kind, path)
        if path.uri is None and path.sub_attr is None and path.attr.lower() == "value":
            return inside
        raise _invalid(f"Inside [...] only 'value' can be filtered on, not {str(path)[:100]}.")

    @staticmethod
    def _value(name: str, op: str, value: Any) -> str | bool | None:
        if name == "active":
            if not isinstance(value, bool) or op not in ("eq", "ne"):
                raise _invalid("active is compared with 'eq' or 'ne' to true or false.")
            return value
        if isinstance(value, bool) or not isinstance(value, str):
            raise _invalid(f"{name.replace('_', ' ')} is compared to a quoted string.")
        if len(value) > 320:
            raise _invalid("A filter value has at most 320 characters.")
        return value


def condition(kind: ScimKind, text: str | None) -> FilterCondition | None:
    """The filter tree for ``text`` (None without a filter)."""
    if text is None or not text.strip():
        return None
    if len(text) > MAX_FILTER:
        raise _invalid(f"A filter has at most {MAX_FILTER} characters.")
    try:
        parsed = ScimFilter[MODELS[kind]](text)  # type: ignore[valid-type]
    except (SCIMException, ValueError, TypeError):
        raise _invalid("The filter is not valid SCIM filter syntax (RFC 7644 §3.4.2.2).") from None
    except RecursionError:
        raise _invalid("The filter is nested too deeply.") from None
    return _Translation(kind).node(parsed.ast)


def sort_column(kind: ScimKind, sort_by: str | None) -> str | None:
    """The column ``sortBy`` names (None: creation order)."""
    if not sort_by:
        return None
    try:
        path = AttrPath(*_split(sort_by))
    except ValueError:
        raise ScimProblem("sortBy names an attribute.", scim_type="invalidValue") from None
    name = column(kind, path)
    if name not in SORTABLE:
        raise ScimProblem(f"Results cannot be sorted by {sort_by[:100]}.", scim_type="invalidValue")
    return name


def _split(text: str) -> tuple[str, str | None, str | None]:
    uri = None
    lowered = text.lower()
    for core in CORE.values():
        if lowered.startswith(core + ":"):
            uri, text = text[: len(core)], text[len(core) + 1 :]
    attr, _, sub = text.partition(".")
    return attr, sub or None, uri
