"""The words labels are made of: each field's word stems with weights, and the words that say nothing.

:mod:`.labels` scores a printed label by the stems its words start with (or slip from, or abbreviate).
A weight of 3 says the word alone names the field ("equity", "tenor"); 2 is a strong hint; 1 or less a
weak one ("amount" is the loan's as much as the financing's). Words are added by meaning, not for one
form's phrase: 'since' and 'est' date a founding, 'down' is a down payment's, 'living' an area's, a
'place of business' and a 'trading address' are the company's.
"""

from __future__ import annotations

__all__ = ["FILLER", "GERMAN", "NOT_ANOTHER", "NOT_A_FIELD", "VOCABULARY"]

#: stem -> weight per field. 3: the word alone names the field; 2: a strong hint; 1 or less: a weak one.
VOCABULARY: dict[str, dict[str, float]] = {
    "company_name": {"compan": 2, "firm": 2, "corporat": 1, "busines": 1, "enterprise": 2, "borrower": 2, "borrowing": 1,
                     "applicant": 2, "name": 2, "entity": 1, "trading": 1, "obligor": 3, "debtor": 3, "mortgagor": 3,
                     "counterpart": 2, "sponsor": 2},
    "legal_form": {"legal": 3, "form": 2, "structur": 2, "type": 1, "status": 1, "entity": 2, "incorporat": 1,
                   "compan": 1, "corporat": 1},
    "founding_date": {"incorporat": 3, "found": 3, "establish": 3, "est": 3, "since": 3, "date": 2},
    "business_address": {"address": 3, "adress": 3, "seat": 3, "headquarter": 3, "premises": 3, "domicile": 3,
                         "office": 2, "registered": 1, "compan": 1, "busines": 1, "head": 1, "principal": 1,
                         "location": 2, "located": 2, "place": 2, "trading": 1},
    "commercial_register": {"regist": 3, "reg": 3, "hr": 3, "court": 2, "commercial": 1,
                            "trade": 1, "entry": 1, "number": 0.5, "no": 0.5, "ct": 1},
    "vat_id": {"vat": 3, "tax": 3, "ust": 3, "ustid": 3, "idnr": 3, "added": 2, "value": 1, "sales": 1,
               "identif": 1, "id": 1, "number": 0.5, "no": 0.5},
    "property_type": {"type": 3, "kind": 3, "categor": 3, "class": 3, "property": 1, "object": 1, "asset": 1,
                      "real": 0.5, "estate": 0.5, "building": 1},
    "property_name": {"name": 2, "title": 2, "designation": 2, "project": 2, "development": 2, "property": 1, "object": 1,
                      "building": 1, "asset": 1},
    "property_address": {"address": 3, "adress": 3, "location": 3, "located": 3, "site": 3, "situated": 3,
                         "property": 1, "object": 1},
    "purchase_price": {"price": 3, "cost": 3, "invest": 3, "purchas": 2, "acquisit": 2, "construct": 1,
                       "building": 1, "amount": 1},
    "requested_amount": {"financ": 3, "fin": 3, "fund": 2, "amount": 1, "volume": 1, "need": 1, "demand": 1,
                         "sought": 1, "required": 1, "request": 1, "req": 2, "external": 1},
    "purpose": {"purpose": 4, "use": 3, "objective": 3, "reason": 3, "aim": 3, "goal": 3, "intend": 2, "usage": 2, "proceed": 2,
                "fund": 0.5},
    "equity_share": {"equity": 4, "down": 3, "own": 2, "contribut": 2, "capital": 2, "resource": 2, "portion": 1,
                     "share": 1, "payment": 1},
    "construction_year": {"year": 3, "built": 3, "constructed": 3, "erect": 3, "complet": 3, "constr": 2, "build": 1},
    "total_area": {"area": 3, "space": 3, "floor": 2, "sqm": 2, "surface": 2, "size": 2, "living": 2,
                   "usable": 2, "gross": 1, "net": 1, "lettable": 1, "m": 1,
                   "gla": 3, "gfa": 3, "nla": 3},  # gross lettable, gross floor, net lettable area
    "loan_amount": {"loan": 3, "credit": 3, "facility": 2, "principal": 2, "amount": 1, "sum": 1, "volume": 1, "request": 1},
    "term": {"term": 3, "duration": 3, "period": 3, "maturity": 3, "tenor": 3, "length": 3, "running": 2, "run": 2,
             "time": 1, "loan": 0.5, "year": 0.5},
    "monthly_payment": {"month": 3, "mthly": 3, "mtl": 3, "instal": 3, "payment": 2, "rate": 2, "debt": 1, "service": 1,
                        "repayment": 1, "amortis": 3, "amortiz": 3},
    "interest_rate": {"interest": 4, "rate": 2, "borrowing": 1, "fixed": 1, "variable": 1, "nominal": 1,
                      "type": 1, "condition": 1, "pricing": 2, "coupon": 3},
    "early_repayment": {"early": 3, "prepay": 3, "voluntary": 2, "unscheduled": 3, "special": 2, "redemption": 2, "repay": 2,
                        "ahead": 2, "before": 1},
    "public_funding": {"public": 3, "subsid": 3, "grant": 3, "government": 3, "kfw": 3, "developmentbank": 3,
                       "promotional": 3, "state": 2, "aid": 2,
                       "support": 1, "fund": 1, "program": 1},  # "Subsidy programme applied for"
}  # fmt: skip

#: German labels (a German bank's form, or a German label with the English in brackets): stems folded as
#: labels are (umlauts as their vowel: 'Gründung' -> 'grundung'), merged into :data:`VOCABULARY`.
GERMAN: dict[str, dict[str, float]] = {
    "company_name": {"firma": 3, "firmenname": 3, "gesellschaft": 2, "antragsteller": 2, "unternehmen": 2, "darlehensnehmer": 2, "kunde": 3,
                     "kreditnehmer": 2, "firmenwortlaut": 3, "wortlaut": 2, "fa": 3},  # 'Fa.': Firma
    "legal_form": {"rechtsform": 3, "gesellschaftsform": 3, "unternehmensform": 3},
    "founding_date": {"grundung": 3, "gegrundet": 3},
    "business_address": {"sitz": 3, "gesellschaft": 1, "anschrift": 3, "adresse": 3, "firmensitz": 3, "firmenanschrift": 3,
                         "geschaftsanschrift": 3, "geschaftsadresse": 3},
    "commercial_register": {"handelsregister": 3, "registergericht": 3, "amtsgericht": 2, "register": 3, "gericht": 2, "firmenbuch": 3, "nr": 0.5,
                            "nummer": 0.5},
    "vat_id": {"umsatzsteuer": 3, "steuernummer": 3, "steuer": 3, "nummer": 0.5, "uid": 3},
    "property_type": {"art": 3, "typ": 3, "objekttyp": 3, "immobilie": 1, "objektart": 3, "nutzungsart": 3, "gebaudeart": 3, "immobilientyp": 3, "immobilienart": 3, "gebaudetyp": 3, "objekt": 1, "gebaude": 1},
    "property_name": {"bezeichnung": 2, "immobilie": 1, "objektbezeichnung": 3, "objektname": 3, "projekt": 2, "objekt": 1},
    "property_address": {"lage": 3, "belegenheit": 3, "wo": 2, "befindet": 2, "immobilie": 1, "standort": 3, "objektanschrift": 3, "objektadresse": 3, "objekt": 1,
                         "anschrift": 3, "adresse": 3},  # as 'address': whose, the section says
    "purchase_price": {"kaufpreis": 3, "kp": 3, "kosten": 3, "baukosten": 3, "gesamtkosten": 3, "investition": 2,
                       "gesamtinvestition": 2, "anschaffungskosten": 3, "preis": 3},
    "requested_amount": {"finanzierung": 3, "finanzierungsbedarf": 3, "finanzierungsbetrag": 3, "betrag": 1,
                         "bedarf": 2},
    "purpose": {"verwendung": 3, "verwendet": 3, "wofur": 3, "zweck": 3, "verwendungszweck": 4, "vorhaben": 3},
    "equity_share": {"eigenkapital": 4, "eigenmittel": 4, "eigenanteil": 4, "ek": 3},  # 'EK-Anteil'
    "construction_year": {"baujahr": 3, "fertigstellung": 3, "bj": 3, "errichtet": 3, "erbaut": 3,
                          "gebaut": 3},  # 'Bj.': Baujahr; a letter's 'wurde 1992 errichtet'
    "total_area": {"flache": 3, "nutzflache": 3, "wohnflache": 3, "gesamtflache": 3, "mietflache": 3},
    "loan_amount": {"darlehen": 3, "kredit": 3, "darlehensbetrag": 3, "kreditbetrag": 3, "betrag": 1},
    "term": {"laufzeit": 3, "dauer": 3, "lz": 3},  # 'LZ': Laufzeit
    "monthly_payment": {"monat": 3, "wunschrate": 3, "kreditrate": 3, "darlehensrate": 3, "tilgungsrate": 3,  # Monat, monatlich
                        "kapitaldienst": 3, "schuldendienst": 3},  # debt service
    "interest_rate": {"zins": 4, "sollzins": 4, "zinssatz": 4, "nominalzins": 4, "verzinsung": 4},
    "early_repayment": {"sondertilgung": 3, "vorzeitig": 3, "tilgung": 2, "ruckzahl": 2},
    "public_funding": {"forder": 3, "zuschuss": 3, "offentlich": 3},  # Förderung, Fördermittel, Förderbank, Förderdarlehen
}  # fmt: skip
#: French and Dutch labels, as a Luxembourg, Belgian, French or Dutch applicant's form prints them beside or
#: instead of the English ('Raison sociale', 'Forme juridique', 'Siège social', 'Rechtsvorm', 'Looptijd').
NEIGHBOURS: dict[str, dict[str, float]] = {
    "company_name": {"raison": 3, "denomination": 3, "statutaire": 2, "bedrijfsnaam": 3, "handelsnaam": 3, "aanvrager": 2,
                     "demandeur": 2, "emprunteur": 2, "kredietnemer": 2},
    "legal_form": {"juridique": 3, "rechtsvorm": 3},
    "founding_date": {"creation": 3, "establishment": 3, "oprichting": 3, "constitution": 2},
    "business_address": {"siege": 3, "visiting": 2, "bezoekadres": 3, "vestigingsadres": 3},
    "commercial_register": {"registre": 3, "chamber": 3, "commerce": 1},  # not "RCS", "KvK": the entry's own words
    "vat_id": {"tva": 3, "btw": 3, "intracom": 2},
    "property_type": {"nature": 3, "vastgoed": 1},  # 'Type vastgoed'
    "property_name": {"naam": 2, "vastgoed": 1},  # 'Naam object' (the company's is a 'bedrijfsnaam')
    "property_address": {"situation": 3, "ligging": 3, "vastgoed": 1},
    "purchase_price": {"prix": 3, "koopsom": 3, "koopprijs": 3},
    "equity_share": {"apport": 3, "propres": 3, "means": 2, "inbreng": 3},  # 'Own means' ('eigen middelen')
    "total_area": {"surface": 3, "oppervlakte": 3, "superficie": 3},
    "construction_year": {"bouwjaar": 3},
    "purpose": {"destination": 3, "doel": 3, "bestemming": 3},
    "loan_amount": {"pret": 3, "lening": 3},
    "term": {"duree": 3, "looptijd": 3},
    "monthly_payment": {"echeance": 3, "mensualite": 3, "maandlast": 3, "maandtermijn": 3},
    "interest_rate": {"taux": 4, "rente": 3},
    "early_repayment": {"anticip": 3, "remboursement": 2, "reimbursement": 2, "vervroegd": 3, "aflossing": 2, "extra": 2},
    "public_funding": {"publique": 3, "aides": 2},
}  # fmt: skip
for _field, _stems in [*GERMAN.items(), *NEIGHBOURS.items()]:
    VOCABULARY[_field] = {**VOCABULARY[_field], **_stems}
for _stems in VOCABULARY.values():  # 'Req. amt': the abbreviation says what the word does
    if "amount" in _stems:
        _stems["amt"] = _stems["amount"]

#: Words a label may hold that say nothing about which field it is. ('date' is not one: 'Date of
#: Registration' is a date.)
FILLER = frozenset({
    "of", "the", "for", "in", "per", "a", "an", "to", "be", "are", "is", "was", "were", "being", "been", "has",
    "have", "do", "does", "will", "you", "we", "what", "on", "at", "and", "or", "by", "with", "its", "our",
    "your", "applied", "desired", "wanted", "preferred", "preference", "target", "agreed", "option", "right",
    "made", "application", "needed", "total", "eur", "euro", "years", "details", "information", "please",
    "arrangement", "provided", "given", "planned", "expected", "overall", "basis", "borrow", "which", "that",
    "where", "when", "whether", "it", "this", "there", "full", "complete", "exact", "official", "current", "pref",
    "des", "der", "die", "das", "den", "und", "oder", "gewunscht", "gewunschte", "gewunschter", "beantragt",
    "beantragte", "beantragter", "gesamt", "gesamte", "pro", "je", "wird", "wurde", "wurden", "werden", "ist",
    "sind", "ein", "eine", "einer", "eines", "sie", "ihr", "ihre", "ihrer", "benotigt", "benotigte", "benotigter",
    # a questionnaire's question words ('Under which name is the property known?', 'How much equity ...')
    "under", "how", "much", "many", "over", "should", "would", "shall", "can", "could", "may", "wish", "known",
    "like", "want", "applying", "make", "able", "from", "us", "expect", "bzw", "beziehungsweise", "resp", "respectively",
    # a German questionnaire's ('Wie lautet die Firma ...?', 'Um welche Art von Immobilie handelt es sich?')
    "wie", "lautet", "welche", "welcher", "welches", "welchem", "welchen", "wann", "hoch",
    "gross", "handelt", "es", "sich", "um", "von", "wunschen", "im", "jahr", "einsatz",  # 'Einsatz Eigenkapital'
    "tag",  # 'Tag der Gründung': the founding's day
    # a French or Dutch form's ('N° TVA', 'Raison sociale', 'Surface totale', 'Nature of the good': 'bien')
    "n", "social", "sociale", "totale", "good", "goods",
    "van", "het", "een", "en", "gewenst", "gewenste", "aangevraagd", "eigen",  # 'Doel van de financiering'
    # a letter's reference ('Our ref.: 642/25 RE', 'Unser Zeichen'): no abbreviated 'Rechtsform'
    "ref", "reference", "zeichen",
})  # fmt: skip
#: Filler only as printed in lower case: 'Doel van de financiering', but 'DE' before a VAT number is Germany's.
LOWER_CASE_FILLER = frozenset({"de"})

#: Words that start as a field's short stem does but are words of their own: 'Lagerhof' (a warehouse yard, a
#: property's name) is no 'Lage' (location), 'Sieger' (a name) no 'siège' (a seat).
OTHER_WORDS: dict[str, tuple[str, ...]] = {"lage": ("lager",), "siege": ("sieger",)}

#: Words that start as a stem of :data:`NOT_A_FIELD` does but name a field: Dutch 'rente' (interest,
#: 'Rentevoet') is no rent.
NOT_ANOTHER = ("rente",)

#: Stems of the words that make a label another amount's or another party's, named beside the fields (a
#: financing plan's costs, a rent roll, the seller, the bank's adviser): 'Kaufnebenkosten' is no purchase
#: price, 'Existing loans' no loan, 'Kundenbetreuer' no customer. A stem of six letters or more is found inside a German compound too.
NOT_A_FIELD = (
    "ancillary", "incidental", "nebenkost", "notar", "grunderwerb", "makler", "courtage", "gebuhr", "fee",
    "existing", "bestehend", "voreigent", "seller", "verkaufer", "rent", "previous", "grundbuch",
    "betreuer", "berater", "bearbeiter", "ansprechpartner", "advisor", "contact", "mittelherkunft", "mittelverwendung",
    "valuation", "verkehrswert", "marktwert", "beleihungswert", "gutachten", "uses",  # "Uses of funds"
    "grundstuck", "plot",  # the plot's area is no floor area
    "guarant", "burgschaft", "shareholder",  # a guarantee is no loan, a shareholder no applicant

)  # fmt: skip
