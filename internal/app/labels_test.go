package app_test

import (
	"context"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/qinqing/qinqing/internal/app"
	"github.com/qinqing/qinqing/internal/config"
)

// recordCall matches an audit record with a literal entity and action:
// Audit.Record(ctx, q, "entity", id, "action", …) or a module's own
// s.record helper of that shape; changeLit an entry of RecordMany,
// audit.Change{Entity: "entity", EntityID: …, Action: "action"}; policyRecord matches the
// policy service's own helper, whose entity is "policy".
var (
	recordCall   = regexp.MustCompile(`\.[Rr]ecord\(ctx, [^,]+, "([a-z_]+)", [^,]+, "([a-z_.]+)"`)
	changeLit    = regexp.MustCompile(`audit\.Change\{Entity: "([a-z_]+)", EntityID: [^,]+, Action: "([a-z_.]+)"`)
	policyRecord = regexp.MustCompile(`s\.record\(ctx, [^,]+, [^,]+, "([a-z_.]+)"`)
	jobKind      = regexp.MustCompile(`(?m)^\s*(?:const )?(?:Job[A-Za-z]*|[A-Za-z]*JobKind|DeliverKind|jobPurgeSessions)\s*=\s*"([a-z_]+\.[a-z_]+)"`)
)

// TestEveryAuditedNameHasALabel reads the source of every package for the
// entities and actions it records in the audit log and the job kinds it
// declares, and checks that the labels table names each in Chinese: a module
// that adds one without its label fails here.
func TestEveryAuditedNameHasALabel(t *testing.T) {
	cfg := config.Default()
	cfg.DB = filepath.Join(t.TempDir(), "q.db")
	a, err := app.Open(context.Background(), cfg, app.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	l := a.Labels
	seen := 0
	err = filepath.WalkDir("..", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return err
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		src := string(b)
		for _, m := range append(recordCall.FindAllStringSubmatch(src, -1), changeLit.FindAllStringSubmatch(src, -1)...) {
			seen++
			if l.Entity(m[1]) == m[1] {
				t.Errorf("%s: entity %q has no label", path, m[1])
			}
			if l.Action(m[1], m[2]) == m[2] {
				t.Errorf("%s: action %q of %q has no label", path, m[2], m[1])
			}
		}
		for _, m := range policyRecord.FindAllStringSubmatch(src, -1) {
			seen++
			if l.Action("policy", m[1]) == m[1] {
				t.Errorf("%s: action %q of policy has no label", path, m[1])
			}
		}
		for _, m := range jobKind.FindAllStringSubmatch(src, -1) {
			seen++
			if l.Job(m[1]) == m[1] {
				t.Errorf("%s: job kind %q has no label", path, m[1])
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if seen < 20 {
		t.Fatalf("found only %d audited names and job kinds: the patterns no longer match the code", seen)
	}
}
