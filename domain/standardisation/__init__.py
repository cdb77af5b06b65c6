"""Branch standardisation (支部标准化规范化建设, seed 002): checklists (目标任务书), the
self-assessment (自评), the committee's evaluation (组织考评), and records of organisational life
(组织生活: 三会一课, 主题党日)."""
