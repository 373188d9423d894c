package network

import "github.com/qinqing/qinqing/internal/audit"

// Labels names in Chinese what this package records in the audit log and
// the kinds of its background jobs.
func Labels() audit.LabelSet {
	return audit.LabelSet{
		Entities: map[string]string{"service_station": "服务站", "visit": "走访记录", "specialist": "服务专员",
			"network": "服务网络", "enterprise_assignment": "企业分配"},
		Actions: map[string]string{"network:assign": "自动分配", "enterprise_assignment:unassign": "取消分配",
			"enterprise_assignment:reassign": "改派", "visit:create": "登记"},
		Jobs: map[string]string{JobAssign: "分配企业给服务专员", JobVisitReminders: "走访提醒"},
	}
}
