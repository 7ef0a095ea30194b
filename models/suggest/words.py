"""The words of 智能分哨: every reason, heading and note, in Chinese and English.

Registered as the "suggest" kind of models.text.labels; `{name}` placeholders are filled with str.format.
Reasons are written for an operator at the triage desk: what in the text, the duty list or the
office's own past decisions led to the suggestion.
"""

from __future__ import annotations

WORDS: dict[str, tuple[str, str]] = {
    # categories
    "cat_model": ("文中“{words}”是此类诉求的常见说法", "'{words}' is typical of this category"),
    "cat_model_plain": ("文本整体最接近此类诉求", "the text as a whole is closest to this category"),
    "cat_history": ("调度员对 {n} 件类似案件选了此分类（共同说法：{phrases}）",
                    "operators chose this for {n} similar cases (shared words: {phrases})"),
    "cat_duty": ("对应履职事项 {code}（{words}）", "matches duty item {code} ({words})"),
    "cat_known": ("案件已分类为此", "the case is already classified so"),
    # township and village
    "place_village": ("文中提到“{name}”，属{township}", "the text names {name}, in {township}"),
    "place_township": ("文中提到“{name}”", "the text names '{name}'"),
    "place_alias": ("文中提到“{name}”（{township}的简称）", "the text names '{name}' (short for {township})"),
    "place_address": ("地址中有“{name}”", "the address names '{name}'"),
    "place_hint": ("来件注明属地“{name}”", "the report gives its township as '{name}'"),
    "place_known": ("案件已登记此属地", "the case is already registered to this township"),
    # priority
    "prio_urgent": ("文中有紧急信号词：{words}", "urgent signal words: {words}"),
    "prio_utility": ("文中有民生保障信号词：{words}", "utility signal words: {words}"),
    "prio_general": ("未发现紧急或民生保障信号词", "no urgent or utility signal words"),
    "prio_negated": ("“{word}”前有否定词，未计入", "'{word}' is negated, not counted"),
    "prio_known": ("案件已定此优先级", "the case already has this priority"),
    # duty-list items and the decision they imply
    "duty_keywords": ("关键词：{words}", "keywords: {words}"),
    "duty_category": ("事项分类与建议分类一致（{category}）", "its category agrees with the suggestion {category}"),
    "duty_history": ("{n} 件类似案件引用了此事项", "cited for {n} similar cases"),
    "duty_known": ("案件已引用此事项", "the case already cites this item"),
    "scope_township": ("乡镇自身职责", "the township's own duty"),
    "scope_whistle": ("需吹哨由部门报到", "a whistle matter"),
    "decision_duty": ("{code} 是{scope}", "{code} is {scope}"),
    "decision_history": ("{n}/{total} 件类似案件决定{decision}", "{n} of {total} similar cases were decided {decision}"),
    # departments
    "dept_duty_lead": ("履职事项 {code} 的主责部门", "lead department of duty item {code}"),
    "dept_duty_coop": ("履职事项 {code} 的配合部门", "cooperating department of duty item {code}"),
    "dept_history_lead": ("调度员在 {n} 件类似案件中选其主责", "operators chose it as lead for {n} similar cases"),
    "dept_history_coop": ("调度员在 {n} 件类似案件中选其配合", "operators chose it to cooperate on {n} similar cases"),
    # notes
    "note_no_model": ("尚未训练分类模型，分类仅依据履职清单和历史案件：运行 chuishao suggest train",
                      ("no trained model yet, categories come from the duty list and past cases only: "
                       "run chuishao suggest train")),
    "note_stale_model": ("已存的分类模型由旧版本训练，无法使用：请重新运行 chuishao suggest train",
                         ("the stored model was trained by an older version and cannot be used: "
                          "run chuishao suggest train again")),
    "note_similar": ("参考了 {n} 件类似的已处理案件", "{n} similar decided cases were consulted"),
    # headings
    "head_item": ("项目", "item"), "head_suggestion": ("建议", "suggestion"), "head_score": ("分值", "score"),
    "head_reasons": ("理由", "reasons"),
    "row_category": ("分类", "category"), "row_township": ("属地", "township"), "row_priority": ("优先级", "priority"),
    "row_duty": ("履职事项", "duty item"), "row_decision": ("处置", "decision"), "row_lead": ("主责部门", "lead"),
    "row_cooperating": ("配合部门", "cooperating"),
    "head_true": ("实际分类", "true category"), "head_rows": ("条数", "rows"), "head_top1": ("首选命中", "top-1"),
    "head_top3": ("前三命中", "top-3"), "head_predicted": ("首选分类（条数）", "classified first as (rows)"),
}
