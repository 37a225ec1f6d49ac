"""Phone photos of a form: the sheet found on the desk, its perspective undone, its light evened out.

A photo is told from a scan by its border: a scanner's page ends in paper (or the white it fills a
turn with), a photo's frame is desk. Only then is the sheet looked for (OpenCV: the largest bright
shape, its four corners) and warped flat to an A4 page at the pipeline's resolution; dividing by the
paper's own brightness (the page with its text closed over) takes out the shadow of the phone's hand.
"""

from __future__ import annotations

import cv2
import numpy as np
from PIL import Image

__all__ = ["even_light", "find_sheet", "flatten", "looks_like_photo"]

#: A4 in inches (short, long): the flattened sheet's shape.
A4 = (8.27, 11.69)


def looks_like_photo(gray: Image.Image) -> bool:
    """True when most of the image's outer frame is much darker than its paper: a sheet on a desk."""
    small = np.asarray(gray.reduce(8) if min(gray.size) > 800 else gray, dtype=np.uint8)
    h, w = small.shape
    if min(h, w) < 4:  # no frame and no middle to compare: a sliver, never a photo of a sheet
        return False
    band = max(2, min(h, w) // 30)
    frame = np.concatenate(
        [small[:band].ravel(), small[-band:].ravel(), small[:, :band].ravel(), small[:, -band:].ravel()]
    )
    paper = float(np.percentile(small[h // 4 : 3 * h // 4, w // 4 : 3 * w // 4], 90))
    return paper > 120 and float(np.mean(frame < paper - 60)) > 0.5


def find_sheet(gray: np.ndarray) -> np.ndarray | None:
    """The sheet's four corners (top-left, top-right, bottom-right, bottom-left) in ``gray``'s pixels,
    or None when no bright shape covers a fifth of the photo."""
    scale = 800 / max(gray.shape)
    small = cv2.resize(gray, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
    blur = cv2.GaussianBlur(small, (5, 5), 0)
    _, mask = cv2.threshold(blur, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    mask = cv2.morphologyEx(mask, cv2.MORPH_CLOSE, np.ones((15, 15), np.uint8))  # the text's holes
    contours, _ = cv2.findContours(mask, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    if not contours:
        return None
    hull = cv2.convexHull(max(contours, key=cv2.contourArea))
    if cv2.contourArea(hull) < 0.2 * small.size:
        return None
    quad = cv2.approxPolyDP(hull, 0.02 * cv2.arcLength(hull, True), True).reshape(-1, 2)
    if len(quad) != 4:
        quad = cv2.boxPoints(cv2.minAreaRect(hull))
    return _ordered(quad.astype(np.float32) / scale)


def _ordered(points: np.ndarray) -> np.ndarray:
    """Corners as top-left, top-right, bottom-right, bottom-left."""
    total, diff = points.sum(axis=1), np.diff(points, axis=1).ravel()
    return np.array(
        [
            points[np.argmin(total)],
            points[np.argmin(diff)],
            points[np.argmax(total)],
            points[np.argmax(diff)],
        ],
        dtype=np.float32,
    )


def flatten(gray: Image.Image, dpi: int) -> Image.Image | None:
    """The sheet of a photo as a flat, evenly lit A4 page at ``dpi`` (None: no sheet found)."""
    pixels = np.asarray(gray, dtype=np.uint8)
    corners = find_sheet(pixels)
    if corners is None:
        return None
    top, right = np.linalg.norm(corners[1] - corners[0]), np.linalg.norm(corners[2] - corners[1])
    bottom, left = np.linalg.norm(corners[2] - corners[3]), np.linalg.norm(corners[3] - corners[0])
    portrait = (left + right) >= (top + bottom)
    short, long = round(A4[0] * dpi), round(A4[1] * dpi)
    width, height = (short, long) if portrait else (long, short)
    target = np.array([[0, 0], [width - 1, 0], [width - 1, height - 1], [0, height - 1]], dtype=np.float32)
    matrix = cv2.getPerspectiveTransform(corners, target)
    flat = cv2.warpPerspective(
        pixels, matrix, (width, height), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE
    )
    return Image.fromarray(even_light(flat))


def even_light(gray: np.ndarray) -> np.ndarray:
    """The page divided by its paper's brightness: a shadow or a lamp's falloff no longer reads as ink."""
    paper = cv2.morphologyEx(gray, cv2.MORPH_CLOSE, np.ones((21, 21), np.uint8))  # text closed over
    paper = cv2.GaussianBlur(paper, (0, 0), 15)
    return cv2.divide(gray, paper, scale=250)
