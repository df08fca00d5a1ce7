"""What rule text may cost to read: size, YAML aliases and nesting, checked before anything is built.

Rule text comes from files an editor writes, and from anyone who can reach
``POST /rules/validate``.  YAML lets a few hundred bytes of nested aliases stand
for a billion nodes ("billion laughs"): PyYAML composes them as shared nodes,
cheaply, and every walk over the tree then expands them.  Deep nesting recurses
past Python's stack in PyYAML's composer.  So the text is read in two passes:

1. PyYAML's event stream (a state machine, no recursion): the nesting depth and
   the number of alias uses, without building anything;
2. the composed node graph, walked once with each shared node counted once:
   the number of nodes and the depth the tree has once every alias is expanded,
   and aliases that contain themselves.

Each limit is far above any real rule file (the shipped ones are under 3 KiB,
about 200 nodes, 6 levels deep, with no alias) and far below what stalls the
server.  A breach is a RuleFileError with its line:column and a hint.
"""

from __future__ import annotations

from collections.abc import Iterator

import yaml

from service.errors import FieldProblem, RuleFileError

# libyaml's loader when PyYAML was built with it (the wheels are): the same events and
# marks, ten times faster, which matters for a 64 KiB text read twice.
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

MAX_RULE_BYTES = 64 * 1024  # one file's text; 20 times the largest shipped rule
MAX_DEPTH = 24  # mappings and lists inside one another, aliases expanded
MAX_ALIASES = 64  # uses of *name in one file
MAX_NODES = 20_000  # nodes once every alias is expanded


def compose_bounded(text: str, path: str) -> yaml.Node | None:
    """The YAML node graph of ``text``, or RuleFileError if it is over a limit.

    PyYAML's own errors (syntax, a control character) are raised as they are:
    the caller reports them with their mark.
    """
    try:
        size = len(text.encode("utf-8"))
    except UnicodeEncodeError as exc:  # a lone surrogate: no file or request body decodes to one
        reason = f"the rule text is not UTF-8 text (character {exc.start + 1}) (hint: save it as UTF-8)"
        raise RuleFileError(path, [FieldProblem(field="$", reason=reason, location="rule", line=1, column=1)]) from exc
    if size > MAX_RULE_BYTES:
        reason = f"the rule text is {size} bytes; at most {MAX_RULE_BYTES} are read (hint: one rule per file; split the file)"
        raise RuleFileError(path, [FieldProblem(field="$", reason=reason, location="rule", line=1, column=1)])
    try:
        _check_events(text, path, _LOADER)
    except yaml.MarkedYAMLError:
        if _LOADER is not yaml.SafeLoader:
            # On a syntax error, PyYAML's own parser marks where a reader looks (the end of
            # an unclosed line, where libyaml names the next one): ask it, then fall back.
            _check_events(text, path, yaml.SafeLoader)
        raise
    node = yaml.compose(text, Loader=_LOADER)
    if node is not None:
        _check_expanded(node, path)
    return node


def _over(path: str, mark: yaml.Mark | None, reason: str, hint: str) -> RuleFileError:
    line, column = (mark.line + 1, mark.column + 1) if mark else (1, 1)
    return RuleFileError(path, [FieldProblem(field="$", reason=f"{reason} (hint: {hint})", location="rule", line=line, column=column)])


def _check_events(text: str, path: str, loader: type) -> None:
    depth = aliases = 0
    for event in yaml.parse(text, Loader=loader):
        if isinstance(event, yaml.CollectionStartEvent):
            depth += 1
            if depth > MAX_DEPTH:
                raise _over(path, event.start_mark, f"nested more than {MAX_DEPTH} levels deep", "a rule is a few levels deep: id, bind, a binding, its keys")
        elif isinstance(event, yaml.CollectionEndEvent):
            depth -= 1
        elif isinstance(event, yaml.AliasEvent):
            aliases += 1
            if aliases > MAX_ALIASES:
                raise _over(path, event.start_mark, f"more than {MAX_ALIASES} aliases (*name)", "write the values out; rules need no aliases")


def _children(node: yaml.Node) -> Iterator[yaml.Node]:
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            yield key
            yield value
    elif isinstance(node, yaml.SequenceNode):
        yield from node.value


def _check_expanded(root: yaml.Node, path: str) -> None:
    """Count each shared node once (so the count is linear in the text), sizes as if every alias were copied out.

    Iterative, not recursive: the walk must not itself be what the limits guard against.
    """
    size: dict[int, int] = {}
    depth: dict[int, int] = {}
    on_path: set[int] = set()
    stack: list[tuple[yaml.Node, bool]] = [(root, False)]
    while stack:
        node, children_done = stack.pop()
        key = id(node)
        if children_done:
            children = list(_children(node))
            size[key] = 1 + sum(size[id(child)] for child in children)
            depth[key] = 1 + max((depth[id(child)] for child in children), default=0)
            on_path.discard(key)
            if size[key] > MAX_NODES:
                raise _over(path, node.start_mark, f"this expands to more than {MAX_NODES} nodes once its aliases are copied out", "write the values out; rules need no aliases")
            if depth[key] > MAX_DEPTH:
                raise _over(path, node.start_mark, f"nested more than {MAX_DEPTH} levels deep once its aliases are copied out", "write the values out; rules need no aliases")
            continue
        if key in size:
            continue
        if key in on_path:
            raise _over(path, node.start_mark, "an alias refers to a node that contains it", "write the values out; rules need no aliases")
        on_path.add(key)
        stack.append((node, True))
        stack.extend((child, False) for child in _children(node))


def read_rule_file(path: str) -> str:
    """A rule file's text: at most MAX_RULE_BYTES read, whatever the file's size, and UTF-8."""
    with open(path, "rb") as file:
        data = file.read(MAX_RULE_BYTES + 1)
    if len(data) > MAX_RULE_BYTES:
        reason = f"the file is over {MAX_RULE_BYTES} bytes (hint: one rule per file; split the file)"
        raise RuleFileError(path, [FieldProblem(field="$", reason=reason, location="rule", line=1, column=1)])
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        reason = f"the file is not UTF-8 text (byte {exc.start}) (hint: save it as UTF-8)"
        raise RuleFileError(path, [FieldProblem(field="$", reason=reason, location="rule")]) from exc
