"""Compiling a mapping: every rule checked and merged over the defaults, with every problem named."""

from dataclasses import dataclass, field

from firstcall.intake.mapping.arithmetic import Expression, compile_expression
from firstcall.intake.mapping.paths import Segment, parse_path
from firstcall.intake.mapping.values import TRANSFORMS, map_key
from firstcall.intake.mapping.vocabulary import (
    CONSENT_TARGETS,
    DEFAULT_FIELDS,
    MAX_PATHS_PER_FIELD,
    MISSING,
    PSEUDO_TARGETS,
    RESERVED_KEYS,
    RULE_KEYS,
    SUBMISSION_TARGETS,
    TOP_LEVEL_ONLY,
    UTM_TARGET,
    MappingError,
)

# ------------------------------------------------------------------------------------------------ rules


@dataclass
class FieldRule:
    target: str
    paths: list[tuple[Segment, ...]] = field(default_factory=list)
    path_texts: list[str] = field(default_factory=list)
    value_map: dict | None = None
    transforms: list[str] = field(default_factory=list)
    combine: list[tuple[Segment, ...]] | None = None
    combine_texts: list[str] = field(default_factory=list)
    separator: str = " "
    label: bool = False
    default: object = MISSING
    value: object = MISSING
    search_deep: bool = False
    deep_texts: list[str] = field(default_factory=list)
    compute: Expression | None = None
    split: str | None = None  # "" splits on any whitespace
    index: int | str = 0  # a position (-1 is the last part) or "rest": everything after the first part


@dataclass
class CompiledMapping:
    rules: dict[str, FieldRule]
    ignore: list[tuple[Segment, ...]]


def is_valid_target(name: str) -> bool:
    return name in SUBMISSION_TARGETS or name in PSEUDO_TARGETS or name in CONSENT_TARGETS or bool(
        UTM_TARGET.match(name)
    )  # fmt: skip


def _compile_rule(
    target: str, spec, errors: list[str], *, search_deep: bool = False, defaults: dict | None = None
) -> FieldRule | None:
    where = f"Field '{target}'"
    if not is_valid_target(target):
        errors.append(f"'{target}' is not a lead field a mapping can fill.")
        return None
    rule = FieldRule(target=target, search_deep=search_deep)
    if search_deep and isinstance(spec, dict):
        rule.deep_texts = [text for text in spec.get("paths", []) if text not in TOP_LEVEL_ONLY]
    if isinstance(spec, str):
        spec = {"paths": [spec]}
    elif isinstance(spec, list):
        spec = {"paths": spec}
    elif not isinstance(spec, dict):
        errors.append(f"{where}: expected a path, a list of paths, or an object.")
        return None
    unknown = sorted(set(spec) - RULE_KEYS)
    if unknown:
        errors.append(
            f"{where}: unknown setting(s) {', '.join(unknown)} (use {', '.join(sorted(RULE_KEYS))})."
        )
    paths = spec.get("paths", spec.get("path", []))
    if isinstance(paths, str):
        paths = [paths]
    if not isinstance(paths, list):
        errors.append(f"{where}: 'paths' must be a list of paths.")
        paths = []
    if len(paths) > MAX_PATHS_PER_FIELD:
        errors.append(f"{where}: at most {MAX_PATHS_PER_FIELD} paths.")
        paths = paths[:MAX_PATHS_PER_FIELD]
    for text in paths:
        try:
            rule.paths.append(parse_path(text))
            rule.path_texts.append(text)
        except MappingError as error:
            errors.extend(f"{where}: {message}" for message in error.errors)
    if "combine" in spec:
        combine = spec["combine"]
        if not isinstance(combine, list) or not combine:
            errors.append(f"{where}: 'combine' must be a non-empty list of paths.")
        else:
            rule.combine, rule.combine_texts = [], []
            for text in combine[:MAX_PATHS_PER_FIELD]:
                try:
                    rule.combine.append(parse_path(text))
                    rule.combine_texts.append(text)
                except MappingError as error:
                    errors.extend(f"{where}: {message}" for message in error.errors)
    separator = spec.get("separator", "\n" if target == "notes" else " ")
    if not isinstance(separator, str) or len(separator) > 10:
        errors.append(f"{where}: 'separator' must be a short text.")
    else:
        rule.separator = separator
    rule.label = bool(spec.get("label", False))
    if "compute" in spec:
        try:
            rule.compute = compile_expression(spec["compute"], is_valid_target)
        except MappingError as error:
            errors.extend(f"{where}: {message}" for message in error.errors)
    if "split" in spec:
        split = spec["split"]
        if split is not None and (not isinstance(split, str) or len(split) > 10):
            errors.append(f"{where}: 'split' must be a short separator (or null to split on spaces).")
        else:
            rule.split = split if split and split.strip() else ""
        index = spec.get("index", 0)
        if (
            not (isinstance(index, int) and not isinstance(index, bool) and -10 <= index <= 10)
            and index != "rest"
        ):
            errors.append(
                f"{where}: 'index' must be a position (0 is the first part, -1 the last) or \"rest\"."
            )
        else:
            rule.index = index
    if "map" in spec:
        value_map = spec["map"]
        if not isinstance(value_map, dict):
            errors.append(f"{where}: 'map' must be an object of vendor value -> our value.")
        elif any(isinstance(v, dict | list) for v in value_map.values()):
            errors.append(f"{where}: map values must be text, numbers, true/false or null.")
        else:
            rule.value_map = {map_key(key): value for key, value in value_map.items()}
    names = spec.get("transforms", spec.get("transform", []))
    if isinstance(names, str):
        names = [names]
    if not isinstance(names, list):
        errors.append(f"{where}: 'transform' must be a name or a list of names.")
        names = []
    for name in names:
        if name not in TRANSFORMS:
            errors.append(
                f"{where}: unknown transform '{name}' (use one of: {', '.join(sorted(TRANSFORMS))})."
            )
        else:
            rule.transforms.append(name)
    if "default" in spec:
        rule.default = spec["default"]
    if "value" in spec:
        rule.value = spec["value"]
    if (
        not rule.paths
        and rule.combine is None
        and rule.compute is None
        and rule.value is MISSING
        and rule.default is MISSING
    ):
        # A rule with only a value map or transforms refines the default paths of its field.
        default = (DEFAULT_FIELDS if defaults is None else defaults).get(target)
        if default is None:
            errors.append(f"{where}: give 'paths', 'combine', 'value' or 'default'.")
        else:
            rule.paths = [parse_path(text) for text in default["paths"]]
            rule.path_texts = list(default["paths"])
            rule.search_deep = True
            rule.deep_texts = [text for text in default["paths"] if text not in TOP_LEVEL_ONLY]
    return rule


def validate_mapping(mapping) -> list[str]:
    """Every problem with a mapping, as sentences for the editor. Empty means valid."""
    try:
        compile_mapping(mapping)
    except MappingError as error:
        return error.errors
    return []


def compile_mapping(mapping, *, defaults: dict | None = None) -> CompiledMapping:
    """Check a mapping and merge it over the defaults (DEFAULT_FIELDS unless given). Raises MappingError."""
    if mapping is None:
        mapping = {}
    if not isinstance(mapping, dict):
        raise MappingError(["The mapping must be a JSON object."])
    errors: list[str] = []
    field_specs: dict = {}
    explicit_fields = mapping.get("fields", {})
    if not isinstance(explicit_fields, dict):
        errors.append("'fields' must be an object of lead field -> rule.")
        explicit_fields = {}
    for key, spec in mapping.items():
        if key in RESERVED_KEYS:
            continue
        if is_valid_target(key):
            field_specs[key] = spec
        else:
            errors.append(
                f"Unknown top-level key '{key}' (use 'fields', 'constants', 'ignore', 'use_defaults')."
            )
    field_specs.update(explicit_fields)
    constants = mapping.get("constants", {})
    if not isinstance(constants, dict):
        errors.append("'constants' must be an object of lead field -> value.")
        constants = {}
    ignore_texts = mapping.get("ignore", [])
    if not isinstance(ignore_texts, list):
        errors.append("'ignore' must be a list of paths.")
        ignore_texts = []
    use_defaults = mapping.get("use_defaults", True)
    if not isinstance(use_defaults, bool):
        errors.append("'use_defaults' must be true or false.")
        use_defaults = True
    if "page_access_token" in mapping and not isinstance(mapping["page_access_token"], str):
        errors.append("'page_access_token' must be text.")

    rules: dict[str, FieldRule] = {}
    if use_defaults:
        for target, spec in (DEFAULT_FIELDS if defaults is None else defaults).items():
            rule = _compile_rule(target, spec, errors, search_deep=True)
            if rule:
                rules[target] = rule
    for target, spec in field_specs.items():
        rule = _compile_rule(str(target), spec, errors, defaults=defaults)
        if rule:
            rules[str(target)] = rule
    for target, value in constants.items():
        if not is_valid_target(str(target)):
            errors.append(f"Constant '{target}' is not a lead field.")
        elif isinstance(value, dict | list) and target != "utm":
            errors.append(f"Constant '{target}' must be text, a number, true/false or null.")
        else:
            rules[str(target)] = FieldRule(target=str(target), value=value)
    ignore = []
    for text in ignore_texts[:200]:
        try:
            ignore.append(parse_path(text))
        except MappingError as error:
            errors.extend(f"Ignore: {message}" for message in error.errors)
    if errors:
        raise MappingError(errors)
    return CompiledMapping(rules=rules, ignore=ignore)
