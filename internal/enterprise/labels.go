package enterprise

import "github.com/qinqing/qinqing/internal/audit"

// Labels names in Chinese what this package records in the audit log and
// the kinds of its background jobs.
func Labels() audit.LabelSet {
	return audit.LabelSet{
		Entities: map[string]string{"enterprise": "企业", "invitation": "企业邀请码", "self_report": "企业自报", "import_run": "企业导入"},
		Actions: map[string]string{
			"enterprise:update": "修改档案", "enterprise:import": "批量导入", "import_run:retry": "重试",
			"invitation:redeem":         "开通账号",
			"self_report:accept_failed": "采纳失败",
		},
		Jobs:     map[string]string{ImportJobKind: "企业导入", CleanUploadsKind: "清理导入上传文件"},
		JobLinks: map[string]string{ImportJobKind: "/admin/import/{run}"},
	}
}
