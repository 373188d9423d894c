package enterprise

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/qinqing/qinqing/internal/audit"
	"github.com/qinqing/qinqing/internal/errs"
	"github.com/qinqing/qinqing/internal/jobs"
	"github.com/qinqing/qinqing/internal/store"
)

// ImportJobKind is the background job kind that runs an uploaded import.
const ImportJobKind = "enterprise.import"

// ImportRun is an import started from the web UI: the upload, its job and,
// once finished, its result.
type ImportRun struct {
	ID         int64         `json:"id"`
	JobID      int64         `json:"job_id"`
	Filename   string        `json:"filename"`
	Format     string        `json:"format"`
	Size       int64         `json:"size"`
	Strict     bool          `json:"strict"`
	DryRun     bool          `json:"dry_run"`
	CreatedAt  time.Time     `json:"created_at"`
	FinishedAt *time.Time    `json:"finished_at"`
	Result     *ImportResult `json:"result"`
	Error      string        `json:"error,omitempty"`
	path       string
}

// ImportRuns saves uploads under Dir and runs them as background jobs, so
// that a city-scale file neither ties up a request nor is lost when the
// browser closes. With several instances, Dir must be storage they share.
type ImportRuns struct {
	Enterprises *Service
	Jobs        *jobs.Runner
	Dir         string
	Now         func() time.Time
}

// Start saves the upload r (named filename) and queues its import. Admins
// only (the caller checks; it also enforces the upload size limit).
// Errors: Invalid for an unsupported file type.
func (s *ImportRuns) Start(ctx context.Context, r io.Reader, filename string, opts ImportOptions) (*ImportRun, error) {
	format, err := FormatOf(filename)
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(s.Dir, 0o750); err != nil {
		return nil, errs.Wrap(err, "upload dir")
	}
	var b [8]byte
	_, _ = rand.Read(b[:])
	path := filepath.Join(s.Dir, hex.EncodeToString(b[:])+"."+format)
	f, err := os.OpenFile(path, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o640)
	if err != nil {
		return nil, errs.Wrap(err, "save upload")
	}
	size, err := io.Copy(f, r)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(path)
		return nil, errs.Wrap(err, "save upload")
	}
	run := &ImportRun{Filename: filepath.Base(filename), Format: format, Size: size, Strict: opts.Strict, DryRun: opts.DryRun,
		CreatedAt: s.Now().UTC().Truncate(time.Millisecond), path: path}
	who := audit.ActorOf(ctx)
	db := s.Enterprises.DB
	err = db.InTx(ctx, func(tx *store.Tx) error {
		if err := tx.QueryRowContext(ctx, `INSERT INTO import_runs (filename, format, path, size, strict, dry_run, created_by, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`, run.Filename, format, path, size, opts.Strict, opts.DryRun, who.UserID,
			store.Millis(run.CreatedAt)).Scan(&run.ID); err != nil {
			return errs.Wrap(err, "insert import run")
		}
		jobID, err := s.Jobs.Enqueue(ctx, tx, ImportJobKind, map[string]int64{"run": run.ID}, jobs.MaxAttempts(1))
		if err != nil {
			return err
		}
		run.JobID = jobID
		_, err = tx.ExecContext(ctx, `UPDATE import_runs SET job_id = ? WHERE id = ?`, jobID, run.ID)
		return errs.Wrap(err, "link import job")
	})
	if err != nil {
		os.Remove(path)
		return nil, err
	}
	return run, nil
}

// Run is the job handler of ImportJobKind: it imports the saved file,
// reporting progress on the job, stores the result and removes the upload.
func (s *ImportRuns) Run(ctx context.Context, j *jobs.Job) error {
	var p struct{ Run int64 }
	if err := json.Unmarshal(j.Payload, &p); err != nil {
		return jobs.Permanent(errs.Wrap(err, "import payload"))
	}
	run, err := s.FindImportRunByID(ctx, p.Run)
	if err != nil {
		return jobs.Permanent(err)
	}
	f, err := os.Open(run.path)
	if err != nil {
		return s.finish(ctx, run, nil, errs.Errorf(errs.NotFound, "上传的文件已不存在：%s", run.Filename))
	}
	defer f.Close()
	opts := ImportOptions{Strict: run.Strict, DryRun: run.DryRun, Size: run.Size}
	res, ierr := s.Enterprises.Import(ctx, f, run.Format, opts, func(pr Progress) {
		note := "已读取 " + strconv.Itoa(pr.Read) + " 行，拒绝 " + strconv.Itoa(pr.Rejected) + " 行"
		if pr.Phase == PhaseIndexes {
			note = pr.IndexingNote()
		}
		_ = j.Progress(ctx, pr.Bytes, pr.TotalBytes, note)
	})
	if res != nil && ierr == nil {
		// The last report says what the import did, for the jobs pages.
		_ = j.Progress(ctx, run.Size, run.Size, res.Summary())
	}
	return s.finish(ctx, run, res, ierr)
}

func (s *ImportRuns) finish(ctx context.Context, run *ImportRun, res *ImportResult, ierr error) error {
	var result, msg *string
	if res != nil {
		b, err := json.Marshal(res)
		if err != nil {
			return errs.Wrap(err, "marshal import result")
		}
		r := string(b)
		result = &r
	}
	if ierr != nil {
		m := errs.MessageOf(ierr)
		msg = &m
	}
	_, err := s.Enterprises.DB.ExecContext(ctx, `UPDATE import_runs SET finished_at = ?, result = ?, error = ? WHERE id = ?`,
		store.Millis(s.Now()), result, msg, run.ID)
	if err != nil {
		return errs.Wrap(err, "finish import run")
	}
	os.Remove(run.path)
	if ierr != nil && errs.CodeOf(ierr) == errs.Internal {
		return jobs.Permanent(ierr)
	}
	return nil
}

// FindImportRunByID returns an import run with its result. Errors: NotFound.
func (s *ImportRuns) FindImportRunByID(ctx context.Context, id int64) (*ImportRun, error) {
	var run ImportRun
	var created int64
	var finished sql.NullInt64
	var jobID sql.NullInt64
	var result, msg sql.NullString
	err := s.Enterprises.DB.QueryRowContext(ctx, `SELECT id, job_id, filename, format, path, size, strict, dry_run, created_at, finished_at, result, error
		FROM import_runs WHERE id = ?`, id).Scan(&run.ID, &jobID, &run.Filename, &run.Format, &run.path, &run.Size, &run.Strict, &run.DryRun,
		&created, &finished, &result, &msg)
	if err != nil {
		return nil, store.NotFound(err, "导入记录 %d 不存在", id)
	}
	run.JobID = jobID.Int64
	run.CreatedAt = store.FromMillis(created)
	if finished.Valid {
		t := store.FromMillis(finished.Int64)
		run.FinishedAt = &t
	}
	if result.Valid {
		run.Result = &ImportResult{}
		if err := json.Unmarshal([]byte(result.String), run.Result); err != nil {
			return nil, errs.Wrap(err, "read import result")
		}
	}
	run.Error = msg.String
	return &run, nil
}
