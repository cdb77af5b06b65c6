"""Loading form definitions from YAML and XLSX, and the problems reported when loading."""

import io

import openpyxl
import pytest

from domain.forms import (
    SHIPPED_FORMS,
    FieldType,
    FormDefinitionError,
    load_form_xlsx,
    load_form_yaml,
    shipped_form,
)

GOOD_YAML = """
id: tiny
version: 2
title: {zh: 小表, en: Tiny form}
choices:
  colours:
    - {name: red, label: {zh: 红, en: Red}}
    - {name: blue, label: 蓝}
fields:
  - {name: has_room, type: yes_no, required: true, label: {zh: 有活动室吗, en: "Is there a room?"}}
  - {name: area, type: decimal, label: 面积, unit: {zh: 平方米, en: m²}, min: 0,
     relevant: "${has_room} == true", pass: ". >= 60", category: 基础保障}
  - {name: colour, type: choice, choices: colours, label: 颜色}
"""


def _issues(text):
    with pytest.raises(FormDefinitionError) as caught:
        load_form_yaml(text)
    return caught.value.issues


def test_yaml_definition__valid__loads_fields_and_choices():
    defn = load_form_yaml(GOOD_YAML)
    assert defn.id == "tiny" and defn.version == "2"
    assert defn.title.get("en") == "Tiny form"
    assert [f.name for f in defn.fields] == ["has_room", "area", "colour"]
    assert defn.field("area").type is FieldType.DECIMAL
    assert defn.field("area").relevant.references == ("has_room",)
    assert defn.field("area").category.zh == "基础保障"
    assert [o.value for o in defn.choice_lists["colours"]] == ["red", "blue"]


def test_label__english_missing__falls_back_to_chinese():
    defn = load_form_yaml(GOOD_YAML)
    assert defn.field("colour").label.get("en") == "颜色"
    assert defn.choice_lists["colours"][1].label.get("en") == "蓝"


def test_yaml_definition__several_problems__reports_all_with_rows_and_columns():
    issues = _issues(
        """
id: bad
fields:
  - {name: a, type: integer, label: A}
  - {name: a, type: integr, label: B}
  - {name: c, type: text}
  - {name: d, type: text, label: D, relevant: "${later} > 1"}
  - {name: later, type: integer, label: L, constraint: ". >"}
  - {name: pick, type: choice, choices: nowhere, label: P}
  - {name: e, type: text, label: E, relevant: "${ghost} == 1"}
"""
    )
    found = {(i.code, i.row, i.column) for i in issues}
    assert ("duplicate_name", 2, "name") in found
    assert ("unknown_type", 2, "type") in found
    assert ("missing_label", 3, "label") in found
    assert ("unknown_reference", 4, "relevant") in found
    assert ("bad_rule", 5, "constraint") in found
    assert ("unknown_choice_list", 6, "choices") in found
    assert ("unknown_reference", 7, "relevant") in found
    assert all(i.sheet == "fields" and i.message.zh and i.message.en for i in issues)


def test_relevance_rule__refers_to_its_own_field__is_an_error():
    issues = _issues("id: x\nfields:\n  - {name: a, type: integer, label: A, relevant: '${a} > 1'}\n")
    assert [(i.code, i.row) for i in issues] == [("forward_reference", 1)]


def test_rule__python_code__is_a_bad_rule_not_executed():
    issues = _issues(
        "id: x\nfields:\n  - {name: a, type: text, label: A, constraint: \"__import__('os').system('x')\"}\n"
    )
    assert [i.code for i in issues] == ["bad_rule"]


def test_yaml_text__not_yaml__is_a_bad_file():
    assert [i.code for i in _issues("id: [unclosed")] == ["bad_file"]


def _workbook(survey, choices=None, settings=None):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "survey"
    for row in survey:
        sheet.append(row)
    if choices is not None:
        extra = book.create_sheet("choices")
        for row in choices:
            extra.append(row)
    if settings is not None:
        extra = book.create_sheet("settings")
        for row in settings:
            extra.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def test_xlsx_definition__xlsform_sheets__loads():
    data = _workbook(
        [
            ["type", "name", "label", "label::en", "required", "relevant", "weight", "category", "pass", "unit"],
            ["select_one kinds", "kind", "类型", "Kind", "yes", None, None, None, None, None],
            ["decimal", "area", "面积", "Area", "", "${kind} = 'room'", 2, "基础保障", ". >= 60", "平方米"],
            [None, None, None, None, None, None, None, None, None, None],
            ["note", "bye", "谢谢", "Thanks", None, None, None, None, None, None],
        ],
        choices=[["list_name", "name", "label", "label::en"], ["kinds", "room", "活动室", "Room"], ["kinds", "hall", "大厅", "Hall"]],
        settings=[["form_id", "version", "title", "title::en"], ["sheet_form", 3, "表", "Sheet form"]],
    )
    defn = load_form_xlsx(data)
    assert defn.id == "sheet_form" and defn.version == "3"
    assert defn.field("kind").type is FieldType.CHOICE and defn.field("kind").choices == "kinds"
    assert defn.field("kind").required is True
    assert defn.field("area").weight == 2
    assert defn.field("area").label.get("en") == "Area"
    assert defn.field("bye").is_note


def test_xlsx_definition__chinese_headers__are_accepted():
    data = _workbook(
        [
            ["类型", "名称", "题目", "必填", "适用条件", "校验", "权重", "佐证", "类别"],
            ["是否", "has_room", "有活动室", "是", None, None, 1, None, "基础保障"],
            ["多张照片", "photos", "照片", "否", "${has_room} = true", "count(.) <= 5", None, "是", "基础保障"],
        ],
        settings=[["表单编号", "版本", "标题"], ["cn", 1, "中文表"]],
    )
    defn = load_form_xlsx(data)
    assert defn.field("photos").type is FieldType.PHOTOS
    assert defn.field("photos").evidence is True
    assert defn.field("has_room").required is True


def test_xlsx_definition__bad_rows__reports_spreadsheet_rows_and_column_letters():
    data = _workbook(
        [
            ["type", "name", "label", "relevant"],
            ["integer", "a", "A", None],
            ["integr", "b", "B", None],
            ["text", "c", None, "${zzz} > 1"],
            ["select_one missing", "d", "D", None],
        ],
        settings=[["form_id"], ["x"]],
    )
    with pytest.raises(FormDefinitionError) as caught:
        load_form_xlsx(data)
    found = {(i.code, i.sheet, i.row, i.column) for i in caught.value.issues}
    assert ("unknown_type", "survey", 3, "A") in found
    assert ("missing_label", "survey", 4, "C") in found
    assert ("unknown_reference", "survey", 4, "D") in found
    assert ("unknown_choice_list", "survey", 5, "A") in found


def test_xlsx_bytes__not_a_workbook__is_a_bad_file():
    with pytest.raises(FormDefinitionError) as caught:
        load_form_xlsx(b"not a workbook")
    assert [i.code for i in caught.value.issues] == ["bad_file"]


@pytest.mark.parametrize("form_id", SHIPPED_FORMS)
def test_shipped_form__loads__with_english_for_every_label(form_id):
    defn = shipped_form(form_id)
    assert defn.id == form_id
    assert defn.title.en
    for item in defn.fields:
        assert item.label.en, item.name
        if item.clause:
            assert item.clause.en, item.name
    for options in defn.choice_lists.values():
        assert all(option.label.en for option in options)


def test_standardisation_checklist__covers_seven_categories_and_monthly_activity_prefill():
    defn = shipped_form("standardisation")
    categories = {item.category.zh for item in defn.fields if item.category}
    assert categories == {"组织设置", "队伍建设", "组织生活", "工作机制", "基础保障", "服务群众", "中心工作"}
    assert 25 <= sum(1 for item in defn.fields if item.is_item) <= 35
    monthly = defn.field("monthly_activity")
    assert monthly.type is FieldType.YES_NO and monthly.prefill == "activity.monthly_ok"
    assert "每月正常组织一次党员活动" in monthly.label.zh


def test_load_yaml__names_too_long_for_button_data__are_refused_with_rows():
    import pytest

    from domain.forms import FormDefinitionError, load_form_yaml

    long_name = "a" * 41
    text = (f"id: f\nversion: 1\ntitle: t\nchoices:\n  l:\n    - {{name: {'选' * 14}, label: 甲}}\n"
            f"fields:\n  - {{name: {long_name}, type: text, label: 乙}}\n"
            f"  - {{name: pick, type: choice, choices: l, label: 丙}}\n")  # fmt: skip
    with pytest.raises(FormDefinitionError) as raised:
        load_form_yaml(text)
    assert [(i.code, i.row) for i in raised.value.issues if i.code == "bad_name"] == [("bad_name", 1), ("bad_name", 1)]
