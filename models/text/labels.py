"""Chinese (and English) labels for every identifier the UI shows: one place, never scattered.

Screens and exports call `label(kind, id, language)`; ids stay the glossary's English identifiers.
"""

from __future__ import annotations

from models.text.labels_ui import UI

LABELS: dict[str, dict[str, tuple[str, str]]] = {
    "state": {
        "new": ("待分类", "new"), "local": ("属地办理", "local"), "whistled": ("待分哨", "whistled"),
        "dispatched": ("待签收", "dispatched"), "acknowledged": ("已签收", "acknowledged"),
        "on_site": ("已报到", "on site"), "returned": ("退单待审", "returned"),
        "resolved": ("待回访", "resolved"), "closed": ("已归档", "closed"), "rejected": ("不予受理", "rejected"),
        "merged": ("已合并", "merged"), "split": ("已拆分", "split"),
    },
    "view": {
        "new": ("待分类", "New"), "whistled": ("待分哨", "To dispatch"), "in_progress": ("办理中", "In progress"),
        "overdue": ("超期", "Overdue"), "to_evaluate": ("待回访", "To evaluate"), "all": ("全部", "All"),
    },
    "decision": {"local": ("属地办理", "local"), "whistle": ("吹哨", "whistle"), "reject": ("不予受理", "reject")},
    "review": {"uphold": ("维持原派（退单不予支持）", "uphold"), "redispatch": ("改派", "re-dispatch")},
    "skill": {"triage": ("来件分类与吹哨判断", "triage"), "duplicates": ("重复件合并", "duplicates"),
              "split": ("一件多诉拆分", "split"), "dispatch": ("多部门分哨", "dispatch"),
              "review": ("退单审核", "review a return"), "extension": ("延期与挂起", "extension and pause"),
              "supervision": ("督办晨会", "supervision"), "closing": ("回访闭环", "closing the loop")},
    "answer_kind": {"decision": ("分类决定", "decision"), "lead": ("主责部门", "lead"),
                    "cooperating": ("配合部门", "cooperating"), "review": ("退单审核", "review"),
                    "merged_with": ("应合并", "merge"), "not_merged": ("不应合并", "keep apart"),
                    "split_parts": ("拆分", "split"), "evaluation": ("回访结果", "callback"),
                    "reopened": ("重办", "reopen"), "closed": ("归档", "close"),
                    "extension": ("延期审批", "extension"), "paused": ("挂起", "pause"),
                    "ladder": ("催办/通报", "reminder / notice"), "order": ("督办令", "supervision order"),
                    "meeting": ("联席会议", "joint meeting")},
    "penalty": {"whistle_own_duty": ("把乡镇履职事项吹哨上交（乱吹）", "whistled a township duty item"),
                "dispatch_returner": ("改派给刚退单的部门", "re-dispatched to the department that returned it"),
                "close_unsatisfied": ("群众不满意仍归档", "closed a case the citizen was unsatisfied with"),
                "approve_late_extension": ("批准超过期限才申请的延期", "approved an extension requested after the deadline")},
    "priority": {"urgent": ("紧急", "urgent"), "utility": ("民生保障", "utility"), "general": ("一般", "general"),
                 "complex": ("复杂", "complex")},
    "role": {"dispatcher": ("吹哨办调度员", "dispatcher"), "township": ("乡镇工作人员", "township"),
             "department": ("部门联络员", "department"), "supervisor": ("督办组", "supervisor"),
             "admin": ("管理员", "admin")},
    "assignment_role": {"lead": ("主责", "lead"), "cooperating": ("配合", "cooperating")},
    "assignment_state": {"pending": ("待签收", "pending"), "acknowledged": ("已签收", "acknowledged"),
                         "on_site": ("已报到", "on site"), "returned": ("已退单", "returned"),
                         "withdrawn": ("已撤回", "withdrawn")},
    "source": {"citizen": ("群众回访", "citizen"), "township": ("基层评价", "township"),
               "third_party": ("第三方评价", "third party")},
    "outcome": {"rated": ("已评价", "rated"), "unreachable": ("无法联系", "unreachable")},
    "rating": {"satisfied": ("满意", "satisfied"), "basically_satisfied": ("基本满意", "basically satisfied"),
               "unsatisfied": ("不满意", "unsatisfied")},
    "action": {
        "intake": ("受理", "intake"), "triage": ("分类", "triage"), "dispatch": ("分哨", "dispatch"),
        "acknowledge": ("签收", "acknowledge"), "return": ("退单", "return"),
        "review_return": ("退单审核", "review return"), "arrive": ("报到", "arrive"), "note": ("办理进展", "note"),
        "resolve": ("办结", "resolve"), "evaluate": ("回访评价", "evaluate"), "reopen": ("重办", "reopen"),
        "close": ("归档", "close"), "merge": ("合并", "merge"), "unmerge": ("撤销合并", "unmerge"),
        "split": ("拆分", "split"), "pause": ("挂起", "pause"), "resume": ("恢复", "resume"),
        "extend": ("延期申请", "extension request"),
        "retriage": ("重新分类", "re-triage"), "send_back": ("退回乡镇", "sent back to the township"),
        "proposal_confirm": ("确认追责建议", "accountability proposal confirmed"),
        "proposal_dismiss": ("驳回追责建议", "accountability proposal dismissed"), "extension_approve": ("延期批准", "extension approved"),
        "extension_refuse": ("延期驳回", "extension refused"), "remind": ("催办", "reminder"),
        "notice": ("通报", "public notice"), "supervise": ("督办", "supervision order"),
        "meeting": ("联席会议", "joint meeting"),
        "operator_add": ("新增操作员", "operator added"), "operator_disable": ("停用操作员", "operator disabled"),
        "operator_enable": ("启用操作员", "operator enabled"),
        "operator_seed": ("配置导入操作员", "operator seeded from the config"),
        "operator_first_admin": ("设为首位管理员", "made the first admin"), "audit_export": ("导出审计记录", "audit export"),
        "restore": ("恢复数据库", "database restored"),
        "flag": ("列为必督", "flagged must-supervise"), "supervise_answer": ("督办反馈", "supervision answered"),
        "accountability": ("追责", "accountability"), "recompute": ("时限重算", "deadlines recomputed"),
        "setting": ("更改设置", "setting changed"),
        "audit_baseline": ("审计基线登记", "audit baseline recorded"),
    },
    "clock": {"dispatch": ("派单时限", "dispatch"), "acknowledge": ("签收时限", "acknowledge"),
              "arrive": ("报到时限", "arrive"), "resolve": ("办结时限", "resolve")},
    "notify_kind": {"dispatch": ("新派单", "dispatched to you"), "redispatch": ("改派", "re-dispatched to you"),
                    "uphold": ("退单未获支持，请继续办理", "return upheld: please act"),
                    "return_review": ("退单待审核", "return awaiting review"),
                    "extension_review": ("延期待审批", "extension awaiting decision"),
                    "remind": ("催办", "reminder"), "notice": ("通报", "public notice"),
                    "supervise": ("督办", "supervision order"), "reopen": ("重办", "reopened"),
                    "deadline_near": ("时限将至", "deadline near"),
                    "deadline_passed": ("已超时限", "deadline passed"), "digest": ("非工作时间汇总", "digest")},
    "notify_state": {"pending": ("待发送", "pending"), "sent": ("已送达", "delivered"),
                     "dead": ("发送失败（死信）", "failed (dead letter)"), "unrouted": ("未配置渠道", "no channel")},
    "notify_channel": {"webhook": ("Webhook", "webhook"), "wecom": ("企业微信", "WeCom"), "dingtalk": ("钉钉", "DingTalk"),
                       "email": ("电子邮件", "e-mail"), "sms": ("短信", "SMS"),
                       "removed": ("已停用的渠道", "a channel since removed")},
    "order_status": {"open": ("待反馈", "open"), "answered": ("已反馈", "answered"), "closed": ("已办结", "closed")},
    "order_kind": {"reminder": ("催办", "reminder"), "notice": ("通报", "public notice"), "order": ("督办", "order")},
    "supervision_level": {"normal": ("一般督办", "normal"), "key": ("重点督办", "key"),
                          "listed": ("挂牌督办", "listed")},
    "limbo": {"unassigned": ("待分派", "unassigned"), "sign_for": ("待签收", "waiting for sign-for"),
              "bouncing": ("退单往返", "bouncing between returns")},
    "board": {"title": ("督办台", "Supervision board"), "col_id": ("编号", "#"), "col_state": ("状态", "state"),
              "col_lead": ("主责", "lead"), "col_flags": ("必督原因", "flags"), "col_late": ("超期", "late"),
              "col_ladder": ("催办/通报", "escalation"), "col_orders": ("督办令", "orders"),
              "col_title": ("标题", "title"), "overdue_now": ("当前超期", "overdue now"),
              "swept": ("督办巡查更新", "sweep changed"), "empty": ("没有必督或超期件", "no must-supervise or overdue cases"),
              "no_orders": ("暂无督办记录", "no orders yet"),
              "proposals": ("追责建议", "Accountability proposals"),
              "no_proposals": ("暂无追责建议", "no accountability proposals"),
              "col_proposal": ("建议编号", "proposal"), "col_department": ("部门", "department"),
              "col_what": ("事由", "what"), "col_evidence": ("依据", "evidence"),
              "confirm_proposal": ("确认追责", "Confirm accountability"),
              "dismiss_proposal": ("驳回建议", "Dismiss proposal")},
    "supervise_reason": {"repeat": ("重复反映", "repeat"), "overdue": ("超期", "overdue"),
                         "stalled": ("无进展", "stalled"), "pingpong": ("反复退单", "ping-pong")},
    # Scoreboards, hot spots and the monthly briefing (models/reports/scoreboard.py, hotspots.py, briefing.py).
    "metric": {
        "rank": ("排名", "rank"), "score": ("总分", "score"), "assignments": ("派单", "assignments"),
        "lead": ("主责", "lead"), "cooperating": ("配合", "cooperating"), "response": ("响应率", "response"),
        "arrival": ("按时到场率", "arrival on time"), "resolution": ("解决率", "resolution"),
        "on_time": ("按时办结率", "on-time resolution"), "satisfaction": ("满意率", "satisfaction"),
        "returns": ("退单率", "return rate"), "upheld_returns": ("未获认可的退单", "upheld returns"),
        "supervision_ordered": ("督办令(不含催办通报)", "supervision orders (not reminders or notices)"),
        "formula": ("计分方法", "how the score is computed"), "as_of": ("计算时点", "as of"), "reopen": ("重办率", "reopen rate"), "overdue": ("超期", "overdue"),
        "limbo": ("悬空时长", "time in limbo"), "supervision": ("督办", "supervision orders"),
        "accountability": ("追责", "accountability"), "raised": ("受理", "raised"), "local": ("属地办理", "local"),
        "whistled": ("吹哨", "whistled"), "rejected": ("不予受理", "rejected"),
        "resolved_locally": ("属地办结率", "resolved locally"), "whistle_rate": ("吹哨率", "whistle rate"),
        "own_duty_whistles": ("吹本职哨", "own-duty whistles"),
        "sent_back": ("退回乡镇(乱吹)", "sent back (wrong whistles)"),
        "wrong_whistle_rate": ("乱吹率", "wrong-whistle rate"),
        "satisfaction_citizen": ("群众满意率", "citizen satisfaction"),
        "satisfaction_township": ("基层满意率", "township satisfaction"),
        "satisfaction_third_party": ("第三方满意率", "third-party satisfaction"),
    },
    "flag": {"too_high": ("吹哨率过高(乱吹)", "whistle rate too high"),
             "too_low": ("吹哨率过低(漏哨风险)", "whistle rate too low"),
             "own_duty": ("吹本职哨", "whistled its own duty"),
             "sent_back": ("有件被退回(乱吹)", "had whistles sent back"),
             "below_satisfaction_floor": ("满意率低于底线", "below satisfaction floor"),
             "overdue": ("有超期", "has overdue")},
    "trend": {"rising": ("上升", "rising"), "falling": ("下降", "falling"), "flat": ("持平", "flat")},
    # Headings and columns of the scoreboard and hot-spot screens and the briefing's tables.
    "report": {
        "scoreboard": ("绩效考核", "Scoreboard"), "hotspots": ("热点问题", "Hot spots"),
        "ranking": ("部门排名（红黑榜）", "Department ranking"), "townships": ("乡镇（街道）", "Townships"),
        "candidates": ("每月一题候选", "Candidates for the month's problem"),
        "overdue_cases": ("超期案件", "Overdue cases"), "supervision": ("督办", "Supervision"),
        "department": ("部门", "department"), "township": ("乡镇", "township"), "flags": ("标记", "flags"),
        "category": ("类别", "category"), "place": ("地点", "place"), "count": ("件数", "cases"),
        "weekly": ("每周", "weekly"), "trend": ("趋势", "trend"), "open": ("未办结", "open"),
        "case_ids": ("案件", "case ids"), "places": ("地点数", "places"),
        "townships_involved": ("涉及乡镇", "townships"), "case": ("案件", "case"), "title": ("标题", "title"),
        "lead": ("主责部门", "lead"), "state": ("状态", "state"), "due": ("到期", "due"),
        "hours_late": ("已超期(小时)", "hours late"), "kind": ("类型", "kind"), "issued": ("下达时间", "issued"),
        "detail": ("说明", "detail"), "must_supervise": ("必督", "must supervise"), "hours": ("(小时)", " (h)"),
        "weeks_from": ("每周件数从 {} 那一周起", "weekly counts from the week of {}"),
        "listed": ("共 {} 件，列出 {} 件", "{} in all, {} listed"),
        "orders_note": ("本期督办 {} 件；未结必督案件 {} 件", "{} orders this period; {} open must-supervise cases"),
    },
}
# Why a case is (or is not) a possible duplicate (models/intake/dupscore.py Reason kinds); the
# reason's detail (a masked phone, a percentage, a township, a count) follows the words.
LABELS["duplicate_reason"] = {
    "phone": ("同一电话", "same phone"), "address": ("地址相同", "same address"),  # detail: the place in one writing
    "address_near": ("地址相近", "address similar"),
    "text": ("内容相似", "text similar"), "township": ("同一属地", "same township"),
    "category": ("同一分类", "same category"), "other_phone": ("电话不同", "different phone"),
    "other_address": ("地址不同", "different address"), "other_township": ("属地不同", "different township"),
    "common_text": ("常见模板内容，窗口内件数", "text common in the window, cases"),
}
LABELS["ui"] = UI  # the console's own words, kept in models/text/labels_ui.py


def colon(language: str) -> str:
    """The colon after a label: full-width in Chinese text (决定：吹哨), ASCII and a space in English."""
    return "：" if language == "zh" else ": "


def label(kind: str, ident: str | None, language: str = "zh") -> str:
    """The label of an identifier; unknown ids show as themselves (never an error on screen)."""
    if ident is None:
        return ""
    pair = LABELS.get(kind, {}).get(ident)
    if pair is None:
        return ident
    return pair[0] if language == "zh" else pair[1]
