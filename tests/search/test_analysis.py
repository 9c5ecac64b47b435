"""Text preparation shared by indexing and querying (no Elasticsearch needed)."""

import pytest
from django.core.exceptions import ValidationError

from search.analysis import (
    SynonymRules,
    completion_inputs,
    completion_key,
    is_pinyin_query,
    looks_like_doc_number,
    normalise_doc_number,
    normalise_index_number,
    normalise_pinyin_query,
    pinyin_initials,
    pinyin_suffix_tokens,
    pinyin_syllables,
)
from search.models import Synonym

CANONICAL = "聊政办发〔2021〕5号"


@pytest.mark.parametrize(
    "written",
    [
        "聊政办发〔2021〕5号",
        "聊政办发[2021]5号",
        "聊政办发【2021】5号",
        "聊政办发(2021)5号",
        "聊政办发（2021）5号",
        "聊政办发［2021］5号",
        "聊政办发〖2021〗5号",
        "聊政办发 〔2021〕 5 号",
        "聊政办发（２０２１）５号",
        "聊政办发\u3000[2021]\u30005号",
        "聊政办发〔2021〕第5号",
        "聊政办发〔2021〕05号",
    ],
)
def test_document_number_variants_normalise_to_one_form(written):
    assert normalise_doc_number(written) == CANONICAL


def test_document_number_normalisation_keeps_what_differs():
    assert normalise_doc_number("聊政办发〔2021〕15号") != CANONICAL
    assert normalise_doc_number("聊政办字〔2021〕5号") != CANONICAL
    assert normalise_doc_number("聊政办发〔2022〕5号") != CANONICAL
    assert normalise_doc_number("") == "" and normalise_doc_number(None) == ""
    assert normalise_doc_number("国办发〔2019〕10号") == "国办发〔2019〕10号"


def test_document_number_detection():
    assert looks_like_doc_number("聊政办发[2021]5号")
    assert looks_like_doc_number("(2021)5号")
    assert not looks_like_doc_number("义务教育招生")


def test_index_number_normalisation():
    assert normalise_index_number(" ＪＹＪ／２０２１－０００５ ") == "jyj/2021-0005"


def test_pinyin_syllables_and_initials():
    assert pinyin_syllables("义务教育") == ["yi", "wu", "jiao", "yu"]
    assert pinyin_initials("义务教育") == ["y", "w", "j", "y"]
    # Polyphones through the phrase dictionary; ü written v; other runs kept whole.
    assert pinyin_syllables("银行") == ["yin", "hang"]
    assert pinyin_syllables("绿色") == ["lv", "se"]
    assert pinyin_syllables("2026年ABC计划（试行）") == ["2026", "nian", "abc", "ji", "hua", "shi", "xing"]
    assert pinyin_initials("2026年计划") == ["2026", "n", "j", "h"]


def test_pinyin_suffix_tokens_let_any_run_be_found_by_prefix():
    tokens = pinyin_suffix_tokens(pinyin_syllables("关于义务教育招生")).split()
    assert tokens[0] == "guanyuyiwujiaoyuzhaosheng"
    assert any(t.startswith("yiwujiaoyu") for t in tokens)
    assert any(t.startswith("jiaoyuzhao") for t in tokens)
    initials = pinyin_suffix_tokens(pinyin_initials("关于义务教育招生")).split()
    assert any(t.startswith("ywjy") for t in initials)
    # Tokens cover at most PINYIN_SPAN characters each.
    long_tokens = pinyin_suffix_tokens(["a"] * 30, span=10).split()
    assert len(long_tokens) == 30 and max(map(len, long_tokens)) == 10


def test_pinyin_query_helpers():
    assert normalise_pinyin_query(" Yi Wu Jiao'Yu ") == "yiwujiaoyu"
    assert is_pinyin_query("yiwu jiaoyu") and is_pinyin_query("YWJY")
    assert not is_pinyin_query("义务教育") and not is_pinyin_query("2021")


def test_completion_inputs():
    inputs = completion_inputs("关于做好 义务教育招生工作的通知", "聊政办发[2021]5号")
    assert inputs[0] == "关于做好义务教育招生工作的通知"
    assert "义务教育招生工作的通知" in inputs
    assert "guanyuzuohaoyiwujiaoyuzhaoshenggongzuodetongzhi"[:50] in inputs
    assert "gyzhywjyzsgzdtz" in inputs
    assert CANONICAL in inputs
    assert all(len(i) <= 50 for i in inputs) and len(inputs) == len(set(inputs))
    assert completion_key("  ＡＢ c ") == "abc"


def test_completion_inputs_start_after_an_opening_quotation_mark():
    inputs = completion_inputs("《示例县义务教育学校招生入学办法》政策解读")
    assert inputs[0] == "《示例县义务教育学校招生入学办法》政策解读"
    assert "示例县义务教育学校招生入学办法》政策解读" in inputs
    assert completion_inputs("“双减”工作情况通报")[1] == "双减”工作情况通报"
    assert len(completion_inputs("义务教育招生公告")) == len(set(completion_inputs("义务教育招生公告")))


def test_synonym_rules_expand_documents():
    rules = SynonymRules.from_rules(
        [
            (["低保", "最低生活保障"], ["低保", "最低生活保障"]),
            (["五保"], ["特困人员供养"]),  # one-way: 特困人员供养 documents are found by 五保
        ]
    )
    assert rules.expand("关于提高最低生活保障标准的通知") == ["低保"]
    assert rules.expand("低保金发放") == ["最低生活保障"]
    assert rules.expand("特困人员供养名单") == ["五保"]
    assert rules.expand("五保户") == []
    assert rules.expand("无关内容") == []
    assert SynonymRules.from_rules([]).expand("低保") == []


def test_synonym_rule_parsing_and_validation():
    assert Synonym(terms="低保，最低生活保障、城乡低保").rule() == (
        ["低保", "最低生活保障", "城乡低保"],
        ["低保", "最低生活保障", "城乡低保"],
    )
    assert Synonym(terms="五保 => 特困人员供养").rule() == (["五保"], ["特困人员供养"])
    Synonym(terms="低保,最低生活保障").clean()
    for bad, message in [
        ("低保", "至少要有两个词"),
        ("=> 特困", "两边都要有词"),
        ("a => b => c", "只能有一个"),
        ("低保，" + "长" * 51, "不超过50个字"),
    ]:
        with pytest.raises(ValidationError, match=message):
            Synonym(terms=bad).clean()
