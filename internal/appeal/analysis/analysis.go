// Package analysis is the analysis of enterprise appeals (分析研判) and
// the 问题清单 it leads to: hot topics by period, district, category and
// unit with what is rising (Chinese word segmentation by gse and the
// office's own dictionary of business-environment terms), clusters of
// appeals from different enterprises that describe the same problem
// (MinHash over character shingles with LSH banding, checked by category
// and district), the systemic problems the office makes of them (owner
// unit, measures, a deadline in working days, progress until 销号), and
// the public progress board.
//
// It reads the appeals table of internal/appeal and writes only its own
// tables (0016, 0018): appeal_dictionary, appeal_words, the topic counts
// (counts.go), appeal_problems and what hangs off them; Observe keeps the
// counts current inside the appeals' own transitions.
package analysis

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/qinqing/qinqing/internal/audit"
	"github.com/qinqing/qinqing/internal/auth"
	"github.com/qinqing/qinqing/internal/enterprise"
	"github.com/qinqing/qinqing/internal/org"
	"github.com/qinqing/qinqing/internal/store"
	"github.com/qinqing/qinqing/internal/workday"
)

// Units is what the organisation tells this package: the units above a
// problem's owner unit (for the permission table) and units by id and
// name; org.Service implements it.
type Units interface {
	auth.UnitTree
	FindUnitByID(ctx context.Context, id int64) (*org.Unit, error)
}

// Options configure a Service.
type Options struct {
	Audit    *audit.Log
	Calendar *workday.Calendar // deadlines of problems in working days
	Units    Units
	Now      func() time.Time // nil: time.Now
	Logger   *slog.Logger
	City     *enterprise.City // district names for the public board; nil means Wuhan
	// BoardTTL is how long the public board is served from memory;
	// default one minute.
	BoardTTL time.Duration
}

// Service analyses appeals and keeps the 问题清单.
type Service struct {
	db *store.DB
	Options

	mu    sync.Mutex
	board *boardCache
}

// New returns the analysis service on db. It touches neither the
// database nor the segmenter's dictionary, which is loaded on first use.
func New(db *store.DB, opts Options) *Service {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	if opts.City == nil {
		opts.City = enterprise.Wuhan()
	}
	if opts.BoardTTL <= 0 {
		opts.BoardTTL = time.Minute
	}
	if opts.Calendar == nil {
		cal, err := workday.New()
		if err != nil {
			panic("analysis: the embedded calendar does not load: " + err.Error())
		}
		opts.Calendar = cal
	}
	return &Service{db: db, Options: opts}
}

// Labels names in Chinese what this package records in the audit log and
// the kind of its background job.
func Labels() audit.LabelSet {
	return audit.LabelSet{
		Entities: map[string]string{"appeal_problem": "问题清单", "appeal_dictionary": "热词词典"},
		Actions: map[string]string{
			"appeal_problem:progress": "报送整改进展", "appeal_problem:close": "销号", "appeal_problem:add_appeals": "关联诉求",
			"appeal_dictionary:add": "添加词条", "appeal_dictionary:remove": "删除词条",
		},
		Jobs: map[string]string{JobTopics: "诉求热词统计"},
	}
}
