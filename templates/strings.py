"""Short plain-text labels: buttons, the command menu, toasts, looked up by key.

``Renderer.string(key, locale)`` translates the Chinese text through the catalogues; ``N_`` only
marks it for extraction. ``{name}`` placeholders are filled with ``str.format``.
"""


def N_(text: str) -> str:  # noqa: N802 - the gettext convention for "translate later"
    return text


STRINGS: dict[str, str] = {
    "lang.zh": N_("中文"),
    "lang.en": N_("English"),
    "stale": N_("这个按钮已失效，请重新打开菜单。"),
    "form.stale_button": N_("这个按钮已失效，请使用最新一条消息中的按钮。"),
    "not_allowed": N_("您没有权限执行此操作。"),
    "error": N_("出错了，请稍后重试。"),
    "cmd.start": N_("开始 / 重新显示菜单"),
    "cmd.help": N_("查看可用的命令"),
    "cmd.lang": N_("切换语言 / Language"),
    "cmd.invite": N_("创建邀请链接"),
    "cmd.units": N_("查看组织架构"),
    "cmd.bind": N_("将本群绑定到党委"),
    "cmd.unbind": N_("解除本群绑定"),
    "role.admin": N_("组织部管理员"),
    "role.committee": N_("党委审核人"),
    "role.secretary": N_("支部书记"),
    "role.inspector": N_("巡察考评员"),
    "cmd.selfcheck": N_("支部标准化建设自评"),
    "cmd.demo": N_("示范阵地创建自评"),
    "cmd.activity": N_("记录组织生活（三会一课、主题党日）"),
    "cmd.review": N_("审核支部提交的自评"),
    "cmd.problems": N_("查看问题清单"),
    "cmd.cancel": N_("放弃正在填写的表单"),
    "cmd.publish": N_("发布新版清单"),
    "form.back": N_("⬅️ 上一题"),
    "form.skip": N_("跳过"),
    "form.done": N_("完成 ✔️"),
    "form.cancel": N_("✖️ 放弃"),
    "form.submit": N_("✅ 提交"),
    "review.open": N_("开始审核"),
    "review.button": N_("{unit} · {form} · 第{round}次 · {date}"),
    "review.done_already": N_("这份自评已经审核过了。"),
    "form.keep": N_("保持不变 ➡️"),
    "reminder.btn.open_item": N_("查看问题"),
    "reminder.btn.fill_in": N_("去填报"),
    "reminder.btn.review": N_("去审核"),
    "reminder.btn.record_activity": N_("记录组织生活"),
    "reminder.btn.snooze": N_("⏰ 明天再提醒"),
    "reminder.snoozed": N_("好的，{when} 再提醒您。"),
    "reminder.kind.branch_general_meeting": N_("支部党员大会"),
    "reminder.kind.committee_meeting": N_("支委会"),
    "reminder.kind.group_meeting": N_("党小组会"),
    "reminder.kind.party_lecture": N_("党课"),
    "reminder.kind.theme_day": N_("主题党日"),
    "menu.selfcheck": N_("📝 支部自评"),
    "menu.activity": N_("🗓 记录组织生活"),
}
