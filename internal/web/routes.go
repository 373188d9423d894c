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

		// Enterprise registry (一企一档).
		{"GET /enterprises", need(auth.ViewEnterprises), s.enterprisesPage},
		{"GET /enterprises/export", need(auth.ImportEnterprise), s.exportEnterprises},
		{"GET /enterprises/{id}", loggedIn, s.enterprisePage},
		{"GET /admin/import", need(auth.ImportEnterprise), s.importPage},
		{"POST /admin/import", need(auth.ImportEnterprise), s.startImport},
		{"GET /admin/import/{id}", need(auth.ImportEnterprise), s.importRunPage},
		{"POST /admin/import/{id}/retry", need(auth.ImportEnterprise), s.retryImport},
		{"GET /admin/import/{id}/rejects/{format}", need(auth.ImportEnterprise), s.importRejects},
		{"GET /api/v1/enterprises", need(auth.ViewEnterprises), s.apiEnterprises},
		{"GET /api/v1/enterprises/{id}", loggedIn, s.apiEnterprise},
		{"GET /api/v1/enterprises/{id}/history", loggedIn, s.apiEnterpriseHistory},
		{"POST /api/v1/imports", need(auth.ImportEnterprise), s.apiImport},
		{"GET /api/v1/imports/{id}", need(auth.ImportEnterprise), s.apiImportRun},
		{"POST /api/v1/imports/{id}/retry", need(auth.ImportEnterprise), s.apiRetryImport},

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

		{"GET /api/v1/webhooks", need(auth.ManageWebhooks), s.apiWebhooks},
		{"POST /api/v1/webhooks", need(auth.ManageWebhooks), s.apiCreateWebhook},
		{"DELETE /api/v1/webhooks/{id}", need(auth.ManageWebhooks), s.apiDeleteWebhook},

		{"GET /admin/jobs", need(auth.ViewJobs), s.jobsPage},
		{"GET /admin/jobs/{id}", need(auth.ViewJobs), s.jobPage},
		{"POST /admin/jobs/{id}/retry", need(auth.ViewJobs), s.retryJob},
		{"GET /api/v1/jobs", need(auth.ViewJobs), s.apiJobs},
		{"GET /api/v1/jobs/{id}", need(auth.ViewJobs), s.apiJob},

		// Service network: stations, specialists, assignment (administrators).
		{"GET /network", need(auth.ManageNetwork), s.networkPage},
		{"POST /network/stations", need(auth.ManageNetwork), s.createStation},
		{"GET /network/stations/{id}", need(auth.ManageNetwork), s.stationPage},
		{"POST /network/stations/{id}", need(auth.ManageNetwork), s.updateStation},
		{"POST /network/stations/{id}/delete", need(auth.ManageNetwork), s.deleteStation},
		{"GET /network/specialists", need(auth.ManageNetwork), s.specialistsPage},
		{"POST /network/specialists", need(auth.ManageNetwork), s.saveSpecialist},
		{"GET /network/specialists/{id}", need(auth.ManageNetwork), s.specialistPage},
		{"POST /network/specialists/{id}", need(auth.ManageNetwork), s.updateSpecialist},
		{"POST /network/specialists/{id}/remove", need(auth.ManageNetwork), s.removeSpecialist},
		{"POST /network/assign", need(auth.ManageNetwork), s.runAssign},
		{"POST /network/reassign", need(auth.ManageNetwork), s.reassign},
		{"GET /network/coverage", need(auth.ManageNetwork), s.coveragePage},
		{"GET /api/v1/network/stations", loggedIn, s.apiStations},
		{"POST /api/v1/network/stations", need(auth.ManageNetwork), s.apiCreateStation},
		{"GET /api/v1/network/stations/{id}", loggedIn, s.apiStation},
		{"PUT /api/v1/network/stations/{id}", need(auth.ManageNetwork), s.apiUpdateStation},
		{"DELETE /api/v1/network/stations/{id}", need(auth.ManageNetwork), s.apiDeleteStation},
		{"GET /api/v1/network/specialists", loggedIn, s.apiSpecialists},
		{"GET /api/v1/network/specialists/{id}", loggedIn, s.apiSpecialist},
		{"PUT /api/v1/network/specialists/{id}", need(auth.ManageNetwork), s.apiSaveSpecialist},
		{"DELETE /api/v1/network/specialists/{id}", need(auth.ManageNetwork), s.apiRemoveSpecialist},
		{"GET /api/v1/network/specialists/{id}/enterprises", loggedIn, s.apiSpecialistEnterprises},
		{"POST /api/v1/network/assign", need(auth.ManageNetwork), s.apiAssign},
		{"GET /api/v1/network/assignments/{id}", loggedIn, s.apiAssignment},
		{"PUT /api/v1/network/assignments/{id}", need(auth.ManageNetwork), s.apiReassign},
		{"GET /api/v1/network/coverage", loggedIn, s.apiCoverage},

		// Specialists' workbench and visits (ownership checked in the domain).
		{"GET /workbench", loggedIn, s.workbenchPage},
		{"GET /workbench/{id}", loggedIn, s.visitsPage},
		{"POST /workbench/{id}/visits", loggedIn, s.recordVisit},
		{"POST /workbench/{id}/invitations", loggedIn, s.createInvitation},
		{"GET /api/v1/visits", loggedIn, s.apiVisits},
		{"POST /api/v1/visits", loggedIn, s.apiRecordVisit},

		// Enterprise self-service: invitations, own profile, self-reports.
		{"GET /join", public, s.joinPage},
		{"POST /join", public, s.join},
		{"GET /profile", loggedIn, s.profilePage},
		{"POST /profile", loggedIn, s.submitProfile},
		{"GET /reviews", loggedIn, s.reviewsPage},
		{"POST /reviews/{id}/accept", loggedIn, s.reviewReport(true)},
		{"POST /reviews/{id}/reject", loggedIn, s.reviewReport(false)},
		{"POST /api/v1/invitations", loggedIn, s.apiCreateInvitation},
		{"POST /api/v1/invitations/redeem", public, s.apiRedeemInvitation},
		{"GET /api/v1/self-reports", loggedIn, s.apiSelfReports},
		{"POST /api/v1/self-reports", loggedIn, s.apiSubmitSelfReport},
		{"POST /api/v1/self-reports/{id}/accept", loggedIn, s.apiReviewSelfReport(true)},
		{"POST /api/v1/self-reports/{id}/reject", loggedIn, s.apiReviewSelfReport(false)},

		// Policy supermarket (政策超市): browse for everyone signed in; units
		// and the office manage; the office reviews (checked in the domain).
		{"GET /policies", loggedIn, s.policiesPage},
		{"GET /policies/manage", need(auth.ManagePolicies), s.policyManagePage},
		{"GET /policies/new", need(auth.ManagePolicies), s.newPolicyPage},
		{"POST /policies", need(auth.ManagePolicies), s.createPolicy},
		{"POST /policies/simulate", need(auth.ManagePolicies), s.simulateFragment},
		{"GET /policies/{id}", loggedIn, s.policyPage},
		{"GET /policies/{id}/edit", need(auth.ManagePolicies), s.editPolicyPage},
		{"POST /policies/{id}", need(auth.ManagePolicies), s.updatePolicy},
		{"POST /policies/{id}/submit", need(auth.ManagePolicies), s.submitPolicy},
		{"POST /policies/{id}/review", need(auth.ReviewPolicies), s.reviewPolicy},
		{"POST /policies/{id}/end", need(auth.ReviewPolicies), s.endPolicy},
		{"GET /policies/{id}/metrics", need(auth.ViewPolicyStats), s.policyMetricsPage},
		{"GET /policies/{id}/clauses/new", need(auth.ManagePolicies), s.newClausePage},
		{"POST /policies/{id}/clauses", need(auth.ManagePolicies), s.createClause},
		{"GET /policies/{id}/clauses/{cid}/edit", need(auth.ManagePolicies), s.editClausePage},
		{"POST /policies/{id}/clauses/{cid}", need(auth.ManagePolicies), s.updateClause},
		{"POST /policies/{id}/clauses/{cid}/delete", need(auth.ManagePolicies), s.deleteClause},
		{"GET /checkup", loggedIn, s.myCheckup},
		{"GET /enterprises/{id}/policies", loggedIn, s.checkupPage},
		{"POST /enterprises/{id}/subscriptions", loggedIn, s.saveSubscriptions},
		{"GET /api/v1/policies", loggedIn, s.apiPolicies},
		{"POST /api/v1/policies", need(auth.ManagePolicies), s.apiCreatePolicy},
		{"POST /api/v1/policies/simulate", need(auth.ManagePolicies), s.apiSimulate},
		{"POST /api/v1/policies/rules/parse", loggedIn, s.apiParseRule},
		{"GET /api/v1/policies/{id}", loggedIn, s.apiPolicy},
		{"PUT /api/v1/policies/{id}", need(auth.ManagePolicies), s.apiUpdatePolicy},
		{"POST /api/v1/policies/{id}/clauses", need(auth.ManagePolicies), s.apiAddClause},
		{"PUT /api/v1/policies/{id}/clauses/{cid}", need(auth.ManagePolicies), s.apiUpdateClause},
		{"DELETE /api/v1/policies/{id}/clauses/{cid}", need(auth.ManagePolicies), s.apiDeleteClause},
		{"GET /api/v1/policies/{id}/clauses/{cid}/versions", loggedIn, s.apiClauseVersions},
		{"POST /api/v1/policies/{id}/submit", need(auth.ManagePolicies), s.apiSubmitPolicy},
		{"POST /api/v1/policies/{id}/review", need(auth.ReviewPolicies), s.apiReviewPolicy},
		{"POST /api/v1/policies/{id}/end", need(auth.ReviewPolicies), s.apiEndPolicy},
		{"GET /api/v1/policies/{id}/metrics", need(auth.ViewPolicyStats), s.apiPolicyMetrics},
		{"GET /api/v1/enterprises/{id}/policies", loggedIn, s.apiCheckup},
		{"GET /api/v1/enterprises/{id}/subscriptions", loggedIn, s.apiSubscriptions},
		{"PUT /api/v1/enterprises/{id}/subscriptions", loggedIn, s.apiSetSubscriptions},
	}
}

// inputs lists the routes whose input goes beyond one-line text (see
// hygiene.go): the fields whose text may span lines — each textarea of a
// page's form, and the same text in the API — and the routes that take
// uploads. Every other field of a form or JSON body is one line.
func inputs() map[string]input {
	return map[string]input{
		"POST /admin/import":                      {upload: true},
		"POST /api/v1/imports":                    {upload: true},
		"POST /admin/units":                       {multiLine: []string{"aliases"}},
		"POST /admin/units/{id}":                  {multiLine: []string{"aliases"}},
		"POST /network/stations":                  {multiLine: []string{"coverage"}},
		"POST /network/stations/{id}":             {multiLine: []string{"coverage"}},
		"POST /network/specialists":               {multiLine: []string{"grid"}},
		"POST /network/specialists/{id}":          {multiLine: []string{"grid"}},
		"POST /workbench/{id}/visits":             {multiLine: []string{"content", "problems"}},
		"POST /api/v1/visits":                     {multiLine: []string{"content", "problems"}},
		"POST /policies":                          {multiLine: []string{"source_text"}},
		"POST /policies/{id}":                     {multiLine: []string{"source_text"}},
		"POST /api/v1/policies":                   {multiLine: []string{"source_text"}},
		"PUT /api/v1/policies/{id}":               {multiLine: []string{"source_text"}},
		"POST /policies/{id}/review":              {multiLine: []string{"note"}},
		"POST /api/v1/policies/{id}/review":       {multiLine: []string{"note"}},
		"POST /policies/simulate":                 {multiLine: []string{"rule", "expr"}},
		"POST /api/v1/policies/simulate":          {multiLine: []string{"expr"}},
		"POST /api/v1/policies/rules/parse":       {multiLine: []string{"expr"}},
		"POST /policies/{id}/clauses":             {multiLine: []string{"rule", "expr", "materials"}},
		"POST /policies/{id}/clauses/{cid}":       {multiLine: []string{"rule", "expr", "materials"}},
		"POST /api/v1/policies/{id}/clauses":      {multiLine: []string{"expr"}},
		"PUT /api/v1/policies/{id}/clauses/{cid}": {multiLine: []string{"expr"}},
	}
}
