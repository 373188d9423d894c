package app_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/qinqing/qinqing/internal/app"
	"github.com/qinqing/qinqing/internal/auth"
	"github.com/qinqing/qinqing/internal/config"
	"github.com/qinqing/qinqing/internal/enterprise"
	"github.com/qinqing/qinqing/internal/errs"
	"github.com/qinqing/qinqing/internal/org"
)

// matrixRoles are the actors of the role matrix, in the order of the
// letters of roleGates: the office (A), a leader (L), a unit's staff (U), a
// specialist (S) and an enterprise account (E).
var matrixRoles = []string{"A", "L", "U", "S", "E"}

// actorMethod is a service method that takes an actor: the App field it is
// reached by and the method.
type actorMethod struct {
	name string // package.Type.Method
	recv reflect.Value
	m    reflect.Method
}

// actorMethods lists every method of every service of a that takes an
// *auth.Actor and returns an error.
func actorMethods(a *app.App) []actorMethod {
	actorType := reflect.TypeFor[*auth.Actor]()
	errType := reflect.TypeFor[error]()
	var out []actorMethod
	v := reflect.ValueOf(a).Elem()
	seen := map[reflect.Type]bool{}
	for i := range v.NumField() {
		f := v.Field(i)
		if !v.Type().Field(i).IsExported() || f.Kind() != reflect.Pointer || f.IsNil() || f.Elem().Kind() != reflect.Struct || seen[f.Type()] {
			continue
		}
		seen[f.Type()] = true
		t := f.Type()
		for j := range t.NumMethod() {
			m := t.Method(j)
			mt := m.Type
			takes := false
			for k := 1; k < mt.NumIn(); k++ {
				takes = takes || mt.In(k) == actorType
			}
			if !takes || mt.NumOut() == 0 || mt.Out(mt.NumOut()-1) != errType {
				continue
			}
			out = append(out, actorMethod{name: t.Elem().String() + "." + m.Name, recv: f, m: m})
		}
	}
	slices.SortFunc(out, func(x, y actorMethod) int { return strings.Compare(x.name, y.name) })
	return out
}

// gate calls m as actor with zero values (empty structs for pointers to
// structs) for every other argument and says
// how far it got: "F" refused the actor (forbidden), "U" no actor
// (unauthenticated), "p" passed the actor checks (the call then failed on
// its empty input or succeeded), "!" a panic or an internal error.
func gate(ctx context.Context, m actorMethod, actor *auth.Actor) (res string, detail string) {
	defer func() {
		if p := recover(); p != nil {
			res, detail = "!", fmt.Sprint("panic: ", p)
		}
	}()
	mt := m.m.Type
	args := []reflect.Value{m.recv}
	for k := 1; k < mt.NumIn(); k++ {
		switch in := mt.In(k); {
		case in == reflect.TypeFor[context.Context]():
			args = append(args, reflect.ValueOf(ctx))
		case in == reflect.TypeFor[*auth.Actor]():
			args = append(args, reflect.ValueOf(actor))
		case in.Kind() == reflect.Pointer && in.Elem().Kind() == reflect.Struct:
			args = append(args, reflect.New(in.Elem())) // an empty input, not a nil one
		default:
			args = append(args, reflect.Zero(in))
		}
	}
	outs := m.m.Func.Call(args)
	err, _ := outs[len(outs)-1].Interface().(error)
	switch errs.CodeOf(err) {
	case errs.Forbidden:
		return "F", ""
	case errs.Unauthenticated:
		return "U", ""
	case errs.Internal:
		return "!", err.Error()
	}
	return "p", ""
}

// openMigrated opens an app on a fresh, migrated SQLite database in a
// temporary directory, closed when the test ends.
func openMigrated(t *testing.T) *app.App {
	t.Helper()
	cfg := config.Default()
	cfg.DB = filepath.Join(t.TempDir(), "q.db")
	cfg.DataDir = t.TempDir()
	a, err := app.Open(context.Background(), cfg, app.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.Close() })
	if _, err := a.DB.Migrate(context.Background(), time.Now); err != nil {
		t.Fatal(err)
	}
	return a
}

// matrixApp opens an app on a fresh database with one account per role:
// unit staff of a unit, an enterprise account of an enterprise.
func matrixApp(t *testing.T) (*app.App, map[string]*auth.Actor) {
	t.Helper()
	ctx := context.Background()
	a := openMigrated(t)
	op := auth.Operator("test")
	unit, err := a.Org.CreateUnit(ctx, op, org.UnitInput{Name: "市发展和改革委员会", Kind: org.KindDepartment})
	if err != nil {
		t.Fatal(err)
	}
	code, err := enterprise.MakeUSCC('9', '1', "420111", "MA4K0000")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.Enterprises.ImportRecords(ctx, func(yield func(*enterprise.Enterprise) error) error {
		return yield(&enterprise.Enterprise{USCC: code, Name: "武汉矩阵测试有限公司"})
	}, enterprise.ImportOptions{}, nil); err != nil {
		t.Fatal(err)
	}
	var ent int64
	if err := a.DB.QueryRowContext(ctx, `SELECT id FROM enterprises`).Scan(&ent); err != nil {
		t.Fatal(err)
	}
	actors := map[string]*auth.Actor{}
	for _, r := range []struct {
		letter string
		in     auth.UserInput
	}{
		{"A", auth.UserInput{Username: "admin", Role: auth.RoleAdmin}},
		{"L", auth.UserInput{Username: "leader", Role: auth.RoleLeader}},
		{"U", auth.UserInput{Username: "staff", Role: auth.RoleUnitStaff, UnitID: &unit.ID}},
		{"S", auth.UserInput{Username: "specialist", Role: auth.RoleSpecialist}},
		{"E", auth.UserInput{Username: "ent", Role: auth.RoleEnterprise, EnterpriseID: &ent}},
	} {
		r.in.Password = "matrix-pass-1"
		u, err := a.Auth.CreateUser(ctx, op, r.in)
		if err != nil {
			t.Fatal(err)
		}
		actors[r.letter] = u.Actor()
	}
	return a, actors
}

// TestRoleMatrix calls every service method that takes an actor as each
// role, and as no one, and checks which roles pass its actor checks: the
// rows of roleGates say which may (with the ownership of real records
// tested in TestOwnershipMatrix). A method that takes an actor and has no
// row fails the test: a new module adds its methods here.
func TestRoleMatrix(t *testing.T) {
	a, actors := matrixApp(t)
	ctx := context.Background()
	var observed []string
	for _, m := range actorMethods(a) {
		got := ""
		for _, r := range matrixRoles {
			res, detail := gate(ctx, m, actors[r])
			if res == "!" {
				t.Errorf("%s as %s: %s", m.name, r, detail)
			}
			if res == "p" {
				got += r
			}
		}
		observed = append(observed, fmt.Sprintf("\t%q: %q,", m.name, got))
		if res, detail := gate(ctx, m, nil); res != "U" && res != "F" {
			t.Errorf("%s without an actor: %s %s", m.name, res, detail)
		}
		want, ok := roleGates[m.name]
		switch {
		case !ok:
			t.Errorf("%s takes an actor but has no row in roleGates (it lets %q through)", m.name, got)
		case want != got:
			t.Errorf("%s: roles %q pass, want %q", m.name, got, want)
		}
	}
	if os.Getenv("QINQING_MATRIX_PRINT") != "" {
		fmt.Println(strings.Join(observed, "\n"))
	}
}

// roleGates says, for every service method that takes an actor, which
// roles get past its actor checks when called with empty input. A method
// that must look its record up before it can decide lets every role
// through to NotFound here; TestOwnershipMatrix calls such methods on real
// records.
var roleGates = map[string]string{
	"analysis.Service.AddWord":                  "A",
	"analysis.Service.CloseProblem":             "A",
	"analysis.Service.ClusterAppealIDs":         "AL",
	"analysis.Service.Clusters":                 "AL",
	"analysis.Service.CreateProblem":            "A",
	"analysis.Service.CreateProblemFromCluster": "A",
	"analysis.Service.FindDictionary":           "AL",
	"analysis.Service.FindProblemByID":          "ALUSE",
	"analysis.Service.FindProblems":             "ALU",
	"analysis.Service.LinkSummaries":            "ALUSE",
	"analysis.Service.RemoveWord":               "A",
	"analysis.Service.ReportProgress":           "AU",
	"analysis.Service.Topics":                   "AL",
	"appeal.Service.Attach":                     "AUSE",
	"stats.Service.Configs":                     "ALU",
	"stats.Service.Figures":                     "ALU",
	"stats.Service.Publish":                     "A",
	"report.Service.FindReports":                "ALU",
	"report.Service.FindReport":                 "ALU",
	"report.Service.Latest":                     "ALU",
	"report.Service.Generate":                   "A",
	"report.Service.SaveSections":               "A",
	"report.Service.Publish":                    "A",
	"report.Service.LoadDemo":                   "A",
	"stats.Service.PublishedMonths":             "ALU",
	"stats.Service.Rank":                        "ALU",
	"stats.Service.SaveConfig":                  "A",
	"appeal.Service.CatalogueVersions":          "A",
	"appeal.Service.Close":                      "A",
	"appeal.Service.CoReply":                    "AU",
	"appeal.Service.CountAppeals":               "ALUSE",
	"appeal.Service.Dispatch":                   "A",
	"appeal.Service.Evaluate":                   "AUE",
	"appeal.Service.ExportAppeals":              "A",
	"appeal.Service.Extend":                     "AU",
	"appeal.Service.File":                       "AUSE",
	"appeal.Service.FindAppealByID":             "ALUSE",
	"appeal.Service.FindAppeals":                "ALUSE",
	"appeal.Service.FindCatalogue":              "ALUSE",
	"appeal.Service.FindClasses":                "ALUSE",
	"appeal.Service.FindImportRunByID":          "A",
	"appeal.Service.Import":                     "A",
	"appeal.Service.Link":                       "A",
	"appeal.Service.Merge":                      "A",
	"appeal.Service.Open311Requests":            "ALUSE",
	"appeal.Service.Open311Services":            "ALUSE",
	"appeal.Service.OpenAttachment":             "ALUSE",
	"appeal.Service.Pause":                      "AU",
	"appeal.Service.QueueCounts":                "AU",
	"appeal.Service.RemoveEntry":                "A",
	"appeal.Service.Reopen":                     "A",
	"appeal.Service.ReplayOpen":                 "A",
	"appeal.Service.Reply":                      "AU",
	"appeal.Service.Resume":                     "AU",
	"appeal.Service.Return":                     "AU",
	"appeal.Service.SaveClass":                  "A",
	"appeal.Service.SaveEntry":                  "A",
	"appeal.Service.Sign":                       "AU",
	"appeal.Service.Similar":                    "A",
	"appeal.Service.StartImport":                "A",
	"appeal.Service.Supply":                     "AUSE",
	"appeal.Service.Transfer":                   "AU",
	"auth.Service.CreateToken":                  "A",
	"auth.Service.CreateUser":                   "A",
	"auth.Service.FindTokens":                   "A",
	"auth.Service.FindUsers":                    "A",
	"auth.Service.RevokeToken":                  "A",
	"auth.Service.SetDisabled":                  "A",
	"auth.Service.SetPassword":                  "A",
	"enterprise.ImportRuns.FindImportRunByID":   "A",
	"enterprise.ImportRuns.RetryImportRun":      "A",
	"enterprise.ImportRuns.Start":               "A",
	"enterprise.SelfService.CreateInvitation":   "A",
	"enterprise.SelfService.FindInvitations":    "A",
	"enterprise.SelfService.FindSelfReports":    "ALSE",
	"enterprise.SelfService.ReviewSelfReport":   "ASE",
	"enterprise.SelfService.SubmitSelfReport":   "",
	"enterprise.Service.CorrectEnterprise":      "A",
	"enterprise.Service.Export":                 "A",
	"enterprise.Service.Figures":                "ALUS",
	"enterprise.Service.FindEnterpriseByID":     "ALU",
	"enterprise.Service.FindEnterpriseByUSCC":   "ALUSE",
	"enterprise.Service.FindEnterpriseFile":     "ALU",
	"enterprise.Service.FindEnterpriseHistory":  "ALU",
	"enterprise.Service.FindEnterpriseSources":  "ALU",
	"enterprise.Service.FindEnterprises":        "ALUS",
	"enterprise.Service.UpdateEnterprise":       "A",
	"network.Service.Assign":                    "A",
	"network.Service.CoverageReport":            "AL",
	"network.Service.CreateStation":             "A",
	"network.Service.DeleteStation":             "A",
	"network.Service.EnqueueAssign":             "A",
	"network.Service.Figures":                   "AL",
	"network.Service.FindAssigned":              "AL",
	"network.Service.FindAssignment":            "ALU",
	"network.Service.FindSpecialistByID":        "AL",
	"network.Service.FindSpecialists":           "AL",
	"network.Service.FindStationByID":           "AL",
	"network.Service.FindStations":              "AL",
	"network.Service.FindVisits":                "AL",
	"network.Service.OverdueCount":              "AL",
	"network.Service.Reassign":                  "A",
	"network.Service.RecordVisit":               "A",
	"network.Service.RemoveSpecialist":          "A",
	"network.Service.SaveSpecialist":            "A",
	"network.Service.StationChoices":            "AL",
	"network.Service.UpdateStation":             "A",
	"notify.Service.CreateWebhook":              "A",
	"notify.Service.DeleteWebhook":              "A",
	"notify.Service.Inbox":                      "ALUSE",
	"notify.Service.ListWebhooks":               "A",
	"notify.Service.MarkAllRead":                "ALUSE",
	"notify.Service.MarkRead":                   "ALUSE",
	"notify.Service.UnreadCount":                "ALUSE",
	"org.Service.CreateUnit":                    "A",
	"org.Service.UpdateUnit":                    "A",
	"plan.Service.AddMilestone":                 "ALU",
	"plan.Service.ApplyRevision":                "A",
	"plan.Service.CheckDocument":                "A",
	"plan.Service.ResolveNames":                 "A",
	"plan.Service.ReviewDocument":               "A",
	"plan.Service.Revise":                       "A",
	"plan.Service.RevisionOf":                   "A",
	"plan.Service.BriefingDOCX":                 "ALU",
	"plan.Service.AddSubtask":                   "ALU",
	"plan.Service.AddTask":                      "A",
	"plan.Service.CloseNotice":                  "ALU",
	"plan.Service.ConfirmDone":                  "ALU",
	"plan.Service.DeleteTask":                   "ALU",
	"plan.Service.End":                          "A",
	"plan.Service.ExportDocument":               "ALU",
	"plan.Service.ExportXLSX":                   "ALU",
	"plan.Service.FileReport":                   "AU",
	"plan.Service.FindAttachment":               "ALU",
	"plan.Service.FindBriefing":                 "ALU",
	"plan.Service.FindFigures":                  "ALU",
	"plan.Service.FindGoals":                    "ALU",
	"plan.Service.FindIndicators":               "ALU",
	"plan.Service.FindLinks":                    "ALU",
	"plan.Service.FindNoticeByID":               "ALU",
	"plan.Service.FindNotices":                  "ALU",
	"plan.Service.FindPlanByID":                 "ALU",
	"plan.Service.FindPlans":                    "ALU",
	"plan.Service.FindRanking":                  "ALU",
	"plan.Service.FindReportByID":               "ALU",
	"plan.Service.FindReportForm":               "AU",
	"plan.Service.FindReports":                  "ALU",
	"plan.Service.FindSections":                 "ALU",
	"plan.Service.FindSheet":                    "ALU",
	"plan.Service.FindTaskByID":                 "ALU",
	"plan.Service.FindTasks":                    "ALU",
	"plan.Service.FindUnknownNames":             "A",
	"plan.Service.FindValues":                   "ALU",
	"plan.Service.Import":                       "A",
	"plan.Service.IssueNotice":                  "ALU",
	"plan.Service.LinkTask":                     "ALU",
	"plan.Service.MapUnits":                     "A",
	"plan.Service.Publish":                      "A",
	"plan.Service.RankHistory":                  "ALU",
	"plan.Service.RecordValue":                  "AU",
	"plan.Service.ReplyNotice":                  "ALU",
	"plan.Service.ReportingRates":               "ALU",
	"plan.Service.SignTask":                     "ALU",
	"plan.Service.TaskHistory":                  "ALU",
	"plan.Service.TasksLinkedTo":                "ALUSE",
	"plan.Service.UnlinkTask":                   "ALU",
	"plan.Service.UpdatePlan":                   "A",
	"plan.Service.UpdateTask":                   "ALU",
	"policy.Service.AddClause":                  "AU",
	"policy.Service.Checkup":                    "ALU",
	"policy.Service.CreatePolicy":               "AU",
	"policy.Service.DeleteClause":               "AU",
	"policy.Service.End":                        "A",
	"policy.Service.Figures":                    "ALUSE",
	"policy.Service.FindClauseByID":             "ALUSE",
	"policy.Service.FindClauseVersions":         "ALUSE",
	"policy.Service.FindCurrentClause":          "ALUSE",
	"policy.Service.FindPolicies":               "ALUSE",
	"policy.Service.FindPolicyByID":             "ALUSE",
	"policy.Service.MarkRead":                   "ALUSE",
	"policy.Service.PolicyMetrics":              "ALU",
	"policy.Service.Review":                     "A",
	"policy.Service.SetSubscriptions":           "A",
	"policy.Service.Simulate":                   "AU",
	"policy.Service.Submit":                     "AU",
	"policy.Service.Subscriptions":              "ALU",
	"policy.Service.UpdateClause":               "AU",
	"policy.Service.UpdatePolicy":               "AU",
	"redeem.Service.AcceptApplication":          "ALUSE",
	"redeem.Service.AnswerObjection":            "ALUSE",
	"redeem.Service.ApplicationForm":            "E",
	"redeem.Service.Apply":                      "E",
	"redeem.Service.ApproveGrants":              "AU",
	"redeem.Service.ConfirmGrant":               "ALUSE",
	"redeem.Service.Countersign":                "A",
	"redeem.Service.CountersignQueue":           "A",
	"redeem.Service.CreateBatch":                "AU",
	"redeem.Service.DecideApplication":          "ALUSE",
	"redeem.Service.ExcludeGrants":              "AU",
	"redeem.Service.ExportBatch":                "ALUSE",
	"redeem.Service.ExportGrants":               "ALUSE",
	"redeem.Service.ExportPerformance":          "ALUSE",
	"redeem.Service.Figures":                    "ALUSE",
	"redeem.Service.FileObjection":              "E",
	"redeem.Service.FindApplicationByID":        "ALUSE",
	"redeem.Service.FindApplications":           "ALUSE",
	"redeem.Service.FindBatchByID":              "ALUSE",
	"redeem.Service.FindBatches":                "ALU",
	"redeem.Service.FindGrantByID":              "ALUSE",
	"redeem.Service.FindGrants":                 "ALUSE",
	"redeem.Service.FindListClauses":            "ALUSE",
	"redeem.Service.FindMaterial":               "ALUSE",
	"redeem.Service.FindObjectionByID":          "ALUSE",
	"redeem.Service.FindObjections":             "ALUSE",
	"redeem.Service.FindPayable":                "ALU",
	"redeem.Service.FindTimeliness":             "AL",
	"redeem.Service.Generate":                   "AU",
	"redeem.Service.GenerateGrants":             "AU",
	"redeem.Service.Generation":                 "AU",
	"redeem.Service.ImportBankResults":          "ALUSE",
	"redeem.Service.PolicyPerformance":          "ALUSE",
	"redeem.Service.RecordRecovery":             "ALUSE",
	"redeem.Service.Repay":                      "ALUSE",
	"redeem.Service.ResubmitApplication":        "ALUSE",
	"redeem.Service.ReturnApplication":          "ALUSE",
	"redeem.Service.SettleGrant":                "ALUSE",
	"redeem.Service.SummarizeList":              "ALUSE",
	"redeem.Service.WithdrawApplication":        "ALUSE",
	"workday.Overrides.Delete":                  "A",
	"workday.Overrides.FindOverrides":           "ALUSE",
	"workday.Overrides.Save":                    "A",
}
