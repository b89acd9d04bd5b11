"""QTI 2.1 export of generated quiz items: one ``assessmentItem`` each, zipped as a content package.

Choices made where QTI 2.1 leaves room:

- Multiple choice scores with the rules of the standard ``match_correct`` template, written
  inline rather than referenced by ``template=``, because the same processing also copies the
  chosen option into the ``FEEDBACK`` outcome that shows that option's rationale as a
  ``modalFeedback`` (a template reference would bring only the scoring).
- Numeric items score 1 when ``equal`` with ``toleranceMode="absolute"`` holds between the
  response and the correct value, else 0.
- Short answers have no response processing (a person scores them): the model answer and the
  rubric ride in a ``rubricBlock view="scorer"``.
- Hints are kept, as QTI 2.1's own hint idiom: one ``endAttemptInteraction`` per hint
  (``countAttempt="false"``, so asking does not use up an attempt) whose response sets the
  ``HINT`` outcome, which shows that hint's ``feedbackBlock``. Scoring runs only when no hint
  was asked for. The items are not adaptive, so outcomes reset on each request and only the
  hint last asked for is shown; the buttons are in ladder order.

All text goes through lxml, so markup characters are escaped; text holding characters that XML
1.0 forbids (most control characters) raises ``ValueError``.
"""

import hashlib
import io
import math
import re
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass

from lxml import etree

from agents.content.schemas import MultipleChoiceItem, NumericItem, ShortAnswerItem

QTI_NS = "http://www.imsglobal.org/xsd/imsqti_v2p1"
QTI_SCHEMA_LOCATION = f"{QTI_NS} http://www.imsglobal.org/xsd/qti/qtiv2p1/imsqti_v2p1.xsd"
CP_NS = "http://www.imsglobal.org/xsd/imscp_v1p1"
CP_SCHEMA_LOCATION = f"{CP_NS} http://www.imsglobal.org/xsd/imscp_v1p1.xsd"
XSI_NS = "http://www.w3.org/2001/XMLSchema-instance"
ITEM_RESOURCE_TYPE = "imsqti_item_xmlv2p1"
TEST_RESOURCE_TYPE = "imsqti_test_xmlv2p1"
MANIFEST_FILE = "imsmanifest.xml"
TEST_FILE = "assessment_test.xml"

CHOICE_IDENTIFIERS = ("A", "B", "C", "D")
RESPONSE = "RESPONSE"
_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_.\-]*")
_SCHEMA_LOCATION = f"{{{XSI_NS}}}schemaLocation"
# A fixed timestamp keeps the zip byte-for-byte the same for the same input.
_ZIP_EPOCH = (1980, 1, 1, 0, 0, 0)

Question = MultipleChoiceItem | NumericItem | ShortAnswerItem


@dataclass(frozen=True)
class QtiItem:
    """One quiz item as it leaves the platform; ``identifier`` also names its file."""

    identifier: str
    title: str
    item: Question
    hints: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if not _IDENTIFIER.fullmatch(self.identifier):
            raise ValueError(f"QTI identifier must be an ASCII NCName: {self.identifier!r}")
        if not self.title.strip():
            raise ValueError("QTI item title must not be blank")


def assessment_item_xml(item: QtiItem) -> bytes:
    """One QTI 2.1 ``assessmentItem`` document, UTF-8, for ``item``."""
    root = etree.Element(_q("assessmentItem"), nsmap={None: QTI_NS, "xsi": XSI_NS})
    root.set(_SCHEMA_LOCATION, QTI_SCHEMA_LOCATION)
    for name, value in (
        ("identifier", item.identifier),
        ("title", item.title),
        ("adaptive", "false"),
        ("timeDependent", "false"),
    ):
        root.set(name, value)
    _declare_variables(root, item)
    body = _sub(root, "itemBody")
    _write_interaction(body, item.item)
    _write_hint_controls(body, item.hints)
    _write_processing(root, item)
    if isinstance(item.item, MultipleChoiceItem):
        _write_rationales(root, item.item)
    return _serialize(root)


def qti_package(items: Sequence[QtiItem], title: str) -> bytes:
    """An IMS Content Package (zip): manifest, one ``assessmentTest`` and one file per item."""
    if not items:
        raise ValueError("a QTI package needs at least one item")
    identifiers = [item.identifier for item in items]
    if len(set(identifiers)) != len(identifiers):
        raise ValueError("QTI item identifiers must be unique within a package")
    digest = hashlib.sha256("\n".join([title, *identifiers]).encode()).hexdigest()[:16]
    entries = [
        (MANIFEST_FILE, _manifest_xml(items, f"MANIFEST-{digest}")),
        (TEST_FILE, _assessment_test_xml(items, title, f"TEST-{digest}")),
        *((item_path(item), assessment_item_xml(item)) for item in items),
    ]
    return _zip(entries)


def item_path(item: QtiItem) -> str:
    """Where ``item``'s XML lives inside the package."""
    return f"items/{item.identifier}.xml"


def _declare_variables(root: etree._Element, item: QtiItem) -> None:
    question = item.item
    if isinstance(question, MultipleChoiceItem):
        correct = CHOICE_IDENTIFIERS[question.key]
        _declare(root, "responseDeclaration", RESPONSE, "identifier", correct)
    elif isinstance(question, NumericItem):
        _declare(root, "responseDeclaration", RESPONSE, "float", _xsd_double(question.answer))
    else:
        _declare(root, "responseDeclaration", RESPONSE, "string")
    for number in range(1, len(item.hints) + 1):
        _declare(root, "responseDeclaration", f"HINT_REQUEST_{number}", "boolean")
    scored = not isinstance(question, ShortAnswerItem)
    _declare(root, "outcomeDeclaration", "SCORE", "float", default="0.0" if scored else None)
    _declare(root, "outcomeDeclaration", "MAXSCORE", "float", default="1.0")
    if isinstance(question, MultipleChoiceItem):
        _declare(root, "outcomeDeclaration", "FEEDBACK", "identifier")
    if item.hints:
        _declare(root, "outcomeDeclaration", "HINT", "identifier")


def _declare(
    root: etree._Element,
    kind: str,
    identifier: str,
    base_type: str,
    correct: str | None = None,
    *,
    default: str | None = None,
) -> None:
    declaration = _sub(root, kind, identifier=identifier, cardinality="single", baseType=base_type)
    for container, value in (("defaultValue", default), ("correctResponse", correct)):
        if value is not None:
            _sub(_sub(declaration, container), "value", value)


def _write_interaction(body: etree._Element, question: Question) -> None:
    if isinstance(question, MultipleChoiceItem):
        _write_choices(body, question)
    elif isinstance(question, NumericItem):
        _write_numeric_entry(body, question)
    else:
        _write_essay(body, question)


def _write_choices(body: etree._Element, question: MultipleChoiceItem) -> None:
    choices = _sub(body, "choiceInteraction", responseIdentifier=RESPONSE)
    choices.set("shuffle", "false")
    choices.set("maxChoices", "1")
    _sub(choices, "prompt", question.stem)
    for identifier, option in zip(CHOICE_IDENTIFIERS, question.options, strict=True):
        _sub(choices, "simpleChoice", option.text, identifier=identifier)


def _write_numeric_entry(body: etree._Element, question: NumericItem) -> None:
    _sub(body, "p", question.stem)
    # textEntryInteraction is inline: it has to sit in a paragraph, with the unit after it.
    line = _sub(body, "p")
    entry = _sub(line, "textEntryInteraction", responseIdentifier=RESPONSE, expectedLength="12")
    entry.tail = f" {question.unit}" if question.unit else None
    _sub(_sub(body, "rubricBlock", view="scorer"), "p", question.rubric)


def _write_essay(body: etree._Element, question: ShortAnswerItem) -> None:
    essay = _sub(body, "extendedTextInteraction", responseIdentifier=RESPONSE, expectedLines="5")
    _sub(essay, "prompt", question.stem)
    rubric = _sub(body, "rubricBlock", view="scorer")
    _sub(rubric, "p", f"Model answer: {question.model_answer}")
    criteria = _sub(rubric, "ul")
    for criterion in question.rubric:
        _sub(criteria, "li", criterion)


def _write_hint_controls(body: etree._Element, hints: tuple[str, ...]) -> None:
    if not hints:
        return
    buttons = _sub(body, "p")
    for number, hint in enumerate(hints, start=1):
        _sub(
            buttons,
            "endAttemptInteraction",
            responseIdentifier=f"HINT_REQUEST_{number}",
            title=f"Hint {number}",
            countAttempt="false",
        )
        shown = _sub(body, "feedbackBlock", outcomeIdentifier="HINT", identifier=f"HINT_{number}")
        shown.set("showHide", "show")
        _sub(shown, "p", hint)


def _write_processing(root: etree._Element, item: QtiItem) -> None:
    scored = not isinstance(item.item, ShortAnswerItem)
    if not scored and not item.hints:
        return
    processing = _sub(root, "responseProcessing")
    if not item.hints:
        _write_scoring(processing, item.item)
        return
    condition = _sub(processing, "responseCondition")
    for number in range(1, len(item.hints) + 1):
        branch = _sub(condition, "responseIf" if number == 1 else "responseElseIf")
        _sub(branch, "variable", identifier=f"HINT_REQUEST_{number}")
        _set_outcome(branch, "HINT", "identifier", f"HINT_{number}")
    if scored:
        _write_scoring(_sub(condition, "responseElse"), item.item)


def _write_scoring(parent: etree._Element, question: Question) -> None:
    condition = _sub(parent, "responseCondition")
    when_correct = _sub(condition, "responseIf")
    if isinstance(question, NumericItem):
        tolerance = _xsd_double(question.tolerance)
        comparison = _sub(when_correct, "equal", toleranceMode="absolute", tolerance=tolerance)
    else:
        comparison = _sub(when_correct, "match")
    _sub(comparison, "variable", identifier=RESPONSE)
    _sub(comparison, "correct", identifier=RESPONSE)
    _set_outcome(when_correct, "SCORE", "float", "1.0")
    _set_outcome(_sub(condition, "responseElse"), "SCORE", "float", "0.0")
    if isinstance(question, MultipleChoiceItem):
        feedback = _sub(parent, "setOutcomeValue", identifier="FEEDBACK")
        _sub(feedback, "variable", identifier=RESPONSE)


def _set_outcome(parent: etree._Element, identifier: str, base_type: str, value: str) -> None:
    setter = _sub(parent, "setOutcomeValue", identifier=identifier)
    _sub(setter, "baseValue", value, baseType=base_type)


def _write_rationales(root: etree._Element, question: MultipleChoiceItem) -> None:
    for index, option in enumerate(question.options):
        identifier = CHOICE_IDENTIFIERS[index]
        feedback = _sub(root, "modalFeedback", outcomeIdentifier="FEEDBACK", identifier=identifier)
        feedback.set("showHide", "show")
        feedback.set("title", "Correct" if index == question.key else "Incorrect")
        _sub(feedback, "p", option.rationale)


def _assessment_test_xml(items: Sequence[QtiItem], title: str, identifier: str) -> bytes:
    root = etree.Element(_q("assessmentTest"), nsmap={None: QTI_NS, "xsi": XSI_NS})
    root.set(_SCHEMA_LOCATION, QTI_SCHEMA_LOCATION)
    root.set("identifier", identifier)
    root.set("title", title)
    _sub(root, "outcomeDeclaration", identifier="SCORE", cardinality="single", baseType="float")
    part = _sub(root, "testPart", identifier="PART-1", navigationMode="nonlinear")
    part.set("submissionMode", "individual")
    section = _sub(part, "assessmentSection", identifier="SECTION-1", visible="true")
    section.set("title", title)
    for item in items:
        _sub(section, "assessmentItemRef", identifier=item.identifier, href=item_path(item))
    total = _sub(_sub(root, "outcomeProcessing"), "setOutcomeValue", identifier="SCORE")
    _sub(_sub(total, "sum"), "testVariables", variableIdentifier="SCORE")
    return _serialize(root)


def _manifest_xml(items: Sequence[QtiItem], identifier: str) -> bytes:
    root = etree.Element(_cp("manifest"), nsmap={None: CP_NS, "xsi": XSI_NS})
    root.set(_SCHEMA_LOCATION, CP_SCHEMA_LOCATION)
    root.set("identifier", identifier)
    metadata = etree.SubElement(root, _cp("metadata"))
    etree.SubElement(metadata, _cp("schema")).text = "QTIv2.1 Package"
    etree.SubElement(metadata, _cp("schemaversion")).text = "1.0.0"
    etree.SubElement(root, _cp("organizations"))
    resources = etree.SubElement(root, _cp("resources"))
    test = _resource(resources, "RES-TEST", TEST_RESOURCE_TYPE, TEST_FILE)
    for item in items:
        dependency = etree.SubElement(test, _cp("dependency"))
        dependency.set("identifierref", f"RES-ITEM-{item.identifier}")
    for item in items:
        _resource(resources, f"RES-ITEM-{item.identifier}", ITEM_RESOURCE_TYPE, item_path(item))
    return _serialize(root)


def _resource(parent: etree._Element, identifier: str, kind: str, href: str) -> etree._Element:
    resource = etree.SubElement(parent, _cp("resource"))
    for name, value in (("identifier", identifier), ("type", kind), ("href", href)):
        resource.set(name, value)
    etree.SubElement(resource, _cp("file")).set("href", href)
    return resource


def _zip(entries: Sequence[tuple[str, bytes]]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in entries:
            info = zipfile.ZipInfo(name, date_time=_ZIP_EPOCH)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            archive.writestr(info, data)
    return buffer.getvalue()


def _sub(
    parent: etree._Element, tag: str, text: str | None = None, **attributes: str
) -> etree._Element:
    element = etree.SubElement(parent, _q(tag), attrib=attributes)
    element.text = text
    return element


def _q(tag: str) -> str:
    return f"{{{QTI_NS}}}{tag}"


def _cp(tag: str) -> str:
    return f"{{{CP_NS}}}{tag}"


def _xsd_double(number: float) -> str:
    if not math.isfinite(number):
        raise ValueError(f"QTI float values must be finite, got {number!r}")
    return repr(float(number))


def _serialize(root: etree._Element) -> bytes:
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)
