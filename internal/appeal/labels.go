package appeal

import "github.com/qinqing/qinqing/internal/audit"

// Labels names in Chinese what this package records in the audit log and
// the kinds of its background jobs.
func Labels() audit.LabelSet {
	return audit.LabelSet{
		Entities: map[string]string{"appeal": "诉求", "appeal_catalogue": "派单目录", "appeal_sla_class": "诉求时限类别",
			"appeal_import": "12345工单导入"},
		Actions: map[string]string{
			"appeal:file": "受理", "appeal:dispatch": "派单", "appeal:sign": "签收", "appeal:return": "退回", "appeal:transfer": "转办",
			"appeal:co_reply": "协办意见", "appeal:pause": "待补充", "appeal:resume": "恢复办理", "appeal:supply": "补充材料",
			"appeal:extension_request": "申请延期", "appeal:extension_approve": "批准延期", "appeal:extension_refuse": "不批准延期",
			"appeal:reply": "答复", "appeal:evaluate": "评价", "appeal:reopen": "重办", "appeal:close": "销号", "appeal:link": "关联",
			"appeal:merge": "合并", "appeal:merge_in": "并入", "appeal:supervise": "催办督办", "appeal:expire": "记为未评价",
			"appeal:replay": "重算时限", "appeal:attach": "上传附件",
		},
		Jobs: map[string]string{JobSupervise: "诉求催办督办", JobExpireEvaluations: "诉求评价期满", JobReplay: "重算诉求时限",
			JobImport: "导入12345工单"},
		JobLinks: map[string]string{JobImport: "/appeals/import/{run}"},
	}
}
