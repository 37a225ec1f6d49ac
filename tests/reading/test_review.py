"""A confidence per field and the review list: from word confidences, the label and the value's shape."""

from __future__ import annotations

from credit_ocr.reading.extraction.fields import FIELD_NAMES
from credit_ocr.reading.extraction.result import ExtractionResult
from credit_ocr.reading.extraction.review import Evidence, confidence_of, plausible, review, with_review
from credit_ocr.reading.extraction.rules import extract_rules
from credit_ocr.reading.lines import LineWord, layout_text, line_words

FORM = """1. Applicant
Company Name  Hansa Bau GmbH
Legal Form  Limited Liability Company (GmbH)
2. Property
Purchase Price  EUR 2,500,000
Desired Financing Amount  EUR 2,000,000
Equity Contribution  EUR 500,000"""


def _words(text: str, unsure: str | None = None) -> list[list[LineWord]]:
    """Every word at confidence 96, the word ``unsure`` at 31."""
    return [[LineWord(w, 31.0 if w == unsure else 96.0) for w in line.split()] for line in text.splitlines()]


def test_a_sure_reading_is_not_flagged_and_an_unsure_word_is() -> None:
    sure = extract_rules(FORM, _words(FORM))
    flagged = {item["field"] for item in sure.review}
    assert not flagged & {"company_name", "legal_form", "purchase_price", "requested_amount", "equity_share"}
    assert sure.confidence["company_name"] > 0.9
    unsure = extract_rules(FORM, _words(FORM, unsure="2,000,000"))
    item = next(i for i in unsure.review if i["field"] == "requested_amount")
    assert "OCR was unsure" in item["reason"] and unsure.confidence["requested_amount"] < 0.4


def test_missing_implausible_and_inconsistent_fields_are_flagged_with_a_reason() -> None:
    text = FORM.replace("EUR 500,000", "EUR 1,500,000").replace(
        "Limited Liability Company (GmbH)", "Main Street 4"
    )
    reasons = {i["field"]: i["reason"] for i in extract_rules(text).review}
    assert reasons["vat_id"] == "not found on the document"
    assert "does not read as" in reasons["legal_form"]
    assert reasons["equity_share"] == "purchase price is not equity + requested amount"
    assert set(reasons) <= set(FIELD_NAMES)


def test_confidence_multiplies_ocr_label_and_shape() -> None:
    sure = Evidence(found=True, label_score=1.0, word_confidence=95.0, plausible=True)
    assert confidence_of(sure) == 0.95
    assert confidence_of(Evidence(found=True, label_score=1.0, word_confidence=95.0)) < 0.3  # wrong shape
    assert confidence_of(Evidence()) == 0.0
    loose = Evidence(found=True, label_score=0.3, word_confidence=None, plausible=True)
    items = {i.field: i.reason for i in review({"term": "15 years"}, {"term": loose})}
    assert (
        items["term"].startswith("its label matched loosely")
        and items["vat_id"] == "not found on the document"
    )


def test_plausible_values_look_like_their_field() -> None:
    assert plausible("legal_form", "Limited Liability Company (GmbH)")
    assert not plausible("legal_form", "Main Street 4")
    assert plausible("commercial_register", "HRB 123456 / Stuttgart Local Court")
    assert not plausible("interest_rate", "Arrangement") and plausible("interest_rate", "Fixed")
    assert not plausible("company_name", "€2,000,000")


def test_the_llm_result_gets_the_same_validation() -> None:
    fields = dict.fromkeys(FIELD_NAMES) | {"company_name": "Hansa Bau GmbH", "vat_id": "DE12"}
    result = with_review(ExtractionResult("llm:x", fields, {}, {}))
    reasons = {i["field"]: i["reason"] for i in result.review}
    assert "company_name" not in reasons and "does not read as" in reasons["vat_id"]
    assert result.confidence["company_name"] == 1.0 and result.confidence["legal_form"] == 0.0


def test_line_words_follow_the_text_across_pages() -> None:
    page = (
        "Company Name  Hansa",
        [{"text": "Company", "conf": 90, "line": 0, "known": True}, {"text": "Hansa", "conf": 40, "line": 0}],
    )
    words = line_words([page, page])
    line = [LineWord("Company", 90.0, True), LineWord("Hansa", 40.0, None)]  # None: the dictionary not asked
    assert words == [line, [], line]
    assert line_words([("a", [{"text": "a", "conf": 1}])]) is None  # words stored before they had lines


def test_layout_text_keeps_columns_for_the_llm() -> None:
    def word(text: str, left: int, line: int) -> dict:
        return {
            "text": text,
            "left": left,
            "top": 10 * line,
            "width": 10 * len(text),
            "height": 10,
            "line": line,
        }

    words = [
        word("Legal", 0, 0),
        word("Form", 60, 0),
        word("Term", 500, 0),
        word("GmbH", 0, 1),
        word("5", 500, 1),
    ]
    text = layout_text([("Legal Form  Term\nGmbH  5", words)], columns=60)
    above, below = text.splitlines()
    assert above.startswith("Legal Form ") and above.index("Term") == below.index("5")  # one column
    assert layout_text([("a", [{"text": "a", "left": 0, "width": 5}])]) is None  # no line numbers
