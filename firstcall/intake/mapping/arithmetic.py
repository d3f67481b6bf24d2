"""Arithmetic in a mapping: "compute": "loan_amount + down_payment" or "{Loan.Amount} * {DownPct} / 100".

Names are lead fields filled by the mapping's other rules; `{path}` reads a number from the payload. Only
numbers, + - * /, parentheses and those two kinds of operand are allowed (parsed with `ast`, never evaluated by
Python). Amounts are Decimals: "$350,000", "350k" and "20%" all read as numbers."""

import ast
import re
from dataclasses import dataclass
from decimal import Decimal, DivisionByZero, InvalidOperation

from firstcall.intake.mapping.paths import Segment, parse_path
from firstcall.intake.mapping.vocabulary import MappingError
from firstcall.leads.submission import parse_money_loose, parse_percent

_PLACEHOLDER = re.compile(r"\{([^{}]{1,300})\}")
MAX_EXPRESSION = 300
_OPERATORS = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/"}


@dataclass(frozen=True)
class Expression:
    text: str
    tree: ast.expr
    paths: dict[str, tuple[Segment, ...]]  # placeholder name -> payload path
    names: frozenset[str]  # lead fields it reads


def compile_expression(text, is_target) -> Expression:
    if not isinstance(text, str) or not text.strip():
        raise MappingError(["'compute' must be an expression such as \"loan_amount + down_payment\"."])
    if len(text) > MAX_EXPRESSION:
        raise MappingError([f"'compute' is longer than {MAX_EXPRESSION} characters."])
    paths: dict[str, tuple[Segment, ...]] = {}

    def placeholder(match) -> str:
        name = f"__path{len(paths)}"
        paths[name] = parse_path(match.group(1))
        return name

    source = _PLACEHOLDER.sub(placeholder, text)
    try:
        tree = ast.parse(source, mode="eval").body
    except SyntaxError as error:
        raise MappingError([f"'compute' \"{text[:60]}\" is not an expression: {error.msg}."]) from error
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.BinOp) and type(node.op) in _OPERATORS:
            continue
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
            continue
        if (
            isinstance(node, ast.Constant)
            and isinstance(node.value, int | float)
            and not isinstance(node.value, bool)
        ):
            continue
        if isinstance(node, ast.Name):
            if node.id not in paths:
                if not is_target(node.id):
                    raise MappingError([f"'compute' reads '{node.id}', which is not a lead field (use {{path}} "
                                        "for a value of the payload)."])  # fmt: skip
                names.add(node.id)
            continue
        if isinstance(node, ast.operator | ast.unaryop | ast.expr_context):
            continue
        raise MappingError([f"'compute' \"{text[:60]}\" may use only numbers, lead fields, {{paths}}, + - * / and "
                            "parentheses."])  # fmt: skip
    return Expression(text=text, tree=tree, paths=paths, names=frozenset(names))


def as_number(value) -> Decimal | None:
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, Decimal):
        return value
    text = str(value)
    try:
        return parse_percent(text, limit=Decimal(10**12)) if "%" in text else parse_money_loose(value)
    except (ValueError, ArithmeticError):
        return None


def evaluate(expression: Expression, lookup) -> Decimal | None:
    """The value, or None when an operand is missing or not a number, or on division by zero. `lookup(name)`
    gives a lead field's value or a placeholder's payload value."""

    def walk(node):
        if isinstance(node, ast.Constant):
            return Decimal(str(node.value))
        if isinstance(node, ast.Name):
            number = as_number(lookup(node.id))
            if number is None:
                raise _Missing
            return number
        if isinstance(node, ast.UnaryOp):
            return -walk(node.operand)
        left, right = walk(node.left), walk(node.right)
        operator = _OPERATORS[type(node.op)]
        if operator == "+":
            return left + right
        if operator == "-":
            return left - right
        if operator == "*":
            return left * right
        return left / right

    try:
        result = walk(expression.tree)
    except (_Missing, DivisionByZero, InvalidOperation, ZeroDivisionError):
        return None
    return result.quantize(Decimal("0.01")) if result.is_finite() else None


class _Missing(Exception):
    pass
