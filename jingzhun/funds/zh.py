"""The official Chinese names of the funds code lists, for what is printed or posted in Chinese
whatever the reader's language: public notices, notice PDFs and the spreadsheet exports (whose
headers follow the national exports). Pages show the translated ``TextChoices`` labels instead."""

from __future__ import annotations

from jingzhun.funds.models import BenefitKind, FundSource, MilestoneKind, ProjectKind, ProjectStatus

KIND = {
    ProjectKind.INDUSTRY: "产业发展", ProjectKind.EMPLOYMENT: "就业扶贫", ProjectKind.INFRASTRUCTURE: "基础设施",
    ProjectKind.EDUCATION: "教育扶贫", ProjectKind.HEALTH: "健康扶贫", ProjectKind.HOUSING: "住房/危房改造",
    ProjectKind.WATER: "饮水安全", ProjectKind.RELOCATION: "易地扶贫搬迁", ProjectKind.PUBLIC_POST: "公益岗位",
    ProjectKind.FINANCE: "金融/小额信贷", ProjectKind.ECOLOGY: "生态扶贫", ProjectKind.OTHER: "其他",
}
STATUS = {
    ProjectStatus.DRAFT: "草稿", ProjectStatus.IN_PROCEDURE: "入库审核中", ProjectStatus.IN_LIBRARY: "已入库",
    ProjectStatus.IN_PROGRESS: "实施中", ProjectStatus.COMPLETED: "已竣工", ProjectStatus.ACCEPTED: "已验收",
    ProjectStatus.REJECTED: "未通过", ProjectStatus.WITHDRAWN: "已撤回/出库",
}
SOURCE = {
    FundSource.CENTRAL: "中央资金", FundSource.PROVINCIAL: "省级资金", FundSource.CITY: "市级资金",
    FundSource.COUNTY: "县级资金", FundSource.INTEGRATED: "统筹整合资金", FundSource.WORK_RELIEF: "以工代赈",
    FundSource.SELF_RAISED: "群众自筹", FundSource.OTHER: "其他资金",
}
BENEFIT = {BenefitKind.DIVIDEND: "分红", BenefitKind.WORK: "务工", BenefitKind.SUBSIDY: "直接补助",
           BenefitKind.OTHER: "其他"}
MILESTONE = {MilestoneKind.APPROVAL: "立项", MilestoneKind.TENDER: "招标", MilestoneKind.START: "开工",
             MilestoneKind.COMPLETION: "竣工", MilestoneKind.ACCEPTANCE: "验收"}
