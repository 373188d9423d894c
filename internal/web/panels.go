package web

import (
	"bytes"
	"html/template"
	"log/slog"
	"net/http"

	"github.com/qinqing/qinqing/internal/audit"
	"github.com/qinqing/qinqing/internal/auth"
	"github.com/qinqing/qinqing/internal/enterprise"
	"github.com/qinqing/qinqing/internal/errs"
)

// Shared pages are assembled from panels that each module contributes from
// its own handler file and partial template: the home page (/) of every
// role and an enterprise's file (一企一档). A module adds a line to
// homePanels or enterpriseSections below; it never edits the page's
// handler or template. A panel whose data fails to load shows the error in
// its place — a page never silently lacks a panel.

// homePanel is one panel of the home page: load returns the data the
// partial template tmpl renders for the actor, or nil when the panel is
// not for this actor.
type homePanel struct {
	key, title, tmpl string
	load             func(r *http.Request, a *auth.Actor) (any, error)
}

// enterpriseSection is one section of an enterprise's file, loaded like a
// homePanel for the file being shown.
type enterpriseSection struct {
	key, title, tmpl string
	load             func(r *http.Request, a *auth.Actor, f *enterprise.File) (any, error)
}

// homePanels lists the home page's panels in display order; each module
// contributes its own.
func (s *Server) homePanels() []homePanel {
	return []homePanel{
		s.checkupHomePanel(),      // handlers_policy.go: an enterprise's 政策体检
		s.benefitsHomePanel(),     // handlers_redeem_enterprise.go: an enterprise's grants to confirm
		s.profileHomePanel(),      // handlers_selfservice.go: an enterprise's own file
		s.specialistHomePanel(),   // handlers_network.go: a specialist's enterprises
		s.appealHomePanel(),       // handlers_appeal_pages.go: 企业诉求, per role
		s.appealRatesHomePanel(),  // handlers_appeal_stats.go: the month's appeal rates
		s.appealReportHomePanel(), // handlers_appeal_report.go: leaders' latest monthly report
		s.reviewsHomePanel(),      // handlers_selfservice.go: self-reports to review
		s.registryHomePanel(),     // handlers_enterprise.go: the registry
		s.planHomePanel(),         // handlers_plan.go: plan supervision
		s.policyHomePanel(),       // handlers_policy.go: the policy supermarket
		s.redeemHomePanel(),       // handlers_redeem.go: redemption and payment timeliness
		s.networkHomePanel(),      // handlers_network.go: the service network
		s.systemHomePanel(),       // handlers_admin.go: accounts, units, jobs
	}
}

// enterpriseSections lists the sections of an enterprise's file after its
// profile, in display order; each module contributes its own.
func (s *Server) enterpriseSections() []enterpriseSection {
	return []enterpriseSection{
		s.networkEnterpriseSection(), // handlers_network.go: specialist and visits
		s.policyEnterpriseSection(),  // handlers_policy.go: the 政策体检 summary
		s.redeemEnterpriseSection(),  // handlers_redeem.go: grants and applications
		s.appealEnterpriseSection(),  // handlers_appeal_pages.go: its appeals
	}
}

// panel is a loaded panel as the page shows it: the rendered partial, or
// the reason it could not be loaded.
type panel struct {
	Key, Title string
	HTML       template.HTML
	Err        string
}

// panelOf renders the partial tmpl with data, or the load error err; nil
// when there is nothing to show.
func (s *Server) panelOf(r *http.Request, key, title, tmpl string, data any, err error) *panel {
	p := &panel{Key: key, Title: title}
	if err == nil && data == nil {
		return nil
	}
	if err == nil {
		var buf bytes.Buffer
		if err = s.pages.base.ExecuteTemplate(&buf, tmpl, data); err == nil {
			p.HTML = template.HTML(buf.String())
			return p
		}
		err = errs.Wrap(err, "render panel "+key)
	}
	p.Err = errs.MessageOf(err)
	if errs.CodeOf(err) == errs.Internal {
		rid := audit.RequestID(r.Context())
		s.log.Error("panel failed", slog.String("panel", key), slog.String("request_id", rid), slog.Any("err", err))
		p.Err = "本栏目暂时无法显示，请稍后刷新（请求编号 " + rid + "）"
	}
	return p
}

// loadHomePanels loads every home panel for a.
func (s *Server) loadHomePanels(r *http.Request, a *auth.Actor) []*panel {
	var out []*panel
	for _, hp := range s.homePanels() {
		data, err := hp.load(r, a)
		if p := s.panelOf(r, hp.key, hp.title, hp.tmpl, data, err); p != nil {
			out = append(out, p)
		}
	}
	return out
}

// loadEnterpriseSections loads every section of file f for a.
func (s *Server) loadEnterpriseSections(r *http.Request, a *auth.Actor, f *enterprise.File) []*panel {
	var out []*panel
	for _, es := range s.enterpriseSections() {
		data, err := es.load(r, a, f)
		if p := s.panelOf(r, es.key, es.title, es.tmpl, data, err); p != nil {
			out = append(out, p)
		}
	}
	return out
}
