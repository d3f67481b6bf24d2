"""Small helpers over lxml elements that ignore namespaces where MISMO files differ and name elements by XPath."""

from __future__ import annotations

from lxml import etree

from firstcall.integrations.mismo import vocabulary as v

PREFIXES = {v.MISMO_NS: "", v.ULAD_NS: "ULAD:", v.FIRSTCALL_NS: "FIRSTCALL:", v.XLINK_NS: "xlink:"}


def local(element) -> str:
    return etree.QName(element).localname


def children(element, name: str) -> list:
    if element is None:
        return []
    return [child for child in element if isinstance(child.tag, str) and local(child) == name]


def child(element, name: str):
    found = children(element, name)
    return found[0] if found else None


def walk(element, path: str) -> list:
    """All elements under `element` along "A/B/C" (every match at every step)."""
    current = [element] if element is not None else []
    for step in path.split("/"):
        current = [found for item in current for found in children(item, step)]
    return current


def first(element, path: str):
    found = walk(element, path)
    return found[0] if found else None


def xlink(element, name: str) -> str:
    return element.get(f"{{{v.XLINK_NS}}}{name}") or ""


def xpath_of(element) -> str:
    """/MESSAGE/DEAL_SETS/DEAL_SET/DEALS/DEAL/PARTIES/PARTY[2]/... with positions only where names repeat."""
    parts = []
    while element is not None:
        qname = etree.QName(element)
        prefix = PREFIXES.get(qname.namespace or "", f"{{{qname.namespace}}}" if qname.namespace else "")
        name = prefix + qname.localname
        parent = element.getparent()
        if parent is not None:
            same = [item for item in parent if isinstance(item.tag, str) and item.tag == element.tag]
            if len(same) > 1:
                name += f"[{same.index(element) + 1}]"
        parts.append(name)
        element = parent
    return "/" + "/".join(reversed(parts))


def leaves(root) -> list:
    """Elements that carry data: no element children and some text."""
    return [
        element
        for element in root.iter()
        if isinstance(element.tag, str)
        and not any(isinstance(item.tag, str) for item in element)
        and (element.text or "").strip()
    ]
