"""The check language: ``current / (1 + growth) == base``, parsed with positions.

Why not Python's ``ast`` or sqlglot's parser: both accept far more than a rule
may say (calls, attributes, ``%`` as modulo) and their errors point at their
grammar, not at what a newsroom editor typed.  Ours is six productions::

    comparison := sum ("==" | "<=" | ">=" | "<" | ">") sum
    sum        := term (("+" | "-") term)*
    term       := power (("*" | "/") power)*
    power      := factor ["^" power]
    factor     := NUMBER [UNIT] | NAME | "sum" "(" NAME ")" | "compound" "(" NAME ")"
                | "years" ["(" NAME ")"] | "(" sum ")" | "-" factor
    UNIT       := "%" | "percent" | "points" | "MAD"

``^`` is right-associative (``a ^ b ^ c`` is ``a ^ (b ^ c)``) and binds tighter
than ``*`` and ``/``; a unary minus binds tighter still, as in a spreadsheet:
``-a ^ 2`` is ``(-a) ^ 2``.  Write ``-(a ^ 2)`` for the other reading.

A check is bounded: its length, how many numbers and names it has, and how deep
parentheses, powers and minus signs nest.  The parser and every walk over the tree
recurse; without the bounds, 5,000 nested parentheses or a 2,000-term sum on
``POST /rules/validate`` overflow Python's stack.  The shipped checks are under 60
characters, 6 terms and 3 levels deep.
"""

from __future__ import annotations

import re

from service.rules.model import Arith, Comparison, Compound, Expr, Negate, Number, Power, Ref, Total, Years

_TOKEN = re.compile(
    r"""
    (?P<space>\s+)
  | (?P<number>\d+(?:\.\d+)?)
  | (?P<compare>==|<=|>=|<|>)
  | (?P<op>[-+*/()%^])
  | (?P<name>[A-Za-z_][A-Za-z0-9_]*)
    """,
    re.VERBOSE,
)
_UNITS = {"%": "percent", "percent": "percent", "points": "points", "MAD": "MAD"}
_HINT_OPERATORS = "use + - * / ^ ( ) and one of == <= >= < >"
_FUNCTIONS = {"sum": Total, "compound": Compound}

MAX_CHECK_LENGTH = 500  # characters
MAX_CHECK_TERMS = 64  # numbers and names
MAX_CHECK_NESTING = 16  # parentheses, powers and minus signs inside one another
_SIMPLER = "a check relates a few figures: split it into several rules"


class ExpressionError(ValueError):
    def __init__(self, reason: str, column: int, token: str) -> None:
        self.reason, self.column, self.token = reason, column, token
        super().__init__(f"column {column}: {reason}")


class _Token:
    __slots__ = ("kind", "text", "column")

    def __init__(self, kind: str, text: str, column: int) -> None:
        self.kind, self.text, self.column = kind, text, column


def tokenize(text: str) -> list[_Token]:
    if len(text) > MAX_CHECK_LENGTH:
        raise ExpressionError(f"a check is at most {MAX_CHECK_LENGTH} characters; this one is {len(text)} (hint: {_SIMPLER})", MAX_CHECK_LENGTH + 1, "")
    tokens, position, terms = [], 0, 0
    while position < len(text):
        match = _TOKEN.match(text, position)
        if match is None:
            bad = text[position:].split()[0] if text[position:].split() else text[position]
            hint = "'=' compares only as '=='" if bad.startswith("=") else _HINT_OPERATORS
            raise ExpressionError(f"unknown operator or symbol {bad!r} ({hint})", position + 1, bad)
        if match.lastgroup in ("number", "name") and match.group() not in _UNITS:
            terms += 1
            if terms > MAX_CHECK_TERMS:
                raise ExpressionError(f"a check has at most {MAX_CHECK_TERMS} numbers and names (hint: {_SIMPLER})", position + 1, match.group())
        if match.lastgroup != "space":
            tokens.append(_Token(match.lastgroup or "", match.group(), position + 1))
        position = match.end()
    tokens.append(_Token("end", "", len(text) + 1))
    return tokens


class _Parser:
    def __init__(self, text: str, line: int) -> None:
        self.tokens = tokenize(text)
        self.index = 0
        self.line = line
        self.nesting = 0

    def deeper(self, token: _Token) -> None:
        """One more level of parentheses, power or minus: refused past the bound, before recursing."""
        self.nesting += 1
        if self.nesting > MAX_CHECK_NESTING:
            raise ExpressionError(f"a check nests at most {MAX_CHECK_NESTING} levels of parentheses, powers and minus signs (hint: {_SIMPLER})", token.column, token.text)

    @property
    def current(self) -> _Token:
        return self.tokens[self.index]

    def take(self) -> _Token:
        token = self.current
        self.index += 1
        return token

    def expect(self, text: str) -> _Token:
        if self.current.text != text:
            found = self.current.text or "the end"
            raise ExpressionError(f"expected {text!r}, found {found!r}", self.current.column, self.current.text)
        return self.take()

    def comparison(self) -> Comparison:
        left = self.sum()
        token = self.current
        if token.kind != "compare":
            found = token.text or "the end"
            raise ExpressionError(f"a check compares two sides: expected == <= >= < or >, found {found!r}", token.column, token.text)
        self.take()
        right = self.sum()
        if self.current.kind != "end":
            raise ExpressionError(f"unexpected {self.current.text!r} after the comparison", self.current.column, self.current.text)
        return Comparison(op=token.text, left=left, right=right, line=self.line, column=token.column)  # type: ignore[arg-type]

    def sum(self) -> Expr:
        expr = self.term()
        while self.current.text in ("+", "-"):
            op = self.take()
            expr = Arith(op=op.text, left=expr, right=self.term(), line=self.line, column=op.column)  # type: ignore[arg-type]
        return expr

    def term(self) -> Expr:
        expr = self.power()
        while self.current.text in ("*", "/"):
            op = self.take()
            expr = Arith(op=op.text, left=expr, right=self.power(), line=self.line, column=op.column)  # type: ignore[arg-type]
        return expr

    def power(self) -> Expr:
        base = self.factor()
        if self.current.text != "^":
            return base
        op = self.take()
        self.deeper(op)
        exponent = self.power()
        self.nesting -= 1
        return Power(base=base, exponent=exponent, line=self.line, column=op.column)

    def bound_name(self, function: str) -> _Token:
        self.expect("(")
        name = self.take()
        if name.kind != "name":
            raise ExpressionError(f"{function}(...) takes the name of a binding", name.column, name.text)
        self.expect(")")
        return name

    def factor(self) -> Expr:
        token = self.current
        if token.kind == "number":
            self.take()
            unit = "count"
            if self.current.text in _UNITS:
                unit = _UNITS[self.take().text]
            return Number(value=float(token.text), unit=unit, line=self.line, column=token.column)
        if token.text == "-":
            self.take()
            self.deeper(token)
            operand = self.factor()
            self.nesting -= 1
            return Negate(operand=operand, line=self.line, column=token.column)
        if token.text == "(":
            self.take()
            self.deeper(token)
            expr = self.sum()
            self.expect(")")
            self.nesting -= 1
            return expr
        if token.kind == "name" and token.text in _FUNCTIONS:
            self.take()
            name = self.bound_name(token.text)
            return _FUNCTIONS[token.text](name=name.text, line=self.line, column=token.column)
        if token.kind == "name" and token.text == "years":
            self.take()
            name = self.bound_name("years").text if self.current.text == "(" else ""
            return Years(name=name, line=self.line, column=token.column)
        if token.kind == "name" and token.text not in _UNITS:
            self.take()
            return Ref(name=token.text, line=self.line, column=token.column)
        found = token.text or "the end"
        raise ExpressionError(f"expected a number, a binding name or '(', found {found!r}", token.column, token.text)


def parse_check(text: str, line: int = 1) -> Comparison:
    """Parse a check; raise ExpressionError with the 1-based column of the offending token."""
    return _Parser(text, line).comparison()


def render(expr: Expr | Comparison) -> str:
    """The expression as an author would write it (used in computations)."""
    match expr:
        case Comparison(op=op, left=left, right=right):
            return f"{render(left)} {op} {render(right)}"
        case Arith(op=op, left=left, right=right):
            return f"{_operand(left, op, 'left')} {op} {_operand(right, op, 'right')}"
        case Power(base=base, exponent=exponent):
            return f"{_operand(base, '^', 'left')} ^ {_operand(exponent, '^', 'right')}"
        case Negate(operand=operand):
            return f"-({render(operand)})" if isinstance(operand, Power) else f"-{_operand(operand, '*', 'right')}"
        case Number(value=value, unit=unit):
            return _number_text(value, unit)
        case Ref(name=name):
            return name
        case Total(name=name):
            return f"sum({name})"
        case Compound(name=name):
            return f"compound({name})"
        case Years(name=name):
            return f"years({name})" if name else "years"
    raise TypeError(expr)


_PRECEDENCE = {"+": 1, "-": 1, "*": 2, "/": 2, "^": 3}


def _operand(expr: Expr, parent_op: str, side: str) -> str:
    text = render(expr)
    if isinstance(expr, (Arith, Power)):
        inner, outer = _PRECEDENCE[expr.op if isinstance(expr, Arith) else "^"], _PRECEDENCE[parent_op]
        # ``^`` groups to the right: only a power on its left needs parentheses
        if inner < outer or (inner == outer and side == "right" and parent_op in "-/") or (inner == outer == 3 and side == "left"):
            return f"({text})"
    return text


def _number_text(value: float, unit: str) -> str:
    number = f"{value:g}"
    return {"percent": f"{number} %", "points": f"{number} points", "MAD": f"{number} MAD"}.get(unit, number)
