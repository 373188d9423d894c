package notify

import "github.com/qinqing/qinqing/internal/audit"

// Labels names in Chinese the kinds of this package's background jobs.
func Labels() audit.LabelSet {
	return audit.LabelSet{Jobs: map[string]string{DeliverKind: "外发通知（Webhook）"}}
}
