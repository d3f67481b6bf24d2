"""Vendor post bodies (form-encoded, JSON, XML) to one nested dict for the mapping engine.

XML goes through defusedxml with DTDs forbidden outright: a lead post never needs a DOCTYPE, and refusing it
stops entity expansion (billion laughs), external entities (XXE) and external DTD fetches before any parsing
work.
"""

import re
from urllib.parse import parse_qsl
from xml.etree.ElementTree import ParseError

from defusedxml import DefusedXmlException, DTDForbidden, EntitiesForbidden, ExternalReferenceForbidden
from defusedxml.ElementTree import fromstring

from firstcall.lib.jsonsafe import UnsafeJson, loads_object

MAX_DEPTH = 20
MAX_ELEMENTS = 5_000
MAX_FORM_FIELDS = 1_000

JSON, FORM, XML = "json", "form", "xml"


class PayloadError(ValueError):
    """The body cannot be read; the message is shown to the vendor and on the intake screen."""


def detect_format(content_type: str) -> str | None:
    media_type = (content_type or "").split(";")[0].strip().lower()
    if media_type == "application/json" or media_type.endswith("+json"):
        return JSON
    if media_type == "application/x-www-form-urlencoded":
        return FORM
    if media_type in ("application/xml", "text/xml") or media_type.endswith("+xml"):
        return XML
    return None


def parse_payload(body: bytes | str, content_type: str) -> dict:
    kind = detect_format(content_type)
    if kind is None:
        raise PayloadError(
            f"Unsupported content type '{(content_type or 'none')[:80]}': send "
            "application/x-www-form-urlencoded, application/json or application/xml."
        )
    if kind == JSON:
        try:
            return loads_object(body, max_depth=MAX_DEPTH)
        except UnicodeDecodeError as error:
            raise PayloadError("JSON body is not UTF-8 text.") from error
        except UnsafeJson as error:
            raise PayloadError(str(error)) from error
    if kind == FORM:
        return parse_form(body)
    return parse_xml(body)


# ------------------------------------------------------------------------------------------------ forms

_BRACKETS = re.compile(r"^([^\[\]]+)((?:\[[^\[\]]*\])+)$")


def parse_form(body: bytes | str) -> dict:
    """Form fields to a dict. Repeated fields become lists; PHP-style names (borrower[first_name]) nest."""
    text = body.decode("utf-8", errors="replace") if isinstance(body, bytes | bytearray) else body
    try:
        pairs = parse_qsl(text, keep_blank_values=True, max_num_fields=MAX_FORM_FIELDS)
    except ValueError as error:
        raise PayloadError(f"Form body has more than {MAX_FORM_FIELDS} fields.") from error
    data: dict = {}
    for name, value in pairs:
        match = _BRACKETS.match(name)
        if not match:
            _add(data, name, value)
            continue
        parts = [match.group(1)] + re.findall(r"\[([^\[\]]*)\]", match.group(2))
        if len(parts) > MAX_DEPTH:
            raise PayloadError(f"Form field name nests deeper than {MAX_DEPTH} levels.")
        is_list = parts[-1] == ""  # phones[]=1&phones[]=2
        keys = parts[:-1] if is_list else parts
        node = data
        for part in keys[:-1]:
            child = node.get(part)
            if not isinstance(child, dict):
                child = node[part] = {}
            node = child
        last = keys[-1]
        if is_list:
            existing = node.get(last)
            if not isinstance(existing, list):
                node[last] = [] if existing is None else [existing]
            node[last].append(value)
        else:
            _add(node, last, value)
    return data


def _add(node: dict, key: str, value) -> None:
    if key in node:
        if not isinstance(node[key], list):
            node[key] = [node[key]]
        node[key].append(value)
    else:
        node[key] = value


# ------------------------------------------------------------------------------------------------ XML


def parse_xml(body: bytes | str) -> dict:
    """XML to a dict below the root element: child elements become keys (repeated ones lists), attributes
    "@name", text beside children "#text". Namespaces are dropped from names."""
    try:
        root = fromstring(body, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except DTDForbidden as error:
        raise PayloadError(
            "XML with a DOCTYPE (DTD) is refused: DTDs allow entity-expansion (billion laughs) and "
            "external-entity (XXE) attacks, and a lead post never needs one."
        ) from error
    except EntitiesForbidden as error:
        raise PayloadError(
            "XML entity declarations are refused (entity-expansion / XXE protection)."
        ) from error
    except ExternalReferenceForbidden as error:
        raise PayloadError("XML external references are refused (XXE protection).") from error
    except DefusedXmlException as error:
        raise PayloadError(f"XML refused as unsafe: {type(error).__name__}.") from error
    except ParseError as error:
        raise PayloadError(f"Malformed XML: {error}.") from error
    counter = [0]
    value = _element_value(root, 1, counter)
    if isinstance(value, dict):
        return value
    return {_local_name(root.tag): value}


def _local_name(tag) -> str:
    text = str(tag)
    return text.rsplit("}", 1)[-1] if "}" in text else text


def _element_value(element, depth: int, counter: list):
    counter[0] += 1
    if counter[0] > MAX_ELEMENTS:
        raise PayloadError(f"XML has more than {MAX_ELEMENTS} elements.")
    if depth > MAX_DEPTH:
        raise PayloadError(f"XML is nested deeper than {MAX_DEPTH} levels.")
    children = list(element)
    text = (element.text or "").strip()
    if not children and not element.attrib:
        return text
    result: dict = {f"@{_local_name(name)}": value for name, value in element.attrib.items()}
    repeated: set[str] = set()
    for child in children:
        if not isinstance(child.tag, str):  # comments and processing instructions
            continue
        name = _local_name(child.tag)
        value = _element_value(child, depth + 1, counter)
        if name in result:
            if name not in repeated:
                result[name] = [result[name]]
                repeated.add(name)
            result[name].append(value)
        else:
            result[name] = value
    if text:
        result["#text"] = text
    return result
