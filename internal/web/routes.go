package web

import "github.com/qinqing/qinqing/internal/auth"

// routes is the one route table: every page and API endpoint, with who may
// reach it. Finer ownership checks happen in the domain.
func (s *Server) routes() []route {
	return []route{
		// Operations.
		{"GET /healthz", public, s.healthz},
		{"GET /readyz", public, s.readyz},
		{"GET /api/v1/openapi.json", public, s.openAPI},

		// Session and personal pages.
		{"GET /login", public, s.loginPage},
		{"POST /login", public, s.login},
		{"POST /logout", public, s.logout},
		{"GET /{$}", loggedIn, s.home},
		{"GET /me", loggedIn, s.mePage},
		{"POST /me/password", loggedIn, s.changePassword},
		{"GET /inbox", loggedIn, s.inboxPage},
		{"POST /inbox/{id}/read", loggedIn, s.markRead},
		{"POST /inbox/read-all", loggedIn, s.markAllRead},
		{"GET /api/v1/me", loggedIn, s.apiMe},
		{"GET /api/v1/notifications", loggedIn, s.apiNotifications},
		{"POST /api/v1/notifications/{id}/read", loggedIn, s.apiMarkRead},

		// Working-day calendar (anyone logged in may ask; admins edit).
		{"GET /api/v1/workdays/{date}", loggedIn, s.apiWorkday},
		{"GET /api/v1/workdays/{date}/add/{n}", loggedIn, s.apiWorkdayAdd},

		// Administration.
		{"GET /admin/units", need(auth.ManageUnits), s.unitsPage},
		{"POST /admin/units", need(auth.ManageUnits), s.createUnit},
		{"GET /admin/units/{id}", need(auth.ManageUnits), s.unitPage},
		{"POST /admin/units/{id}", need(auth.ManageUnits), s.updateUnit},
		{"GET /api/v1/units", loggedIn, s.apiUnits},
		{"POST /api/v1/units", need(auth.ManageUnits), s.apiCreateUnit},
		{"GET /api/v1/units/{id}", loggedIn, s.apiUnit},
		{"PUT /api/v1/units/{id}", need(auth.ManageUnits), s.apiUpdateUnit},

		{"GET /admin/users", need(auth.ManageUsers), s.usersPage},
		{"POST /admin/users", need(auth.ManageUsers), s.createUser},
		{"POST /admin/users/{id}/disable", need(auth.ManageUsers), s.disableUser},
		{"POST /admin/users/{id}/enable", need(auth.ManageUsers), s.enableUser},
		{"GET /api/v1/users", need(auth.ManageUsers), s.apiUsers},
		{"POST /api/v1/users", need(auth.ManageUsers), s.apiCreateUser},

		{"GET /admin/tokens", need(auth.ManageTokens), s.tokensPage},
		{"POST /admin/tokens", need(auth.ManageTokens), s.createToken},
		{"POST /admin/tokens/{id}/revoke", need(auth.ManageTokens), s.revokeToken},
		{"GET /api/v1/tokens", need(auth.ManageTokens), s.apiTokens},
		{"POST /api/v1/tokens", need(auth.ManageTokens), s.apiCreateToken},
		{"POST /api/v1/tokens/{id}/revoke", need(auth.ManageTokens), s.apiRevokeToken},

		{"GET /admin/audit", need(auth.ViewAudit), s.auditPage},
		{"GET /admin/audit.csv", need(auth.ViewAudit), s.auditCSV},
		{"GET /api/v1/audit", need(auth.ViewAudit), s.apiAudit},

		{"GET /admin/calendar", need(auth.ManageCalendar), s.calendarPage},
		{"POST /admin/calendar", need(auth.ManageCalendar), s.saveOverride},
		{"POST /admin/calendar/{date}/delete", need(auth.ManageCalendar), s.deleteOverride},
		{"GET /api/v1/calendar/overrides", loggedIn, s.apiOverrides},
		{"PUT /api/v1/calendar/overrides/{date}", need(auth.ManageCalendar), s.apiSaveOverride},
		{"DELETE /api/v1/calendar/overrides/{date}", need(auth.ManageCalendar), s.apiDeleteOverride},

		{"GET /admin/jobs", need(auth.ViewJobs), s.jobsPage},
		{"GET /admin/jobs/{id}", need(auth.ViewJobs), s.jobPage},
		{"POST /admin/jobs/{id}/retry", need(auth.ViewJobs), s.retryJob},
		{"GET /api/v1/jobs", need(auth.ViewJobs), s.apiJobs},
		{"GET /api/v1/jobs/{id}", need(auth.ViewJobs), s.apiJob},
	}
}
