"""The two sample pools beyond the kit's own forms: ``tune`` (to develop the extractor on) and ``heldout``.

An extractor tuned to the phrases of its own generator reads its own samples perfectly and unseen forms
badly. So the generator has two disjoint pools of what varies between real forms: label wordings,
section titles, layouts, fonts, tick-box styles, cover letters and scan damage. The extractor may be
developed against ``tune``; ``heldout`` is only ever measured (``credit-ocr samples --set heldout``,
then ``credit-ocr eval``). No wording, layout, font or tick style appears in both pools, and none of
the held-out wordings is in the extractor's vocabulary (``extraction/spec.py``). A third pool, ``novel``,
is for development too: the tune pool's layouts with wordings written to probe labels by meaning.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

__all__ = ["POOLS", "SETS", "Pool", "PoolPlan", "plan"]

#: The sample sets: ``base`` is the kit's own generator (data/samples), the others are the pools below.
SETS = ("base", "tune", "heldout", "novel")


@dataclass(frozen=True)
class Pool:
    """What one pool draws from."""

    labels: dict[str, tuple[str, ...]]
    sections: tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]
    layouts: tuple[str, ...]
    fonts: tuple[str, ...]
    boxes: tuple[str, ...]  # tick-box styles, see sample_layouts.tick_text
    letters: tuple[str, ...]  # cover letters: {lender}, {company}, {city} filled in
    damage: dict[str, tuple[float, float]]  # skew, blur, noise ranges of scans and images


_TUNE_LABELS: dict[str, tuple[str, ...]] = {
    "company_name": ("Name of the Company", "Applicant Name", "Corporate Name", "Borrowing Company"),
    "legal_form": ("Legal Form of Company", "Company Legal Form", "Form of Incorporation", "Corporate Form"),
    "founding_date": ("Date Founded", "Founding Date of Company", "Incorporated On", "Company Founded On"),
    "business_address": ("Business Premises", "Address of Company", "Company Headquarters", "Seat of Company"),
    "commercial_register": ("Registry Number", "Commercial Registry Entry", "Register No. / Court", "HR Number"),
    "vat_id": ("VAT Reg. Number", "Tax Identification", "VAT No.", "Sales Tax ID"),
    "property_type": ("Kind of Object", "Type of Real Estate", "Category of Property", "Building Type"),
    "property_name": ("Name of the Property", "Project Title", "Property Designation", "Name of Object"),
    "property_address": ("Address of Property", "Location of Property", "Property Situated At", "Object Location"),
    "purchase_price": ("Price of Purchase", "Acquisition Price", "Cost of Purchase", "Building Costs"),
    "requested_amount": ("Financing Needed", "Amount of Financing Requested", "Required Financing", "Financing Demand"),
    "purpose": ("Purpose of the Loan", "Use of Loan", "Purpose of Funds", "Financing Purpose"),
    "equity_share": ("Own Contribution", "Equity Provided", "Equity Amount", "Own Resources"),
    "construction_year": ("Year of Build", "Built In", "Completion Year", "Construction Completed"),
    "total_area": ("Total Floor Space", "Area in Total", "Overall Area", "Lettable Area"),
    "loan_amount": ("Amount of the Loan", "Loan Sum", "Credit Amount Requested", "Requested Loan Sum"),
    "term": ("Duration of Loan", "Loan Duration", "Term Requested", "Running Time"),
    "monthly_payment": ("Monthly Instalment", "Desired Monthly Rate", "Instalment per Month", "Monthly Repayment"),
    "interest_rate": ("Interest Rate Type", "Rate of Interest Desired", "Interest Arrangement", "Interest Rate Agreed"),
    "early_repayment": ("Early Repayment Wanted?", "Repay Early?", "Prepayment Wanted?", "Early Redemption Desired?"),
    "public_funding": ("Public Grants Applied For?", "Subsidy Application Made?", "State Funding Applied For?", "Public Aid Requested?"),
}  # fmt: skip

_HELDOUT_LABELS: dict[str, tuple[str, ...]] = {
    "company_name": ("Applicant Company Name", "Registered Company Name", "Name of Borrower", "Business Name"),
    "legal_form": ("Legal Status", "Type of Legal Entity", "Incorporation Form", "Legal Form of Business"),
    "founding_date": ("Incorporated On (Date)", "Date Company Established", "Foundation Date", "Date of Founding"),
    "business_address": ("Registered Business Address", "Company Seat", "Headquarters Address", "Principal Office"),
    "commercial_register": ("Register Entry", "Commercial Register Entry", "Trade Registry Number", "Registration Court / No."),
    "vat_id": ("VAT Registration No.", "VAT Identification No.", "Tax Registration Number", "VAT-ID"),
    "property_type": ("Property Category", "Type of Asset", "Real Estate Type", "Property Class"),
    "property_name": ("Name of the Project", "Property Title", "Designation of Property", "Project Designation"),
    "property_address": ("Location of the Property", "Property Site", "Situated At", "Address of the Object"),
    "purchase_price": ("Purchase Price (EUR)", "Total Purchase Cost", "Construction Cost Total", "Cost of Acquisition"),
    "requested_amount": ("Financing Amount Requested", "Requested Financing Volume", "Financing Sought", "Amount of Funding Needed"),
    "purpose": ("Intended Purpose", "Purpose of the Financing", "Use of the Funds", "What the Funds Are For"),
    "equity_share": ("Own Equity", "Equity Contributed", "Applicant's Equity", "Equity Portion"),
    "construction_year": ("Year Constructed", "Year of Completion (Building)", "Built in Year", "Construction Date (Year)"),
    "total_area": ("Total Usable Area", "Floor Space", "Area (Total)", "Gross Area"),
    "loan_amount": ("Loan Amount Requested", "Requested Credit", "Amount of Credit", "Loan Volume"),
    "term": ("Term in Years", "Length of Loan", "Loan Period", "Repayment Period"),
    "monthly_payment": ("Desired Monthly Installment", "Monthly Debt Service", "Installment Amount", "Payment per Month"),
    "interest_rate": ("Target Interest Rate", "Interest Rate Preference", "Desired Interest", "Interest Rate Model"),
    "early_repayment": ("Option for Early Repayment?", "Early Repayment Option Wanted?", "Prepayment Right Requested?", "Unscheduled Repayment Desired?"),
    "public_funding": ("Public Funding Requested?", "Subsidies Requested?", "Government Grants Applied For?", "Public Support Applied For?"),
}  # fmt: skip


#: ``novel``: wordings written to probe labels by meaning (abbreviations, questions, German-English forms),
#: on the tune pool's layouts; developed on like ``tune``, none taken from the held-out pool.
_NOVEL_LABELS: dict[str, tuple[str, ...]] = {
    "company_name": ("Firm Name", "Company (Full Name)", "Name of Applicant", "Borrower", "Applicant"),
    "legal_form": ("Form of Company", "Entity Type", "Company Type (Legal)", "Corporate Structure", "Legal Form / Type"),
    "founding_date": ("Date of Registration", "Company Since", "Est.", "Established On", "In Business Since"),
    "business_address": ("Registered Office", "Company Address (Street, ZIP, City)", "Head Office", "Business Location"),
    "commercial_register": ("Reg. No.", "Commercial Reg. No. / Court", "Trade Register", "Register Court and Number", "HRB No."),
    "vat_id": ("VAT No. (USt-IdNr.)", "Tax ID", "VAT Reg. No.", "Value Added Tax ID", "USt-ID"),
    "property_type": ("Object Type", "Property Kind", "Type of Building", "Use Type", "Asset Class"),
    "property_name": ("Object Name", "Name of Building", "Project Name", "Building Name", "Property"),
    "property_address": ("Property Location", "Object Address", "Site Address", "Location (Street, ZIP, City)"),
    "purchase_price": ("Purchase Amount", "Total Investment", "Acquisition Costs", "Investment Volume", "Costs of Construction"),
    "requested_amount": ("Funding Requested", "Fin. req.", "Financing Required", "Amount to be Financed", "External Financing"),
    "purpose": ("Use of Proceeds", "Loan Purpose", "Financing Objective", "Reason for Financing", "Intended Use"),
    "equity_share": ("Own Capital", "Equity Contribution (EUR)", "Own Funds Contributed", "Equity Capital", "Down Payment"),
    "construction_year": ("Year Built", "Constr. Year", "Building Year", "Year of Construction / Completion", "Completed In"),
    "total_area": ("Living / Usable Space", "Area (sqm)", "Total Area in m²", "Usable Floor Area", "Net Floor Area"),
    "loan_amount": ("Loan Requested", "Amt. of Loan", "Credit Amount", "Loan (EUR)", "Principal Amount"),
    "term": ("Loan Term (Years)", "Tenor", "Maturity", "Term of Credit", "Duration (years)"),
    "monthly_payment": ("Monthly Rate", "Instalment (monthly)", "Rate per Month", "Monthly Payment Amount", "Monthly Charge"),
    "interest_rate": ("Rate Type", "Interest (p.a.)", "Interest Type", "Fixed or Variable Rate", "Interest Conditions"),
    "early_repayment": ("Is early repayment desired?", "Special Repayment Option?", "Prepayment Option?", "Early Repayment (Y/N)", "Repayment before Maturity?"),
    "public_funding": ("Subsidized Loan (KfW)?", "Public Funds Used?", "KfW / Public Funding?", "Grants Requested?", "Are public subsidies being applied for?"),
}  # fmt: skip

POOLS: dict[str, Pool] = {
    "tune": Pool(
        labels=_TUNE_LABELS,
        sections=(
            ("Part A - Applicant Information", "Section 1: The Company"),
            ("Part B - Property and Financing Need", "Section 2: The Property"),
            ("Part C - Loan Request", "Section 3: Loan Terms"),
        ),
        layouts=("table", "lines", "above", "cells", "leaders", "spaced", "stacked"),
        fonts=("Helvetica", "Times-Roman", "DejaVuSans"),
        boxes=("brackets", "words", "mark", "squares", "checks"),
        letters=(
            "Dear Sir or Madam,\n\nplease find enclosed our application for a commercial real estate loan with "
            "{lender}.\nThe completed form follows on the next page. We would be glad to discuss the "
            "financing\nwith you in person.\n\nYours faithfully,\n\nThe Management\n{company}, {city}",
            "Dear Sirs,\n\nwe kindly ask {lender} to consider the enclosed request\nand the type of financing "
            "we have in mind, as described on the form.\nOur equity and the purchase price are stated there "
            "too.\n\nSincerely,\n{company}",
        ),
        damage={"skew": (-2.5, 2.5), "blur": (0.4, 1.0), "noise": (5.0, 12.0)},
    ),
    "heldout": Pool(
        labels=_HELDOUT_LABELS,
        sections=(
            ("I. Borrower", "A. About the Applicant"),
            ("II. Object to be Financed", "B. Real Estate and Funding Need"),
            ("III. Credit Terms", "C. Desired Credit Conditions"),
        ),
        layouts=("grid", "boxed", "dots"),
        fonts=("DejaVuSerif", "DejaVuSansCondensed", "DejaVuSansMono"),
        boxes=("ballot", "german", "parens"),
        letters=(
            "{city}, in the spring\n\nTo: Credit Department, {lender}\n\nRe: Financing of our real estate "
            "project\n\nLadies and Gentlemen,\n\nwe hereby submit our credit request together with the "
            "attached form\nand kindly ask for a binding offer. Do not hesitate to call us.\n\n"
            "Kind regards,\n{company}",
        ),
        damage={"skew": (-2.0, 2.0), "blur": (0.5, 1.0), "noise": (6.0, 12.0)},
    ),
}
POOLS["novel"] = Pool(
    labels=_NOVEL_LABELS,
    sections=(
        ("1. Company Data", "Applicant Details"),
        ("2. Investment Object", "Property & Financing"),
        ("3. Loan Details", "Requested Loan"),
    ),
    layouts=POOLS["tune"].layouts,
    fonts=POOLS["tune"].fonts,
    boxes=POOLS["tune"].boxes,
    letters=POOLS["tune"].letters,
    damage=POOLS["tune"].damage,
)


@dataclass(frozen=True)
class PoolPlan:
    """How the index-th document of a pool is made (its content is drawn by ``sample_forms.content``)."""

    layout: str
    font: str
    boxes: str
    letter: str | None
    section_titles: tuple[str, ...]
    labels: dict[str, str]


def plan(pool_name: str, index: int, rng: random.Random, base_labels: dict[str, str]) -> PoolPlan:
    """The layout, font, tick style, cover letter, section titles and labels of one pool document.

    Layouts and fonts cycle (any dozen documents meet all of them); three labels in four come from the
    pool's wordings, the rest are the form's usual ones (``base_labels``), as a real form mixes both.
    """
    pool = POOLS[pool_name]
    layout = pool.layouts[(index // 3) % len(pool.layouts)]
    font = pool.fonts[(index + index // 3) % len(pool.fonts)]
    labels = {
        name: rng.choice(pool.labels[name]) if rng.random() < 0.75 else base_labels[name]
        for name in base_labels
    }
    return PoolPlan(
        layout=layout,
        font=font,
        boxes=rng.choice(pool.boxes),
        letter=rng.choice(pool.letters) if rng.random() < 0.35 else None,
        section_titles=tuple(rng.choice(titles) for titles in pool.sections),
        labels=labels,
    )
