package workday

import "github.com/qinqing/qinqing/internal/audit"

// Labels names in Chinese what this package records in the audit log.
func Labels() audit.LabelSet {
	return audit.LabelSet{
		Entities: map[string]string{"workday": "工作日历"},
		Actions:  map[string]string{"workday:override": "调整工作日", "workday:override.delete": "撤销调整"},
	}
}
