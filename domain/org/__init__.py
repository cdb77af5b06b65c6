"""The organisation: units (组织部 → 党委/党工委 → 党总支 → 党支部), people and their roles, invites,
bound group chats, and who may do what (permissions)."""
