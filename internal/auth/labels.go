package auth

import "github.com/qinqing/qinqing/internal/audit"

// Labels names in Chinese what this package records in the audit log.
func Labels() audit.LabelSet {
	return audit.LabelSet{
		Entities: map[string]string{"user": "用户", "token": "API令牌"},
		Actions:  map[string]string{"user:password": "重设密码"},
		Jobs:     map[string]string{JobPurgeSessions: "清理过期会话"},
	}
}
