"""A structural QTI 2.1 check, for want of the XSD, used by the export tests.

No package on PyPI (nor Debian) ships the IMS QTI 2.1 XSD (imsqti_v2p1.xsd), and its licence
asks for IMS registration before redistribution, so the check here is structural: for each
element the exporter may write, the attributes the XSD declares (required and optional) and the
child order it requires; across the document, what the schema cannot see (declared identifiers,
typed values, feedback keyed to identifier outcomes, manifest and test references).
The ``test_check_rejects`` cases in ``test_qti.py`` show the check fails on documents that
break those rules.
"""

import io
import math
import re
import zipfile
from dataclasses import dataclass

from lxml import etree

from platform_api.content.qti import (
    ITEM_RESOURCE_TYPE,
    MANIFEST_FILE,
    TEST_FILE,
    TEST_RESOURCE_TYPE,
)

QTI = "{http://www.imsglobal.org/xsd/imsqti_v2p1}"
CP = "{http://www.imsglobal.org/xsd/imscp_v1p1}"
SCHEMA_LOCATION = "{http://www.w3.org/2001/XMLSchema-instance}schemaLocation"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
XML_BASE = "{http://www.w3.org/XML/1998/namespace}base"
NCNAME = re.compile(r"[A-Za-z_][A-Za-z0-9_.\-]*")
PARSER = etree.XMLParser(no_network=True, resolve_entities=False, load_dtd=False)


class NotQti(Exception):
    """A document breaks a QTI 2.1 (or IMS CP 1.1) rule."""


# ---- the QTI 2.1 rules, for the elements the exporter may write ----------------------------

BODY = frozenset({"id", "class", "label", XML_LANG, XML_BASE})
NONE: frozenset[str] = frozenset()


def attrs(*names: str) -> frozenset[str]:
    return frozenset(names)


# element: (required attributes, optional attributes), as the QTI 2.1 XSD declares them.
ATTRIBUTES: dict[str, tuple[frozenset[str], frozenset[str]]] = {
    "assessmentItem": (
        attrs("identifier", "title", "timeDependent"),
        attrs("adaptive", "label", "toolName", "toolVersion", XML_LANG, SCHEMA_LOCATION),
    ),
    "assessmentTest": (
        attrs("identifier", "title"),
        attrs("toolName", "toolVersion", SCHEMA_LOCATION),
    ),
    "responseDeclaration": (attrs("identifier", "cardinality"), attrs("baseType")),
    "outcomeDeclaration": (
        attrs("identifier", "cardinality"),
        attrs("baseType", "view", "interpretation", "normalMaximum", "normalMinimum"),
    ),
    "defaultValue": (NONE, attrs("interpretation")),
    "correctResponse": (NONE, attrs("interpretation")),
    "value": (NONE, attrs("fieldIdentifier", "baseType")),
    "itemBody": (NONE, BODY),
    "p": (NONE, BODY),
    "ul": (NONE, BODY),
    "li": (NONE, BODY),
    "prompt": (NONE, BODY),
    "choiceInteraction": (
        attrs("responseIdentifier"),
        BODY | {"shuffle", "maxChoices", "minChoices", "orientation"},
    ),
    "simpleChoice": (attrs("identifier"), BODY | {"fixed", "templateIdentifier", "showHide"}),
    "textEntryInteraction": (
        attrs("responseIdentifier"),
        BODY | {"base", "stringIdentifier", "expectedLength", "patternMask", "placeholderText"},
    ),
    "extendedTextInteraction": (
        attrs("responseIdentifier"),
        BODY | {"expectedLength", "expectedLines", "maxStrings", "minStrings", "format"},
    ),
    "endAttemptInteraction": (attrs("responseIdentifier", "title"), BODY | {"countAttempt"}),
    "rubricBlock": (attrs("view"), BODY | {"use"}),
    "feedbackBlock": (attrs("outcomeIdentifier", "identifier"), BODY | {"showHide"}),
    "modalFeedback": (attrs("outcomeIdentifier", "showHide", "identifier"), attrs("title")),
    "responseProcessing": (NONE, attrs("template", "templateLocation")),
    "responseCondition": (NONE, NONE),
    "responseIf": (NONE, NONE),
    "responseElseIf": (NONE, NONE),
    "responseElse": (NONE, NONE),
    "setOutcomeValue": (attrs("identifier"), NONE),
    "variable": (attrs("identifier"), attrs("weightIdentifier")),
    "correct": (attrs("identifier"), NONE),
    "baseValue": (attrs("baseType"), NONE),
    "match": (NONE, NONE),
    "sum": (NONE, NONE),
    "equal": (
        NONE,
        attrs("toleranceMode", "tolerance", "includeLowerBound", "includeUpperBound"),
    ),
    "testPart": (attrs("identifier", "navigationMode", "submissionMode"), NONE),
    "assessmentSection": (attrs("identifier", "title", "visible"), attrs("required", "fixed")),
    "assessmentItemRef": (attrs("identifier", "href"), attrs("category", "required", "fixed")),
    "outcomeProcessing": (NONE, NONE),
    "testVariables": (attrs("variableIdentifier"), attrs("weightIdentifier", "baseType")),
}


@dataclass(frozen=True)
class Content:
    """What may sit inside an element: allowed children (in schema order when ``ordered``)."""

    children: tuple[str, ...] = ()
    ordered: bool = True
    once: frozenset[str] = NONE
    required: frozenset[str] = NONE
    text: bool = False


EXPRESSIONS = ("variable", "correct", "baseValue", "match", "equal", "sum", "testVariables")
RULES = ("responseCondition", "setOutcomeValue")
BLOCKS = ("p", "ul", "rubricBlock", "feedbackBlock", "choiceInteraction", "extendedTextInteraction")
# assessmentItem's sequence, less the parts (templates, stylesheets) the exporter never writes.
ITEM_PARTS = (
    "responseDeclaration",
    "outcomeDeclaration",
    "itemBody",
    "responseProcessing",
    "modalFeedback",
)
FLOW = Content(("p", "ul"), ordered=False)
CONTENT: dict[str, Content] = {
    "assessmentItem": Content(
        ITEM_PARTS,
        once=attrs("itemBody", "responseProcessing"),
    ),
    "responseDeclaration": Content(
        ("defaultValue", "correctResponse"), once=attrs("defaultValue", "correctResponse")
    ),
    "outcomeDeclaration": Content(("defaultValue",), once=attrs("defaultValue")),
    "defaultValue": Content(("value",), required=attrs("value")),
    "correctResponse": Content(("value",), required=attrs("value")),
    "value": Content(text=True),
    "itemBody": Content(BLOCKS, ordered=False),
    "p": Content(("textEntryInteraction", "endAttemptInteraction"), ordered=False, text=True),
    "ul": Content(("li",), required=attrs("li")),
    "li": Content(text=True),
    "prompt": Content(text=True),
    "choiceInteraction": Content(
        ("prompt", "simpleChoice"), once=attrs("prompt"), required=attrs("simpleChoice")
    ),
    "simpleChoice": Content(text=True),
    "textEntryInteraction": Content(),
    "extendedTextInteraction": Content(("prompt",), once=attrs("prompt")),
    "endAttemptInteraction": Content(),
    "rubricBlock": FLOW,
    "feedbackBlock": FLOW,
    "modalFeedback": FLOW,
    "responseProcessing": Content(RULES, ordered=False),
    "responseCondition": Content(
        ("responseIf", "responseElseIf", "responseElse"),
        once=attrs("responseIf", "responseElse"),
        required=attrs("responseIf"),
    ),
    "responseElse": Content(RULES, ordered=False),
    "variable": Content(),
    "correct": Content(),
    "baseValue": Content(text=True),
    "testVariables": Content(),
    "assessmentTest": Content(
        ("outcomeDeclaration", "testPart", "outcomeProcessing"),
        once=attrs("outcomeProcessing"),
        required=attrs("testPart"),
    ),
    "testPart": Content(("assessmentSection",), required=attrs("assessmentSection")),
    "assessmentSection": Content(("assessmentItemRef",)),
    "assessmentItemRef": Content(),
    "outcomeProcessing": Content(("setOutcomeValue",), ordered=False),
}
# Children that are expressions, by how many the operator takes (low, high).
OPERANDS = {"setOutcomeValue": (1, 1), "match": (2, 2), "equal": (2, 2), "sum": (1, 99)}
BASE_TYPES = {"identifier", "boolean", "integer", "float", "string", "point", "pair"}
BASE_TYPES |= {"directedPair", "duration", "file", "uri", "intOrIdentifier"}
INTERACTION_VARIABLES = {
    "choiceInteraction": {("single", "identifier"), ("multiple", "identifier")},
    "textEntryInteraction": {("single", kind) for kind in ("string", "integer", "float")},
    "extendedTextInteraction": {("single", "string"), ("multiple", "string")},
    "endAttemptInteraction": {("single", "boolean")},
}
VIEWS = {"author", "candidate", "proctor", "scorer", "testConstructor", "tutor"}
BOOLEAN_ATTRIBUTES = {"adaptive", "timeDependent", "shuffle", "countAttempt", "visible", "fixed"}
INTEGER_ATTRIBUTES = {"maxChoices", "minChoices", "expectedLength", "expectedLines"}


def ensure(condition: bool, message: str) -> None:
    if not condition:
        raise NotQti(message)


def local(element: etree._Element) -> str:
    return etree.QName(element).localname


def parse(document: bytes) -> etree._Element:
    ensure(document.startswith(b"<?xml version='1.0' encoding='UTF-8'?>"), "no UTF-8 declaration")
    return etree.fromstring(document, PARSER)


def check_tree(element: etree._Element) -> None:
    """Namespace, element names, attributes and content model, recursively."""
    name = local(element)
    namespace = etree.QName(element).namespace
    ensure(f"{{{namespace}}}" == QTI, f"<{name}> is in {namespace}, not the QTI 2.1 namespace")
    ensure(name in ATTRIBUTES, f"<{name}> is not an element this check knows from QTI 2.1")
    required, optional = ATTRIBUTES[name]
    present = set(element.attrib)
    ensure(required <= present, f"<{name}> lacks {sorted(required - present)}")
    ensure(
        present <= required | optional,
        f"<{name}> has unknown {sorted(present - required - optional)}",
    )
    for attribute, value in element.attrib.items():
        check_attribute_value(name, str(attribute), value)
    check_content(element, CONTENT.get(name, Content(EXPRESSIONS + RULES, ordered=False)))
    for child in element:
        check_tree(child)


def check_attribute_value(name: str, attribute: str, value: str) -> None:
    if attribute in BOOLEAN_ATTRIBUTES:
        ensure(value in {"true", "false"}, f"<{name} {attribute}> is not a boolean: {value!r}")
    if attribute in INTEGER_ATTRIBUTES:
        ensure(value.isdigit(), f"<{name} {attribute}> is not a non-negative integer")
    if attribute in {"identifier", "responseIdentifier", "outcomeIdentifier"}:
        ensure(bool(NCNAME.fullmatch(value)), f"<{name} {attribute}={value!r}> is no identifier")
    if attribute in {"baseType", "cardinality"}:
        allowed = BASE_TYPES if attribute == "baseType" else {"single", "multiple", "ordered"}
        ensure(value in allowed, f"<{name} {attribute}={value!r}> is not allowed")


def check_content(element: etree._Element, content: Content) -> None:
    name = local(element)
    children = [local(child) for child in element]
    unknown = set(children) - set(content.children)
    ensure(not unknown, f"<{name}> may not hold {sorted(unknown)}")
    if content.ordered:
        positions = [content.children.index(child) for child in children]
        ensure(positions == sorted(positions), f"<{name}> children out of order: {children}")
    for once in content.once:
        ensure(children.count(once) <= 1, f"<{name}> holds more than one <{once}>")
    ensure(content.required <= set(children), f"<{name}> lacks {sorted(content.required)}")
    if not content.text:
        loose = [element.text, *(child.tail for child in element)]
        ensure(all(not (text or "").strip() for text in loose), f"<{name}> holds loose text")
    if name in OPERANDS:
        low, high = OPERANDS[name]
        ensure(low <= len(children) <= high, f"<{name}> takes {low}..{high} expressions")
    if name in {"responseIf", "responseElseIf"}:
        ensure(bool(children) and children[0] in EXPRESSIONS, f"<{name}> needs a condition")
        ensure(all(child in RULES for child in children[1:]), f"<{name}> holds a non-rule")


def check_typed_value(base_type: str, text: str, where: str) -> None:
    if base_type == "float":
        ensure(math.isfinite(float(text)), f"{where}: {text!r} is not a finite float")
    elif base_type == "identifier":
        ensure(bool(NCNAME.fullmatch(text)), f"{where}: {text!r} is not an identifier")
    elif base_type == "boolean":
        ensure(text in {"true", "false"}, f"{where}: {text!r} is not a boolean")


@dataclass(frozen=True)
class Variable:
    cardinality: str
    base_type: str
    has_correct: bool


def declarations(root: etree._Element, kind: str) -> dict[str, Variable]:
    found: dict[str, Variable] = {}
    for declaration in root.iterchildren(f"{QTI}{kind}"):
        identifier = declaration.get("identifier", "")
        ensure(identifier not in found, f"{identifier} is declared twice")
        base_type = declaration.get("baseType", "")
        for value in declaration.iter(f"{QTI}value"):
            check_typed_value(base_type, value.text or "", f"{identifier} value")
        has_correct = declaration.find(f"{QTI}correctResponse") is not None
        found[identifier] = Variable(declaration.get("cardinality", ""), base_type, has_correct)
    return found


def check_assessment_item(document: bytes) -> etree._Element:
    """The QTI 2.1 rules for one assessmentItem; returns the parsed root."""
    root = parse(document)
    ensure(root.tag == f"{QTI}assessmentItem", f"root is <{local(root)}>")
    check_tree(root)
    responses = declarations(root, "responseDeclaration")
    outcomes = declarations(root, "outcomeDeclaration")
    ensure(not set(responses) & set(outcomes), "a response and an outcome share an identifier")
    ensure(outcomes.get("SCORE") == Variable("single", "float", False), "SCORE is not a float")
    check_interactions(root, responses)
    check_processing(root, responses, outcomes)
    check_feedback(root, outcomes)
    return root


def check_interactions(root: etree._Element, responses: dict[str, Variable]) -> None:
    body = root.find(f"{QTI}itemBody")
    ensure(body is not None, "no itemBody")
    assert body is not None
    interactions = [e for e in body.iter() if local(e) in INTERACTION_VARIABLES]
    ensure(bool(interactions), "the item body has no interaction")
    bound = [e.get("responseIdentifier", "") for e in interactions]
    ensure(len(bound) == len(set(bound)), "two interactions share a response")
    ensure(set(bound) == set(responses), f"responses {sorted(responses)} vs bound {bound}")
    for interaction in interactions:
        response = responses[interaction.get("responseIdentifier", "")]
        shape = (response.cardinality, response.base_type)
        ensure(
            shape in INTERACTION_VARIABLES[local(interaction)], f"{shape} for {local(interaction)}"
        )
        if local(interaction) == "choiceInteraction":
            check_choices(root, interaction, response)
    for rubric in body.iter(f"{QTI}rubricBlock"):
        ensure(set(rubric.get("view", "").split()) <= VIEWS, "rubricBlock view is not a view")


def check_choices(root: etree._Element, interaction: etree._Element, response: Variable) -> None:
    choices = [choice.get("identifier") for choice in interaction.iter(f"{QTI}simpleChoice")]
    ensure(len(choices) == len(set(choices)), "two choices share an identifier")
    if interaction.get("maxChoices") == "1":
        ensure(response.cardinality == "single", "a single choice needs a single response")
    identifier = interaction.get("responseIdentifier")
    path = f"{QTI}responseDeclaration[@identifier='{identifier}']/{QTI}correctResponse/{QTI}value"
    keys = [value.text for value in root.findall(path)]
    ensure(bool(keys) and set(keys) <= set(choices), f"correct {keys} is not among {choices}")


def check_processing(
    root: etree._Element, responses: dict[str, Variable], outcomes: dict[str, Variable]
) -> None:
    processing = root.find(f"{QTI}responseProcessing")
    if processing is None:
        return
    for element in processing.iter():
        identifier = element.get("identifier", "")
        if local(element) == "variable":
            ensure(identifier in responses or identifier in outcomes, f"{identifier} undeclared")
        if local(element) == "correct":
            ensure(responses.get(identifier, Variable("", "", False)).has_correct, "no correct")
        if local(element) == "setOutcomeValue":
            ensure(identifier in outcomes, f"sets {identifier}, which is no outcome")
        if local(element) == "baseValue":
            check_typed_value(element.get("baseType", ""), element.text or "", "baseValue")
        if local(element) == "equal":
            check_tolerance(element)


def check_tolerance(equal: etree._Element) -> None:
    mode = equal.get("toleranceMode", "exact")
    ensure(mode in {"exact", "absolute", "relative"}, f"toleranceMode {mode!r}")
    if mode != "exact":
        bounds = equal.get("tolerance", "").split()
        ensure(1 <= len(bounds) <= 2, "tolerance needs one or two values")
        ensure(all(float(bound) >= 0 for bound in bounds), "tolerance must not be negative")


def check_feedback(root: etree._Element, outcomes: dict[str, Variable]) -> None:
    shown = [e for e in root.iter() if local(e) in {"modalFeedback", "feedbackBlock"}]
    for feedback in shown:
        outcome = outcomes.get(feedback.get("outcomeIdentifier", ""))
        ensure(outcome is not None and outcome.base_type == "identifier", "feedback outcome")
        ensure(feedback.get("showHide", "show") in {"show", "hide"}, "showHide is show or hide")


def check_assessment_test(document: bytes, items: dict[str, bytes]) -> etree._Element:
    """The QTI 2.1 rules for the assessmentTest; ``items`` maps package paths to item XML."""
    root = parse(document)
    ensure(root.tag == f"{QTI}assessmentTest", f"root is <{local(root)}>")
    check_tree(root)
    for part in root.iter(f"{QTI}testPart"):
        ensure(part.get("navigationMode") in {"linear", "nonlinear"}, "navigationMode")
        ensure(part.get("submissionMode") in {"individual", "simultaneous"}, "submissionMode")
    refs = list(root.iter(f"{QTI}assessmentItemRef"))
    ensure(sorted(ref.get("href", "") for ref in refs) == sorted(items), "refs vs item files")
    for ref in refs:
        item = etree.fromstring(items[ref.get("href", "")], PARSER)
        ensure(item.get("identifier") == ref.get("identifier"), "ref identifier vs item")
    return root


def check_manifest(archive: zipfile.ZipFile) -> dict[str, str]:
    """IMS CP 1.1 rules for the manifest; returns each listed file's resource type."""
    root = parse(archive.read(MANIFEST_FILE))
    ensure(root.tag == f"{CP}manifest" and bool(root.get("identifier")), "manifest root")
    ensure(root.find(f"{CP}organizations") is not None, "manifest lacks organizations")
    resources = root.findall(f"{CP}resources/{CP}resource")
    identifiers = [resource.get("identifier", "") for resource in resources]
    ensure(len(identifiers) == len(set(identifiers)), "two resources share an identifier")
    listed: dict[str, str] = {}
    for resource in resources:
        kind = resource.get("type", "")
        ensure(kind in {ITEM_RESOURCE_TYPE, TEST_RESOURCE_TYPE}, f"resource type {kind}")
        files = [file.get("href", "") for file in resource.iter(f"{CP}file")]
        ensure(resource.get("href") in files, "a resource's href is not among its files")
        listed |= dict.fromkeys(files, kind)
        for dependency in resource.iter(f"{CP}dependency"):
            ensure(dependency.get("identifierref") in identifiers, "dangling dependency")
    ensure(set(listed) == set(archive.namelist()) - {MANIFEST_FILE}, "manifest vs zip entries")
    return listed


def check_package(package: bytes) -> zipfile.ZipFile:
    archive = zipfile.ZipFile(io.BytesIO(package))
    ensure(archive.testzip() is None, "corrupt zip entry")
    listed = check_manifest(archive)
    items = {
        name: archive.read(name) for name, kind in listed.items() if kind == ITEM_RESOURCE_TYPE
    }
    for document in items.values():
        check_assessment_item(document)
    tests = [name for name, kind in listed.items() if kind == TEST_RESOURCE_TYPE]
    ensure(tests == [TEST_FILE], f"tests listed: {tests}")
    check_assessment_test(archive.read(TEST_FILE), items)
    return archive
