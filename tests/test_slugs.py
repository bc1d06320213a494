"""ASCII slugs: pinyin that knows words, an 80-character cut at a word, the slug rule."""
from __future__ import annotations

import pytest

from generator.core.slugs import MAX_SLUG, PLACE_NAMES, SHIPPED, Readings, is_valid_slug, slugify


@pytest.mark.parametrize(("text", "slug"), [
    ("凉泉乡", "liang-quan-xiang"),
    ("扬子街道", "yang-zi-jie-dao"),
    ("南干渠新架桥梁", "nan-gan-qu-xin-jia-qiao-liang"),
    ("扬子街道“妈妈班”弹性工时试点意见反馈", "yang-zi-jie-dao-ma-ma-ban-tan-xing-gong-shi-shi-dian-yi-jian-fan-kui"),
    ("弹性", "tan-xing"),
    ("重庆长寿区", "chong-qing-chang-shou-qu"),
    ("银行行长", "yin-hang-hang-zhang"),
    ("造甲乡：道路畅通工程（造甲至陈刘段）", "zao-jia-xiang-dao-lu-chang-tong-gong-cheng-zao-jia-zhi-chen-liu-duan"),
    ("211省道拦断道路", "211-sheng-dao-lan-duan-dao-lu"),
    ("About Us", "about-us"),
    ("  Hello,   World!  ", "hello-world"),
    ("Café résumé", "cafe-resume"),
    ("ABC 中文 123", "abc-zhong-wen-123"),
    ("", ""),
    ("！？。", ""),
    ("🙂", ""),
])
def test_slugify(text: str, slug: str) -> None:
    assert slugify(text) == slug
    assert slug == "" or is_valid_slug(slug)


def test_long_titles_are_cut_at_a_word_within_80_characters() -> None:
    title = "长丰县杨庙镇庙南社区老圩岔路口村民组放水支渠清淤硬化改造民生工程协商议事成果反馈与跟踪督办情况通报"
    slug = slugify(title)
    assert 60 < len(slug) <= MAX_SLUG == 80
    assert is_valid_slug(slug)
    full = slugify(title, max_length=10_000)
    assert full.startswith("chang-feng-xian-") and full.startswith(slug + "-")   # cut exactly between two syllables


def test_cut_at_a_word_for_ascii_too() -> None:
    slug = slugify(" ".join(["consultation"] * 10))
    assert slug == "-".join(["consultation"] * 6) and len(slug) == 77


def test_a_single_overlong_word_is_truncated() -> None:
    assert slugify("a" * 100) == "a" * 80
    assert slugify("abc def", max_length=5) == "abc"


@pytest.mark.parametrize(("slug", "valid"), [
    ("liangquan-bridge", True), ("a", True), ("2021-report", True), ("a1-b2-c3", True),
    ("Liangquan", False), ("liangquan_bridge", False), ("-a", False), ("a-", False), ("a--b", False),
    ("", False), ("凉泉", False), ("a b", False), ("a/b", False), ("..", False), ("a" * 80, True), ("a" * 81, False),
])
def test_slug_rule(slug: str, valid: bool) -> None:
    assert is_valid_slug(slug) is valid


@pytest.mark.parametrize(("name", "slug"), [
    ("长岭镇", "chang-ling-zhen"), ("长丰县", "chang-feng-xian"), ("长集镇", "chang-ji-zhen"), ("大长岭村", "da-chang-ling-cun"),
    ("长子县", "zhang-zi-xian"),   # the one place whose 长 is zhang
    ("涡阳县", "guo-yang-xian"), ("单县", "shan-xian"), ("六安市", "lu-an-shi"), ("蚌埠市", "beng-bu-shi"),
    ("枞阳县", "zong-yang-xian"), ("凉泉乡", "liang-quan-xiang"), ("重庆市", "chong-qing-shi"),
])
def test_place_names_are_read_as_places(name: str, slug: str) -> None:
    assert slugify(name, readings=PLACE_NAMES) == slug


@pytest.mark.parametrize(("title", "slug"), [
    ("长丰县杨庙镇开设妈妈班", "chang-feng-xian-yang-miao-zhen-kai-she-ma-ma-ban"),   # shipped: 长丰
    ("村长走访群众", "cun-zhang-zou-fang-qun-zhong"),                               # 长 outside a place name
    ("银行行长", "yin-hang-hang-zhang"),
])
def test_titles_use_the_shipped_place_readings(title: str, slug: str) -> None:
    assert slugify(title) == slug


def test_a_sites_place_readings_reach_its_titles() -> None:
    site = Readings({"长坝村": "chang ba cun", "乐平镇": "le ping zhen"}, SHIPPED)
    assert slugify("镇长走访长坝村", readings=site) == "zhen-zhang-zou-fang-chang-ba-cun"
    assert slugify("乐平镇修路", readings=site) == "le-ping-zhen-xiu-lu"
    assert slugify("镇长走访长坝村") == "zhen-zhang-zou-fang-zhang-ba-cun"   # without them, pypinyin's guess
