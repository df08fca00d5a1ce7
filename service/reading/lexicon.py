"""Subjects and breakdown members named in French, English and Arabic: data, like the rules.

``rules/lexicon/*.yaml`` says which words name which subject key ("les exportations
de l'artisanat", "handicrafts exports", "صادرات الصناعة التقليدية" ->
``ma.handicraft.exports``) and which name a breakdown member ("tapis", "carpets",
"الزرابي" -> ``product: carpets``).  A desk adds a subject by adding a file: no code.

A file::

    subjects:
      - key: ma.handicraft.exhibitions.visitors
        names: {fr: [visiteurs], en: [visitors], ar: [زوار]}
        within: [ma.handicraft.exhibitions]   # only where that subject is already named
    members:
      - dimension: product
        key: carpets
        names: {fr: [tapis], en: [carpets], ar: [الزرابي]}
        subjects: [ma.handicraft.exports]     # subject keys (or their prefixes) it breaks down; none: any
    examples:
      - {lang: fr, text: "les exportations de tapis", subject: ma.handicraft.exports, breakdown: {product: carpets}}

Files are read with the rules' own YAML reader (:mod:`service.rules.loader`: the
size and alias limits, positions, msgspec's paths turned into line:column), so a
broken file is a RuleFileError at its file:line:column, and ``tally rules lint``
reports it with the rule files.  Each example is read back with the lexicon it is
in: a name that no longer finds its key fails lint where the example is written.

Names are compared as the figure reader compares words (case, accents, hamza
seats, ’ and ' folded); an Arabic name may carry an attached و, ب, ل or ال-less
prefix (``والزرابي``), and the longest name wins where two overlap.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any, Literal

import msgspec

from service.errors import FieldProblem, RuleFileError
from service.figures import folded
from service.rules.limits import read_rule_file
from service.rules.loader import _Located, _msgspec_problem, read_yaml  # one reader of YAML with positions, shared with the rules
from service.texts import KEY_PATTERN, SUBJECT_PATTERN

LEXICON = "lexicon"  # the folder beside the rules

Name = Annotated[str, msgspec.Meta(min_length=2, max_length=120)]
SubjectKey = Annotated[str, msgspec.Meta(pattern=SUBJECT_PATTERN, max_length=200)]
Key = Annotated[str, msgspec.Meta(pattern=KEY_PATTERN, max_length=80)]


class Names(msgspec.Struct, forbid_unknown_fields=True, omit_defaults=True):
    fr: list[Name] = []
    en: list[Name] = []
    ar: list[Name] = []

    def all(self) -> list[tuple[str, str]]:
        return [(lang, name) for lang in ("fr", "en", "ar") for name in getattr(self, lang)]


class TopicSpec(msgspec.Struct, forbid_unknown_fields=True, omit_defaults=True):
    """What an article is about ("artisanat"): never a figure's subject, it says which subject a generic name means."""

    key: SubjectKey
    names: Names


class SubjectSpec(msgspec.Struct, forbid_unknown_fields=True, omit_defaults=True):
    key: SubjectKey
    names: Names
    within: list[SubjectKey] = []


class MemberSpec(msgspec.Struct, forbid_unknown_fields=True, omit_defaults=True):
    dimension: Key
    key: Key
    names: Names
    subjects: list[SubjectKey] = []


class ExampleSpec(msgspec.Struct, forbid_unknown_fields=True, omit_defaults=True):
    lang: Literal["fr", "en", "ar"]
    text: Annotated[str, msgspec.Meta(min_length=1, max_length=2000)]
    subject: SubjectKey | None = None
    breakdown: dict[Key, Key] = {}


class LexiconFileSpec(msgspec.Struct, forbid_unknown_fields=True, omit_defaults=True):
    topics: list[TopicSpec] = []
    subjects: list[SubjectSpec] = []
    members: list[MemberSpec] = []
    examples: list[ExampleSpec] = []


@dataclass(frozen=True)
class Entry:
    """What a name stands for: a ``topic``, a ``subject`` or a ``member`` of ``dimension``.

    A subject ``within`` topics or subjects is what its name means only once one of them
    is named before it in the article ("exportations" in an article on handicrafts).
    A member breaks down only the ``subjects`` it lists (their keys or prefixes; none: any).
    """

    key: str
    kind: str = "subject"
    dimension: str | None = None
    within: tuple[str, ...] = ()
    subjects: tuple[str, ...] = ()
    where: str = ""  # file:line:column of the name, for a desk reading why

    def breaks_down(self, subject: str | None) -> bool:
        if not self.subjects:
            return True
        return subject is not None and any(subject == s or subject.startswith(s + ".") for s in self.subjects)


@dataclass(frozen=True)
class Named:
    """A name found in a text (``start``/``end`` index the text) and everything it may stand for."""

    entries: tuple[Entry, ...]
    start: int
    end: int
    text: str


@dataclass
class Lexicon:
    names: dict[str, list[Entry]] = field(default_factory=dict)  # folded name -> what it stands for
    # subject key -> language -> the name the desk calls it by: its first name there that needs no topic before it
    # ("exportations de l'artisanat"), else its first name (within its topic: "artisans")
    titles: dict[str, dict[str, tuple[bool, str]]] = field(default_factory=dict)
    examples: list[tuple[ExampleSpec, str]] = field(default_factory=list)  # (example, file:line:column)
    _index: dict[str, dict[str, list[tuple[list[str], str]]]] = field(default_factory=dict, repr=False)

    def subject_name(self, key: str, language: str) -> str | None:
        """What the desk calls a subject in ``language`` (``ma.handicraft.exports``: "exportations de l'artisanat"); None: no name there."""
        found = self.titles.get(key, {}).get(language)
        return found[1] if found else None

    @property
    def subjects(self) -> set[str]:
        return {e.key for entries in self.names.values() for e in entries if e.kind == "subject"}

    def _by_first_word(self, members: bool) -> dict[str, list[tuple[list[str], str]]]:
        """Names by their first folded word, longest first: a text is walked word by word, not tried at every character."""
        key = "members" if members else "subjects"
        if key not in self._index:
            index: dict[str, list[tuple[list[str], str]]] = {}
            for name, entries in self.names.items():
                if any((e.kind == "member") == members for e in entries):
                    words = _WORD.findall(name)
                    index.setdefault(words[0], []).append((words, name))
            for names in index.values():
                names.sort(key=lambda item: -len(item[0]))
            self._index[key] = index
        return self._index[key]

    def find(self, text: str, members: bool = False) -> list[Named]:
        """Every subject or topic name (or, ``members``, every member name) in the text, in text order, longest first where two overlap."""
        index = self._by_first_word(members)
        if not index:
            return []
        fold, origin = folded(text)
        words = [(m.group(), m.start(), m.end()) for m in _WORD.finditer(fold)]
        found: list[Named] = []
        position = 0
        while position < len(words):
            match = self._match_at(index, words, position)
            if match is None:
                position += 1
                continue
            name, length, cut = match
            start, end = origin[words[position][1] + cut], origin[words[position + length - 1][2] - 1] + 1
            entries = tuple(e for e in self.names[name] if (e.kind == "member") == members)
            found.append(Named(entries, start, end, text[start:end]))
            position += length
        return found

    @staticmethod
    def _match_at(index: dict[str, list[tuple[list[str], str]]], words: list[tuple[str, int, int]], position: int) -> tuple[str, int, int] | None:
        first = words[position][0]
        tries = [(first, 0)]
        if first[0] in _PREFIX_LETTERS:  # an Arabic prefix written onto the name: والزرابي, بفرنسا, للصناعة
            tries += [(first[len(p):], len(p)) for p in _ARABIC_PREFIXES if first.startswith(p) and len(first) > len(p) + 1]
        for word, cut in tries:
            for name_words, name in index.get(word, ()):
                length = len(name_words)
                if length == 1 or (
                    all(words[position + i][0] == name_words[i] for i in range(1, length) if position + i < len(words))
                    and position + length <= len(words) and _joined(words, position, length)
                ):
                    return name, length, cut
        return None


_WORD = re.compile(r"[^\W_]+|[^\w\s]")  # words, and each other character alone: "l'artisanat" is l, ', artisanat
_ARABIC_PREFIXES = ("وب", "ول", "لل", "و", "ب", "ل", "ف")
_PREFIX_LETTERS = frozenset("وبلف")


def _joined(words: list[tuple[str, int, int]], position: int, length: int) -> bool:
    """The words of a name follow one another (spaces between them only, no other character)."""
    return all(words[i + 1][1] - words[i][2] <= 3 for i in range(position, position + length - 1))


def subject_words(subject: str, lexicon: Lexicon | None = None, language: str = "en") -> str:
    """A subject as the desk names it: the lexicon's name in ``language`` (``ma.handicraft.exports`` -> "exportations de
    l'artisanat"), else its key read as words (``handicraft exports``, the country prefix dropped)."""
    if lexicon is not None and (name := lexicon.subject_name(subject, language)):
        return name
    parts = subject.split(".")
    if len(parts) > 1 and len(parts[0]) == 2:  # an ISO country code: the desk's country goes without saying
        parts = parts[1:]
    return " ".join(part.replace("_", " ") for part in parts)


def _fold_name(name: str) -> str:
    return " ".join(_WORD.findall(folded(name)[0]))


# --- reading the files ---------------------------------------------------------------


def load_lexicon_dir(directory: Path) -> Lexicon:
    """Every lexicon file of a folder (none: an empty lexicon); RuleFileError for the first broken one."""
    lexicon = Lexicon()
    if not directory.is_dir():
        return lexicon
    for path in sorted(directory.glob("*.yaml")) + sorted(directory.glob("*.yml")):
        _add_file(lexicon, path)
    return lexicon


def lint_lexicon_dir(directory: Path) -> list[RuleFileError]:
    """Every broken lexicon file, and every example its lexicon no longer reads, for ``tally rules lint``."""
    failures: list[RuleFileError] = []
    if not directory.is_dir():
        return failures
    for path in sorted(directory.glob("*.yaml")) + sorted(directory.glob("*.yml")):
        try:
            _add_file(Lexicon(), path)
        except RuleFileError as exc:
            failures.append(exc)
    if failures:
        return failures
    lexicon = load_lexicon_dir(directory)
    for example, where in lexicon.examples:
        if problem := example_problem(lexicon, example):
            file, line, column = where.rsplit(":", 2)
            failures.append(RuleFileError(file, [FieldProblem(field="examples", reason=problem, location="rule", line=int(line), column=int(column))]))
    return failures


def example_problem(lexicon: Lexicon, example: ExampleSpec) -> str | None:
    """Why the lexicon does not read an example as it says (None: it does)."""
    subjects = [e.key for n in lexicon.find(example.text) for e in n.entries if e.kind == "subject"]
    if example.subject is not None and example.subject not in subjects:
        found = ", ".join(subjects) or "no subject"
        return f"example {example.text!r}: expected subject {example.subject}, the lexicon finds {found} (hint: add a name that the text prints)"
    members = {(e.dimension, e.key) for n in lexicon.find(example.text, members=True) for e in n.entries}
    for dimension, key in example.breakdown.items():
        if (dimension, key) not in members:
            return f"example {example.text!r}: expected {dimension}: {key}, the lexicon does not find it (hint: add a name that the text prints)"
    return None


def _add_file(lexicon: Lexicon, path: Path) -> None:
    text = read_rule_file(str(path))
    node = read_yaml(text, str(path))
    if node is None:
        return
    located = _Located()
    raw = located.build_or_raise(node, str(path))
    try:
        spec = msgspec.convert(raw, LexiconFileSpec)
    except msgspec.ValidationError as exc:
        raise RuleFileError(str(path), [_lexicon_hint(_msgspec_problem(exc, located, ()))]) from None
    problems: list[FieldProblem] = []
    for index, topic in enumerate(spec.topics):
        _add_names(lexicon, topic.names, Entry(topic.key, kind="topic"), ("topics", index), path, located, problems)
    for index, subject in enumerate(spec.subjects):
        _add_names(lexicon, subject.names, Entry(subject.key, within=tuple(subject.within)), ("subjects", index), path, located, problems)
        _add_title(lexicon, subject)
    for index, member in enumerate(spec.members):
        entry = Entry(member.key, kind="member", dimension=member.dimension, subjects=tuple(member.subjects))
        _add_names(lexicon, member.names, entry, ("members", index), path, located, problems)
    for index, example in enumerate(spec.examples):
        line, column = located.at(("examples", index))
        lexicon.examples.append((example, f"{path}:{line}:{column}"))
    if problems:
        raise RuleFileError(str(path), problems)
    lexicon._index.clear()


def _add_names(lexicon: Lexicon, names: Names, entry: Entry, where: tuple[Any, ...], path: Path, located: _Located, problems: list[FieldProblem]) -> None:
    for lang, name in names.all():
        position = where + ("names", lang, getattr(names, lang).index(name))
        line, column = located.at(position)
        key = _fold_name(name)
        if any((e.key, e.kind, e.dimension, e.within) == (entry.key, entry.kind, entry.dimension, entry.within) for e in lexicon.names.get(key, [])):
            continue  # the same name twice, once with accents and once without: one entry
        clash = [e for e in lexicon.names.get(key, []) if (e.kind == "member") == (entry.kind == "member") and e.within == entry.within and (e.key, e.dimension) != (entry.key, entry.dimension)]
        if clash:
            other = clash[0]
            reason = f"the name {name!r} already names {other.dimension + ': ' if other.dimension else ''}{other.key} ({other.where}) (hint: a name stands for one thing; make it longer, or say within which topic it means this)"
            problems.append(FieldProblem(field=".".join(map(str, position)), reason=reason, location="rule", line=line, column=column))
            continue
        named = Entry(entry.key, entry.kind, entry.dimension, entry.within, entry.subjects, f"{path.name}:{line}:{column}")
        lexicon.names.setdefault(key, []).append(named)


def _add_title(lexicon: Lexicon, subject: SubjectSpec) -> None:
    """The subject's name in each language, as the desk writes it: a name that stands alone beats one that needs its topic."""
    alone = not subject.within
    titles = lexicon.titles.setdefault(subject.key, {})
    for language in ("fr", "en", "ar"):
        names = getattr(subject.names, language)
        if names and (language not in titles or (alone and not titles[language][0])):
            titles[language] = (alone, names[0])


def _lexicon_hint(problem: FieldProblem) -> FieldProblem:
    """The rules' reader hints at a rule's keys; a lexicon file has its own."""
    if "unknown field" not in problem.reason or "(hint:" not in problem.reason:
        return problem
    head = problem.reason.split(" (hint:")[0]
    parts = problem.field.split(".")
    spec = {"topics": TopicSpec, "subjects": SubjectSpec, "members": MemberSpec, "examples": ExampleSpec}.get(parts[0], LexiconFileSpec)
    if len(parts) == 1:
        spec = LexiconFileSpec
    elif "names" in parts[2:-1]:
        spec = Names
    return msgspec.structs.replace(problem, reason=f"{head} (hint: allowed keys are {', '.join(spec.__struct_fields__)})")
