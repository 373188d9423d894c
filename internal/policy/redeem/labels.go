package redeem

import (
	"time"

	"github.com/qinqing/qinqing/internal/audit"
	"github.com/qinqing/qinqing/internal/jobs"
)

// RegisterJobs registers the service's job handlers with r: generating a
// list in the interactive lane (a unit waits for it), telling enterprises
// in the bulk lane.
func (s *Service) RegisterJobs(r *jobs.Runner) {
	r.Register(JobGenerate, s.runGenerate)
	r.Register(JobExpire, s.runExpire)
	// The enterprises of a list or a bank file are told in the bulk lane:
	// many at once, and nobody waits on them.
	r.RegisterBulk(JobNotifyGrants, s.runNotifyGrants)
	r.RegisterBulk(JobNotifyPayments, s.runNotifyPayments)
}

// Schedules lists the service's periodic job: expiring unconfirmed grants
// and reminding those about to expire, hourly (reminders and expiry are
// each done once whatever the period).
func (s *Service) Schedules() []jobs.Period {
	return []jobs.Period{{Name: "redeem-expire", Kind: JobExpire, Every: time.Hour}}
}

// Labels names in Chinese what this package records in the audit log and
// the kinds of its background jobs.
func Labels() audit.LabelSet {
	return audit.LabelSet{
		Entities: map[string]string{"grant": "政策兑现", "grant_list": "兑现名单", "application": "兑现申请", "objection": "异议",
			"payment": "付款", "payment_batch": "兑付批次"},
		Actions: map[string]string{
			"grant_list:generate": "生成名单", "grant:approve": "审核通过", "grant:exclude": "排除", "grant:countersign": "会签通过",
			"grant:countersign.reject": "会签退回", "grant:confirm": "企业确认", "grant:expire": "逾期失效", "grant:settle": "清算",
			"grant:recover": "登记追回", "grant:objection": "依异议兑现",
			"application:submit": "提交申请", "application:accept": "受理", "application:approve": "审核通过", "application:refuse": "审核不通过",
			"application:return": "退回补正", "application:resubmit": "重新提交", "application:withdraw": "撤回",
			"objection:accept": "采纳异议", "objection:reject": "不予采纳",
			"payment:paid": "已拨付", "payment:refused": "银行退回", "payment:settle": "预拨款清算", "payment:repay": "重新拨付",
			"payment_batch:export": "导出", "payment_batch:bank_results": "导入银行回盘",
		},
		Jobs: map[string]string{JobGenerate: "生成兑现名单", JobNotifyGrants: "通知企业确认兑现", JobExpire: "兑现确认提醒与失效",
			JobNotifyPayments: "通知企业兑付结果"},
	}
}
