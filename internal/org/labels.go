package org

import "github.com/qinqing/qinqing/internal/audit"

// Labels names in Chinese what this package records in the audit log.
func Labels() audit.LabelSet {
	return audit.LabelSet{Entities: map[string]string{"unit": "组织单位"}}
}
