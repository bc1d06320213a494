"""Pillow's part: what a photo is, and its published copies. Pure (bytes in, bytes out).

Pillow is the maintained imaging library for Python: it decodes JPEG, PNG, WebP and
GIF, applies EXIF orientation, resizes with a proper filter and writes WebP and
JPEG, all in C. The copies it makes carry no metadata at all: no EXIF (GPS
position, phone model, time), no XMP, no embedded thumbnail, no ICC profile (a
wide-gamut phone photo is converted to sRGB first, so its colours stay right).
"""
from __future__ import annotations

import io
import warnings
from dataclasses import dataclass

from PIL import Image, ImageCms, ImageOps, UnidentifiedImageError

from generator.site.media import COVER, PhotoError

MAX_PIXELS = 120_000_000        # a 108-megapixel phone photo passes; a decompression bomb does not
WEBP_QUALITY = 80
WEBP_METHOD = 2                 # libwebp's effort 0-6: 2 is a third of 4's time for files about 5% larger
JPEG_QUALITY = 82
_GPS_IFD = 0x8825
_ORIENTATION = 0x0112
_ROTATED = {5, 6, 7, 8}         # orientations that swap width and height
_FORMATS = {"JPEG": "JPEG", "PNG": "PNG", "WEBP": "WEBP", "GIF": "GIF", "MPO": "JPEG"}   # MPO: a JPEG with a second frame


@dataclass(frozen=True, slots=True)
class ImageFacts:
    kind: str       # JPEG, PNG, WEBP or GIF
    width: int      # as shown, EXIF orientation applied
    height: int
    gps: bool       # the source carries a GPS position



def _open(data: bytes, name: str) -> Image.Image:
    # Opening reads the header only; our own limit below names the size (Pillow's would refuse
    # without it). Pixels are decoded later, and only for sources within the limit.
    limit, Image.MAX_IMAGE_PIXELS = Image.MAX_IMAGE_PIXELS, None
    try:
        image = Image.open(io.BytesIO(data))
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        raise PhotoError(f"「{name}」不是能识别的图片，或已损坏；请用手机或看图软件重新导出为 JPEG",
                         f"`{name}` is not an image bulletin can read, or it is damaged; export it again as JPEG") from None
    finally:
        Image.MAX_IMAGE_PIXELS = limit
    width, height = image.size
    if width * height > MAX_PIXELS:
        raise _too_big(name, (width, height))
    return image


def _too_big(name: str, size: tuple[int, int]) -> PhotoError:
    what, what_en = f"{size[0]}×{size[1]} 像素", f"{size[0]}×{size[1]} pixels"
    return PhotoError(f"「{name}」太大（{what}，上限 {MAX_PIXELS // 1_000_000} 百万像素），可能是“解压炸弹”；请缩小到 4000 像素宽以内再用",
                      f"`{name}` is too large ({what_en}; at most {MAX_PIXELS // 1_000_000} megapixels), perhaps a "
                      "decompression bomb; resize it to at most 4000 pixels wide")


def inspect(data: bytes, name: str, expected: str) -> ImageFacts:
    """What the image `data` is; PhotoError when it is not the `expected` kind, damaged, or too large.

    Cheap: the header, the EXIF block, and a check that the file is whole (a JPEG ends
    with its end marker; a PNG's chunks are verified). Pixels are decoded only for WebP and GIF.
    """
    image = _open(data, name)
    kind = _FORMATS.get(image.format or "", image.format or "?")
    if kind != expected:
        ext = {"JPEG": ".jpg", "PNG": ".png", "WEBP": ".webp", "GIF": ".gif"}.get(kind)
        hint_zh = f"；请把扩展名改为 {ext}" if ext else "；请重新导出为 JPEG"
        hint_en = f"; rename it to {ext}" if ext else "; export it again as JPEG"
        raise PhotoError(f"「{name}」的扩展名表示 {expected}，但文件内容是 {kind}{hint_zh}",
                         f"`{name}` is named as {expected} but holds {kind}{hint_en}")
    truncated = PhotoError(f"「{name}」不完整（文件被截断或已损坏）；请从手机或相机重新复制原图",
                           f"`{name}` is incomplete (truncated or damaged); copy the original from the phone or camera again")
    try:
        exif = image.getexif()
        gps = bool(exif.get_ifd(_GPS_IFD)) or _GPS_IFD in exif
        width, height = image.size
        if exif.get(_ORIENTATION) in _ROTATED:
            width, height = height, width
        if kind == "JPEG":
            if not data.rstrip(b"\0")[-2:] == b"\xff\xd9":
                raise truncated
        elif kind == "PNG":
            _open(data, name).verify()   # a fresh reader: getexif() above has moved this one on
        else:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", Image.DecompressionBombWarning)
                image.load()
    except PhotoError:
        raise
    except Exception:   # Pillow raises OSError, SyntaxError, ValueError … on damaged data
        raise truncated from None
    return ImageFacts(kind, width, height, gps)


def _upright_srgb(data: bytes, name: str, largest: int) -> Image.Image:
    """The decoded image turned upright, in sRGB, RGB (alpha laid on white), with no metadata left."""
    image = _open(data, name)
    if image.format == "JPEG":
        # Decode at the smallest scale (1/2, 1/4, 1/8) that still covers the largest width.
        stored_w, stored_h = image.size
        shown_w = stored_h if image.getexif().get(_ORIENTATION) in _ROTATED else stored_w
        scale = largest / shown_w
        if scale < 1:
            image.draft("RGB", (round(stored_w * scale), round(stored_h * scale)))
    try:
        with warnings.catch_warnings():   # Pillow warns from 89 megapixels; MAX_PIXELS was checked on opening
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            image.load()
        icc = image.info.get("icc_profile")
        image = ImageOps.exif_transpose(image) or image
    except Exception:
        raise PhotoError(f"「{name}」无法解码（文件不完整或已损坏）；请从手机或相机重新复制原图",
                         f"`{name}` cannot be decoded (incomplete or damaged); copy the original again") from None
    if image.mode in ("RGBA", "LA") or (image.mode == "P" and "transparency" in image.info):
        rgba = image.convert("RGBA")
        image = Image.new("RGB", rgba.size, (255, 255, 255))
        image.paste(rgba, mask=rgba.getchannel("A"))
    elif image.mode != "RGB":
        image = image.convert("RGB")
    if icc:
        try:
            source = ImageCms.ImageCmsProfile(io.BytesIO(icc))
            image = ImageCms.profileToProfile(image, source, ImageCms.createProfile("sRGB"), outputMode="RGB") or image
        except (ImageCms.PyCMSError, OSError, ValueError):
            pass   # an unreadable profile: the pixels as they are
    image.info.clear()   # nothing of the source's metadata may travel into a copy
    return image


def variants(data: bytes, name: str, widths: tuple[int, ...]) -> dict[str, bytes]:
    """The published copies of one photo: "480.webp", "480.jpg" … for each width, and "cover.jpg"."""
    image = _upright_srgb(data, name, max(widths[-1], COVER[0]))
    made: dict[str, bytes] = {}
    # Largest first, each smaller copy made from the one before: a third of the resizing work
    # of starting from the source each time, and no visible difference at these ratios.
    copy = image
    for width in sorted(widths, reverse=True):
        if width != copy.width:
            copy = copy.resize((width, max(1, round(image.height * width / image.width))), Image.Resampling.LANCZOS)
        made[f"{width}.webp"] = _encode(copy, "WEBP")
        made[f"{width}.jpg"] = _encode(copy, "JPEG")
    made["cover.jpg"] = _encode(ImageOps.fit(copy if copy.width >= COVER[0] else image, COVER, Image.Resampling.LANCZOS), "JPEG")
    return dict(sorted(made.items()))


def whole(data: bytes, name: str, kind: str) -> bytes:
    """An image attachment at its own size, upright, without metadata (PNG stays PNG, others become JPEG)."""
    image = _upright_srgb(data, name, 10**9)
    return _encode(image, "PNG" if kind == "PNG" else "JPEG")


def _encode(image: Image.Image, kind: str) -> bytes:
    out = io.BytesIO()
    if kind == "WEBP":
        image.save(out, "WEBP", quality=WEBP_QUALITY, method=WEBP_METHOD)
    elif kind == "PNG":
        image.save(out, "PNG", optimize=True)
    else:
        image.save(out, "JPEG", quality=JPEG_QUALITY, optimize=True, progressive=True)
    return out.getvalue()
