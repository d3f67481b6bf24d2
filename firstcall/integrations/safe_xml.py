"""Parse untrusted XML: no DTD, no entities, no network, bounded size.

A file with a DOCTYPE is refused before lxml sees it (defusedxml's expat pass with forbid_dtd), which stops
external entities (XXE), parameter entities and entity expansion bombs ("billion laughs") alike; MISMO files
have no DTD. lxml then parses with entity resolution and network access off.
"""

from __future__ import annotations

from xml.etree.ElementTree import ParseError

from defusedxml import DefusedXmlException
from defusedxml import ElementTree as DefusedElementTree
from lxml import etree

MAX_XML_BYTES = 25 * 1024 * 1024


class UnsafeXml(ValueError):
    """The document uses a DTD, entities or external references."""


class MalformedXml(ValueError):
    """Not well-formed XML (or too large)."""


def hardened_parser() -> etree.XMLParser:
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=False,
        remove_comments=True,
        remove_pis=True,
    )


def parse_untrusted(data: bytes) -> etree._Element:
    if isinstance(data, str):
        data = data.encode("utf-8")
    if len(data) > MAX_XML_BYTES:
        raise MalformedXml(f"The file is larger than {MAX_XML_BYTES // (1024 * 1024)} MB.")
    if not data.strip():
        raise MalformedXml("The file is empty.")
    try:
        DefusedElementTree.fromstring(data, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except DefusedXmlException as error:
        raise UnsafeXml(
            "The XML declares a DTD or entities, which are refused (external entities and entity expansion "
            f"are an attack, and MISMO files have no DTD): {type(error).__name__}"
        ) from error
    except ParseError as error:
        raise MalformedXml(f"The file is not well-formed XML: {error}") from error
    try:
        return etree.fromstring(data, hardened_parser())
    except etree.XMLSyntaxError as error:
        raise MalformedXml(f"The file is not well-formed XML: {error}") from error
