"""Telegram adapters: turn updates into calls on domain/, render replies from templates/."""
