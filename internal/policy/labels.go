package policy

import "github.com/qinqing/qinqing/internal/audit"

// Labels names in Chinese what this package records in the audit log and
// the kinds of its background jobs.
func Labels() audit.LabelSet {
	return audit.LabelSet{
		Entities: map[string]string{"policy": "政策"},
		Actions: map[string]string{"policy:status": "变更状态", "policy:clause.create": "新增条款", "policy:clause.update": "修改条款",
			"policy:clause.delete": "删除条款", "enterprise:policy.subscribe": "订阅政策类别"},
		Jobs: map[string]string{JobPushClause: "推送条款", JobPushEnterprise: "向变更的企业推送", JobPushAll: "全量推送",
			JobNotifySubscribers: "通知订阅企业"},
	}
}
