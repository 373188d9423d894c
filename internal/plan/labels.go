package plan

import "github.com/qinqing/qinqing/internal/audit"

// Labels names in Chinese what this package records in the audit log and
// the kinds of its background jobs.
func Labels() audit.LabelSet {
	return audit.LabelSet{
		Entities: map[string]string{"plan": "工作方案", "plan_task": "督办任务", "plan_report": "进展报告", "plan_notice": "督办通知",
			"plan_indicator": "量化指标"},
		Actions: map[string]string{
			"plan:publish": "发布", "plan:end": "结束", "plan:map_units": "匹配单位",
			"plan_task:sign": "签收", "plan_task:split": "分解子任务", "plan_task:milestone": "新增节点",
			"plan_task:confirm": "确认销号", "plan_task:reopen": "退回销号申请", "plan_task:link": "关联记录", "plan_task:unlink": "取消关联",
			"plan_report:file": "报送", "plan_notice:issue": "发出督办", "plan_notice:reply": "回复督办", "plan_notice:close": "办结督办",
			"plan_indicator:value": "报送实际值",
		},
		Jobs: map[string]string{JobRefresh: "刷新督办任务状态灯与排名", JobReminders: "督查督办提醒与催报"},
	}
}
