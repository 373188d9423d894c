package stats

import "github.com/qinqing/qinqing/internal/audit"

// Labels names in Chinese what this package records in the audit log and
// the kinds of its background jobs.
func Labels() audit.LabelSet {
	return audit.LabelSet{
		Entities: map[string]string{"appeal_stat_config": "诉求统计口径", "appeal_stat_month": "诉求月度指标"},
		Actions:  map[string]string{"appeal_stat_month:publish": "发布", "appeal_stat_month:recompute": "重算"},
		Jobs:     map[string]string{JobRebuild: "重建诉求指标"},
	}
}
