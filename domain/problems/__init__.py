"""Problem lists and their rectification (问题清单与整改销号), and the spot checks that raise them.

Glossary: problem item 问题清单事项 (one thing a branch must put right, with a due date); owner 责任方
(the branch: its secretaries); rectification 整改; measures 整改措施; evidence 佐证材料; verification
验收 (by a committee reviewer or an inspector); closing 销号; return 退回; extension 延期; severity
严重程度 (一般 / 较重 / 严重); spot check 现场检查 (定期检查, 不定期抽查, 明察暗访, 回头看); method 方式
(听 / 查 / 看 / 评); regression 反弹 (a closed problem found again by a revisit); random draw 随机抽查.

``lifecycle`` is the one transition table; ``usecases`` are what the chat calls; ``purposes`` registers
the forms (spot check, rectification replies, verdicts) with the one forms engine.
"""
