"""Hard mail: the generator writes what an inbox gets, in the samples' format, with each kind named."""

from __future__ import annotations

import io
import json
from pathlib import Path

from PIL import Image

from credit_ocr.reading import mail, photo
from credit_ocr.reading.samples import load_samples


def test_each_kind_of_mail_is_made_as_it_arrives() -> None:
    made = {m[3]["mail"]: m for m in (mail.make_mail(7, i) for i in range(5))}
    assert set(made) == set(mail.MAIL_KINDS)
    for kind in ("turned-90", "turned-270"):
        data, name, _truth, variant = made[kind]
        assert variant["layer"] in {"scan", "image"} and variant["mail"] == kind
    photo_bytes = made["photo"][0]
    with Image.open(io.BytesIO(photo_bytes)) as shot:
        assert shot.format == "JPEG" and shot.mode == "RGB"
        assert photo.looks_like_photo(shot.convert("L")), "a desk around the sheet"
    with Image.open(io.BytesIO(made["fax"][0])) as fax:
        assert (fax.mode, fax.info["compression"], fax.info["dpi"]) == ("1", "group4", (150.0, 150.0))


def test_the_same_seed_makes_the_same_mail() -> None:
    assert mail.make_mail(5, 4)[0] == mail.make_mail(5, 4)[0]


def test_a_mail_folder_is_a_samples_folder(tmp_path: Path) -> None:
    infos = mail.generate_mail(tmp_path, count=3, seed=7)
    assert [i.variant.mail for i in infos] == list(mail.MAIL_KINDS[:3])
    manifest = json.loads((tmp_path / "manifest.json").read_text())
    assert [e["variant"]["mail"] for e in manifest] == list(mail.MAIL_KINDS[:3])
    loaded = load_samples(tmp_path)
    assert [(i.path.name, i.truth) for i in loaded] == [(i.path.name, i.truth) for i in infos]
