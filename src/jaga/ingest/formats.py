"""Input and output formats, by file suffix: the extension points of Jaga's doors for files.

A format is a class registered under its name and the suffixes it owns: readers (`jaga.ingest.readers`:
JSONL, CSV, Parquet) turn a file into records, writers (`jaga.ingest.writers`: JSONL, CSV, Parquet)
turn decisions into a file. The built-in formats register themselves with `READERS.register` and
`WRITERS.register`; another package adds a format the same way, through an entry point that names its
class, without touching Jaga. In its pyproject.toml:

    [project.entry-points."jaga.readers"]
    txt = "my_package.formats:LineReader"      # a `jaga.ingest.readers.FormatReader`

    [project.entry-points."jaga.writers"]
    md = "my_package.formats:MarkdownWriter"   # a `jaga.ingest.writers.DecisionWriter`

Plugins are looked up whenever a format is chosen, so a package installed later is found. Two
formats may not claim the same suffix: which one reads `.csv` must never depend on import order.
"""

from __future__ import annotations

from collections.abc import Iterator
from importlib.metadata import entry_points
from pathlib import Path
from typing import Any, ClassVar, Generic, Protocol, TypeVar

from jaga.extras import MissingExtra, require

READERS_GROUP = "jaga.readers"
WRITERS_GROUP = "jaga.writers"


class InputError(Exception):
    """The input (or the output asked for) cannot be handled as a whole: a missing file, an unknown
    format, a plugin that cannot be loaded."""


class Format(Protocol):
    """What a registered class declares: its name (`--format`) and the suffixes it owns."""

    name: ClassVar[str]
    suffixes: ClassVar[tuple[str, ...]]


F = TypeVar("F", bound=Format)


class Formats(Generic[F]):
    """Format classes by name and by file suffix, the built-ins and the plugins of one entry-point group."""

    def __init__(self, kind: str, group: str) -> None:
        self.kind = kind
        self.group = group
        self._by_name: dict[str, type[F]] = {}

    def register(self, cls: type[F]) -> type[F]:
        """Add a format (usable as a class decorator). Registering the same class again changes
        nothing; another class under a taken name or suffix is refused, with both named."""
        if not getattr(cls, "name", None) or not getattr(cls, "suffixes", None):
            raise InputError(f"{cls.__qualname__} needs a `name` and at least one suffix to be a {self.kind} format")
        bad = [suffix for suffix in cls.suffixes if not suffix.startswith(".") or suffix != suffix.lower()]
        if bad:
            raise InputError(f"{self.kind} format {cls.name!r}: suffixes are lower case and start with a dot, not {bad}")
        known = self._by_name.get(cls.name)
        if known is cls:
            return cls
        if known is not None:
            raise InputError(f"{self.kind} format {cls.name!r} is already {_qualified(known)}; "
                             f"{_qualified(cls)} cannot take its name")
        for suffix in cls.suffixes:
            owner = self._owner(suffix)
            if owner is not None:
                raise InputError(f"{self.kind} suffix {suffix} belongs to format {owner.name!r} ({_qualified(owner)}); "
                                 f"{_qualified(cls)} cannot take it")
        self._by_name[cls.name] = cls
        return cls

    def unregister(self, name: str) -> None:
        """Remove a format (a test's plugin, once the test is over)."""
        self._by_name.pop(name, None)

    def names(self) -> list[str]:
        self._load_plugins()
        return sorted(self._by_name)

    def suffixes(self) -> list[str]:
        self._load_plugins()
        return sorted(suffix for cls in self._by_name.values() for suffix in cls.suffixes)

    def by_name(self, name: str) -> type[F]:
        """The format called `name` (as `--format` gives it)."""
        self._load_plugins()
        if name not in self._by_name:
            raise InputError(f"unknown {self.kind} format {name!r}; known formats: {', '.join(self.names())}")
        return _usable(self._by_name[name])

    def for_path(self, path: str | Path, hint: str = "") -> type[F]:
        """The format that owns the file's suffix (`.TSV` as `.tsv`)."""
        self._load_plugins()
        suffix = Path(path).suffix.lower()
        owner = self._owner(suffix) if suffix else None
        if owner is None:
            raise InputError(f"cannot tell the {self.kind} format of {str(path)!r} from its suffix "
                             f"({suffix or 'none'}); known suffixes: {', '.join(self.suffixes())}{hint}")
        return _usable(owner)

    def __iter__(self) -> Iterator[type[F]]:
        self._load_plugins()
        return iter(list(self._by_name.values()))

    def _owner(self, suffix: str) -> type[F] | None:
        return next((cls for cls in self._by_name.values() if suffix in cls.suffixes), None)

    def _load_plugins(self) -> None:
        """Register the classes installed packages declare in this registry's entry-point group."""
        for entry in entry_points(group=self.group):
            if entry.name in self._by_name and _qualified(self._by_name[entry.name]) == entry.value.replace(":", "."):
                continue
            try:
                cls = entry.load()
            except Exception as error:  # whatever the plugin's import raises
                raise InputError(f"{self.kind} format plugin {entry.name!r} ({entry.value}) cannot be loaded: "
                                 f"{error}") from error
            self.register(cls)


def _usable(cls: type[F]) -> type[F]:
    """`cls`, once the optional extra it declares (`extra = "parquet"`) is installed: told when the
    format is chosen, before a scan starts, not when the first record is read or the last written."""
    extra = getattr(cls, "extra", None)
    if extra:
        try:
            require(extra, f"the {cls.name} format")
        except MissingExtra as error:
            raise InputError(str(error)) from error
    return cls


def _qualified(cls: Any) -> str:
    return f"{cls.__module__}.{cls.__qualname__}"
