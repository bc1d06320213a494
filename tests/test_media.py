"""Photos and attachments: a case folder's files published small, safe and named by content."""
from __future__ import annotations

import io
import json
import os
import re
from pathlib import Path

import pytest
from conftest import case_text, make_site, run, tree_hash
from PIL import Image

from generator.build import photos
from generator.site import media

GPS_IFD = 0x8825


def jpeg(size: tuple[int, int] = (2000, 1333), colour: tuple[int, int, int] = (60, 120, 200), exif: Image.Exif | None = None,
         **options: object) -> bytes:
    image = Image.new("RGB", size, colour)
    for x in range(0, size[0], max(1, size[0] // 8)):   # some structure, so sizes differ by width
        image.paste((colour[0], 200, 90), (x, 0, x + max(1, size[0] // 16), size[1]))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=80, exif=exif.tobytes() if exif is not None else b"", **options)
    return out.getvalue()


def png(size: tuple[int, int] = (800, 600)) -> bytes:
    out = io.BytesIO()
    Image.new("RGBA", size, (200, 90, 40, 128)).save(out, "PNG")
    return out.getvalue()


def phone_exif() -> Image.Exif:
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"          # Make
    exif[0x0110] = "Phone X Pro"         # Model
    exif[0x0132] = "2021:11:02 10:11:12"  # DateTime
    exif[GPS_IFD] = {1: "N", 2: (30.0, 7.0, 12.5), 3: "E", 4: (116.0, 41.0, 3.0)}
    return exif


PHOTO_CASE = ("photos:\n  - {file: bridge.jpg, caption: 新桥通车, alt: 南干渠上的新桥，车辆正在通行}\n"
              "  - {file: road.png, alt: 施工拦断的道路}\n"
              "attachments:\n  - {file: minutes.pdf, title: 议事会会议纪要}\n")
PDF = b"%PDF-1.4\n" + b"0" * 3000 + b"\n%%EOF\n"


def photo_site(root: Path, extra: str = PHOTO_CASE, files: dict[str, bytes] | None = None, body: str = "正文。") -> Path:
    given: dict[str, str | bytes] = {
        "content/cases/liangquan-bridge/index.md": case_text(slug="liangquan-bridge", extra=extra, body=body),
        "content/cases/liangquan-bridge/bridge.jpg": jpeg(exif=phone_exif()),
        "content/cases/liangquan-bridge/road.png": png(),
        "content/cases/liangquan-bridge/minutes.pdf": PDF,
    }
    given.update(files or {})
    return make_site(root, given)


def build(site: Path, out: Path, capsys: pytest.CaptureFixture[str], *flags: str) -> tuple[int, str, str]:
    return run(["build", str(site), "-o", str(out), *flags], capsys)


def test_a_case_folder_publishes_its_photos_and_attachment(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    site = photo_site(tmp_path / "site")
    code, _, err = build(site, tmp_path / "out", capsys)
    assert code == 0, err
    page = (tmp_path / "out" / "cases" / "liangquan-bridge" / "index.html").read_text(encoding="utf-8")
    pictures = re.findall(r"<picture>.*?</picture>", page)
    assert len(pictures) == 2
    first, second = pictures
    assert 'type="image/webp"' in first and "480w" in first and "960w" in first and "1600w" in first
    assert 'width="1600" height="1066"' in first and 'alt="南干渠上的新桥，车辆正在通行"' in first
    assert 'loading="lazy"' not in first and 'loading="lazy"' in second   # the first is at the top
    assert 'width="800" height="600"' in second and "1600w" not in second     # never wider than the source
    assert "<figcaption>新桥通车</figcaption>" in page
    link = re.search(r'<a href="([^"]+)" download="minutes.pdf">议事会会议纪要</a> <span class="attachment-meta">PDF，3 KB</span>', page)
    assert link, page[page.find("attachments"):][:600]
    target = (tmp_path / "out" / "cases" / "liangquan-bridge" / link[1]).resolve()
    assert target.read_bytes() == PDF and re.fullmatch(r"[0-9a-f]{20}\.pdf", target.name)
    for src in re.findall(r'(?:src|srcset)="([^"]+)"', first):
        for part in src.split(", "):
            assert (tmp_path / "out" / "cases" / "liangquan-bridge" / part.split(" ")[0]).resolve().is_file()


def test_the_published_copies_carry_no_metadata(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    site = photo_site(tmp_path / "site")
    assert build(site, tmp_path / "out", capsys)[0] == 0
    published = sorted((tmp_path / "out" / "media").iterdir())
    assert len(published) == 2 * 3 + 1 + 2 * 2 + 1   # bridge: 3 widths × 2 + cover; road: 2 widths × 2 + cover
    for path in published:
        data = path.read_bytes()
        for marker in (b"Exif", b"PhoneMaker", b"Phone X Pro", b"2021:11:02", b"http://ns.adobe.com/xap", b"ICC_PROFILE"):
            assert marker not in data, (path.name, marker)
        with Image.open(path) as image:
            assert not image.getexif() and "exif" not in image.info and "icc_profile" not in image.info
    # The source still has them: the build did not touch it.
    assert b"Phone X Pro" in (site / "content/cases/liangquan-bridge/bridge.jpg").read_bytes()


def test_gps_in_a_source_photo_is_named_by_check_and_build(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    site = photo_site(tmp_path / "site")
    code, out, err = run(["check", str(site)], capsys)
    assert code == 0
    assert "content/cases/liangquan-bridge/index.md:9: warning: 照片「bridge.jpg」带有 GPS 位置" in err
    assert "road.png" not in err
    assert "GPS" in build(site, tmp_path / "out", capsys)[2]


def test_exif_orientation_is_applied(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    exif = Image.Exif()
    exif[0x0112] = 6   # rotate 90° clockwise to show
    site = photo_site(tmp_path / "site", extra="photos:\n  - {file: tall.jpg, alt: 竖拍的照片}\n",
                      files={"content/cases/liangquan-bridge/tall.jpg": jpeg((1200, 600), exif=exif)})
    assert build(site, tmp_path / "out", capsys)[0] == 0
    page = (tmp_path / "out" / "cases" / "liangquan-bridge" / "index.html").read_text(encoding="utf-8")
    assert 'width="600" height="1200"' in page
    small = next((tmp_path / "out" / "media").glob("*-480.jpg"))
    with Image.open(small) as image:
        assert image.size == (480, 960)


def test_a_100_megapixel_photo_is_published_at_the_largest_width(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    site = photo_site(tmp_path / "site", extra="photos:\n  - {file: big.jpg, alt: 一亿像素的照片}\n",
                      files={"content/cases/liangquan-bridge/big.jpg": jpeg((10000, 10000))})
    code, _, err = build(site, tmp_path / "out", capsys)
    assert code == 0, err
    with Image.open(next((tmp_path / "out" / "media").glob("*-1600.jpg"))) as image:
        assert image.size == (1600, 1600)


def _bomb() -> bytes:
    """A small PNG whose header claims 40,000 × 40,000 pixels."""
    import struct
    import zlib
    header = struct.pack(">IIBBBBB", 40000, 40000, 8, 0, 0, 0, 0)
    chunk = lambda kind, data: struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))  # noqa: E731
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\0" * 1000)) + chunk(b"IEND", b"")


BAD = [
    ("photos:\n  - {file: brige.jpg, alt: 桥}\n", {}, 9, "找不到文件「brige.jpg」（应在 content/cases/liangquan-bridge/ 中）；你是不是想写 bridge.jpg？"),
    ("photos:\n  - {file: bridge.jpg}\n", {}, 9, "照片缺少替代文字 alt"),
    ("photos:\n  - {file: bridge.jpg, alt: ''}\n", {}, 9, "照片缺少替代文字 alt"),
    ("photos:\n  - {file: junk.jpg, alt: 坏图}\n", {"junk.jpg": b"this is not a photo at all"}, 9, "「junk.jpg」不是能识别的图片，或已损坏"),
    ("photos:\n  - {file: cut.jpg, alt: 半张图}\n", {"cut.jpg": jpeg()[:5000]}, 9, "「cut.jpg」不完整（文件被截断或已损坏）"),
    ("photos:\n  - {file: cut.png, alt: 半张图}\n", {"cut.png": png()[:-30]}, 9, "「cut.png」不完整（文件被截断或已损坏）"),
    ("photos:\n  - {file: bomb.png, alt: 炸弹}\n", {"bomb.png": _bomb()}, 9, "「bomb.png」太大（40000×40000 像素"),
    ("photos:\n  - {file: named.jpg, alt: 其实是 PNG}\n", {"named.jpg": png()}, 9, "「named.jpg」的扩展名表示 JPEG，但文件内容是 PNG；请把扩展名改为 .png"),
    ("photos:\n  - {file: logo.svg, alt: 标志}\n", {"logo.svg": b"<svg onload='alert(1)'/>"}, 9, "「logo.svg」：SVG 图片可以携带脚本，不能发布"),
    ("photos:\n  - {file: IMG_0001.HEIC, alt: 苹果手机照片}\n", {}, 9, "浏览器不能显示 HEIC 照片；请在手机或电脑上导出为 JPEG"),
    ("photos:\n  - {file: ../other/bridge.jpg, alt: 桥}\n", {}, 9, "应写成相对于本文件所在文件夹的路径，不能含 .."),
    ("photos:\n  - {file: /etc/bridge.jpg, alt: 桥}\n", {}, 9, "应写成相对于本文件所在文件夹的路径"),
    ("photos:\n  - {file: 'https://bulletin.test/a.jpg', alt: 桥}\n", {}, 9, "应写成相对于本文件所在文件夹的路径"),
    ("photos: bridge.jpg\n", {}, 8, "photos 应为列表"),
    ("attachments:\n  - {file: minutes.exe, title: 程序}\n", {}, 9, "「minutes.exe」不是可用的附件类型"),
    ("attachments:\n  - {file: fake.pdf, title: 假的}\n", {"fake.pdf": b"<html>not a pdf</html>"}, 9, "「fake.pdf」的内容不是 PDF 文件"),
    ("attachments:\n  - {file: page.html, title: 网页}\n", {"page.html": b"<script>alert(1)</script>"}, 9, "网页文件不能作为附件发布"),
]


@pytest.mark.parametrize(("extra", "files", "line", "message"), BAD, ids=[m[:16] for *_, m in BAD])
def test_bad_media_is_named_at_its_line_and_out_stays_as_it_was(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                                extra: str, files: dict[str, bytes], line: int,
                                                                message: str) -> None:
    good = photo_site(tmp_path / "site", extra="")
    out = tmp_path / "out"
    assert build(good, out, capsys)[0] == 0
    before, listing = tree_hash(out), sorted(p.name for p in tmp_path.iterdir())
    site = photo_site(tmp_path / "site", extra=extra, files={f"content/cases/liangquan-bridge/{k}": v for k, v in files.items()})
    code, _, err = build(site, out, capsys)
    assert code == 1
    assert any(l.startswith(f"content/cases/liangquan-bridge/index.md:{line}: ") and message in l for l in err.splitlines()), err
    assert "Traceback" not in err
    assert tree_hash(out) == before and sorted(p.name for p in tmp_path.iterdir()) == listing


def test_a_photo_linked_from_outside_the_site_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    secret = tmp_path / "secret.jpg"
    secret.write_bytes(jpeg())
    site = photo_site(tmp_path / "site", extra="photos:\n  - {file: link.jpg, alt: 链接}\n")
    os.symlink(secret, site / "content/cases/liangquan-bridge/link.jpg")
    code, _, err = build(site, tmp_path / "out", capsys)
    assert code == 1 and "指向网站文件夹之外的链接" in err


def test_every_problem_of_a_file_is_reported_in_one_run(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    site = photo_site(tmp_path / "site", extra="photos:\n  - {file: nope.jpg, alt: 没有}\n  - {file: x.jpg}\n",
                      body="![](bridge.jpg)\n\n![路](gone.png)\n")
    code, _, err = build(site, tmp_path / "out", capsys)
    assert code == 1
    lines = err.splitlines()
    assert [l.split(":")[1] for l in lines if "index.md" in l] == ["9", "10", "12", "14"], err


def test_body_images_beside_the_file_become_pictures_and_odd_names_work(tmp_path: Path,
                                                                       capsys: pytest.CaptureFixture[str]) -> None:
    body = ("![新桥全景](<新桥 全景.jpg>)\n\n![编码的名字](%E6%B8%A0%E9%81%93.png)\n\n"
            "![外链图片](https://bulletin.test/x.jpg)\n\n```\n![代码里的示例](nothing.jpg)\n```\n")
    site = photo_site(tmp_path / "site", extra="", body=body,
                      files={"content/cases/liangquan-bridge/新桥 全景.jpg": jpeg((900, 600)),
                             "content/cases/liangquan-bridge/渠道.png": png((500, 400))})
    code, _, err = build(site, tmp_path / "out", capsys)
    assert code == 0, err
    page = (tmp_path / "out" / "cases" / "liangquan-bridge" / "index.html").read_text(encoding="utf-8")
    prose = page[page.find('<div class="prose">'):]
    assert prose.count("<picture>") == 2 and 'alt="新桥全景"' in prose and 'width="500" height="400"' in prose
    assert 'src="https://bulletin.test/x.jpg"' in prose   # an address is left as it is
    assert "![代码里的示例](nothing.jpg)" in prose       # an example in code is text


def test_a_text_edit_processes_no_image_and_a_new_photo_only_itself(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    made: list[str] = []
    real = photos.variants
    monkeypatch.setattr(photos, "variants", lambda data, name, widths: made.append(name) or real(data, name, widths))
    site = photo_site(tmp_path / "site")
    out = tmp_path / "out"
    assert build(site, out, capsys, "--jobs", "1")[0] == 0
    assert sorted(made) == ["bridge.jpg", "road.png"]
    made.clear()
    case = site / "content/cases/liangquan-bridge/index.md"
    case.write_text(case.read_text(encoding="utf-8").replace("正文。", "正文改过了。"), encoding="utf-8")
    assert build(site, out, capsys, "--jobs", "1")[0] == 0
    assert made == []
    (site / "content/cases/liangquan-bridge/bridge.jpg").write_bytes(jpeg(colour=(200, 40, 40)))
    assert build(site, out, capsys, "--jobs", "1")[0] == 0
    assert made == ["bridge.jpg"]
    # The warm result equals a cold build of the same content.
    assert build(site, tmp_path / "cold", capsys, "--jobs", "1", "--no-cache")[0] == 0
    assert tree_hash(out) == tree_hash(tmp_path / "cold")
    assert len(list((out / "media").glob("*-cover.jpg"))) == 2   # the old photo's copies are gone


def test_cold_builds_give_the_same_bytes_with_one_worker_or_two(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    files = {f"content/cases/c{n}/index.md": case_text(slug=f"c{n}", title=f"案例{n}",
                                                        extra=f"photos:\n  - {{file: p.jpg, alt: 照片{n}}}\n") for n in range(10)}
    files |= {f"content/cases/c{n}/p.jpg": jpeg((1000, 700), colour=(20 * n, 100, 150)) for n in range(10)}
    site = make_site(tmp_path / "site", files)
    assert build(site, tmp_path / "one", capsys, "--jobs", "1", "--no-cache")[0] == 0
    assert build(site, tmp_path / "two", capsys, "--jobs", "2", "--no-cache")[0] == 0
    assert tree_hash(tmp_path / "one") == tree_hash(tmp_path / "two")
    assert not (site / ".cache").exists()


def test_open_data_and_feeds_carry_the_photos(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    import feedparser
    site = photo_site(tmp_path / "site")
    assert build(site, tmp_path / "out", capsys)[0] == 0
    record = json.loads((tmp_path / "out/data/cases.json").read_text(encoding="utf-8"))["cases"][0]
    assert len(record["photos"]) == 2 and all(re.fullmatch(r"https://bulletin.test/media/[0-9a-f]{20}-(1600|800)\.jpg", u)
                                              for u in record["photos"])
    assert re.fullmatch(r"https://bulletin.test/media/[0-9a-f]{20}-cover\.jpg", record["cover"])
    entry = feedparser.parse((tmp_path / "out/feed.xml").read_bytes()).entries[0]
    assert [l["href"] for l in entry.links if l["rel"] == "enclosure"] == [record["cover"]]
    with Image.open(tmp_path / "out" / record["cover"].removeprefix("https://bulletin.test/")) as cover:
        assert cover.size == media.COVER
    home = (tmp_path / "out/index.html").read_text(encoding="utf-8")
    assert 'class="card-cover"' in home and 'width="480" height="320"' in home


def test_widths_never_exceed_the_source() -> None:
    assert media.widths_for(2000) == (480, 960, 1600)
    assert media.widths_for(1000) == (480, 960, 1000)
    assert media.widths_for(960) == (480, 960)
    assert media.widths_for(300) == (300,)
