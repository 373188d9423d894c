package cli

import (
	"bytes"
	"strings"
	"testing"

	"github.com/qinqing/qinqing/internal/enterprise"
)

// TestProgressIndexing: once an import builds its deferred indexes the
// display says so, once, and shows nothing more of the import.
func TestProgressIndexing(t *testing.T) {
	var errOut bytes.Buffer
	p := newProgress(Env{Stderr: &errOut}, "导入", 0)
	p.update(enterprise.Progress{Read: 20000, Inserted: 20000, Phase: enterprise.PhaseRows})
	p.update(enterprise.Progress{Read: 20000, Inserted: 20000, Phase: enterprise.PhaseIndexes})
	p.update(enterprise.Progress{Read: 20000, Inserted: 20000, Phase: enterprise.PhaseIndexes, Done: true})
	p.finish()
	if got := errOut.String(); strings.Count(got, "正在建立索引") != 1 || !strings.Contains(got, "已写入 20000 行") || strings.Contains(got, "已处理") {
		t.Errorf("stderr %q", got)
	}
}
