"""Loading jurisdiction policies: YAML -> inheritance -> validation -> compiled CEL.

Every failure names the file, the line and the problem, because the people who edit these files
are policy staff, not programmers.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import cel
import yaml
from pydantic import ValidationError

from jaga.policy.schema import PolicyFile
from jaga.types import Category

CEL_VARIABLES = frozenset({"post", "signals", "scores", "language", "context"})
"""What a condition may refer to: the post, its signals, the score per category, its language and
the context facts the engine computes (e.g. `context.quoted`)."""


SAMPLE_CONTEXT: dict[str, Any] = {
    "post": {"id": "sample", "text": "sample", "lang": "en", "country": "MY", "platform": "", "urls": [],
             "author_id": ""},
    "signals": [{"source": "classifier:hate_speech", "category": "hate_speech", "score": 0.5, "details": {}}],
    "scores": {category.value: 0.0 for category in Category},
    "language": "en",
    "context": {"quoted": False, "mixed": False, "counter_speech": False, "news_reporting": False, "satire": False,
                "political": False},
}


class PolicyError(ValueError):
    """A policy that cannot be used; the message is `file:line: problem`."""


@dataclass(frozen=True)
class CompiledRule:
    category: str
    action: str
    reason: str
    source: str
    program: Any
    variables: frozenset[str] = CEL_VARIABLES
    """The CEL variables the condition refers to: only these are converted for it (`variables_of`)."""


_VARIABLE = re.compile(r"(?<![\w.])(" + "|".join(sorted(CEL_VARIABLES)) + r")(?!\w)")


def variables_of(expression: str) -> frozenset[str]:
    """Which of `CEL_VARIABLES` an expression may refer to. Converting a variable into CEL costs far
    more than evaluating a condition (a post's signals: ~27 us; `context.quoted`: 0.2 us once
    converted), so the engine converts only these, once a post. A name inside a string literal or
    reused by a macro counts too: converting one variable too many costs time, never correctness."""
    return frozenset(match.group(1) for match in _VARIABLE.finditer(expression))


@dataclass(frozen=True)
class LoadedPolicy:
    """A jurisdiction's policy with its baseline merged in and its conditions compiled."""

    policy: PolicyFile
    chain: tuple[str, ...]  # this file's version, then its parents'
    rules: tuple[CompiledRule, ...]
    safeguards: tuple[tuple[str, Any], ...]
    files: tuple[Path, ...]
    any_safeguard: Any = None
    safeguard_variables: frozenset[str] = frozenset()
    """The safeguards joined by `||` into one program: most removals meet none, and one run of a
    CEL program costs about as much as another whatever its size (six runs were a third of the
    policy stage's time); the individual programs then name the one that held."""

    @property
    def version(self) -> str:
        return "+".join(self.chain)


def bundled_policy_dir() -> Path:
    return Path(str(resources.files("jaga.policy") / "jurisdictions"))


def _read(path: Path) -> tuple[dict[str, Any], yaml.Node]:
    try:
        text = path.read_text(encoding="utf-8")
        node = yaml.compose(text)
        data = yaml.safe_load(text)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        line = f"{mark.line + 1}" if mark else "?"
        raise PolicyError(f"{path}:{line}: invalid YAML: {getattr(error, 'problem', error)}") from error
    except OSError as error:
        raise PolicyError(f"{path}: cannot read: {error}") from error
    if not isinstance(data, dict) or node is None:
        raise PolicyError(f"{path}:1: a policy file is a mapping (jurisdiction, version, categories, ...)")
    return data, node


def _line_of(node: yaml.Node | None, location: tuple[Any, ...]) -> int | None:
    """The line of the deepest node along `location` (a pydantic error path)."""
    line = node.start_mark.line + 1 if node is not None else None
    for key in location:
        if isinstance(node, yaml.MappingNode):
            match = next((value for name, value in node.value if name.value == str(key)), None)
            if match is None:
                return line
            node = match
        elif isinstance(node, yaml.SequenceNode) and isinstance(key, int) and key < len(node.value):
            node = node.value[key]
        else:
            return line
        line = node.start_mark.line + 1
    return line


def _merge(base: dict[str, Any], override: dict[str, Any]) -> dict[str, Any]:
    """Deep merge of mappings; instruments accumulate; anything else in `override` replaces what
    `base` had."""
    merged = dict(base)
    for key, value in override.items():
        if key == "instruments" and isinstance(value, list) and isinstance(merged.get(key), list):
            # A member state cites its own laws on top of the regional instruments it inherits.
            own = {item.get("id") for item in value if isinstance(item, dict)}
            merged[key] = [item for item in merged[key] if item.get("id") not in own] + value
        elif isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = _merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def load_policy(jurisdiction: str, directory: Path | None = None) -> LoadedPolicy:
    root = directory or bundled_policy_dir()
    files: list[tuple[Path, dict[str, Any], yaml.Node]] = []
    name: str | None = jurisdiction.lower()
    while name is not None:
        path = root / f"{name}.yaml"
        if not path.is_file():
            raise PolicyError(f"{path}: no policy file for {name!r}")
        if any(path == seen for seen, _, _ in files):
            raise PolicyError(f"{path}:1: 'extends' forms a cycle")
        data, node = _read(path)
        files.append((path, data, node))
        parent = data.get("extends")
        name = str(parent).lower() if parent else None
    merged: dict[str, Any] = {}
    for _, data, _ in reversed(files):
        merged = _merge(merged, data)
    merged["extends"] = files[0][1].get("extends")
    merged["jurisdiction"] = files[0][1].get("jurisdiction")
    try:
        policy = PolicyFile.model_validate(merged)
    except ValidationError as error:
        item = error.errors()[0]
        location = tuple(item["loc"])
        path, line = _locate(files, location)
        where = ".".join(str(part) for part in location) or "file"
        raise PolicyError(f"{path}:{line}: {where}: {item['msg'].removeprefix('Value error, ')}") from error
    rules = []
    for category, category_policy in policy.categories.items():
        for index, rule in enumerate(category_policy.rules):
            location = ("categories", category.value, "rules", index, "when")
            rules.append(CompiledRule(category.value, rule.action, rule.reason, rule.when,
                                      _compile(rule.when, files, location), variables_of(rule.when)))
    safeguards = tuple((expression, _compile(expression, files, ("safeguards", index)))
                       for index, expression in enumerate(policy.safeguards))
    chain = tuple(f"{data.get('jurisdiction', path.stem)}-{data.get('version', '?')}" for path, data, _ in files)
    any_safeguard = (_compile(" || ".join(f"({expression})" for expression, _ in safeguards), files, ("safeguards",))
                     if safeguards else None)
    return LoadedPolicy(policy, chain, tuple(rules), safeguards, tuple(path for path, _, _ in files), any_safeguard,
                        frozenset().union(*(variables_of(expression) for expression, _ in safeguards)))


def _locate(files: list[tuple[Path, dict[str, Any], yaml.Node]], location: tuple[Any, ...]) -> tuple[Path, int | None]:
    """The file (child first) that defines `location`, and the line there."""
    for path, data, node in files:
        current: Any = data
        found = True
        for key in location:
            if isinstance(current, dict) and str(key) in current:
                current = current[str(key)]
            elif isinstance(current, list) and isinstance(key, int) and key < len(current):
                current = current[key]
            else:
                found = False
                break
        if found:
            return path, _line_of(node, location)
    path, _, node = files[0]
    return path, _line_of(node, location)


def _compile(expression: str, files: list[tuple[Path, dict[str, Any], yaml.Node]], location: tuple[Any, ...]) -> Any:
    path, line = _locate(files, location)
    try:
        program = cel.compile(expression)
    except (ValueError, RuntimeError) as error:
        raise PolicyError(f"{path}:{line}: invalid condition {expression!r}: {str(error).splitlines()[0]}") from error
    try:  # a dry run on a typical post catches unknown names and fields at load time, not mid-scan
        result = program.execute(SAMPLE_CONTEXT)
    except (ValueError, RuntimeError, TypeError) as error:
        raise PolicyError(f"{path}:{line}: condition {expression!r} cannot be evaluated: {str(error).splitlines()[0]} "
                          f"(available: {', '.join(sorted(CEL_VARIABLES))})") from error
    if not isinstance(result, bool):
        raise PolicyError(f"{path}:{line}: condition {expression!r} must be true or false, not {type(result).__name__}")
    return program


def jurisdictions(directory: Path | None = None) -> list[str]:
    root = directory or bundled_policy_dir()
    return sorted(path.stem.upper() for path in root.glob("*.yaml"))
